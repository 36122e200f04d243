"""The same API flow on both supported databases: embedded SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API
from zhengming.bootstrap import build_services
from zhengming.entrypoints.api import create_app
from zhengming.settings import Settings


@pytest.fixture
def backend_client(migrated_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client on SQLite, then on PostgreSQL (tests/conftest.py; skipped without PostgreSQL)."""
    services = build_services(Settings(data_dir=tmp_path, database_url=migrated_database_url))
    try:
        with TestClient(create_app(services)) as client:
            yield client
    finally:
        services.close()


def test_register_find_change_and_refuse_the_duplicate(backend_client: TestClient) -> None:
    client = backend_client
    created = client.post(
        f"{API}/customers",
        json={"name": "北京字节跳动科技有限公司", "uscc": "91110108551385082Q", "owner": "alice"},
    )
    assert created.status_code == 201, created.text
    ref = created.json()["customer"]["customer_no"]

    duplicate = client.post(f"{API}/customers", json={"name": "字節跳動（北京）科技有限公司"})
    assert duplicate.status_code == 409
    assert duplicate.json()["details"]["customer_no"] == ref

    renamed = client.post(
        f"{API}/customers/{ref}/rename",
        json={"name": "北京抖音信息服务有限公司"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text
    stale = client.patch(
        f"{API}/customers/{ref}", json={"size": "L"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert stale.json()["code"] == "customer.version_conflict"

    [hit] = client.get(f"{API}/search", params={"q": "字节跳动"}).json()["items"]
    assert hit["customer_no"] == ref
    assert client.get(f"{API}/customers", params={"owner": "alice"}).json()["total"] == 1
    assert client.delete(f"{API}/customers/{ref}").json()["status"] == "deleted"
    actions = [e["action"] for e in client.get(f"{API}/customers/{ref}/history").json()["items"]]
    assert actions == ["customer.register", "customer.rename", "customer.delete"]
    assert client.get(f"{API}/health").json()["status"] == "ok"
