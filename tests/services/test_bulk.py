"""The trusted bulk loader, on SQLite and on PostgreSQL (the ``services`` fixture).

The promise under test: a bulk-loaded customer is stored exactly as ``register`` stores it, so
the duplicate check and search cannot tell the two apart.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.postgres import PostgresCluster
from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import SYSTEM, AccessScope, Actor, CustomerName, NameType
from zhengming.domain.matching import Decision
from zhengming.errors import DuplicateCustomerError
from zhengming.services import bulk
from zhengming.services.bulk import BulkCustomer, BulkLoadReport, load_customers
from zhengming.services.commands import AliasInput, CustomerCreate, DuplicateQuery
from zhengming.settings import Settings
from zhengming.storage.audit import verify_chain
from zhengming.storage.bulk import bulk_units
from zhengming.storage.tables import audit_log, customer_name, match_key

ALICE = Actor("alice", scope=AccessScope.OWN, team="north")
BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_USCC = "91110108551385082Q"
# Valid check digits, made up for these tests.
USCC_A, USCC_B = "91310000MA1FL0001X", "91440300MA5F00000R"

#: (name, USCC, aliases) registered through register() and bulk-loaded, keys compared.
SAME_AS_REGISTER = [
    pytest.param(BYTEDANCE, BYTEDANCE_USCC, (), id="plain"),
    pytest.param(
        "字節跳動(北京)科技有限公司",
        None,
        (
            AliasInput(name="字节跳动"),
            AliasInput(name="ByteDance Ltd.", type=NameType.ENGLISH),
            AliasInput(
                name="北京字节跳动网络技术有限公司",
                type=NameType.FORMER,
                valid_from=datetime.date(2012, 3, 9),
                valid_to=datetime.date(2020, 6, 1),
            ),
        ),
        id="traditional-brackets-aliases",
    ),
    pytest.param("Acme Trading Co., Ltd.", None, (), id="english"),
    pytest.param("深圳市腾讯计算机系统有限公司南山分公司", None, (), id="branch"),
]


@pytest.fixture
def other_services(
    services: Services, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Services]:
    """A second empty database of the same kind as ``services``'s."""
    if services.database.engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'other.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database(f"test_{uuid.uuid4().hex}")
    built = build_services(Settings(data_dir=tmp_path / "other", database_url=url))
    yield built
    built.close()


def _load(
    services: Services, customers: list[BulkCustomer], *, batch_size: int = 5_000, workers: int = 1
) -> BulkLoadReport:
    with bulk_units(services.database) as units:
        return load_customers(units, customers, actor=ALICE, batch_size=batch_size, workers=workers)


def _keys(services: Services, customer_no: str) -> list[tuple[str, int, str, str | None]]:
    """(rule, side, value, "type:name" of the name it belongs to) of one customer, sorted."""
    customer_id = services.customers.get(customer_no, actor=SYSTEM).id
    query = (
        sa.select(match_key.c.rule, match_key.c.side, match_key.c.value, customer_name)
        .select_from(match_key.outerjoin(customer_name, customer_name.c.id == match_key.c.name_id))
        .where(match_key.c.customer_id == customer_id)
    )
    with services.database.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return sorted(
        (
            row["rule"],
            row["side"],
            row["value"],
            f"{row['type']}:{row['name']}" if row["name"] else None,
        )
        for row in rows
    )


def _stored(services: Services, customer_no: str) -> dict[str, object]:
    """The customer as the API shows it, without what differs between two inserts."""
    shown = services.customers.get(customer_no, actor=SYSTEM).to_dict()
    for volatile in ("id", "customer_no", "created_at", "updated_at"):
        shown.pop(volatile)
    shown["names"] = [{**name, "id": None} for name in shown["names"]]
    return shown


@pytest.mark.parametrize(("name", "uscc", "aliases"), SAME_AS_REGISTER)
def test_a_bulk_loaded_customer_is_stored_exactly_like_a_registered_one(
    services: Services,
    other_services: Services,
    name: str,
    uscc: str | None,
    aliases: tuple[AliasInput, ...],
) -> None:
    registered = services.customers.register(
        CustomerCreate(name=name, uscc=uscc, aliases=list(aliases)), actor=ALICE
    ).customer
    report = _load(
        other_services,
        [
            BulkCustomer(
                name,
                uscc=uscc,
                aliases=tuple(
                    CustomerName(a.name, a.type, a.valid_from, a.valid_to) for a in aliases
                ),
            )
        ],
    )
    assert report.loaded == 1
    assert report.first_customer_no == registered.customer_no
    loaded_no = report.first_customer_no
    assert _keys(other_services, loaded_no) == _keys(services, registered.customer_no)
    assert _stored(other_services, loaded_no) == _stored(services, registered.customer_no)


def test_bulk_loaded_customers_are_found_by_the_check_and_by_search(services: Services) -> None:
    report = _load(
        services,
        [
            BulkCustomer(
                BYTEDANCE,
                uscc=BYTEDANCE_USCC,
                aliases=(CustomerName("ByteDance", NameType.ENGLISH),),
            ),
            BulkCustomer("上海寻梦信息技术有限公司"),
            BulkCustomer("深圳市腾讯计算机系统有限公司"),
        ],
    )
    assert report.loaded == 3
    for typed in ("字節跳動（北京）科技有限公司", "字节跳动科技", "ByteDance"):
        found = services.customers.check(DuplicateQuery(name=typed), actor=ALICE)
        assert found, typed
        assert found[0].customer.name == BYTEDANCE, typed
    exact = services.customers.check(DuplicateQuery(name=BYTEDANCE), actor=ALICE)
    assert exact[0].decision is Decision.SAME
    for query in ("字节跳动", "zjtd", BYTEDANCE_USCC, "寻梦", report.first_customer_no):
        assert query is not None
        hits = services.search.search(query, actor=ALICE)
        assert hits, query
    assert services.search.search("zjtd", actor=ALICE)[0].customer.name == BYTEDANCE
    assert (
        services.search.search("寻梦", actor=ALICE)[0].customer.name == "上海寻梦信息技术有限公司"
    )


def test_register_refuses_a_duplicate_of_a_bulk_loaded_customer(services: Services) -> None:
    _load(services, [BulkCustomer(BYTEDANCE, uscc=BYTEDANCE_USCC)])
    with pytest.raises(DuplicateCustomerError):
        services.customers.register(CustomerCreate(name="字节跳动(北京)科技有限公司"), actor=ALICE)


def test_numbers_come_from_the_same_counter_as_register(services: Services) -> None:
    first = services.customers.register(CustomerCreate(name=BYTEDANCE), actor=ALICE).customer
    report = _load(
        services,
        [BulkCustomer(f"上海{trade}信息技术有限公司") for trade in ("寻梦", "拉扎斯", "携程")],
        batch_size=2,
    )
    after = services.customers.register(
        CustomerCreate(name="杭州阿里巴巴网络技术有限公司"), actor=ALICE
    ).customer
    sequence = [int(no.rsplit("-", 1)[1]) for no in (first.customer_no, after.customer_no)]
    assert report.first_customer_no is not None
    assert report.last_customer_no is not None
    loaded = [
        int(no.rsplit("-", 1)[1]) for no in (report.first_customer_no, report.last_customer_no)
    ]
    assert (sequence[0], *loaded, sequence[1]) == (1, 2, 4, 5)


def test_unusable_names_and_bad_credit_codes_are_skipped_and_counted(services: Services) -> None:
    report = _load(
        services,
        [
            BulkCustomer("!!!"),
            BulkCustomer(""),
            BulkCustomer(BYTEDANCE, uscc=BYTEDANCE_USCC),
            BulkCustomer("北京字节跳动网络技术有限公司", uscc=BYTEDANCE_USCC),
            BulkCustomer("上海寻梦信息技术有限公司", uscc="91310000XXXXXXXXX1"),
            BulkCustomer(
                "深圳市腾讯计算机系统有限公司", aliases=(CustomerName("???", NameType.SHORT),)
            ),
        ],
    )
    assert report.loaded == 2
    assert report.skipped == {"duplicate_uscc": 1, "invalid_uscc": 1, "unusable_name": 2}
    assert report.skipped_total == 4
    assert report.aliases_skipped == 1
    assert report.to_dict()["loaded"] == 2


def test_one_hash_chained_audit_entry_per_batch(services: Services) -> None:
    names = [
        f"上海{trade}信息技术有限公司" for trade in ("寻梦", "拉扎斯", "携程", "哔哩", "米哈游")
    ]
    report = _load(services, [BulkCustomer(name) for name in names], batch_size=2)
    assert report.batches == 3
    with services.database.engine.connect() as connection:
        entries = connection.execute(
            sa.select(audit_log.c.action, audit_log.c.actor, audit_log.c.after).order_by(
                audit_log.c.id
            )
        ).all()
        assert verify_chain(connection) is None
    assert [(action, actor) for action, actor, _ in entries] == [
        ("customer.bulk_load", "alice")
    ] * 3
    assert [after["count"] for _, _, after in entries] == [2, 2, 1]
    assert entries[0][2]["first_customer_no"] == report.first_customer_no
    assert entries[-1][2]["last_customer_no"] == report.last_customer_no


def test_owner_and_team_default_to_the_loading_user(services: Services) -> None:
    report = _load(
        services,
        [
            BulkCustomer(BYTEDANCE),
            BulkCustomer("上海寻梦信息技术有限公司", owner="bob", team="south"),
        ],
    )
    assert report.first_customer_no is not None
    assert report.last_customer_no is not None
    first = services.customers.get(report.first_customer_no, actor=SYSTEM)
    last = services.customers.get(report.last_customer_no, actor=SYSTEM)
    assert (first.owner, first.team, last.owner, last.team) == ("alice", "north", "bob", "south")


def test_worker_processes_store_the_same_rows_in_the_same_order(
    services: Services, other_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_THRESHOLD", 4)
    monkeypatch.setattr(bulk, "_TASK_SIZE", 3)
    names = [
        f"{region}{trade}科技有限公司"
        for region in ("北京", "上海", "深圳")
        for trade in ("寻梦", "拉扎斯", "携程", "哔哩")
    ]
    customers = [BulkCustomer(name) for name in names] + [BulkCustomer("!!!")]
    one = _load(services, customers, batch_size=5)
    two = _load(other_services, customers, batch_size=5, workers=2)
    assert (one.loaded, one.skipped, one.batches) == (two.loaded, two.skipped, two.batches)
    for sequence in range(1, len(names) + 1):
        number = f"{one.first_customer_no[:-6]}{sequence:06d}"  # type: ignore[index]
        assert _stored(services, number) == _stored(other_services, number)
        assert _keys(services, number) == _keys(other_services, number)


def test_an_empty_load_writes_nothing(services: Services) -> None:
    report = _load(services, [])
    assert (report.loaded, report.batches, report.first_customer_no) == (0, 0, None)
