"""The web UI mounted beside the REST API in one server: links and assets keep the prefix."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.entrypoints.web.conftest import BYTEDANCE, Browser
from zhengming.bootstrap import Services
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.web import create_web_app
from zhengming.services.users import UserService


@pytest.fixture(params=["", "/ui"])
def server(
    request: pytest.FixtureRequest, services: Services, users: UserService
) -> Iterator[tuple[TestClient, str]]:
    """The API app with the web UI mounted at its root or under /ui."""
    prefix: str = request.param
    api: FastAPI = create_app(services)
    api.mount(prefix or "/", create_web_app(services, users=users))
    with TestClient(api) as client:
        yield client, prefix


def test_api_and_ui_share_one_server(server: tuple[TestClient, str]) -> None:
    client, prefix = server
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    response = client.get(f"{prefix}/customers", follow_redirects=False)
    assert response.status_code == 303
    assert (
        response.headers["location"]
        == f"{prefix}/login?next={quote(prefix + '/customers', safe='')}"
    )


def test_links_and_assets_carry_the_mount_prefix(server: tuple[TestClient, str]) -> None:
    client, prefix = server
    browser = Browser(client)
    browser.get(f"{prefix}/login")
    response = browser.post(
        f"{prefix}/login",
        {"username": "alice", "password": "correct horse battery"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"{prefix}/customers"
    page = client.get(f"{prefix}/customers/new").text
    assert f'action="{prefix}/login' not in page
    assert f'href="{prefix}/static/app.css?v=' in page
    assert f'hx-post="{prefix}/customers/check"' in page
    assert client.get(f"{prefix}/static/app.css").status_code == 200
    browser.get(f"{prefix}/customers/new")
    registered = browser.post(
        f"{prefix}/customers/new", {"name": BYTEDANCE}, follow_redirects=False
    )
    assert registered.status_code == 303
    assert registered.headers["location"].startswith(f"{prefix}/customers/C")
