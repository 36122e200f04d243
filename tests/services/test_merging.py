"""Merge and undo on real databases: survivorship applied, tombstones redirect, undo restores."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.seeding import fresh_uscc, seed
from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import (
    SYSTEM,
    AccessScope,
    Actor,
    CustomerName,
    CustomerStatus,
    NameType,
)
from zhengming.domain.merging import MERGED_FIELDS
from zhengming.errors import (
    InvalidInputError,
    InvalidStateError,
    MergeRefusedError,
    NotFoundError,
    PermissionDeniedError,
    VersionConflictError,
)
from zhengming.services.bulk import BulkCustomer
from zhengming.services.commands import CustomerUpdate, DuplicateQuery
from zhengming.settings import Settings
from zhengming.storage.tables import (
    contact,
    customer,
    customer_link,
    customer_name,
    customer_tag,
    duplicate_pair,
    match_key,
    tag,
)

ALICE = Actor("alice", scope=AccessScope.OWN, team="north")


def dump(services: Services, numbers: list[str]) -> dict[str, Any]:
    """Everything stored about these customers, minus the bookkeeping a write always bumps."""
    with services.database.engine.connect() as connection:
        ids = [
            row[0]
            for row in connection.execute(
                sa.select(customer.c.id).where(customer.c.customer_no.in_(numbers))
            )
        ]

        def rows(table: sa.Table, column: sa.Column[Any], *skip: str) -> list[tuple[Any, ...]]:
            kept = [c for c in table.c if c.name not in skip]
            return sorted(
                (tuple(row) for row in connection.execute(sa.select(*kept).where(column.in_(ids)))),
                key=repr,
            )

        return {
            "customer": rows(customer, customer.c.id, "version", "updated_at"),
            "names": rows(customer_name, customer_name.c.customer_id),
            "contacts": rows(contact, contact.c.customer_id),
            "tags": sorted(
                connection.execute(
                    sa.select(customer_tag.c.customer_id, tag.c.name)
                    .join(tag, tag.c.id == customer_tag.c.tag_id)
                    .where(customer_tag.c.customer_id.in_(ids))
                ).all()
            ),
            "keys": rows(match_key, match_key.c.customer_id, "id"),
            "links": rows(customer_link, customer_link.c.customer_id)
            + rows(customer_link, customer_link.c.related_id),
            "pairs": rows(duplicate_pair, duplicate_pair.c.customer_a),
        }


# --- examples on both databases -------------------------------------------------------------


def test_merge_keeps_every_name_moves_contacts_and_tags_and_redirects(services: Services) -> None:
    code = fresh_uscc()
    survivor_no, merged_no = seed(
        services,
        [
            BulkCustomer("北京字节跳动科技有限公司", uscc=code, owner="alice"),
            BulkCustomer(
                "字节跳动（北京）科技有限公司",
                aliases=(CustomerName("字节跳动", NameType.SHORT),),
                industry="I64",
                owner="alice",
            ),
        ],
        contacts={1: ["+8613800138000"]},
        tags={0: ["重点"], 1: ["华北", "重点"]},
    )
    result = services.merges.merge([survivor_no, merged_no], actor=ALICE, reason="同一家公司")
    survivor = result.survivor
    assert survivor.customer_no == survivor_no  # the valid credit code wins
    assert survivor.uscc == code
    assert survivor.industry == "I64"  # the survivor had none: the merged record's value
    assert set(survivor.tags) == {"重点", "华北"}
    assert [c.phone for c in survivor.contacts] == ["+8613800138000"]
    names = {(n.name, n.type) for n in survivor.names}
    assert ("字节跳动（北京）科技有限公司", NameType.FORMER) in names
    assert ("字节跳动", NameType.SHORT) in names
    # The tombstone redirects, and the duplicate check finds the survivor by the old names.
    assert services.customers.get(merged_no, actor=ALICE).customer_no == survivor_no
    found = services.customers.check(DuplicateQuery(name="字节跳动"), actor=ALICE)
    assert [c.customer.customer_no for c in found] == [survivor_no]
    tombstone = result.merged[0]
    assert tombstone.status is CustomerStatus.MERGED
    assert tombstone.tags == ()
    history = services.customers.history(survivor_no, actor=SYSTEM)
    assert "customer.merge" in [entry["action"] for entry in history]


def test_undo_restores_the_records_and_reports_later_changes(services: Services) -> None:
    survivor_no, merged_no = seed(
        services,
        [
            BulkCustomer("上海浦东发展银行股份有限公司", uscc=fresh_uscc(), size="large"),
            BulkCustomer("浦发银行有限公司", industry="J66", source="展会"),
        ],
    )
    before = dump(services, [survivor_no, merged_no])
    result = services.merges.merge([survivor_no, merged_no], actor=SYSTEM)
    assert result.survivor.industry == "J66"
    # Someone changes the survivor's industry after the merge, and its type.
    changed = services.customers.update(
        survivor_no,
        CustomerUpdate(industry="J67", type="customer"),
        expected_version=result.survivor.version,
        actor=SYSTEM,
    )
    undone = services.merges.undo(result.merge_id, actor=SYSTEM, reason="误合并")
    assert [c.customer_no for c in undone.restored] == [merged_no]
    assert undone.restored[0].status is CustomerStatus.ACTIVE
    assert undone.survivor.industry == "J67"  # the later change is kept ...
    assert undone.conflicts == (
        {"field": "industry", "before_merge": None, "set_by_merge": "J66", "current": "J67"},
    )  # ... and reported
    assert undone.survivor.type.value == changed.type.value == "customer"
    after = dump(services, [survivor_no, merged_no])
    survivor_row = next(r for r in after["customer"] if r[1] == survivor_no)
    assert after["names"] == before["names"]
    assert after["keys"] == before["keys"]
    assert "J67" in survivor_row
    with pytest.raises(InvalidStateError):
        services.merges.undo(result.merge_id, actor=SYSTEM)


def test_bad_merges_are_refused_and_change_nothing(services: Services) -> None:
    a, b, c = seed(
        services,
        [
            BulkCustomer("平安银行股份有限公司", uscc=fresh_uscc(), owner="bob"),
            BulkCustomer("平安银行有限公司", uscc=fresh_uscc(), owner="bob"),
            BulkCustomer("平安银行股份有限公司深圳分行", owner="bob"),
        ],
    )
    before = dump(services, [a, b, c])
    with pytest.raises(InvalidInputError):
        services.merges.merge([a, a], actor=SYSTEM)
    with pytest.raises(MergeRefusedError) as refused:
        services.merges.merge([a, b], actor=SYSTEM)
    assert refused.value.details["reason"] == "different_uscc"
    with pytest.raises(MergeRefusedError):
        services.merges.merge([a, c], actor=SYSTEM)  # a branch and its head office
    with pytest.raises(PermissionDeniedError):
        services.merges.merge([a, b], actor=ALICE)  # bob's customers
    bob = Actor("bob", scope=AccessScope.OWN)
    with pytest.raises(PermissionDeniedError):
        services.merges.merge([a, b], actor=bob, override_reason="集团要求")  # not an admin
    with pytest.raises(VersionConflictError):
        services.merges.merge([a, b], actor=SYSTEM, versions={a: 99}, override_reason="x")
    with pytest.raises(InvalidInputError):
        services.merges.merge([a, b], actor=SYSTEM, take={"name": a}, override_reason="x")
    with pytest.raises(NotFoundError):
        services.merges.undo(123456, actor=SYSTEM)
    assert dump(services, [a, b, c]) == before
    # An administrator may merge two credit codes, with a reason.
    merged = services.merges.merge([a, b], actor=SYSTEM, override_reason="同一法人，代码录错")
    with pytest.raises(InvalidStateError):
        services.merges.merge(
            [merged.survivor.customer_no, merged.merged[0].customer_no], actor=SYSTEM
        )  # a tombstone


def test_tombstones_resolve_through_chains_and_undo_needs_the_later_merge_undone_first(
    services: Services,
) -> None:
    a, b, c = seed(
        services,
        [
            BulkCustomer("深圳市腾讯计算机系统有限公司", uscc=fresh_uscc()),
            BulkCustomer("腾讯计算机系统有限公司"),
            BulkCustomer("腾讯科技（深圳）有限公司"),
        ],
    )
    first = services.merges.merge([a, b], actor=SYSTEM)
    second = services.merges.merge([c, a], actor=SYSTEM, survivor=c)
    assert services.customers.get(b, actor=SYSTEM).customer_no == c
    with pytest.raises(InvalidStateError):
        services.merges.undo(first.merge_id, actor=SYSTEM)
    services.merges.undo(second.merge_id, actor=SYSTEM)
    services.merges.undo(first.merge_id, actor=SYSTEM)
    assert [services.customers.get(n, actor=SYSTEM).customer_no for n in (a, b, c)] == [a, b, c]
    assert [e["id"] for e in services.merges.history(c, actor=SYSTEM)] == [second.merge_id]


# --- properties (SQLite) -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    path: Path = tmp_path_factory.mktemp("merging")
    built = build_services(Settings(data_dir=path, database_url=f"sqlite:///{path / 'z.db'}"))
    yield built
    built.close()


TRADES = ("星河", "远航", "华信", "金桥", "新和")
INDUSTRIES = ("科技", "贸易", "建筑工程")
FORMS = ("有限公司", "股份有限公司")
TAGS = ("重点", "华北", "渠道", "老客户")


@st.composite
def records(
    draw: st.DrawFn,
) -> tuple[list[BulkCustomer], dict[int, list[str]], dict[int, list[str]]]:
    count = draw(st.integers(2, 4))
    trade = draw(st.sampled_from(TRADES))
    customers, contacts, tags = [], {}, {}
    with_code = draw(st.integers(-1, count - 1))  # at most one valid credit code
    for index in range(count):
        customers.append(
            BulkCustomer(
                draw(st.sampled_from(("", "北京", "上海")))
                + trade
                + draw(st.sampled_from(INDUSTRIES))
                + draw(st.sampled_from(FORMS)),
                uscc=fresh_uscc() if index == with_code else None,
                aliases=tuple(
                    CustomerName(trade + suffix, NameType.SHORT)
                    for suffix in draw(
                        st.lists(st.sampled_from(("", "集团", "科技")), max_size=2, unique=True)
                    )
                ),
                industry=draw(st.sampled_from((None, "I64", "F51"))),
                size=draw(st.sampled_from((None, "small", "large"))),
                owner=draw(st.sampled_from((None, "alice"))),
                source=draw(st.sampled_from((None, "展会", "官网"))),
            )
        )
        contacts[index] = [
            f"+86138{draw(st.integers(0, 99_999_999)):08d}" for _ in range(draw(st.integers(0, 2)))
        ]
        tags[index] = draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True))
    return customers, contacts, tags


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.data())
def test_merge_then_undo_is_the_identity_on_the_stored_data(
    sqlite_services: Services,
    drawn: tuple[list[BulkCustomer], dict[int, list[str]], dict[int, list[str]]],
    data: st.DataObject,
) -> None:
    services = sqlite_services
    customers, contacts, tags = drawn
    numbers = seed(services, customers, contacts=contacts, tags=tags)
    outsider = seed(services, [BulkCustomer("无关贸易有限公司")])[0]
    with services.database.unit_of_work(write=True) as uow:
        ids = [uow.customers.id_by_number(n) for n in [*numbers, outsider]]
        now = datetime.datetime(2026, 1, 1)
        uow.links.add(
            {"customer_id": ids[0], "related_id": ids[1], "kind": "same_group", "created_at": now}
        )
        uow.links.add(
            {"customer_id": ids[-1], "related_id": ids[1], "kind": "acquired_by", "created_at": now}
        )
        uow.duplicates.add_pair(
            {
                "customer_a": ids[0],
                "customer_b": ids[1],
                "probability": 0.9,
                "decision": "likely",
                "fingerprint_a": "a",
                "fingerprint_b": "b",
                "found_at": now,
                "seen_at": now,
            }
        )
    before = dump(services, [*numbers, outsider])
    originals = {n: services.customers.get(n, actor=SYSTEM).to_dict() for n in numbers}
    survivor = data.draw(st.sampled_from([None, *numbers]))
    take = data.draw(
        st.dictionaries(
            st.sampled_from([f for f in MERGED_FIELDS if f != "uscc"]),
            st.sampled_from(numbers),
            max_size=3,
        )
    )
    result = services.merges.merge(numbers, actor=SYSTEM, survivor=survivor, take=take)
    merged_dump = dump(services, [*numbers, outsider])
    assert merged_dump != before
    # Nothing a merged record held is lost: the event's snapshot keeps every non-empty value.
    event = services.merges.get(result.merge_id, actor=SYSTEM)
    assert sorted(event["merged"]) == sorted(n for n in numbers if n != result.survivor.customer_no)
    with services.database.unit_of_work() as uow:
        stored = uow.merges.get(result.merge_id)
    assert stored is not None
    kept = {record["customer_no"]: record for record in stored.snapshot["customers"].values()}
    for number, original in originals.items():
        for key, value in original.items():
            if value not in (None, "", [], {}):
                assert kept[number][key] == value, (number, key)
    for number in numbers:
        assert services.customers.get(number, actor=SYSTEM).customer_no == (
            result.survivor.customer_no
        )
    services.merges.undo(result.merge_id, actor=SYSTEM)
    assert dump(services, [*numbers, outsider]) == before
