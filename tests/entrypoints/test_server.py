"""The composed server: API paths answer JSON, everything else is the web UI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from zhengming.entrypoints.server import create_server
from zhengming.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    server = create_server(Settings(data_dir=tmp_path))
    with TestClient(server) as test_client:  # runs the lifespan: services close at the end
        yield test_client


def test_api_paths_go_to_the_api(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert client.get("/openapi.json").json()["paths"]
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_other_paths_go_to_the_web_ui(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert client.get("/static/htmx.min.js").status_code == 200
