"""/api/v1/customers: the registry's life cycle through the REST API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, Register

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_USCC = "91110108551385082Q"


def test_register_answers_201_with_customer_warnings_candidates(client: TestClient) -> None:
    response = client.post(
        f"{API}/customers",
        json={"name": BYTEDANCE, "uscc": BYTEDANCE_USCC, "owner": "alice", "tags": ["重点"]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"customer", "warnings", "candidates"}
    customer = body["customer"]
    assert customer["name"] == BYTEDANCE
    assert customer["uscc"] == BYTEDANCE_USCC
    assert customer["owner"] == "alice"
    assert customer["tags"] == ["重点"]
    assert customer["parts"]["trade_name"] == "字节跳动"
    assert response.headers["ETag"] == f'"{customer["version"]}"'
    assert response.headers["Location"].endswith(f"{API}/customers/{customer['customer_no']}")


def test_register_an_abbreviation_answers_its_warning(client: TestClient) -> None:
    response = client.post(f"{API}/customers", json={"name": "腾讯"})
    assert response.status_code == 201
    codes = [warning["code"] for warning in response.json()["warnings"]]
    assert "company.abbreviation_only" in codes


def test_show_by_number_and_by_id_with_etag(client: TestClient, register: Register) -> None:
    customer = register(BYTEDANCE)
    for ref in (customer["customer_no"], str(customer["id"])):
        response = client.get(f"{API}/customers/{ref}")
        assert response.status_code == 200
        assert response.json() == customer
        assert response.headers["ETag"] == '"1"'


def test_list_filters_and_pages(client: TestClient, register: Register) -> None:
    register(BYTEDANCE, owner="alice", team="north", type="customer", tags=["vip"])
    register("深圳市腾讯计算机系统有限公司", owner="bob", team="south")
    register("阿里巴巴（中国）有限公司", owner="alice", team="east")

    everyone = client.get(f"{API}/customers", params={"sort": "name"}).json()
    assert everyone["total"] == 3
    assert everyone["page"] == 1
    assert everyone["page_size"] == 20
    for params, expected in [
        ({"owner": "alice"}, 2),
        ({"team": "south"}, 1),
        ({"type": "customer"}, 1),
        ({"tag": "vip"}, 1),
        ({"region_code": "440000"}, 1),
        ({"status": "archived"}, 0),
    ]:
        body = client.get(f"{API}/customers", params=params).json()
        assert body["total"] == expected, params

    pages = [
        client.get(f"{API}/customers", params={"page": page, "page_size": 2, "sort": "name"})
        for page in (1, 2)
    ]
    items = [item for page in pages for item in page.json()["items"]]
    assert [len(page.json()["items"]) for page in pages] == [2, 1]
    assert sorted(item["name"] for item in items) == sorted(i["name"] for i in everyone["items"])


def test_update_needs_if_match_and_answers_the_new_etag(
    client: TestClient, register: Register
) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    url = f"{API}/customers/{ref}"

    missing = client.patch(url, json={"industry": "I65"})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition.required"

    updated = client.patch(url, json={"industry": "I65"}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["industry"] == "I65"
    assert updated.headers["ETag"] == '"2"'

    # A bare number is accepted too.
    again = client.patch(url, json={"size": "large"}, headers={"If-Match": "2"})
    assert again.status_code == 200
    assert again.json()["version"] == 3


def test_stale_update_is_a_version_conflict_naming_who_changed_it(
    client: TestClient, register: Register
) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    url = f"{API}/customers/{ref}"
    assert client.patch(url, json={"team": "north"}, headers={"If-Match": '"1"'}).status_code == 200

    stale = client.patch(url, json={"team": "south"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    error = stale.json()
    assert error["code"] == "customer.version_conflict"
    assert error["details"]["changed_by"] == "system"
    assert error["details"]["changed_at"]
    assert error["details"]["current_version"] == 2
    assert client.get(url).json()["team"] == "north"


def test_rename_keeps_the_former_name_and_search_finds_it(
    client: TestClient, register: Register
) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    url = f"{API}/customers/{ref}/rename"
    new_name = "北京抖音信息服务有限公司"

    assert client.post(url, json={"name": new_name}).status_code == 428
    renamed = client.post(
        url, json={"name": new_name, "reason": "工商变更"}, headers={"If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    customer = renamed.json()
    assert customer["name"] == new_name
    former = [n for n in customer["names"] if n["type"] == "former"]
    assert [n["name"] for n in former] == [BYTEDANCE]
    assert former[0]["valid_to"]

    hits = client.get(f"{API}/search", params={"q": BYTEDANCE}).json()["items"]
    assert hits[0]["customer_no"] == ref
    assert hits[0]["matched_name"]["type"] == "former"


def test_aliases_are_added_and_removed(client: TestClient, register: Register) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    added = client.post(
        f"{API}/customers/{ref}/names", json={"name": "ByteDance", "type": "english"}
    )
    assert added.status_code == 201, added.text
    alias = next(n for n in added.json()["names"] if n["type"] == "english")
    assert alias["name"] == "ByteDance"

    hits = client.get(f"{API}/search", params={"q": "ByteDance"}).json()["items"]
    assert [hit["customer_no"] for hit in hits] == [ref]

    removed = client.delete(f"{API}/customers/{ref}/names/{alias['id']}")
    assert removed.status_code == 200
    assert [n["type"] for n in removed.json()["names"]] == ["legal"]


def test_the_registered_name_cannot_be_removed(client: TestClient, register: Register) -> None:
    customer = register(BYTEDANCE)
    legal = customer["names"][0]["id"]
    response = client.delete(f"{API}/customers/{customer['customer_no']}/names/{legal}")
    assert response.status_code == 422
    assert response.json()["code"] == "input.invalid"


def test_archive_and_restore(client: TestClient, register: Register) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    archived = client.post(f"{API}/customers/{ref}/archive", json={"reason": "不再合作"})
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert client.get(f"{API}/customers").json()["total"] == 0
    assert client.get(f"{API}/customers", params={"status": "archived"}).json()["total"] == 1

    # Archiving twice is not a transition.
    twice = client.post(f"{API}/customers/{ref}/archive")
    assert twice.status_code == 409
    assert twice.json()["code"] == "customer.invalid_state"

    restored = client.post(f"{API}/customers/{ref}/restore")
    assert restored.status_code == 200
    assert restored.json()["status"] == "active"


def test_delete_moves_to_the_recycle_bin(client: TestClient, register: Register) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    deleted = client.delete(f"{API}/customers/{ref}", params={"reason": "录入错误"})
    assert deleted.status_code == 200
    assert deleted.json()["status"] == "deleted"
    # Still there, in the recycle bin, and restorable.
    assert client.get(f"{API}/customers/{ref}").json()["status"] == "deleted"
    assert client.get(f"{API}/customers", params={"status": "deleted"}).json()["total"] == 1
    assert client.post(f"{API}/customers/{ref}/restore").json()["status"] == "active"


def test_a_deleted_customer_cannot_be_changed(client: TestClient, register: Register) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    client.delete(f"{API}/customers/{ref}")
    response = client.patch(f"{API}/customers/{ref}", json={"size": "s"}, headers={"If-Match": "2"})
    assert response.status_code == 409
    assert response.json()["code"] == "customer.invalid_state"


def test_status_change_with_a_stale_if_match_conflicts(
    client: TestClient, register: Register
) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    response = client.post(f"{API}/customers/{ref}/archive", headers={"If-Match": '"7"'})
    assert response.status_code == 409
    assert response.json()["code"] == "customer.version_conflict"


def test_history_lists_every_change(client: TestClient, register: Register) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    client.post(f"{API}/customers/{ref}/archive", json={"reason": "不再合作"})
    client.post(f"{API}/customers/{ref}/restore")
    entries = client.get(f"{API}/customers/{ref}/history").json()["items"]
    assert [entry["action"] for entry in entries] == [
        "customer.register",
        "customer.archive",
        "customer.restore",
    ]
    assert entries[1]["reason"] == "不再合作"
    assert entries[1]["before"]["status"] == "active"
    assert entries[1]["after"]["status"] == "archived"


@pytest.mark.parametrize(
    "same_company",
    ["字節跳動（北京）科技有限公司", "北京字节跳动科技有限公司", "北京 字节跳动 科技有限公司"],
)
def test_the_same_company_typed_differently_is_a_duplicate(
    client: TestClient,
    register: Register,
    count_customers: Callable[[], int],
    same_company: str,
) -> None:
    existing = register(BYTEDANCE, owner="alice")
    response = client.post(f"{API}/customers", json={"name": same_company})
    assert response.status_code == 409, response.text
    error = response.json()
    assert error["code"] == "customer.duplicate"
    assert error["details"]["customer_no"] == existing["customer_no"]
    assert error["details"]["owner"] == "alice"
    assert count_customers() == 1


def test_a_likely_duplicate_needs_a_reason_then_registers(
    client: TestClient, register: Register, count_customers: Callable[[], int]
) -> None:
    existing = register(BYTEDANCE)
    refused = client.post(f"{API}/customers", json={"name": "字节跳动"})
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "customer.possible_duplicate"
    assert [c["customer_no"] for c in error["details"]["candidates"]] == [existing["customer_no"]]
    assert count_customers() == 1

    confirmed = client.post(
        f"{API}/customers",
        json={"name": "字节跳动", "confirm_reason": "字节跳动个人工作室，不同主体"},
    )
    assert confirmed.status_code == 201, confirmed.text
    assert [c["decision"] for c in confirmed.json()["candidates"]] == ["likely"]
    assert count_customers() == 2
    history = client.get(
        f"{API}/customers/{confirmed.json()['customer']['customer_no']}/history"
    ).json()["items"]
    assert history[0]["reason"] == "字节跳动个人工作室，不同主体"


def test_a_naming_rule_violation_answers_422_with_the_problems(
    client: TestClient, count_customers: Callable[[], int]
) -> None:
    response = client.post(f"{API}/customers", json={"name": "王总"})
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "name.rule_violation"
    assert "suggestion" in error["details"]
    assert error["details"]["problems"][0]["code"] == "individual.title_as_name"
    assert count_customers() == 0


def test_an_unknown_customer_is_not_found(client: TestClient) -> None:
    for ref in ("C209912-999999", "424242"):
        response = client.get(f"{API}/customers/{ref}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
