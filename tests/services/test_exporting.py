"""Exporting customers: read back with the import's reader (CSV with a BOM, GBK, XLSX), formula
neutralisation, filters, record-level access, keyset paging and the audit entry (SQLite and
PostgreSQL through the ``services`` fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.seeding import fresh_uscc, seed
from zhengming.bootstrap import Services
from zhengming.domain.customer import (
    SYSTEM,
    AccessScope,
    Actor,
    CustomerName,
    CustomerStatus,
    CustomerType,
    NameType,
)
from zhengming.errors import InvalidInputError
from zhengming.services.bulk import BulkCustomer
from zhengming.services.exporting import HEADER, ExportService
from zhengming.services.ports import CustomerFilter
from zhengming.spreadsheets import map_headers, open_table
from zhengming.storage.tables import audit_log

ALICE = Actor("alice", scope=AccessScope.OWN, team="华南")


@pytest.fixture
def base(services: Services) -> dict[str, str]:
    """Customers of alice, of bob, and one unowned (公海), with aliases, contacts and tags."""
    huawei_uscc = fresh_uscc()
    numbers = seed(
        services,
        [
            BulkCustomer(
                "华为技术有限公司",
                uscc=huawei_uscc,
                aliases=(
                    CustomerName("华为", NameType.SHORT),
                    CustomerName("Huawei Technologies Co., Ltd.", NameType.ENGLISH),
                    CustomerName("深圳市华为技术有限公司", NameType.FORMER),
                ),
                type=CustomerType.VIP,
                owner="alice",
                team="华南",
            ),
            BulkCustomer("平安银行股份有限公司", owner="bob", team="华北"),
            BulkCustomer('=HYPERLINK("http://evil.example")有限公司', owner="bob"),
            BulkCustomer("杭州娃哈哈集团有限公司", owner="system"),
        ],
        contacts={0: ["13800138000", "0755-28780808"]},
        tags={0: ["重点", "通信"], 1: ["银行"]},
    )
    # The pool (公海): no owner, visible to everyone.
    with services.database.unit_of_work(write=True) as uow:
        customer_id = uow.customers.id_by_number(numbers[3])
        assert customer_id is not None
        customer = uow.customers.get(customer_id)
        assert customer is not None
        uow.customers.update(customer_id, expected_version=customer.version, values={"owner": None})
    return {
        "huawei": numbers[0],
        "pingan": numbers[1],
        "formula": numbers[2],
        "pool": numbers[3],
        "huawei_uscc": huawei_uscc,
    }


def read_back(path: Path) -> tuple[list[Any], dict[Any, dict[Any, Any]]]:
    """The file's header and rows (by customer number) as the import reads them."""
    with open_table(path) as table:
        header = list(table.header)
        rows = {row.cells[0]: dict(zip(header, row.cells, strict=True)) for row in table}
    return header, rows


def test_csv_with_a_bom_reads_back_with_aliases_contacts_and_tags_joined(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "客户.csv"
    result = services.exports.export(path, actor=SYSTEM)
    assert result.to_dict() == {
        "path": str(path),
        "format": "csv",
        "encoding": "utf-8-sig",
        "rows": 4,
    }
    assert path.read_bytes().startswith("\ufeff客户编号,客户名称".encode())
    header, rows = read_back(path)
    assert header == list(HEADER)
    huawei = rows[base["huawei"]]
    assert huawei["客户名称"] == "华为技术有限公司"
    assert huawei["统一社会信用代码"] == base["huawei_uscc"]
    assert huawei["简称"] == "华为"
    assert huawei["英文名"] == "Huawei Technologies Co., Ltd."
    assert huawei["曾用名"] == "深圳市华为技术有限公司"
    assert huawei["客户类型"] == "重点客户"
    assert huawei["负责人"] == "alice"
    assert huawei["团队"] == "华南"
    assert set(huawei["标签"].split("；")) == {"重点", "通信"}
    assert huawei["电话"] == "13800138000；0755-28780808"
    assert huawei["联系人"] == "王经理；王经理"
    assert huawei["状态"] == "有效"
    assert len(huawei["创建时间"]) == len("2026-01-31 09:30:00")
    assert rows[base["pool"]]["负责人"] is None


def test_the_header_is_what_the_import_maps() -> None:
    mapped = map_headers(list(HEADER)).columns
    for field in ("customer_no", "name", "uscc", "short_name", "english_name", "type", "owner"):
        assert field in mapped, field
    for field in ("industry", "region", "size", "tags", "contact_name", "phone", "email"):
        assert field in mapped, field


def test_a_formula_is_neutralised_in_csv_and_xlsx(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    for name in ("客户.csv", "客户.xlsx"):
        path = tmp_path / name
        services.exports.export(path, actor=SYSTEM)
        _, rows = read_back(path)
        cell = rows[base["formula"]]["客户名称"]
        assert cell.startswith("'="), (name, cell)


def test_gbk_csv_reads_back(services: Services, base: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    result = services.exports.export(path, actor=SYSTEM, encoding="gbk")
    assert result.encoding == "gbk"
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith("客户编号".encode("gbk"))
    with open_table(path) as table:
        assert table.encoding == "gb18030"
    _, rows = read_back(path)
    assert rows[base["huawei"]]["简称"] == "华为"
    assert rows[base["pingan"]]["标签"] == "银行"


def test_xlsx_reads_back_and_keeps_identifiers_as_text(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "客户.xlsx"
    result = services.exports.export(path, actor=SYSTEM)
    assert (result.format, result.encoding, result.rows) == ("xlsx", None, 4)
    with open_table(path) as table:
        assert table.format.value == "xlsx"
        assert table.sheet == "客户"
    header, rows = read_back(path)
    assert header == list(HEADER)
    assert rows[base["huawei"]]["电话"] == "13800138000；0755-28780808"
    assert rows[base["huawei"]]["统一社会信用代码"] == base["huawei_uscc"]


def test_filters_select_and_the_format_can_be_named(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    def exported(filters: CustomerFilter) -> set[str]:
        path = tmp_path / "out.data"
        services.exports.export(path, actor=SYSTEM, filters=filters, format="csv")
        return set(read_back(path)[1])

    assert exported(CustomerFilter(owner="bob")) == {base["pingan"], base["formula"]}
    assert exported(CustomerFilter(tag="通信")) == {base["huawei"]}
    assert exported(CustomerFilter(type="vip")) == {base["huawei"]}
    services.customers.set_status(
        base["pingan"], CustomerStatus.ARCHIVED, actor=SYSTEM, reason="不再合作"
    )
    assert base["pingan"] not in exported(CustomerFilter())
    assert exported(CustomerFilter(status=("archived",))) == {base["pingan"]}


def test_a_sales_user_exports_only_own_and_unowned_customers(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "mine.xlsx"
    assert services.exports.export(path, actor=ALICE).rows == 2
    assert set(read_back(path)[1]) == {base["huawei"], base["pool"]}
    # A filter never widens access: bob's customers stay hidden from alice.
    services.exports.export(path, actor=ALICE, filters=CustomerFilter(owner="bob"))
    assert read_back(path)[1] == {}


def test_pages_are_read_in_id_order_each_customer_once(
    services: Services, base: dict[str, str]
) -> None:
    paged = ExportService(services.database.unit_of_work, page_size=1)
    numbers = [cells[0] for cells in paged.rows(actor=SYSTEM)]
    assert numbers == [base["huawei"], base["pingan"], base["formula"], base["pool"]]
    assert [
        cells[0]
        for cells in ExportService(services.database.unit_of_work, page_size=3).rows(actor=SYSTEM)
    ] == numbers


def _exports(services: Services) -> list[tuple[str, dict[str, Any]]]:
    with services.database.engine.connect() as connection:
        found = connection.execute(
            sa.select(audit_log.c.actor, audit_log.c.after)
            .where(audit_log.c.action == "export")
            .order_by(audit_log.c.id)
        ).all()
    return [(actor, after) for actor, after in found]


def test_every_export_is_audited_with_filters_and_count(
    services: Services, base: dict[str, str], tmp_path: Path
) -> None:
    services.exports.export(
        tmp_path / "a.csv", actor=ALICE, filters=CustomerFilter(tag="通信"), encoding="gbk"
    )
    rows = services.exports.rows(actor=SYSTEM, format="csv")
    next(rows)
    rows.close()  # a download cut off after one row
    assert _exports(services) == [
        (
            "alice",
            {
                "filters": {"status": ["active"], "tag": "通信"},
                "count": 1,
                "format": "csv",
                "encoding": "gbk",
                "complete": True,
            },
        ),
        (
            "system",
            {
                "filters": {"status": ["active"]},
                "count": 1,
                "format": "csv",
                "encoding": None,
                "complete": False,
            },
        ),
    ]


@pytest.mark.parametrize(
    ("name", "options"),
    [("客户.txt", {}), ("客户.csv", {"format": "pdf"}), ("客户.csv", {"encoding": "big5"})],
)
def test_bad_formats_and_encodings_write_nothing(
    services: Services, tmp_path: Path, name: str, options: dict[str, Any]
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InvalidInputError):
        services.exports.export(target / name, actor=SYSTEM, **options)
    assert list(target.iterdir()) == []
    assert _exports(services) == []
