"""Many rows per statement: the :class:`~zhengming.services.bulk.BulkWriter` on SQLAlchemy Core.

Rows go in with plain ``executemany`` (``cursor.executemany`` on SQLite, multi-row inserts on
PostgreSQL). The new ids are then read back by what identifies the rows: customers by their
unique numbers, names by their content among the names of those new customers. Both obvious
alternatives are dialect-specific: ``INSERT ... RETURNING`` in row order
(``sort_by_parameter_order``) makes SQLAlchemy fall back to one statement per row on SQLite,
about 5x slower; ids computed in advance would need PostgreSQL's sequences moved past them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zhengming.domain.customer import CustomerStatus
from zhengming.errors import StorageError
from zhengming.services.bulk import BulkUnitOfWorkFactory, KeyRow, NewName
from zhengming.services.clock import utc_now
from zhengming.services.ports import NewCustomer
from zhengming.storage import dialects
from zhengming.storage.audit import SqlAuditLog
from zhengming.storage.database import Database
from zhengming.storage.tables import counter, customer, customer_name, match_key

if TYPE_CHECKING:
    import psycopg

#: Values per IN list when ids are looked up again.
_IN_LIST = 10_000
#: SQLite page cache while loading, in KiB (negative cache_size = KiB): index pages stay in memory
#: instead of being re-read for every row. See _tune_sqlite.
_SQLITE_LOAD_CACHE_KIB = 512 * 1024


class SqlBulkWriter:
    """Inserts customers, names and keys many at a time, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def reserve(self, counter_name: str, count: int) -> int:
        """Advance the counter by ``count``; the first value reserved (as next_value would give)."""
        last = self._db.execute(
            counter.update()
            .where(counter.c.name == counter_name)
            .values(value=counter.c.value + count)
            .returning(counter.c.value)
        ).scalar()
        if last is None:
            self._db.execute(counter.insert().values(name=counter_name, value=count))
            last = count
        return int(last) - count + 1

    def insert_customers(
        self, rows: Sequence[NewCustomer], *, now: datetime.datetime, actor: str
    ) -> list[int]:
        """Insert customer rows; their ids, found again by their unique numbers."""
        if not rows:
            return []
        fixed = {
            "status": CustomerStatus.ACTIVE.value,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "created_by": actor,
        }
        extra = list(dict.fromkeys(key for row in rows for key in row.values))
        columns = ["customer_no", "kind", "name", "name_key", *fixed, *extra]
        self._insert(
            customer,
            columns,
            [
                (
                    row.customer_no,
                    row.kind,
                    row.name,
                    row.name_key,
                    *fixed.values(),
                    *(row.values.get(key) for key in extra),
                )
                for row in rows
            ],
        )
        numbers = [row.customer_no for row in rows]
        found: dict[str, int] = {}
        for part in _slices(numbers):
            query = sa.select(customer.c.customer_no, customer.c.id).where(
                customer.c.customer_no.in_(part)
            )
            found.update((number, int(id_)) for number, id_ in self._db.execute(query))
        return [found[number] for number in numbers]

    def insert_names(self, rows: Sequence[NewName]) -> list[int]:
        """Insert names of customers inserted in this transaction; their ids, in row order.

        The ids are found again by content among the names of those customers, which have no
        other names yet; two identical names of one customer are interchangeable.
        """
        if not rows:
            return []
        now = utc_now()
        columns = ["customer_id", "name", "type", "folded", "valid_from", "valid_to", "created_at"]
        self._insert(
            customer_name,
            columns,
            [
                (
                    row.customer_id,
                    row.name.name,
                    row.name.type.value,
                    row.folded,
                    row.name.valid_from,
                    row.name.valid_to,
                    now,
                )
                for row in rows
            ],
        )
        stored: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        owners = list(dict.fromkeys(row.customer_id for row in rows))
        for part in _slices(owners):
            for name_id, *content in self._db.execute(
                sa.select(
                    customer_name.c.id,
                    customer_name.c.customer_id,
                    customer_name.c.name,
                    customer_name.c.type,
                    customer_name.c.valid_from,
                    customer_name.c.valid_to,
                )
                .where(customer_name.c.customer_id.in_(part))
                .order_by(customer_name.c.id.desc())
            ):
                stored[tuple(content)].append(name_id)
        # Popped from the end: identical names get their ids in ascending order.
        return [stored[_name_content(row)].pop() for row in rows]

    def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        if rows:
            self._insert(match_key, ["customer_id", "name_id", "rule", "side", "value"], rows)

    def _insert(self, table: sa.Table, columns: list[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (values in the order of ``columns``), fast on each database."""
        try:
            if self._db.dialect.name == "postgresql":
                _copy_rows(self._db, table, columns, rows)
            else:
                _executemany(self._db, table, columns, rows)
        except (sa.exc.IntegrityError, self._db.dialect.loaded_dbapi.IntegrityError) as exc:
            raise StorageError(
                f"批量写入失败 / the bulk load violates a constraint: {getattr(exc, 'orig', exc)}",
                details={"table": table.name},
            ) from exc


def _executemany(
    connection: Connection, table: sa.Table, columns: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``executemany`` of one INSERT compiled once, the driver given plain rows.

    SQLAlchemy's own executemany builds and checks a parameter dict per row in Python, which
    costs more than SQLite's insert itself; here only the columns with a bind processor (dates,
    the way SQLAlchemy stores them on SQLite) are touched, once per value.
    """
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=columns)
    processors = [
        table.c[column].type.dialect_impl(dialect).bind_processor(dialect) for column in columns
    ]
    converting = [(i, f) for i, f in enumerate(processors) if f is not None]
    params: Sequence[Any] = rows
    if converting:
        params = [_converted(row, converting) for row in rows]
    order = compiled.positiontup
    if order is None:  # a named paramstyle: one dict per row
        params = [dict(zip(columns, row, strict=True)) for row in params]
    elif list(order) != columns:
        positions = [columns.index(name) for name in order]
        params = [tuple(row[i] for i in positions) for row in params]
    connection.exec_driver_sql(compiled.string, params)


def _converted(
    row: tuple[Any, ...], converting: Sequence[tuple[int, Callable[[Any], Any]]]
) -> tuple[Any, ...]:
    values = list(row)
    for index, convert in converting:
        values[index] = convert(values[index])
    return tuple(values)


def _copy_rows(
    connection: Connection, table: sa.Table, columns: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN`` through psycopg, in the connection's transaction.

    A dialect difference that belongs in storage/dialects.py (``dialects.insert_rows``); it
    lives here until that file takes it. COPY is 3-4x faster than any executemany on
    PostgreSQL (100,000 match keys: 2.3 s against 7.8 s with psycopg's executemany and 9.5 s
    with SQLAlchemy's multi-row inserts, measured on 2 busy cores).
    """
    driver = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
    names = ", ".join(f'"{column}"' for column in columns)
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _name_content(row: NewName) -> tuple[Any, ...]:
    name = row.name
    return (row.customer_id, name.name, name.type.value, name.valid_from, name.valid_to)


def _slices(values: list[Any]) -> Iterator[list[Any]]:
    """Pieces small enough for an IN list on every database (SQLite allows 32,766 parameters)."""
    for start in range(0, len(values), _IN_LIST):
        yield values[start : start + _IN_LIST]


@dataclass(slots=True)
class SqlBulkUnitOfWork:
    """One writing transaction for a bulk load (see services.bulk.BulkUnitOfWork)."""

    connection: Connection
    bulk: SqlBulkWriter
    audit: SqlAuditLog


@contextmanager
def bulk_units(database: Database) -> Iterator[BulkUnitOfWorkFactory]:
    """The unit-of-work factory ``services.bulk.load_customers`` takes, for one load.

    Every unit of work is one transaction on one connection held for the whole load, so what
    the connection caches (SQLite's page cache, see :func:`_tune_sqlite`) carries over from one
    batch to the next.

    Example:
        >>> with bulk_units(database) as units:  # doctest: +SKIP
        ...     report = load_customers(units, customers, actor=SYSTEM)
    """
    connection = database.engine.connect().execution_options(**dialects.write_options())
    with connection:
        restore = _tune_sqlite(connection)

        @contextmanager
        def unit_of_work() -> Iterator[SqlBulkUnitOfWork]:
            with connection.begin():
                yield SqlBulkUnitOfWork(
                    connection, SqlBulkWriter(connection), SqlAuditLog(connection)
                )

        try:
            yield unit_of_work
        finally:
            restore()


def _tune_sqlite(connection: Connection) -> Callable[[], None]:
    """A large page cache on this connection while it loads (SQLite only); how to undo it.

    A dialect difference that belongs in storage/dialects.py (``dialects.tune_for_bulk_load``);
    it lives here until that file takes it. SQLite's default cache is 2 MiB: once the match-key
    indexes outgrow it, every inserted key re-reads index pages from the OS. PostgreSQL's shared
    buffers are the server's business, so nothing is done there. The connection goes back to the
    pool afterwards, so the setting is put back as it was.
    """
    if not dialects.is_sqlite(connection):
        return lambda: None
    driver = connection.connection.dbapi_connection
    assert driver is not None  # a checked-out connection has its DBAPI connection
    # PRAGMAs through the driver: through SQLAlchemy they would begin a transaction.
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{_SQLITE_LOAD_CACHE_KIB}")
    return lambda: driver.execute(f"PRAGMA cache_size={int(previous)}").close()
