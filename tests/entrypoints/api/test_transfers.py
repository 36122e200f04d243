"""``/imports`` and ``/exports``: upload, preview, run as a job, revert; size limits and refused
files; CSV and XLSX downloads read back with the import's reader."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, MakeServices, Register
from tests.spreadsheets.builders import customers_xlsx, excel_gbk_csv, zip_bomb_xlsx
from zhengming.bootstrap import build_services
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.api.transfers import TEMPORARY_DIR
from zhengming.services.exporting import HEADER
from zhengming.settings import Settings
from zhengming.spreadsheets import open_table

GBK_ROWS = [
    "客户名称,统一社会信用代码,联系人,手机",
    "平安银行股份有限公司,,张三,13800138000",
    "北京字节跳动科技有限公司,,李四,13900139000",
    "字节跳动（北京）科技有限公司,,王五,13600136000",
    "王总,,,13500135000",
    "小米科技有限责任公司,,,",
]


def gbk_csv(rows: list[str] = GBK_ROWS) -> bytes:
    """A CSV as Chinese Excel saves it: GBK, CRLF."""
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


def upload(client: TestClient, content: bytes, name: str = "客户名单.csv", **fields: str) -> Any:
    return client.post(
        f"{API}/imports", files={"file": (name, content, "text/csv")}, data=fields or None
    )


def table_of(content: bytes, tmp_path: Path, name: str) -> tuple[list[Any], dict[Any, Any]]:
    """A downloaded file's header and rows by customer number, as the import reads them."""
    path = tmp_path / name
    path.write_bytes(content)
    with open_table(path) as table:
        header = list(table.header)
        rows = {row.cells[0]: dict(zip(header, row.cells, strict=True)) for row in table}
    return header, rows


def temporary_files(data_dir: Path) -> list[Path]:
    directory = data_dir / TEMPORARY_DIR
    return sorted(directory.iterdir()) if directory.exists() else []


@pytest.fixture
def backend(migrated_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client on SQLite, then on PostgreSQL (skipped without PostgreSQL)."""
    services = build_services(Settings(data_dir=tmp_path, database_url=migrated_database_url))
    try:
        with TestClient(create_app(services)) as client:
            yield client
    finally:
        services.close()


def test_upload_preview_run_and_revert(backend: TestClient, tmp_path: Path) -> None:
    client = backend
    stored = client.post(f"{API}/customers", json={"name": "平安银行股份有限公司"})
    assert stored.status_code == 201, stored.text

    response = upload(client, gbk_csv())
    assert response.status_code == 201, response.text
    preview = response.json()
    batch_id = preview["batch_id"]
    assert response.headers["Location"].endswith(f"{API}/imports/{batch_id}")
    assert preview["batch"]["file_name"] == "客户名单.csv"
    assert preview["batch"]["encoding"] == "gb18030"
    assert preview["batch"]["status"] == "previewed"
    verdicts = {row["row"]: row["verdict"] for row in preview["rows"]}
    assert verdicts == {2: "duplicate", 3: "new", 4: "duplicate_in_file", 5: "invalid", 6: "new"}
    assert preview["totals"]["new"] == 2
    assert temporary_files(tmp_path) == []  # the upload is gone once previewed

    page = client.get(f"{API}/imports/{batch_id}", params={"page": 2, "page_size": 2}).json()
    assert page["batch"]["row_count"] == 5
    assert page["rows"]["total"] == 5
    assert [row["row"] for row in page["rows"]["items"]] == [4, 5]

    started = client.post(f"{API}/imports/{batch_id}/run", json={"on_duplicate": "skip"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["kind"] == "import"
    assert started.headers["Location"].endswith(f"{API}/jobs/{job['id']}")
    # The test client runs background tasks before it returns: the job has finished.
    finished = client.get(f"{API}/jobs/{job['id']}").json()
    assert finished["status"] == "succeeded", finished
    assert finished["result"]["created"] == 2
    batch = client.get(f"{API}/imports/{batch_id}").json()["batch"]
    assert batch["status"] == "done"
    assert batch["job_id"] == job["id"]
    names = {c["name"] for c in client.get(f"{API}/customers").json()["items"]}
    assert {"北京字节跳动科技有限公司", "小米科技有限责任公司"} <= names

    again = client.post(f"{API}/imports/{batch_id}/run", json={"on_duplicate": "skip"})
    assert again.status_code == 409
    assert again.json()["code"] == "customer.invalid_state"

    reverted = client.post(f"{API}/imports/{batch_id}/revert", json={"reason": "导错了文件"})
    assert reverted.status_code == 200, reverted.text
    assert len(reverted.json()["archived"]) == 2
    active = {c["name"] for c in client.get(f"{API}/customers").json()["items"]}
    assert active == {"平安银行股份有限公司"}


def test_export_csv_and_xlsx_round_trip(backend: TestClient, tmp_path: Path) -> None:
    client = backend
    for name, fields in [
        ("华为技术有限公司", {"aliases": [{"name": "华为", "type": "short"}], "tags": ["重点"]}),
        ("平安银行股份有限公司", {"owner": "bob", "tags": ["银行"]}),
    ]:
        response = client.post(f"{API}/customers", json={"name": name, **fields})
        assert response.status_code == 201, response.text

    response = client.get(f"{API}/exports/customers.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7.csv" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff客户编号".encode())
    header, rows = table_of(response.content, tmp_path, "a.csv")
    assert header == list(HEADER)
    by_name = {row["客户名称"]: row for row in rows.values()}
    assert by_name["华为技术有限公司"]["简称"] == "华为"
    assert by_name["平安银行股份有限公司"]["标签"] == "银行"

    gbk = client.get(f"{API}/exports/customers.csv", params={"encoding": "gbk", "owner": "bob"})
    assert gbk.headers["content-type"] == "text/csv; charset=gb18030"
    _, rows = table_of(gbk.content, tmp_path, "b.csv")
    assert [row["客户名称"] for row in rows.values()] == ["平安银行股份有限公司"]

    xlsx = client.get(f"{API}/exports/customers.xlsx", params={"tag": "重点"})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert int(xlsx.headers["content-length"]) == len(xlsx.content)
    header, rows = table_of(xlsx.content, tmp_path, "c.xlsx")
    assert header == list(HEADER)
    assert [row["客户名称"] for row in rows.values()] == ["华为技术有限公司"]
    assert temporary_files(tmp_path) == []  # the XLSX is removed once sent


def test_a_gbk_csv_as_chinese_excel_saves_it(client: TestClient, tmp_path: Path) -> None:
    content = excel_gbk_csv(tmp_path / "名单.csv").read_bytes()
    response = upload(client, content, "2024年华南区客户名单.csv")
    assert response.status_code == 201, response.text
    preview = response.json()
    assert preview["batch"]["header_row"] == 2  # the title row above it is skipped
    assert preview["header"][:2] == ["客户名称", "统一社会信用代码"]
    rows = {row["row"]: row for row in preview["rows"]}
    assert {number: row["verdict"] for number, row in rows.items()} == {
        3: "new",
        5: "invalid",  # the blank line 4 is skipped; 腾讯's credit code fails its check
        6: "new",
    }
    assert [problem["code"] for problem in rows[5]["problems"]] == ["uscc.invalid"]
    assert rows[3]["data"]["customer_no"] == "000123"  # kept as text, leading zeros and all


def test_an_xlsx_upload_with_a_title_row_and_a_mapping(client: TestClient, tmp_path: Path) -> None:
    content = customers_xlsx(tmp_path / "c.xlsx").read_bytes()
    response = upload(client, content, "台账.xlsx", sheet="客户")
    assert response.status_code == 201, response.text
    assert response.json()["batch"]["format"] == "xlsx"
    assert response.json()["batch"]["header_row"] == 3

    mapped = upload(
        client,
        gbk_csv(["抬头,备注", "北京字节跳动科技有限公司,x"]),
        mapping='{"name": "抬头"}',
    )
    assert mapped.status_code == 201, mapped.text
    assert mapped.json()["rows"][0]["data"]["name"] == "北京字节跳动科技有限公司"
    unmapped = upload(client, gbk_csv(["抬头,备注", "北京字节跳动科技有限公司,x"]))
    assert unmapped.status_code == 422
    assert unmapped.json()["code"] == "input.column_not_found"


@pytest.mark.parametrize(
    ("mapping", "sheet"), [("{not json", ""), ("[1, 2]", ""), ("", "没有这个表")]
)
def test_a_bad_mapping_or_sheet_is_invalid_input(
    client: TestClient, tmp_path: Path, mapping: str, sheet: str
) -> None:
    content = customers_xlsx(tmp_path / "c.xlsx").read_bytes()
    response = upload(client, content, "c.xlsx", mapping=mapping, sheet=sheet)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "input.invalid"


def test_refused_files_answer_422_with_the_reason(
    client: TestClient, tmp_path: Path, services: Any
) -> None:
    empty = upload(client, b"", "空.csv")
    assert empty.status_code == 422, empty.text
    assert empty.json()["code"] == "data_file.invalid"
    assert empty.json()["details"]["reason"] == "empty"
    assert empty.json()["details"]["file"] == "空.csv"

    # 80 MiB of sheet XML in about 100 KB: refused before calamine opens it.
    bomb = zip_bomb_xlsx(tmp_path / "bomb.xlsx", inflated_mib=80).read_bytes()
    refused = upload(client, bomb, "客户.xlsx")
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["reason"] == "zip_bomb"
    assert refused.json()["details"]["file"] == "客户.xlsx"
    assert temporary_files(services.settings.data_dir) == []


def test_uploads_have_their_own_size_limit(make_services: MakeServices) -> None:
    services = make_services(max_request_bytes=1024, max_upload_bytes=8192)
    with TestClient(create_app(services)) as client:
        # Over the JSON limit but under the upload limit: accepted.
        rows = [GBK_ROWS[0], *(f"测试{i}号科技有限公司,,,1380013{i:04d}" for i in range(60))]
        content = gbk_csv(rows)
        assert 1024 < len(content) < 8000
        assert upload(client, content).status_code == 201
        too_large = upload(client, content * 5)
        assert too_large.status_code == 413
        assert too_large.json() == {
            "code": "input.too_large",
            "message": too_large.json()["message"],
            "details": {"max_bytes": 8192},
        }
        # Without a Content-Length (chunked), the bytes are counted as they arrive.
        boundary = "zhengming"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode() + content * 5
        chunked = client.post(
            f"{API}/imports",
            content=(body[i : i + 1000] for i in range(0, len(body), 1000)),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert chunked.status_code == 413
        assert chunked.json()["code"] == "input.too_large"
        # Other paths keep the JSON limit.
        body = client.post(f"{API}/duplicates/check", json={"name": "甲" * 2000})
        assert body.status_code == 413
        assert body.json()["details"] == {"max_bytes": 1024}


def test_run_options_are_checked_before_the_job_is_queued(client: TestClient) -> None:
    batch_id = upload(client, gbk_csv()).json()["batch_id"]
    no_reason = client.post(f"{API}/imports/{batch_id}/run", json={"on_duplicate": "create"})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "input.invalid"
    unknown = client.post(f"{API}/imports/{batch_id}/run", json={"on_duplicate": "merge"})
    assert unknown.status_code == 422
    missing = client.post(f"{API}/imports/999/run", json={})
    assert missing.status_code == 404
    assert client.get(f"{API}/imports/999").status_code == 404
    never_run = client.post(f"{API}/imports/{batch_id}/revert", json={"reason": "测试"})
    assert never_run.status_code == 409


def test_a_sales_user_exports_only_what_they_may_see(
    make_services: MakeServices, tmp_path: Path
) -> None:
    services = make_services(trust_user_header=True)
    admin = {"X-Zhengming-User": "admin", "X-Zhengming-Scope": "all"}
    alice = {"X-Zhengming-User": "alice", "X-Zhengming-Scope": "own"}
    with TestClient(create_app(services)) as client:
        for name, owner in [
            ("华为技术有限公司", "alice"),
            ("平安银行股份有限公司", "bob"),
            ("杭州娃哈哈集团有限公司", "admin"),
        ]:
            created = client.post(
                f"{API}/customers", json={"name": name, "owner": owner}, headers=admin
            )
            assert created.status_code == 201, created.text
        response = client.get(f"{API}/exports/customers.csv", headers=alice)
        assert response.status_code == 200, response.text
        _, rows = table_of(response.content, tmp_path, "alice.csv")
        assert [(row["客户名称"], row["负责人"]) for row in rows.values()] == [
            ("华为技术有限公司", "alice")
        ]
        # A filter never widens access.
        bobs = client.get(f"{API}/exports/customers.csv", params={"owner": "bob"}, headers=alice)
        assert table_of(bobs.content, tmp_path, "bob.csv")[1] == {}
        everything = client.get(f"{API}/exports/customers.xlsx", headers=admin)
        assert len(table_of(everything.content, tmp_path, "all.xlsx")[1]) == 3


def test_an_unknown_export_parameter_is_refused(client: TestClient, register: Register) -> None:
    assert (
        client.get(f"{API}/exports/customers.xlsx", params={"encoding": "gbk"}).status_code == 422
    )
    assert (
        client.get(f"{API}/exports/customers.csv", params={"encoding": "big5"}).status_code == 422
    )
    register("北京字节跳动科技有限公司")
    streamed = client.get(f"{API}/exports/customers.csv", params={"status": ["active", "archived"]})
    assert streamed.status_code == 200
    assert len(io.BytesIO(streamed.content).read().splitlines()) == 2
