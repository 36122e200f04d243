"""``zhengming export`` from the command line: formats, encodings, filters, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.seeding import seed
from zhengming.bootstrap import build_services
from zhengming.domain.customer import CustomerName, CustomerType, NameType
from zhengming.entrypoints.cli import app
from zhengming.services.bulk import BulkCustomer
from zhengming.settings import Settings
from zhengming.spreadsheets import open_table

runner = CliRunner()


@pytest.fixture
def numbers(db: str) -> list[str]:
    services = build_services(Settings(database_url=db))
    try:
        return seed(
            services,
            [
                BulkCustomer(
                    "华为技术有限公司",
                    aliases=(CustomerName("华为", NameType.SHORT),),
                    type=CustomerType.VIP,
                    owner="alice",
                ),
                BulkCustomer("平安银行股份有限公司", owner="bob"),
                BulkCustomer("-1+1有限公司", owner="bob"),
            ],
            contacts={0: ["13800138000"]},
            tags={0: ["重点", "通信"], 1: ["银行"]},
        )
    finally:
        services.close()


def export(db: str, *args: str, code: int = 0) -> Any:
    result = runner.invoke(app, ["export", *args, "--db", db, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def rows_of(path: Path) -> dict[Any, dict[Any, Any]]:
    with open_table(path) as table:
        return {row.cells[0]: dict(zip(table.header, row.cells, strict=True)) for row in table}


def test_csv_with_a_bom_by_default(db: str, numbers: list[str], tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    assert export(db, str(path)) == {
        "path": str(path),
        "format": "csv",
        "encoding": "utf-8-sig",
        "rows": 3,
    }
    assert path.read_bytes().startswith("\ufeff客户编号".encode())
    rows = rows_of(path)
    assert rows[numbers[0]]["简称"] == "华为"
    assert rows[numbers[0]]["客户类型"] == "重点客户"
    assert rows[numbers[0]]["标签"] in ("重点；通信", "通信；重点")
    assert rows[numbers[0]]["电话"] == "13800138000"
    assert rows[numbers[2]]["客户名称"].startswith("'-")


def test_gbk_and_xlsx(db: str, numbers: list[str], tmp_path: Path) -> None:
    gbk = tmp_path / "客户.csv"
    assert export(db, str(gbk), "--encoding", "gbk")["encoding"] == "gbk"
    assert gbk.read_bytes().startswith("客户编号".encode("gbk"))
    assert rows_of(gbk)[numbers[1]]["客户名称"] == "平安银行股份有限公司"
    xlsx = tmp_path / "客户.xlsx"
    assert export(db, str(xlsx))["format"] == "xlsx"
    assert set(rows_of(xlsx)) == set(numbers)
    named = tmp_path / "客户.data"
    assert export(db, str(named), "--format", "xlsx")["rows"] == 3
    with open_table(named) as table:
        assert table.format.value == "xlsx"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--owner", "bob"], {1, 2}),
        (["--tag", "银行"], {1}),
        (["--type", "vip"], {0}),
        (["--status", "archived"], set()),
        (["--status", "active", "--status", "archived", "--owner", "alice"], {0}),
    ],
)
def test_filters(
    db: str, numbers: list[str], tmp_path: Path, options: list[str], expected: set[int]
) -> None:
    path = tmp_path / "客户.csv"
    assert export(db, str(path), *options)["rows"] == len(expected)
    assert set(rows_of(path)) == {numbers[i] for i in expected}


def test_people_see_the_count_and_the_file(db: str, numbers: list[str], tmp_path: Path) -> None:
    path = tmp_path / "客户.xlsx"
    result = runner.invoke(app, ["export", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "exported 3 customers" in result.stdout
    assert "xlsx" in result.stdout


def test_an_unknown_suffix_is_unusable_input(db: str, tmp_path: Path) -> None:
    error = export(db, str(tmp_path / "客户.pdf"), code=2)
    assert error["code"] == "input.invalid"
    assert error["details"]["formats"] == ["csv", "xlsx"]
    assert not (tmp_path / "客户.pdf").exists()
