"""/api/v1/scans, /jobs, /duplicates/clusters and links: the scan and review queue over HTTP.

Every test runs on SQLite and on PostgreSQL (skipped where PostgreSQL is not installed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API
from tests.support.seeding import near_duplicates, seed_named
from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import SYSTEM
from zhengming.settings import Settings


@pytest.fixture
def services(migrated_database_url: str, tmp_path: Path) -> Iterator[Services]:
    """Services on a fresh migrated database: SQLite, then PostgreSQL (tests/conftest.py)."""
    built = build_services(Settings(data_dir=tmp_path, database_url=migrated_database_url))
    yield built
    built.close()


@pytest.fixture
def base(services: Services) -> dict[str, str]:
    """Two pairs of near-duplicates and a loner, stored without the duplicate check."""
    return seed_named(services, near_duplicates())


def scan(client: TestClient, *, full: bool = True) -> dict[str, Any]:
    """Start a scan; the test client runs the background task before it returns."""
    response = client.post(f"{API}/scans", json={"full": full})
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["Location"].endswith(f"{API}/jobs/{job['id']}")
    return job


def cluster_of(client: TestClient, number: str) -> dict[str, Any]:
    items = client.get(f"{API}/duplicates/clusters").json()["items"]
    return next(c for c in items if number in {m["customer_no"] for m in c["members"]})


def pending_members(client: TestClient) -> list[list[str]]:
    items = client.get(f"{API}/duplicates/clusters").json()["items"]
    return sorted(sorted(m["customer_no"] for m in c["members"]) for c in items)


def test_a_scan_job_runs_in_the_background_and_reports(
    client: TestClient, base: dict[str, str]
) -> None:
    job = scan(client)
    assert (job["kind"], job["status"], job["params"]) == ("scan", "queued", {"full": True})
    done = client.get(f"{API}/jobs/{job['id']}")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "succeeded", body
    assert body["result"]["mode"] == "full"
    assert body["result"]["customers"] == 5
    assert body["result"]["pairs_found"] == 2
    assert body["result"]["clusters"] == 2
    assert body["progress"]["stage"] is None  # cleared when the job ends
    assert body["started_at"] is not None
    assert body["finished_at"] is not None
    # Without a body: an incremental scan (nothing changed since, nothing found).
    second = client.post(f"{API}/scans")
    assert second.status_code == 202
    result = client.get(f"{API}/jobs/{second.json()['id']}").json()["result"]
    assert (result["mode"], result["customers"]) == ("incremental", 0)


def test_the_queue_lists_clusters_with_members_and_evidence(
    client: TestClient, base: dict[str, str]
) -> None:
    scan(client)
    page = client.get(f"{API}/duplicates/clusters").json()
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 20)
    assert pending_members(client) == sorted(
        [sorted([base["bd"], base["bd2"]]), sorted([base["pa"], base["pa2"]])]
    )
    probabilities = [c["probability"] for c in page["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    cluster = page["items"][0]
    assert cluster["status"] == "pending"
    assert cluster["size"] == 2
    [pair] = cluster["pairs"]
    assert pair["evidence"]
    assert {"comparison", "level", "weight"} <= set(pair["evidence"][0])
    assert "uscc" in cluster["differences"]  # one has a credit code, the other none
    one = client.get(f"{API}/duplicates/clusters/{cluster['id']}")
    assert one.status_code == 200
    assert one.json() == cluster
    paged = client.get(f"{API}/duplicates/clusters", params={"page": 2, "page_size": 1}).json()
    assert [c["id"] for c in paged["items"]] == [page["items"][1]["id"]]
    assert client.get(f"{API}/duplicates/clusters", params={"status": "merged"}).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 20,
    }
    unlikely = client.get(f"{API}/duplicates/clusters", params={"min_probability": 1.0})
    assert unlikely.json()["total"] == 0


def test_not_a_duplicate_leaves_the_queue_and_is_remembered(
    client: TestClient, base: dict[str, str]
) -> None:
    scan(client)
    cluster = cluster_of(client, base["pa"])
    decided = client.post(
        f"{API}/duplicates/clusters/{cluster['id']}/decision",
        json={"action": "not_duplicate", "reason": "两家不同的银行"},
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert "merge" not in body
    assert body["cluster"]["status"] == "not_duplicate"
    assert body["cluster"]["reason"] == "两家不同的银行"
    assert pending_members(client) == [sorted([base["bd"], base["bd2"]])]
    listed = client.get(f"{API}/duplicates/clusters", params={"status": "not_duplicate"})
    assert [c["id"] for c in listed.json()["items"]] == [cluster["id"]]
    # A later full scan remembers the decision instead of proposing the pair again.
    job = scan(client)
    assert client.get(f"{API}/jobs/{job['id']}").json()["result"]["remembered"] == 1
    assert pending_members(client) == [sorted([base["bd"], base["bd2"]])]
    again = client.post(
        f"{API}/duplicates/clusters/{cluster['id']}/decision", json={"action": "merge"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "customer.invalid_state"


def test_a_merge_decision_merges_through_the_api(client: TestClient, base: dict[str, str]) -> None:
    scan(client)
    cluster = cluster_of(client, base["bd"])
    decided = client.post(
        f"{API}/duplicates/clusters/{cluster['id']}/decision",
        json={"action": "merge", "reason": "同一家公司"},
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["cluster"]["status"] == "merged"
    assert body["merge"]["survivor"]["customer_no"] == base["bd"]  # the valid credit code
    assert [c["customer_no"] for c in body["merge"]["merged"]] == [base["bd2"]]
    redirected = client.get(f"{API}/customers/{base['bd2']}").json()
    assert redirected["customer_no"] == base["bd"]
    assert pending_members(client) == [sorted([base["pa"], base["pa2"]])]


def test_a_related_decision_links_the_records(client: TestClient, base: dict[str, str]) -> None:
    scan(client)
    cluster = cluster_of(client, base["pa"])
    url = f"{API}/duplicates/clusters/{cluster['id']}/decision"
    incomplete = client.post(url, json={"action": "related"})
    assert incomplete.status_code == 422
    assert incomplete.json()["code"] == "input.invalid"
    unknown_kind = client.post(
        url, json={"action": "related", "kind": "cousin_of", "related_to": base["pa"]}
    )
    assert unknown_kind.status_code == 422
    decided = client.post(
        url, json={"action": "related", "kind": "same_group", "related_to": base["pa"]}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["cluster"]["status"] == "related"
    for number in (base["pa"], base["pa2"]):  # seen from both ends
        [link] = client.get(f"{API}/customers/{number}/links").json()["items"]
        assert link["kind"] == "same_group"
        assert link["customer"]["customer_no"] == base["pa2"]
        assert link["related_to"]["customer_no"] == base["pa"]
        assert link["ended_at"] is None


def test_add_list_and_end_links(client: TestClient, base: dict[str, str]) -> None:
    created = client.post(
        f"{API}/customers/{base['bd2']}/links",
        json={
            "related_to": base["bd"],
            "kind": "branch_of",
            "effective_date": "2024-01-01",
            "note": "北京分公司",
        },
    )
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["customer"] == {"customer_no": base["bd2"], "name": "字节跳动（北京）科技有限公司"}
    assert link["related_to"]["customer_no"] == base["bd"]
    assert (link["kind"], link["effective_date"], link["note"]) == (
        "branch_of",
        "2024-01-01",
        "北京分公司",
    )
    assert client.get(f"{API}/customers/{base['bd']}/links").json()["items"] == [link]
    ended = client.post(f"{API}/links/{link['id']}/end")
    assert ended.status_code == 200
    assert ended.json()["ended_at"] is not None
    assert client.get(f"{API}/customers/{base['bd']}/links").json()["items"] == []
    kept = client.get(f"{API}/customers/{base['bd']}/links", params={"include_ended": True})
    assert [item["id"] for item in kept.json()["items"]] == [link["id"]]
    itself = client.post(
        f"{API}/customers/{base['bd']}/links", json={"related_to": base["bd"], "kind": "same_group"}
    )
    assert itself.status_code == 422
    assert itself.json()["code"] == "input.invalid"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/jobs/999", None),
        ("get", "/duplicates/clusters/999", None),
        ("post", "/duplicates/clusters/999/decision", {"action": "not_duplicate"}),
        ("get", "/customers/C209901-999999/links", None),
        ("post", "/customers/C209901-999999/links", {"related_to": "1", "kind": "branch_of"}),
        ("post", "/links/999/end", None),
    ],
)
def test_unknown_ids_answer_404(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, f"{API}{path}", json=body)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_invalid_queries_and_bodies_answer_422(client: TestClient) -> None:
    for params in ({"status": "maybe"}, {"min_probability": 2}, {"page_size": 500}):
        response = client.get(f"{API}/duplicates/clusters", params=params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "input.invalid"
    assert client.post(f"{API}/scans", json={"fast": True}).status_code == 422
    assert client.post(f"{API}/links/0/end").status_code == 422


def test_a_second_scan_while_one_is_queued_is_refused(
    client: TestClient, services: Services
) -> None:
    queued = services.scans.create_job(actor=SYSTEM, full=False)
    refused = client.post(f"{API}/scans", json={"full": True})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "customer.invalid_state"
    assert body["details"]["job_id"] == queued
    assert client.get(f"{API}/jobs/{queued}").json()["status"] == "queued"


def test_a_failing_scan_is_recorded_in_its_job(
    client: TestClient, services: Services, base: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(progress: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.scans, "_full", broken)
    # The test client re-raises what the app raises: answering proves the task swallowed it.
    job = scan(client)
    failed = client.get(f"{API}/jobs/{job['id']}").json()
    assert failed["status"] == "failed"
    assert failed["result"] is None
    assert "disk full" in failed["error"]["message"]
    assert scan(client)["status"] == "queued"  # a failed scan does not block the next one


def test_openapi_lists_the_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        f"{API}/scans": {"post"},
        f"{API}/jobs/{{job_id}}": {"get"},
        f"{API}/duplicates/clusters": {"get"},
        f"{API}/duplicates/clusters/{{cluster_id}}": {"get"},
        f"{API}/duplicates/clusters/{{cluster_id}}/decision": {"post"},
        f"{API}/customers/{{ref}}/links": {"get", "post"},
        f"{API}/links/{{link_id}}/end": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "202" in paths[f"{API}/scans"]["post"]["responses"]
    assert "409" in paths[f"{API}/scans"]["post"]["responses"]
