"""Fixtures of the web UI tests: services on a temporary SQLite database, users, a browser-like
client that logs in and sends the session's CSRF token with every form."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import AccessScope
from zhengming.entrypoints.web import create_web_app
from zhengming.services.users import Role, UserService
from zhengming.settings import Settings
from zhengming.storage.users import user_store_factory

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 instead of httpx; the project pins httpx (pyproject dev).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

DATABASE_FILE = "zhengming.db"
PASSWORD = "correct horse battery"
BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_TRADITIONAL = "字節跳動（北京）科技有限公司"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def fast_hasher() -> PasswordHasher:
    """Argon2 with the cheapest parameters: the tests hash many passwords."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest migration, built once per session."""
    data_dir = tmp_path_factory.mktemp("migrated")
    build_services(Settings(data_dir=data_dir)).close()
    return data_dir / DATABASE_FILE


@pytest.fixture
def services(tmp_path: Path, migrated_database: Path) -> Iterator[Services]:
    """Services on a fresh copy of the migrated database (copying beats migrating tenfold)."""
    shutil.copyfile(migrated_database, tmp_path / DATABASE_FILE)
    built = build_services(Settings(data_dir=tmp_path), upgrade=False)
    yield built
    built.close()


@pytest.fixture
def users(services: Services) -> UserService:
    """The user service with alice (sales, north team, own scope), bob (sales, south) and
    vera (viewer, all) — so no initial admin is created."""
    service = UserService(user_store_factory(services.database), hasher=fast_hasher())
    service.add_user("alice", PASSWORD, role=Role.SALES, scope=AccessScope.TEAM, team="north")
    service.add_user("bob", PASSWORD, role=Role.SALES, scope=AccessScope.OWN, team="south")
    service.add_user("vera", PASSWORD, role=Role.VIEWER, scope=AccessScope.ALL)
    service.add_user("root", PASSWORD, role=Role.ADMIN, scope=AccessScope.ALL)
    return service


@pytest.fixture
def app(services: Services, users: UserService) -> FastAPI:
    return create_web_app(services, users=users)


class Browser:
    """A TestClient that behaves like a logged-in browser: forms carry the CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response = self.client.get(url, **kwargs)
        self._remember(response)
        return response

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        if not self.token:
            self.get("/login")
        form = {**(data or {}), **({"csrf_token": self.token} if csrf else {})}
        response = self.client.post(url, data=form, **kwargs)
        self._remember(response)
        return response

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        response = self.post(
            "/login", {"username": username, "password": password}, follow_redirects=False
        )
        # The session is new after a login: so is its token.
        self.get("/login")
        return response

    def register(self, name: str, **fields: str) -> str:
        """Register through the form; the new customer's number."""
        response = self.post("/customers/new", {"name": name, **fields}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return str(response.headers["location"]).rsplit("/", 1)[-1]

    def _remember(self, response: httpx.Response) -> None:
        found = _CSRF.search(response.text)
        if found:
            self.token = found.group(1)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def browser(client: TestClient) -> Browser:
    """Logged in as alice (sales, team north)."""
    browser = Browser(client)
    response = browser.login("alice")
    assert response.status_code == 303, response.text
    return browser


@pytest.fixture
def anonymous(client: TestClient) -> Browser:
    return Browser(client)


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace squeezed (for readable asserts)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
