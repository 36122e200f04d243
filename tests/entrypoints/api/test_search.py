"""/api/v1/search: one box for names, numbers, credit codes and pinyin."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, DATABASE_FILE, Register
from zhengming.bootstrap import build_services
from zhengming.entrypoints.api import create_app
from zhengming.settings import Settings

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_USCC = "91110108551385082Q"


@pytest.fixture(scope="module")
def searchable(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over a few customers, shared by the read-only tests of this module."""
    data_dir = tmp_path_factory.mktemp("search")
    shutil.copyfile(migrated_database, data_dir / DATABASE_FILE)
    services = build_services(Settings(data_dir=data_dir), upgrade=False)
    with TestClient(create_app(services)) as client:
        numbers = {}
        for name, uscc in [(BYTEDANCE, BYTEDANCE_USCC), ("深圳市腾讯计算机系统有限公司", None)]:
            response = client.post(f"{API}/customers", json={"name": name, "uscc": uscc})
            numbers[name] = response.json()["customer"]["customer_no"]
        yield client, numbers
    services.close()


@pytest.mark.parametrize("query", ["字节跳动", "字節跳動", BYTEDANCE, BYTEDANCE_USCC, "zjtd"])
def test_search_finds_the_customer_from_what_a_rep_remembers(
    searchable: tuple[TestClient, dict[str, str]], query: str
) -> None:
    client, numbers = searchable
    response = client.get(f"{API}/search", params={"q": query})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["customer_no"] == numbers[BYTEDANCE]
    assert items[0]["visible"] is True
    assert items[0]["name"] == BYTEDANCE


def test_search_by_customer_number_and_limit(
    searchable: tuple[TestClient, dict[str, str]],
) -> None:
    client, numbers = searchable
    hit = client.get(f"{API}/search", params={"q": numbers[BYTEDANCE]}).json()["items"][0]
    assert hit["customer_no"] == numbers[BYTEDANCE]
    assert hit["match"] == "identifier"
    limited = client.get(f"{API}/search", params={"q": "有限公司", "limit": 1}).json()["items"]
    assert len(limited) == 1


def test_the_recycle_bin_is_searched_only_when_asked(
    client: TestClient, register: Register
) -> None:
    ref = register(BYTEDANCE)["customer_no"]
    client.delete(f"{API}/customers/{ref}")
    assert client.get(f"{API}/search", params={"q": "字节跳动"}).json()["items"] == []
    found = client.get(f"{API}/search", params={"q": "字节跳动", "include_inactive": True})
    assert [hit["status"] for hit in found.json()["items"]] == ["deleted"]
