"""The bulk writer on SQLite and on PostgreSQL: ids in row order, one counter, all or nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from zhengming.domain.customer import CustomerName, NameType
from zhengming.errors import StorageError
from zhengming.services.bulk import NewName
from zhengming.services.ports import NewCustomer
from zhengming.storage.bulk import bulk_units
from zhengming.storage.database import Database
from zhengming.storage.tables import counter, customer, customer_name, match_key

NOW = datetime.datetime(2026, 11, 23, 12, 0, 0)
#: More rows than one multi-row INSERT takes (SQLAlchemy pages insertmanyvalues by 1,000).
MANY = 2_345


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    built = Database(database_url)
    built.upgrade()
    yield built
    built.dispose()


def _customers(count: int, *, start: int = 0, uscc: str | None = None) -> list[NewCustomer]:
    return [
        NewCustomer(
            customer_no=f"T-{start + i:06d}",
            kind="company",
            name=f"公司{start + i}",
            name_key=f"公司{start + i}",
            values={"uscc": uscc, "owner": "alice"},
        )
        for i in range(count)
    ]


def test_ids_come_back_in_the_order_of_the_rows(database: Database) -> None:
    with bulk_units(database) as units, units() as uow:
        ids = uow.bulk.insert_customers(_customers(MANY), now=NOW, actor="alice")
        names = [
            NewName(customer_id, CustomerName(f"公司{i}", NameType.LEGAL), f"公司{i}")
            for i, customer_id in enumerate(ids)
        ]
        name_ids = uow.bulk.insert_names(names)
        uow.bulk.insert_keys(
            [
                (customer_id, name_id, "name_key", 0, f"公司{i}")
                for i, (customer_id, name_id) in enumerate(zip(ids, name_ids, strict=True))
            ]
        )
    assert len(set(ids)) == len(set(name_ids)) == MANY
    with database.engine.connect() as connection:
        by_number = dict(connection.execute(sa.select(customer.c.customer_no, customer.c.id)).all())
        name_of = dict(
            connection.execute(sa.select(customer_name.c.id, customer_name.c.name)).all()
        )
        keys = connection.execute(
            sa.select(match_key.c.customer_id, match_key.c.name_id, match_key.c.value)
        ).all()
        row = (
            connection.execute(sa.select(customer).where(customer.c.id == ids[0])).mappings().one()
        )
    assert [by_number[f"T-{i:06d}"] for i in range(MANY)] == ids
    assert [name_of[name_id] for name_id in name_ids] == [f"公司{i}" for i in range(MANY)]
    assert all(name_of[name_id] == value for _, name_id, value in keys)
    assert (row["status"], row["version"], row["created_by"], row["created_at"]) == (
        "active",
        1,
        "alice",
        NOW,
    )


def test_reserve_advances_the_counter_register_uses(database: Database) -> None:
    with bulk_units(database) as units:
        with units() as uow:
            assert uow.bulk.reserve("customer_no", 3) == 1
            assert uow.bulk.reserve("customer_no", 1000) == 4
        with units() as uow:
            assert uow.bulk.reserve("customer_no", 1) == 1004
    with database.unit_of_work(write=True) as uow:
        assert uow.customers.next_value("customer_no") == 1005


def test_a_failing_batch_is_rolled_back_and_reported_as_a_storage_error(
    database: Database,
) -> None:
    uscc = "91110108551385082Q"
    with bulk_units(database) as units:
        with units() as uow:
            uow.bulk.insert_customers(_customers(1, uscc=uscc), now=NOW, actor="alice")

        def duplicate_uscc_batch() -> None:
            with units() as uow:
                uow.bulk.reserve("customer_no", 5)
                uow.bulk.insert_customers(_customers(3, start=10, uscc=uscc), now=NOW, actor="a")

        with pytest.raises(StorageError):
            duplicate_uscc_batch()
        with units() as uow:  # the connection is usable again after the rollback
            uow.bulk.insert_customers(_customers(1, start=20), now=NOW, actor="alice")
    with database.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(customer)).scalar() == 2
        assert connection.execute(sa.select(counter.c.value)).scalar() is None


def test_empty_inserts_do_nothing(database: Database) -> None:
    with bulk_units(database) as units, units() as uow:
        assert uow.bulk.insert_customers([], now=NOW, actor="alice") == []
        assert uow.bulk.insert_names([]) == []
        uow.bulk.insert_keys([])


def test_the_sqlite_page_cache_is_put_back_after_the_load(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    database.upgrade()
    with database.engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    with bulk_units(database) as units:
        with units() as uow:
            uow.bulk.insert_customers(_customers(2), now=NOW, actor="alice")
        with database.engine.connect() as other:
            # The loading connection is checked out; the pool's other connections are untouched.
            assert other.exec_driver_sql("PRAGMA cache_size").scalar() == before
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == before
    database.dispose()


def test_dates_are_stored_exactly_as_the_ordinary_store_stores_them(database: Database) -> None:
    # SQLite keeps dates as text: a different format would sort and compare differently.
    with database.unit_of_work(write=True) as uow:
        uow.customers.add(_customers(1)[0], now=NOW, actor="alice")
    with bulk_units(database) as units, units() as uow:
        uow.bulk.insert_customers(_customers(1, start=1), now=NOW, actor="alice")
    with database.engine.connect() as connection:
        raw = connection.exec_driver_sql(
            "SELECT created_at, updated_at FROM customer ORDER BY id"
        ).all()
    assert raw[0] == raw[1]
