"""The duplicate scan and review queue from the command line: scan, review, link, links."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.cli import run, show
from tests.support.seeding import near_duplicates, seed_named
from zhengming.bootstrap import build_services
from zhengming.domain.customer import SYSTEM
from zhengming.settings import Settings


@pytest.fixture
def base(db: str) -> dict[str, str]:
    """Two pairs of near-duplicates and a loner in the ``--db`` database."""
    services = build_services(Settings(database_url=db))
    try:
        customers = near_duplicates()
        customers["bd"] = replace(customers["bd"], owner="alice")
        customers["bd2"] = replace(customers["bd2"], owner="bob")
        return seed_named(services, customers)
    finally:
        services.close()


def cluster_of(db: str, number: str) -> int:
    items = run(db, "review", "list")["items"]
    found: int = next(c["id"] for c in items if number in {m["customer_no"] for m in c["members"]})
    return found


def test_scan_reports_and_the_queue_lists_the_clusters(db: str, base: dict[str, str]) -> None:
    report = run(db, "scan", "--full")
    assert (report["mode"], report["customers"]) == ("full", 5)
    assert (report["pairs_found"], report["new"], report["clusters"]) == (2, 2, 2)
    again = run(db, "scan")
    assert (again["mode"], again["customers"], again["new"]) == ("incremental", 0, 0)
    page = run(db, "review", "list")
    assert page["total"] == 2
    members = sorted(sorted(m["customer_no"] for m in c["members"]) for c in page["items"])
    assert members == sorted([sorted([base["bd"], base["bd2"]]), sorted([base["pa"], base["pa2"]])])
    assert all(c["pairs"][0]["evidence"] for c in page["items"])
    assert run(db, "review", "list", "--min-probability", "1")["total"] == 0
    assert run(db, "review", "list", "--status", "merged")["items"] == []
    assert [
        len(run(db, "review", "list", "--page-size", "1", "--page", p)["items"]) for p in "12"
    ] == [
        1,
        1,
    ]


def test_scan_is_refused_while_another_runs(db: str, base: dict[str, str]) -> None:
    services = build_services(Settings(database_url=db))
    try:
        queued = services.scans.create_job(actor=SYSTEM, full=False)
    finally:
        services.close()
    refused = run(db, "scan", code=1)
    assert refused["code"] == "customer.invalid_state"
    assert refused["details"]["job_id"] == queued


def test_scan_and_list_for_people(db: str, base: dict[str, str]) -> None:
    printed = show(db, "scan")
    assert "full" in printed  # the first scan is full
    assert "clusters to review" in printed
    assert "zhengming review list" in printed
    listed = show(db, "review", "list")
    for expected in (base["bd"], base["pa2"], "平安银行有限公司", "page 1 of 1 (2 clusters)"):
        assert expected in listed
    assert "no merged clusters" in show(db, "review", "list", "--status", "merged")


def test_show_puts_the_members_side_by_side(db: str, base: dict[str, str]) -> None:
    run(db, "scan")
    cluster_id = cluster_of(db, base["bd"])
    view = run(db, "review", "show", str(cluster_id))
    assert view["id"] == cluster_id
    assert {"uscc", "owner"} <= set(view["differences"])
    printed = show(db, "review", "show", str(cluster_id))
    for expected in (
        base["bd"],
        base["bd2"],
        "北京字节跳动科技有限公司",
        "字节跳动（北京）科技有限公司",
        "credit code",
        "alice",
        "bob",
        "evidence",
        "name=",
    ):
        assert expected in printed, expected
    missing = run(db, "review", "show", "999", code=1)
    assert missing["code"] == "not_found"


def test_differing_values_are_highlighted() -> None:
    from zhengming.entrypoints.cli.review import _side_by_side

    common = {"names": [], "type": "prospect", "status": "active", "parts": {}}
    members = [
        {**common, "customer_no": "C1", "name": "甲公司", "owner": "alice"},
        {**common, "customer_no": "C2", "name": "甲公司", "owner": "bob"},
        {"customer_no": "C3", "owner": "eve", "visible": False},
    ]
    table = _side_by_side(members)
    rows = {column.header: list(column.cells) for column in table.columns}
    labels = rows[""]
    owner, name = labels.index("owner"), labels.index("name")
    assert rows["C1"][owner] == "[bold yellow]alice[/bold yellow]"
    assert rows["C1"][name] == "甲公司"  # the same in both: not highlighted
    hidden = next(header for header in rows if str(header).startswith("C3"))
    assert "hidden; owner eve" in str(hidden)
    assert set(rows[hidden]) == {""}


def test_decide_not_a_duplicate_then_a_merge(db: str, base: dict[str, str]) -> None:
    run(db, "scan")
    bank = cluster_of(db, base["pa"])
    decided = run(db, "review", "decide", str(bank), "--not-duplicate", "--reason", "两家银行")
    assert decided["cluster"]["status"] == "not_duplicate"
    assert run(db, "scan", "--full")["remembered"] == 1
    assert [c["id"] for c in run(db, "review", "list")["items"]] != [bank]
    again = run(db, "review", "decide", str(bank), "--merge", code=1)
    assert again["code"] == "customer.invalid_state"
    company = cluster_of(db, base["bd"])
    printed = show(
        db,
        "review",
        "decide",
        str(company),
        "--merge",
        "--survivor",
        base["bd2"],
        "--reason",
        "同一家",
    )
    assert "merged" in printed
    assert "zhengming unmerge" in printed
    assert run(db, "review", "list")["total"] == 0
    assert run(db, "review", "list", "--status", "all")["total"] == 2
    assert run(db, "customers", "show", base["bd"])["customer"]["customer_no"] == base["bd2"]


def test_decide_related_links_the_members(db: str, base: dict[str, str]) -> None:
    run(db, "scan")
    bank = cluster_of(db, base["pa"])
    decided = run(
        db, "review", "decide", str(bank), "--related", "same_group", "--related-to", base["pa"]
    )
    assert decided["cluster"]["status"] == "related"
    [linked] = run(db, "links", base["pa"])["items"]
    assert (linked["customer"]["customer_no"], linked["kind"]) == (base["pa2"], "same_group")


@pytest.mark.parametrize(
    "options",
    [
        [],  # no decision
        ["--merge", "--not-duplicate"],  # two decisions
        ["--related", "same_group"],  # related without --related-to
        ["--not-duplicate", "--customer", "C209901-000001", "--customer", "C209901-000002"],
        ["--not-duplicate", "--reason", "x"],  # a reason too short
    ],
)
def test_decide_refuses_unusable_input_with_exit_2(
    db: str, base: dict[str, str], options: list[str]
) -> None:
    run(db, "scan")
    cluster_id = cluster_of(db, base["pa"])
    refused = run(db, "review", "decide", str(cluster_id), *options, code=2)
    assert refused["code"] == "input.invalid"
    assert run(db, "review", "show", str(cluster_id))["status"] == "pending"


def test_link_links_and_unlink(db: str, base: dict[str, str]) -> None:
    created = run(
        db,
        *("link", base["bd2"], "--to", base["bd"], "--kind", "branch_of"),
        *("--effective", "2024-01-01", "--note", "北京分公司"),
    )
    assert created["customer"]["customer_no"] == base["bd2"]
    assert (created["kind"], created["effective_date"]) == ("branch_of", "2024-01-01")
    assert run(db, "links", base["bd"])["items"] == [created]
    printed = show(db, "links", base["bd"])
    for expected in (base["bd2"], "branch_of", "2024-01-01", "北京分公司"):
        assert expected in printed
    ended = run(db, "unlink", str(created["id"]))
    assert ended["ended_at"] is not None
    assert run(db, "links", base["bd"])["items"] == []
    assert len(run(db, "links", base["bd"], "--include-ended")["items"]) == 1
    assert "no links" in show(db, "links", base["bd"])


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["--kind", "branch_of", "--effective", "someday"], 2, "input.invalid"),
        (["--kind", "branch_of", "--to", "C209901-999999"], 1, "not_found"),
    ],
)
def test_link_refuses(
    db: str, base: dict[str, str], args: list[str], code: int, error: str
) -> None:
    target = [] if "--to" in args else ["--to", base["bd"]]
    refused = run(db, "link", base["bd2"], *target, *args, code=code)
    assert refused["code"] == error


def test_link_to_itself_and_unlink_unknown(db: str, base: dict[str, str]) -> None:
    itself = run(db, "link", base["bd"], "--to", base["bd"], "--kind", "same_group", code=2)
    assert itself["code"] == "input.invalid"
    assert run(db, "unlink", "999", code=1)["code"] == "not_found"
