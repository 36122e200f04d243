"""/api/v1/merges: preview, merge, read, undo, and the merges a customer survived."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, MakeServices
from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import SYSTEM, AccessScope, Actor
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.api.deps import actor_from_headers
from zhengming.services.bulk import BulkCustomer, load_customers
from zhengming.settings import Settings
from zhengming.storage.bulk import bulk_units

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_TRADITIONAL = "字节跳动（北京）科技有限公司"
#: Invented credit codes with valid check characters.
CODE_A = "911101080000001010"
CODE_B = "911101080000001023"
ADMIN = {"X-Zhengming-User": "li.admin", "X-Zhengming-Scope": "all", "X-Zhengming-Role": "admin"}
SALES = {"X-Zhengming-User": "bob", "X-Zhengming-Scope": "all"}


def seed(services: Services, *customers: BulkCustomer) -> list[str]:
    """Store customers as trusted rows (no duplicate check); their customer numbers."""
    with bulk_units(services.database) as units:
        report = load_customers(units, list(customers), actor=SYSTEM)
    assert report.first_customer_no is not None
    prefix, first = report.first_customer_no.rsplit("-", 1)
    return [f"{prefix}-{int(first) + i:06d}" for i in range(len(customers))]


def seed_bytedance(services: Services) -> list[str]:
    """Two records of one company: the first has the credit code, the second an industry.

    Register would refuse the second as a duplicate; the trusted bulk loader stores both.
    """
    return seed(
        services,
        BulkCustomer(BYTEDANCE, uscc=CODE_A, size="large", source="官网"),
        BulkCustomer(BYTEDANCE_TRADITIONAL, industry="I64", source="展会"),
    )


def seed_two_codes(services: Services) -> list[str]:
    """Two records with different valid credit codes: two legal entities, by the guard."""
    return seed(
        services,
        BulkCustomer("平安银行股份有限公司", uscc=CODE_A),
        BulkCustomer("平安银行有限公司", uscc=CODE_B),
    )


def customer(client: TestClient, ref: str) -> dict[str, Any]:
    response = client.get(f"{API}/customers/{ref}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def merge(client: TestClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post(f"{API}/merges", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_preview_shows_survivor_values_and_new_names_and_writes_nothing(
    client: TestClient, services: Services
) -> None:
    kept, merged = seed_bytedance(services)
    before = [customer(client, ref) for ref in (kept, merged)]
    response = client.post(f"{API}/merges/preview", json={"customers": [merged, kept]})
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [r["customer_no"] for r in plan["records"]] == [kept, merged]  # survivor first
    kept_id, merged_id = (r["id"] for r in plan["records"])
    assert (plan["survivor_id"], plan["merged_ids"]) == (kept_id, [merged_id])
    assert plan["values"]["uscc"] == {"value": CODE_A, "from": kept_id}
    assert plan["values"]["industry"] == {"value": "I64", "from": merged_id}
    assert (BYTEDANCE_TRADITIONAL, "former") in {(n["name"], n["type"]) for n in plan["new_names"]}
    assert plan["versions"] == {str(kept_id): 1, str(merged_id): 1}
    assert [customer(client, ref) for ref in (kept, merged)] == before
    assert client.get(f"{API}/customers/{kept}/merges").json() == {"items": []}


def test_preview_follows_the_users_choices(client: TestClient, services: Services) -> None:
    kept, merged = seed_bytedance(services)
    response = client.post(
        f"{API}/merges/preview",
        json={"customers": [kept, merged], "survivor": merged, "take": {"source": kept}},
    )
    assert response.status_code == 200, response.text
    plan = response.json()
    merged_id, kept_id = (r["id"] for r in plan["records"])
    assert plan["records"][0]["customer_no"] == merged
    # The survivor's own source would win; the user took the other record's.
    assert plan["values"]["source"] == {"value": "官网", "from": kept_id}
    assert plan["values"]["industry"] == {"value": "I64", "from": merged_id}


def test_merge_then_the_old_number_answers_with_the_survivor(
    client: TestClient, services: Services
) -> None:
    kept, merged = seed_bytedance(services)
    preview = client.post(f"{API}/merges/preview", json={"customers": [kept, merged]}).json()
    versions = {r["customer_no"]: r["version"] for r in preview["records"]}
    response = client.post(
        f"{API}/merges",
        json={"customers": [kept, merged], "versions": versions, "reason": "同一家公司"},
    )
    assert response.status_code == 201, response.text
    result = response.json()
    merge_id = result["merge_id"]
    assert response.headers["Location"].endswith(f"{API}/merges/{merge_id}")
    assert result["survivor"]["customer_no"] == kept
    assert result["survivor"]["industry"] == "I64"
    assert [(m["customer_no"], m["status"]) for m in result["merged"]] == [(merged, "merged")]

    redirected = customer(client, merged)
    assert redirected["customer_no"] == kept
    assert redirected == customer(client, kept)
    answer = client.get(f"{API}/customers/{merged}")
    assert answer.headers["Content-Location"] == f"{API}/customers/{kept}"
    assert "Content-Location" not in client.get(f"{API}/customers/{kept}").headers

    event = client.get(f"{API}/merges/{merge_id}").json()
    assert (event["survivor"], event["merged"]) == (kept, [merged])
    assert (event["actor"], event["reason"], event["undone_at"]) == ("system", "同一家公司", None)
    for ref in (kept, merged):  # the merged number finds the survivor's history too
        items = client.get(f"{API}/customers/{ref}/merges").json()["items"]
        assert [item["id"] for item in items] == [merge_id]


def test_a_record_changed_since_the_preview_is_a_version_conflict(
    client: TestClient, services: Services
) -> None:
    kept, merged = seed_bytedance(services)
    preview = client.post(f"{API}/merges/preview", json={"customers": [kept, merged]}).json()
    versions = {r["customer_no"]: r["version"] for r in preview["records"]}
    changed = client.patch(
        f"{API}/customers/{merged}", json={"size": "small"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    response = client.post(
        f"{API}/merges", json={"customers": [kept, merged], "versions": versions}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "customer.version_conflict"
    assert customer(client, merged)["status"] == "active"


def test_versions_must_name_the_records_merged(client: TestClient, services: Services) -> None:
    kept, merged = seed_bytedance(services)
    response = client.post(
        f"{API}/merges", json={"customers": [kept, merged], "versions": {"1": 1}}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "input.invalid"
    assert customer(client, merged)["customer_no"] == merged


@pytest.mark.parametrize(
    "body",
    [
        {"customers": ["{a}", "{a}"]},  # the same record twice
        {"customers": ["{a}"]},
        {"customers": ["{a}", "{b}"], "survivor": "C200001-000001"},
        {"customers": ["{a}", "{b}"], "take": {"name": "{a}"}},
        {"customers": ["{a}", "{b}"], "extra": 1},
    ],
    ids=["itself", "one", "stranger_survivor", "unknown_field", "extra_key"],
)
def test_invalid_merges_are_422(
    client: TestClient, services: Services, body: dict[str, Any]
) -> None:
    a, b = seed_bytedance(services)
    filled = _fill(body, a=a, b=b)
    for path in ("/merges/preview", "/merges"):
        response = client.post(f"{API}{path}", json=filled)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "input.invalid"
    assert customer(client, b)["customer_no"] == b


def test_an_unknown_customer_is_404(client: TestClient, services: Services) -> None:
    [a] = seed(services, BulkCustomer(BYTEDANCE))
    response = client.post(f"{API}/merges", json={"customers": [a, "C200001-999999"]})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(f"{API}/customers/C200001-999999/merges").status_code == 404


def test_different_credit_codes_are_refused_unless_an_admin_overrides(
    client: TestClient, services: Services
) -> None:
    a, b = seed_two_codes(services)
    refused = client.post(f"{API}/merges", json={"customers": [a, b]})
    assert refused.status_code == 409
    assert refused.json()["code"] == "merge.refused"
    assert refused.json()["details"]["reason"] == "different_uscc"
    assert client.post(f"{API}/merges/preview", json={"customers": [a, b]}).status_code == 409
    # Without trusted headers the API acts as SYSTEM, the installation's administrator.
    result = merge(client, {"customers": [a, b], "override_reason": "同一法人，代码录错"})
    assert result["plan"]["override_reason"] == "同一法人，代码录错"


@pytest.fixture
def trusting(make_services: MakeServices) -> Iterator[tuple[TestClient, Services]]:
    """A client behind a trusted proxy (identity headers), and its services to seed."""
    services = make_services(trust_user_header=True)
    with TestClient(create_app(services)) as client:
        yield client, services


def test_only_an_admin_may_override_the_credit_code_guard(
    trusting: tuple[TestClient, Services],
) -> None:
    client, services = trusting
    a, b = seed_two_codes(services)
    body = {"customers": [a, b], "override_reason": "集团要求"}
    for path in ("/merges/preview", "/merges"):
        denied = client.post(f"{API}{path}", json=body, headers=SALES)
        assert denied.status_code == 403, denied.text
        assert denied.json()["code"] == "access.denied"
    assert (
        client.post(f"{API}/merges", json={"customers": [a, b]}, headers=ADMIN).status_code == 409
    )
    result = merge(client, body, **ADMIN)
    assert result["survivor"]["customer_no"] in (a, b)
    event = client.get(f"{API}/merges/{result['merge_id']}", headers=SALES).json()
    assert event["actor"] == "li.admin"


def test_records_another_user_owns_cannot_be_merged(
    trusting: tuple[TestClient, Services],
) -> None:
    client, services = trusting
    a, b = seed(
        services,
        BulkCustomer(BYTEDANCE, owner="alice"),
        BulkCustomer(BYTEDANCE_TRADITIONAL, owner="alice"),
    )
    response = client.post(
        f"{API}/merges", json={"customers": [a, b]}, headers={"X-Zhengming-User": "bob"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "access.denied"


def test_undo_restores_the_records_and_cannot_be_repeated(
    client: TestClient, services: Services
) -> None:
    kept, merged = seed_bytedance(services)
    result = merge(client, {"customers": [kept, merged]})
    merge_id = result["merge_id"]
    response = client.post(f"{API}/merges/{merge_id}/undo", json={"reason": "误合并"})
    assert response.status_code == 200, response.text
    undone = response.json()
    assert undone["merge_id"] == merge_id
    assert [(r["customer_no"], r["status"]) for r in undone["restored"]] == [(merged, "active")]
    assert undone["conflicts"] == []
    restored = customer(client, merged)
    assert (restored["customer_no"], restored["status"]) == (merged, "active")
    assert customer(client, kept)["industry"] is None
    event = client.get(f"{API}/merges/{merge_id}").json()
    assert event["undone_by"] == "system"
    assert event["undo_report"]["reason"] == "误合并"

    again = client.post(f"{API}/merges/{merge_id}/undo")
    assert again.status_code == 409
    assert again.json()["code"] == "customer.invalid_state"


def test_undo_keeps_and_lists_the_survivors_later_changes(
    client: TestClient, services: Services
) -> None:
    kept, merged = seed_bytedance(services)
    result = merge(client, {"customers": [kept, merged]})
    version = f'"{result["survivor"]["version"]}"'
    changed = client.patch(
        f"{API}/customers/{kept}", json={"industry": "I65"}, headers={"If-Match": version}
    )
    assert changed.status_code == 200, changed.text
    undone = client.post(f"{API}/merges/{result['merge_id']}/undo").json()
    assert undone["conflicts"] == [
        {"field": "industry", "before_merge": None, "set_by_merge": "I64", "current": "I65"}
    ]
    assert undone["survivor"]["industry"] == "I65"


def test_an_unknown_merge_is_404(client: TestClient) -> None:
    for response in (client.get(f"{API}/merges/999"), client.post(f"{API}/merges/999/undo")):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.get(f"{API}/merges/0").json()["code"] == "input.invalid"


def test_openapi_lists_the_merge_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths[f"{API}/merges/preview"]) == {"post"}
    assert set(paths[f"{API}/merges"]) == {"post"}
    assert set(paths[f"{API}/merges/{{merge_id}}"]) == {"get"}
    assert set(paths[f"{API}/merges/{{merge_id}}/undo"]) == {"post"}
    assert set(paths[f"{API}/customers/{{ref}}/merges"]) == {"get"}
    assert "409" in paths[f"{API}/merges"]["post"]["responses"]


@pytest.mark.parametrize(
    ("role", "admin"), [("admin", True), ("ADMIN", True), ("sales", False), (None, False)]
)
def test_the_role_header_makes_an_administrator(role: str | None, admin: bool) -> None:
    headers = {"X-Zhengming-User": "li"} | ({"X-Zhengming-Role": role} if role else {})
    assert actor_from_headers(headers) == Actor("li", scope=AccessScope.OWN, admin=admin)


def test_merge_and_undo_on_both_databases(migrated_database_url: str, tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, database_url=migrated_database_url))
    try:
        kept, merged = seed_bytedance(services)
        with TestClient(create_app(services)) as client:
            result = merge(client, {"customers": [merged, kept]})
            assert customer(client, merged)["customer_no"] == kept
            undo = client.post(f"{API}/merges/{result['merge_id']}/undo")
            assert undo.status_code == 200, undo.text
            assert customer(client, merged)["customer_no"] == merged
            assert client.post(f"{API}/merges/{result['merge_id']}/undo").status_code == 409
    finally:
        services.close()


def _fill(body: dict[str, Any], **refs: str) -> dict[str, Any]:
    """``body`` with ``{a}``-style placeholders replaced by customer numbers."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**refs)
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    return {key: fill(value) for key, value in body.items()}
