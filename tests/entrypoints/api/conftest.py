"""Fixtures of the REST API tests: services on a temporary SQLite database and a client."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from zhengming.bootstrap import Services, build_services
from zhengming.entrypoints.api import create_app
from zhengming.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 instead of httpx; the project pins httpx (pyproject dev).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

API = "/api/v1"
#: The embedded database's file name in the data directory (see Settings.resolved_database_url).
DATABASE_FILE = "zhengming.db"

Register = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest migration, built once per session."""
    data_dir = tmp_path_factory.mktemp("migrated")
    build_services(Settings(data_dir=data_dir)).close()
    return data_dir / DATABASE_FILE


MakeServices = Callable[..., Services]


@pytest.fixture
def make_services(tmp_path: Path, migrated_database: Path) -> Iterator[MakeServices]:
    """Builds services on a fresh SQLite database in ``tmp_path`` (closed after the test).

    ``make_services(**settings)``: the database is a copy of a migrated one (ten times faster
    than migrating), so every test still starts from an empty database.
    """
    built: list[Services] = []

    def make(**settings: Any) -> Services:
        shutil.copyfile(migrated_database, tmp_path / DATABASE_FILE)
        services = build_services(Settings(data_dir=tmp_path, **settings), upgrade=False)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture
def services(make_services: MakeServices) -> Services:
    return make_services()


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # Entered once: one event loop for all of a test's requests instead of one per request.
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def register(client: TestClient) -> Register:
    """Registers a customer through the API and returns its ``customer`` object."""

    def register(name: str, **fields: Any) -> dict[str, Any]:
        response = client.post(f"{API}/customers", json={"name": name, **fields})
        assert response.status_code == 201, response.text
        customer: dict[str, Any] = response.json()["customer"]
        return customer

    return register


@pytest.fixture
def count_customers(client: TestClient) -> Callable[[], int]:
    """Counts customers in every status a list can show (to prove nothing was written)."""

    def count() -> int:
        response = client.get(
            f"{API}/customers",
            params={"status": ["active", "archived", "deleted"], "page_size": 1},
        )
        assert response.status_code == 200, response.text
        total: int = response.json()["total"]
        return total

    return count
