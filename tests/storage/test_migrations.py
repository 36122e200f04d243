"""The Alembic migrations build exactly the schema storage/tables.py declares, on both databases."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from zhengming.storage.database import Database
from zhengming.storage.tables import metadata


def test_migrations_match_the_declared_tables(database_url: str) -> None:
    database = Database(database_url)
    database.upgrade()
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    database.dispose()
    assert differences == []


def test_upgrade_is_idempotent_and_downgrade_removes_everything(database_url: str) -> None:
    database = Database(database_url)
    assert database.current_revision() is None
    database.upgrade()
    database.upgrade()
    assert database.is_current()
    database.downgrade("base")
    tables = set(sa.inspect(database.engine).get_table_names()) - {"alembic_version"}
    database.dispose()
    assert tables == set()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/x.db")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()
