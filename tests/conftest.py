"""Shared test fixtures: the development data (skipped when absent) and the two databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresCluster, PostgresNotInstalledError
from zhengming.bootstrap import Services, build_services
from zhengming.settings import Settings
from zhengming.storage.database import Database

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ZHENGMING_SHARED_DATA", REPO.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip: a user's clone does not have it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL for the session; skipped where it is not installed, except in CI.

    CI sets ZHENGMING_REQUIRE_POSTGRES=1 so that the database tests can never silently skip there.
    """
    try:
        cluster = PostgresCluster.start()
    except PostgresNotInstalledError as exc:
        if os.environ.get("ZHENGMING_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"ZHENGMING_REQUIRE_POSTGRES=1, but {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL is not installed ({exc})")
    with cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """SQLAlchemy URL of a new, empty database: tests never see each other's rows."""
    return postgres_cluster.create_database(f"test_{uuid.uuid4().hex}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One repository test suite on both databases: an empty SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zhengming.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster: PostgresCluster) -> str:
    """A migrated PostgreSQL database that fresh test databases are copied from (fast)."""
    name = "zhengming_migrated"
    database = Database(postgres_cluster.create_database(name))
    database.upgrade()
    database.dispose()
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the newest schema: SQLite (migrated on first use), then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zhengming.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    template: str = request.getfixturevalue("postgres_template")
    return cluster.create_database(f"test_{uuid.uuid4().hex}", template=template)


@pytest.fixture
def services(migrated_database_url: str, tmp_path: Path) -> Iterator[Services]:
    """The services on a fresh, migrated database (SQLite and PostgreSQL)."""
    built = build_services(Settings(data_dir=tmp_path, database_url=migrated_database_url))
    yield built
    built.close()
