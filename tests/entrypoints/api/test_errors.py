"""Bad input never answers 500: every error is JSON {code, message, details}, nothing is written."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, Register
from zhengming.entrypoints.api.deps import current_actor
from zhengming.settings import Settings

LIMIT = Settings().max_request_bytes
INVALID_USCC = "91110108551385082X"  # the check digit of 91110108551385082Q, changed


def _request(client: TestClient, spec: dict[str, Any]) -> Any:
    # A body given as chunks is sent without Content-Length (chunked), so only counting the
    # bytes as they arrive can find it too large.
    content = iter(spec["streamed"]) if "streamed" in spec else spec.get("content")
    return client.request(
        spec.get("method", "POST"),
        f"{API}{spec['path']}",
        json=spec.get("json"),
        content=content,
        headers=spec.get("headers"),
    )


JSON = {"Content-Type": "application/json"}

# (id, request, status, code): bodies sent to endpoints that would otherwise write.
BAD_INPUT = [
    (
        "unknown field",
        {"path": "/customers", "json": {"name": "甲公司", "nick": "x"}},
        422,
        "input.invalid",
    ),
    (
        "wrong type",
        {"path": "/customers", "json": {"name": "甲公司", "tags": "vip"}},
        422,
        "input.invalid",
    ),
    ("name not a string", {"path": "/customers", "json": {"name": 42}}, 422, "input.invalid"),
    ("missing name", {"path": "/customers", "json": {"uscc": INVALID_USCC}}, 422, "input.invalid"),
    (
        "unknown enum",
        {"path": "/customers", "json": {"name": "甲公司", "type": "king"}},
        422,
        "input.invalid",
    ),
    ("body is a list", {"path": "/customers", "json": [{"name": "甲公司"}]}, 422, "input.invalid"),
    (
        "invalid USCC",
        {"path": "/customers", "json": {"name": "北京字节跳动科技有限公司", "uscc": INVALID_USCC}},
        422,
        "identifier.invalid",
    ),
    (
        "invalid e-mail",
        {
            "path": "/customers",
            "json": {"name": "甲乙丙科技有限公司", "contacts": [{"email": "not-an-email"}]},
        },
        422,
        "identifier.invalid",
    ),
    (
        "bad region",
        {"path": "/customers", "json": {"name": "甲乙丙科技有限公司", "region_code": "北京"}},
        422,
        "input.invalid",
    ),
    (
        "title as name",
        {"path": "/customers", "json": {"name": "李经理"}},
        422,
        "name.rule_violation",
    ),
    ("empty name", {"path": "/customers", "json": {"name": ""}}, 422, "name.rule_violation"),
    (
        "malformed JSON",
        {"path": "/customers", "content": '{"name": "甲'.encode(), "headers": JSON},
        422,
        "input.invalid",
    ),
    (
        "not UTF-8",
        {"path": "/customers", "content": b'{"name": "\xff\xfe"}', "headers": JSON},
        422,
        "input.invalid",
    ),
    (
        "no content type",
        {"path": "/customers", "content": json.dumps({"name": "甲乙丙科技有限公司"}).encode()},
        422,
        "input.invalid",
    ),
    ("empty body", {"path": "/customers", "content": b"", "headers": JSON}, 422, "input.invalid"),
    (
        "oversized body",
        {"path": "/customers", "json": {"name": "甲" * LIMIT}},
        413,
        "input.too_large",
    ),
    (
        "oversized, streamed",
        {"path": "/customers", "streamed": [b'{"name": "', b"a" * LIMIT, b'"}']},
        413,
        "input.too_large",
    ),
    (
        "check: unknown field",
        {"path": "/duplicates/check", "json": {"name": "甲", "x": 1}},
        422,
        "input.invalid",
    ),
    (
        "check: limit too big",
        {"path": "/duplicates/check", "json": {"name": "甲", "limit": 10_000}},
        422,
        "input.invalid",
    ),
    (
        "check: unusable name",
        {"path": "/duplicates/check", "json": {"name": "!!!"}},
        422,
        "input.invalid",
    ),
    (
        "check: invalid USCC",
        {"path": "/duplicates/check", "json": {"name": "甲公司", "uscc": INVALID_USCC}},
        422,
        "identifier.invalid",
    ),
    ("unknown route", {"method": "GET", "path": "/nowhere"}, 404, "not_found"),
    ("unknown route, POST", {"path": "/customers/C1/teleport", "json": {}}, 404, "not_found"),
    (
        "method not allowed",
        {"method": "PUT", "path": "/customers", "json": {}},
        405,
        "method_not_allowed",
    ),
    ("missing record", {"method": "GET", "path": "/customers/C209912-999999"}, 404, "not_found"),
    (
        "missing record, change",
        {
            "method": "PATCH",
            "path": "/customers/C209912-999999",
            "json": {},
            "headers": {"If-Match": "1"},
        },
        404,
        "not_found",
    ),
    (
        "missing record, alias",
        {"path": "/customers/C209912-999999/names", "json": {"name": "字节"}},
        404,
        "not_found",
    ),
    (
        "missing record, history",
        {"method": "GET", "path": "/customers/C209912-999999/history"},
        404,
        "not_found",
    ),
    (
        "page too big",
        {"method": "GET", "path": "/customers?page=100000000000000000000"},
        422,
        "input.invalid",
    ),
    (
        "page size too big",
        {"method": "GET", "path": "/customers?page_size=100000"},
        422,
        "input.invalid",
    ),
    ("bad sort", {"method": "GET", "path": "/customers?sort=random"}, 422, "input.invalid"),
    ("bad status", {"method": "GET", "path": "/customers?status=merged"}, 422, "input.invalid"),
    ("search without q", {"method": "GET", "path": "/search"}, 422, "input.invalid"),
    ("search limit", {"method": "GET", "path": "/search?q=a&limit=0"}, 422, "input.invalid"),
    ("ref too long", {"method": "GET", "path": "/customers/" + "C" * 65}, 422, "input.invalid"),
]


@pytest.mark.parametrize(
    ("request_spec", "status", "code"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_answers_its_code_and_writes_nothing(
    client: TestClient,
    count_customers: Callable[[], int],
    request_spec: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = count_customers()
    response = _request(client, request_spec)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    assert count_customers() == before


def test_validation_errors_list_each_field(client: TestClient) -> None:
    response = client.post(f"{API}/customers", json={"name": 1, "nick": "x"})
    errors = response.json()["details"]["errors"]
    assert {(tuple(e["loc"]), e["type"]) for e in errors} == {
        (("body", "name"), "string_type"),
        (("body", "nick"), "extra_forbidden"),
    }
    assert all(set(error) == {"loc", "msg", "type"} for error in errors)


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        ("abc", 422, "input.invalid"),
        ('"1", "2"', 422, "input.invalid"),
        ("*", 422, "input.invalid"),
        ("99999999999999999999999", 422, "input.invalid"),
        ('"7"', 409, "customer.version_conflict"),
        ('W/"1"', 200, None),
    ],
)
def test_if_match_values(
    client: TestClient, register: Register, if_match: str, status: int, code: str | None
) -> None:
    ref = register("北京字节跳动科技有限公司")["customer_no"]
    response = client.patch(
        f"{API}/customers/{ref}", json={"size": "L"}, headers={"If-Match": if_match}
    )
    assert response.status_code == status, response.text
    if code:
        assert response.json()["code"] == code


def test_a_body_just_under_the_limit_is_read(client: TestClient) -> None:
    padding = " " * (LIMIT - 100)
    response = client.post(
        f"{API}/duplicates/check",
        content=f'{{"name": "北京字节跳动科技有限公司"{padding}}}'.encode(),
        headers=JSON,
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def failing_app(app: FastAPI) -> Iterator[FastAPI]:
    def broken() -> None:
        raise RuntimeError("secret internals")

    app.dependency_overrides[current_actor] = broken
    yield app
    app.dependency_overrides.clear()


def test_an_unexpected_error_is_a_logged_500_without_traceback(
    failing_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(failing_app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="zhengming.api"):
        response = client.get(f"{API}/customers")
    assert response.status_code == 500
    assert response.json() == {
        "code": "zhengming.error",
        "message": "服务器内部错误 / internal server error",
        "details": {},
    }
    assert "secret" not in response.text
    assert "secret internals" in caplog.text


def test_a_huge_numeric_reference_is_not_found(client: TestClient) -> None:
    big = TestClient(client.app, raise_server_exceptions=False)
    response = big.get(f"{API}/customers/{'9' * 30}")
    assert response.status_code == 404
