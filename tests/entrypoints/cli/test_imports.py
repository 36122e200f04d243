"""``zhengming import``, ``import-run`` and ``import-revert`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run, show
from tests.support.seeding import seed
from zhengming.bootstrap import build_services
from zhengming.domain.customer import SYSTEM
from zhengming.services.bulk import BulkCustomer
from zhengming.services.ports import CustomerFilter
from zhengming.settings import Settings


def count(db: str, *statuses: str) -> int:
    services = build_services(Settings(database_url=db))
    try:
        return services.customers.list(
            actor=SYSTEM, filters=CustomerFilter(status=statuses or ("active",))
        ).total
    finally:
        services.close()


@pytest.fixture
def customer_file(tmp_path: Path, db: str) -> Path:
    """A GBK CSV as Chinese Excel saves it; 平安银行 is stored already."""
    services = build_services(Settings(database_url=db))
    try:
        seed(services, [BulkCustomer("平安银行股份有限公司")])
    finally:
        services.close()
    lines = [
        "客户名称,统一社会信用代码,联系人,手机",
        "平安银行股份有限公司,,张三,13800138000",
        "北京字节跳动科技有限公司,,李四,13900139000",
        "字节跳动（北京）科技有限公司,,王五,",
        "王总,,,",
    ]
    path = tmp_path / "客户.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_a_dry_run_prints_the_verdicts_and_changes_no_customer(
    db: str, customer_file: Path
) -> None:
    preview = run(db, "import", str(customer_file), "--dry-run")

    assert [(row["row"], row["verdict"]) for row in preview["rows"]] == [
        (2, "duplicate"),
        (3, "new"),
        (4, "duplicate_in_file"),
        (5, "invalid"),
    ]
    assert preview["totals"]["new"] == 1
    assert preview["batch"]["status"] == "previewed"
    assert count(db) == 1

    people = show(db, "import", str(customer_file), "--dry-run")
    assert "duplicate_in_file" in people
    assert "individual.title_as_name" in people
    assert "import batch 2 (previewed)" in people


def test_import_runs_and_import_revert_undoes_it(db: str, customer_file: Path) -> None:
    done = run(db, "import", str(customer_file))

    result = done["result"]
    assert result["status"] == "done"
    assert result["result"]["created"] == 1
    assert result["result"]["merged"] == 1
    assert count(db) == 2

    reverted = run(db, "import-revert", str(result["batch_id"]), "--reason", "导错了")

    assert len(reverted["archived"]) == 1
    assert count(db) == 1
    assert count(db, "archived") == 1
    again = run(db, "import-revert", str(result["batch_id"]), "--reason", "再来", code=1)
    assert again["code"] == "customer.invalid_state"


def test_import_run_runs_a_previewed_batch_later(db: str, customer_file: Path) -> None:
    batch_id = run(db, "import", str(customer_file), "--dry-run")["batch_id"]

    output = show(db, "import-run", str(batch_id), "--on-duplicate", "update")

    assert f"imported batch {batch_id}: created 1  updated 1" in output
    assert f"zhengming import-revert {batch_id}" in output


def test_create_mode_without_a_reason_is_refused_before_anything_is_read(
    db: str, customer_file: Path
) -> None:
    error = run(db, "import", str(customer_file), "--on-duplicate", "create", code=2)

    assert error["code"] == "input.invalid"
    assert run(db, "import", str(customer_file), "--dry-run")["batch_id"] == 1


def test_a_file_without_a_name_column_exits_2(db: str, tmp_path: Path) -> None:
    path = tmp_path / "无名称.csv"
    path.write_bytes("序号,手机\r\n1,13800138000\r\n".encode("gbk"))

    error = run(db, "import", str(path), "--dry-run", code=2)

    assert error["code"] == "input.column_not_found"
    assert error["details"]["header"] == ["序号", "手机"]


def test_a_mapping_file_names_the_name_column(db: str, tmp_path: Path) -> None:
    path = tmp_path / "抬头.csv"
    path.write_text("抬头,备忘\n北京字节跳动科技有限公司,老客户\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"name": "抬头", "note": "备忘"}), encoding="utf-8")

    preview = run(db, "import", str(path), "--mapping", str(mapping), "--dry-run")

    assert preview["rows"][0]["verdict"] == "new"
    assert preview["rows"][0]["data"] == {"name": "北京字节跳动科技有限公司", "note": "老客户"}
    mapping.write_text("[1, 2]", encoding="utf-8")
    assert run(db, "import", str(path), "--mapping", str(mapping), code=2)["code"] == (
        "input.invalid"
    )
