"""The database: engine, migrations and units of work.

``Database(url).upgrade()`` brings the schema to the newest Alembic revision;
``database.unit_of_work(write=True)`` is one transaction with the repositories bound to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from zhengming.errors import StorageError
from zhengming.storage import dialects
from zhengming.storage.audit import SqlAuditLog
from zhengming.storage.customers import SqlCustomerStore
from zhengming.storage.duplicates import SqlDuplicateStore
from zhengming.storage.imports import SqlImportStore
from zhengming.storage.jobs import SqlJobStore
from zhengming.storage.merges import SqlLinkStore, SqlMergeStore

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(slots=True)
class SqlUnitOfWork:
    """The repositories of one transaction (see services.ports.UnitOfWork)."""

    connection: Connection
    customers: SqlCustomerStore
    audit: SqlAuditLog
    duplicates: SqlDuplicateStore
    jobs: SqlJobStore
    merges: SqlMergeStore
    links: SqlLinkStore
    imports: SqlImportStore


class Database:
    """One database, SQLite or PostgreSQL, reached through SQLAlchemy."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self._head: str | None = None
        try:
            self.engine: Engine = dialects.create_engine(url, echo=echo)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StorageError(
                f"数据库地址无效 / invalid database URL: {exc}", details={"url": _safe(url)}
            ) from exc

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply every migration up to ``revision`` (idempotent)."""
        config = self.alembic_config()
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except sa.exc.OperationalError as exc:
            raise StorageError(
                f"无法连接或升级数据库 / cannot reach or upgrade the database: {exc.orig}",
                details={"url": _safe(self.url)},
            ) from exc

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (``base``: an empty database). Data is lost."""
        config = self.alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StorageError(
                f"数据库不可用 / the database is unavailable: {exc.orig}",
                details={"url": _safe(self.url)},
            ) from exc

    def head_revision(self) -> str | None:
        """The newest migration shipped with this version (read once, then remembered)."""
        if self._head is None:
            self._head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        return self._head

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    @contextmanager
    def unit_of_work(self, *, write: bool = False) -> Iterator[SqlUnitOfWork]:
        """One transaction; a write takes the write lock first (see storage.dialects)."""
        options = dialects.write_options() if write else {}
        try:
            connection = self.engine.connect().execution_options(**options)
            with connection, connection.begin():
                yield SqlUnitOfWork(
                    connection,
                    SqlCustomerStore(connection),
                    SqlAuditLog(connection),
                    SqlDuplicateStore(connection),
                    SqlJobStore(connection),
                    SqlMergeStore(connection),
                    SqlLinkStore(connection),
                    SqlImportStore(connection),
                )
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StorageError(
                f"数据库不可用 / the database is unavailable: {exc.orig}",
                details={"url": _safe(self.url)},
            ) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _safe(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable>"
