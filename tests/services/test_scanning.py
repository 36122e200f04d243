"""The whole-base scan and the review queue, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.seeding import fresh_uscc, near_duplicates, seed, seed_named
from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import SYSTEM, AccessScope, Actor, CustomerStatus
from zhengming.errors import InvalidInputError, InvalidStateError, PermissionDeniedError
from zhengming.services.bulk import BulkCustomer
from zhengming.services.commands import (
    LinkKind,
    RenameInput,
    ReviewAction,
    ReviewDecision,
)
from zhengming.settings import Settings


def _members(services: Services, status: str = "pending") -> list[list[str]]:
    page = services.review.clusters(actor=SYSTEM, status=status, page_size=200)
    return sorted(sorted(m["customer_no"] for m in c.to_dict()["members"]) for c in page.items)


def _cluster_of(services: Services, number: str) -> int:
    page = services.review.clusters(actor=SYSTEM, page_size=200)
    return next(c.cluster.id for c in page.items if number in {m.customer_no for m in c.members})


@pytest.fixture
def base(services: Services) -> dict[str, str]:
    customers = near_duplicates()
    # Two legal entities of one name: different valid credit codes never cluster.
    customers["xh"] = BulkCustomer("北京星河科技有限公司", uscc=fresh_uscc())
    customers["xh2"] = BulkCustomer("北京星河科技有限公司", uscc=fresh_uscc())
    return seed_named(services, customers)


def test_a_full_scan_finds_the_duplicates_and_is_repeatable(
    services: Services, base: dict[str, str]
) -> None:
    report = services.scans.run(full=True)
    assert report.mode == "full"
    assert report.customers == 7
    expected = sorted([sorted([base["bd"], base["bd2"]]), sorted([base["pa"], base["pa2"]])])
    assert _members(services) == expected
    first = services.review.clusters(actor=SYSTEM).to_dict()
    view = first["items"][0]
    assert view["pairs"][0]["evidence"]  # every match explained
    assert view["probability"] >= 0.8
    again = services.scans.run(full=True)
    assert (again.new, again.gone, again.clusters) == (0, 0, 2)
    assert [c["id"] for c in services.review.clusters(actor=SYSTEM).to_dict()["items"]] == [
        c["id"] for c in first["items"]
    ]
    job = services.scans.job(report.job_id)
    assert job is not None
    assert job.status == "succeeded"
    assert job.result is not None
    assert job.result["pairs_found"] == 2


def test_not_a_duplicate_is_remembered_until_a_name_changes(
    services: Services, base: dict[str, str]
) -> None:
    services.scans.run(full=True)
    cluster_id = _cluster_of(services, base["pa"])
    decided = services.review.decide(
        cluster_id,
        ReviewDecision(action=ReviewAction.NOT_DUPLICATE, reason="两家不同的银行"),
        actor=SYSTEM,
    )
    assert decided["cluster"]["status"] == "not_duplicate"
    assert services.scans.run(full=True).remembered == 1
    assert services.scans.run().remembered == 0  # incremental: nothing changed since
    assert _members(services) == [sorted([base["bd"], base["bd2"]])]
    # A rename of one of them reopens the pair: the decision was about other names.
    current = services.customers.get(base["pa2"], actor=SYSTEM)
    services.customers.rename(
        base["pa2"],
        RenameInput(name="平安银行控股有限公司"),
        expected_version=current.version,
        actor=SYSTEM,
    )
    report = services.scans.run()
    assert report.mode == "incremental"
    assert report.reopened == 1
    assert sorted([base["pa"], base["pa2"]]) in _members(services)


def test_an_incremental_scan_compares_new_records_with_the_whole_base(
    services: Services, base: dict[str, str]
) -> None:
    services.scans.run(full=True)
    added = seed(services, [BulkCustomer("杭州娃哈哈集团股份有限公司")])[0]
    report = services.scans.run()
    assert report.mode == "incremental"
    assert report.customers == 1
    assert sorted([base["whh"], added]) in _members(services)


def test_merge_and_related_decisions(services: Services, base: dict[str, str]) -> None:
    services.scans.run(full=True)
    merged = services.review.decide(
        _cluster_of(services, base["bd"]),
        ReviewDecision(action=ReviewAction.MERGE, reason="同一家公司"),
        actor=SYSTEM,
    )
    assert merged["cluster"]["status"] == "merged"
    survivor = merged["merge"]["survivor"]["customer_no"]
    assert survivor == base["bd"]  # the valid credit code survives
    tombstone = services.customers.get(base["bd2"], actor=SYSTEM)
    assert tombstone.customer_no == base["bd"]
    assert tombstone.status is CustomerStatus.ACTIVE
    cluster_id = _cluster_of(services, base["pa"])
    with pytest.raises(InvalidInputError):
        services.review.decide(
            cluster_id, ReviewDecision(action=ReviewAction.RELATED), actor=SYSTEM
        )
    related = services.review.decide(
        cluster_id,
        ReviewDecision(
            action=ReviewAction.RELATED, kind=LinkKind.SAME_GROUP, related_to=base["pa"]
        ),
        actor=SYSTEM,
    )
    assert related["cluster"]["status"] == "related"
    links = services.links.of(base["pa"], actor=SYSTEM)
    assert [(link["customer"]["customer_no"], link["kind"]) for link in links] == [
        (base["pa2"], "same_group")
    ]
    with pytest.raises(InvalidStateError):
        services.review.decide(
            cluster_id, ReviewDecision(action=ReviewAction.NOT_DUPLICATE), actor=SYSTEM
        )
    # The merged pair stays settled on later scans; the related pair is remembered.
    again = services.scans.run(full=True)
    assert again.new == 0
    assert _members(services) == []


def test_reviewers_need_access_to_every_member(services: Services, base: dict[str, str]) -> None:
    services.scans.run(full=True)
    stranger = Actor("eve", scope=AccessScope.OWN)
    # Unowned customers are visible to all; give one an owner the stranger cannot see.
    current = services.customers.get(base["pa2"], actor=SYSTEM)
    from zhengming.services.commands import CustomerUpdate

    services.customers.update(
        base["pa2"], CustomerUpdate(owner="bob"), expected_version=current.version, actor=SYSTEM
    )
    cluster_id = _cluster_of(services, base["pa"])
    hidden = services.review.cluster(cluster_id, actor=stranger).to_dict()
    assert {"customer_no": base["pa2"], "owner": "bob", "visible": False} in hidden["members"]
    assert all(not pair["evidence"] for pair in hidden["pairs"])
    with pytest.raises(PermissionDeniedError):
        services.review.decide(
            cluster_id, ReviewDecision(action=ReviewAction.NOT_DUPLICATE), actor=stranger
        )


def test_one_scan_at_a_time_and_auto_merge_of_identity_certain_pairs(
    services: Services, base: dict[str, str]
) -> None:
    job_id = services.scans.create_job(actor=SYSTEM, full=True)
    with pytest.raises(InvalidStateError):
        services.scans.run(full=True)
    services.scans.run(job_id=job_id)  # the queued job runs
    twin = seed(services, [BulkCustomer("杭州娃哈哈集团有限公司")])[0]
    services.scans.auto_merge = True
    try:
        report = services.scans.run()
    finally:
        services.scans.auto_merge = False
    assert len(report.auto_merged) == 1
    assert services.customers.get(twin, actor=SYSTEM).customer_no in {twin, base["whh"]}
    survivors = {services.customers.get(n, actor=SYSTEM).customer_no for n in (twin, base["whh"])}
    assert len(survivors) == 1
    # Different credit codes are never auto-merged, nor merged by a scan at all.
    assert services.customers.get(base["xh2"], actor=SYSTEM).customer_no == base["xh2"]


def test_auto_merge_never_merges_a_pair_a_reviewer_decided(
    services: Services, base: dict[str, str]
) -> None:
    twin = seed(services, [BulkCustomer("杭州娃哈哈集团有限公司")])[0]
    services.scans.run(full=True)
    services.review.decide(
        _cluster_of(services, twin),
        ReviewDecision(action=ReviewAction.NOT_DUPLICATE, reason="同名的两个经销商"),
        actor=SYSTEM,
    )
    services.scans.auto_merge = True
    try:
        report = services.scans.run(full=True)
    finally:
        services.scans.auto_merge = False
    assert report.auto_merged == []
    assert services.customers.get(twin, actor=SYSTEM).customer_no == twin


# --- properties (SQLite) -----------------------------------------------------------------------

VARIANTS = (
    "北京字节跳动科技有限公司",
    "字节跳动（北京）科技有限公司",
    "字節跳動（北京）科技有限公司",
    "上海浦东发展银行股份有限公司",
    "浦发银行股份有限公司",
    "平安银行股份有限公司",
    "平安银行有限公司",
    "杭州娃哈哈集团有限公司",
    "北京星河科技有限公司",
)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.sampled_from(VARIANTS), min_size=2, max_size=8))
def test_scans_of_the_same_data_give_the_same_clusters(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    path = tmp_path_factory.mktemp("scan")
    services = build_services(Settings(data_dir=path, database_url=f"sqlite:///{path / 'z.db'}"))
    try:
        seed(services, [BulkCustomer(name) for name in names])
        services.scans.run(full=True)
        first = _members(services)
        ids = [c.cluster.id for c in services.review.clusters(actor=SYSTEM, page_size=200).items]
        services.scans.run(full=True)
        incremental = services.scans.run()
        assert incremental.new == incremental.gone == 0
        assert _members(services) == first
        again = [c.cluster.id for c in services.review.clusters(actor=SYSTEM, page_size=200).items]
        assert again == ids
        # Every cluster's members share no two different valid credit codes (none here) and
        # every pending pair belongs to one cluster.
        for cluster in services.review.clusters(actor=SYSTEM, page_size=200).items:
            assert cluster.cluster.size == len(cluster.members) >= 2
    finally:
        services.close()
