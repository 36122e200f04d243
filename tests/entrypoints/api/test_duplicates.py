"""/api/v1/duplicates/check: ranked candidates, and nothing the asker may not see."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, Register
from zhengming.domain.customer import AccessScope, Actor
from zhengming.entrypoints.api.deps import current_actor

BYTEDANCE = "北京字节跳动科技有限公司"
#: What a hidden candidate may show: whom to ask, and how sure the match is.
HIDDEN_FIELDS = {"customer_no", "owner", "decision", "probability", "visible"}


@pytest.fixture
def act_as(app: FastAPI) -> Iterator[Callable[[Actor], None]]:
    """Makes the following requests act as the given user (until the test ends)."""

    def act_as(actor: Actor) -> None:
        app.dependency_overrides[current_actor] = lambda: actor

    yield act_as
    app.dependency_overrides.clear()


def test_check_ranks_the_same_company_first_with_evidence(
    client: TestClient, register: Register
) -> None:
    existing = register(BYTEDANCE, owner="alice")
    register("深圳市腾讯计算机系统有限公司")
    response = client.post(f"{API}/duplicates/check", json={"name": "字節跳動（北京）科技有限公司"})
    assert response.status_code == 200, response.text
    candidates = response.json()["candidates"]
    assert [c["customer_no"] for c in candidates] == [existing["customer_no"]]
    first = candidates[0]
    assert first["decision"] == "same"
    assert first["visible"] is True
    assert first["name"] == BYTEDANCE
    assert first["evidence"]


def test_check_finds_nothing_for_a_new_company(client: TestClient, register: Register) -> None:
    register(BYTEDANCE)
    response = client.post(
        f"{API}/duplicates/check", json={"name": "杭州海康威视数字技术股份有限公司"}
    )
    assert response.json() == {"candidates": []}


def test_a_hidden_record_shows_only_number_and_owner(
    client: TestClient, register: Register, act_as: Callable[[Actor], None]
) -> None:
    existing = register(BYTEDANCE, owner="alice", uscc="91110108551385082Q")
    # bob, a sales rep, sees only his own customers.
    act_as(Actor("bob", scope=AccessScope.OWN))
    response = client.post(f"{API}/duplicates/check", json={"name": BYTEDANCE})
    assert response.status_code == 200
    [candidate] = response.json()["candidates"]
    assert set(candidate) == HIDDEN_FIELDS
    assert candidate["customer_no"] == existing["customer_no"]
    assert candidate["owner"] == "alice"
    assert candidate["visible"] is False

    # Registering it anyway names the owner, and nothing more.
    refused = client.post(f"{API}/customers", json={"name": BYTEDANCE})
    assert refused.status_code == 409
    details = refused.json()["details"]
    assert details["owner"] == "alice"
    assert all(set(c) == HIDDEN_FIELDS for c in details["candidates"])
    assert "91110108551385082Q" not in refused.text

    # Nor can bob read it, or find more than its number through the search box.
    assert client.get(f"{API}/customers/{existing['customer_no']}").status_code == 403
    [hit] = client.get(f"{API}/search", params={"q": "字节跳动"}).json()["items"]
    assert set(hit) == {"customer_no", "owner", "visible", "match"}
