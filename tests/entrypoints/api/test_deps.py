"""The acting user and the expected version, as the routes receive them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, MakeServices
from zhengming.domain.customer import SYSTEM, AccessScope, Actor
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.api.deps import actor_from_headers, etag, parse_version
from zhengming.errors import InvalidInputError, PermissionDeniedError


@pytest.mark.parametrize(
    ("value", "version"), [('"3"', 3), ("3", 3), ('W/"3"', 3), (' "12" ', 12), (etag(7), 7)]
)
def test_parse_version_accepts_etags_and_bare_numbers(value: str, version: int) -> None:
    assert parse_version(value) == version


@pytest.mark.parametrize("value", ["", '""', "*", "abc", '"1", "2"', "-1", "３", "1" * 19])
def test_parse_version_refuses_anything_else(value: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_version(value)


@pytest.mark.parametrize(
    ("headers", "actor"),
    [
        ({"X-Zhengming-User": "alice"}, Actor("alice", scope=AccessScope.OWN)),
        (
            {"X-Zhengming-User": "bob", "X-Zhengming-Team": "north", "X-Zhengming-Scope": "TEAM"},
            Actor("bob", scope=AccessScope.TEAM, team="north"),
        ),
        (
            {"X-Zhengming-User": "%E7%8E%8B%E8%8A%B3", "X-Zhengming-Scope": "all"},
            Actor("王芳", scope=AccessScope.ALL),
        ),
    ],
)
def test_actor_from_headers(headers: dict[str, str], actor: Actor) -> None:
    assert actor_from_headers(headers) == actor


def test_actor_from_headers_needs_a_user_and_a_known_scope() -> None:
    with pytest.raises(PermissionDeniedError):
        actor_from_headers({"X-Zhengming-Team": "north"})
    with pytest.raises(InvalidInputError):
        actor_from_headers({"X-Zhengming-User": "alice", "X-Zhengming-Scope": "root"})


@pytest.fixture
def trusting_client(make_services: MakeServices) -> Iterator[TestClient]:
    with TestClient(create_app(make_services(trust_user_header=True))) as client:
        yield client


def test_a_trusted_proxy_names_the_owner_and_limits_what_is_seen(
    trusting_client: TestClient,
) -> None:
    alice = {"X-Zhengming-User": "alice"}
    bob = {"X-Zhengming-User": "bob"}
    created = trusting_client.post(
        f"{API}/customers", json={"name": "北京字节跳动科技有限公司"}, headers=alice
    )
    assert created.status_code == 201
    customer = created.json()["customer"]
    assert customer["owner"] == "alice"
    assert trusting_client.get(f"{API}/customers", headers=bob).json()["total"] == 0
    denied = trusting_client.get(f"{API}/customers/{customer['customer_no']}", headers=bob)
    assert denied.status_code == 403
    assert denied.json()["code"] == "access.denied"
    history = trusting_client.get(f"{API}/customers/{customer['id']}/history", headers=alice)
    assert history.json()["items"][0]["actor"] == "alice"


def test_a_trusted_proxy_must_name_the_user(trusting_client: TestClient) -> None:
    response = trusting_client.get(f"{API}/customers")
    assert response.status_code == 403
    assert response.json()["code"] == "access.denied"


def test_identity_headers_are_ignored_unless_trusted(client: TestClient) -> None:
    response = client.post(
        f"{API}/customers",
        json={"name": "北京字节跳动科技有限公司"},
        headers={"X-Zhengming-User": "mallory", "X-Zhengming-Scope": "all"},
    )
    assert response.json()["customer"]["owner"] == SYSTEM.username
