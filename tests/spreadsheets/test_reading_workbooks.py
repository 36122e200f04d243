from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.spreadsheets.builders import customers_xlsx, hand_made_ods, two_row_header_xlsx
from zhengming.errors import DataFileError, InvalidInputError
from zhengming.spreadsheets import FileFormat, ProblemCode, open_table
from zhengming.spreadsheets.workbooks import render_cell

DATA = Path(__file__).resolve().parents[1] / "data" / "spreadsheets"


def test_xlsx_as_a_sales_assistant_makes_it(tmp_path: Path) -> None:
    with open_table(customers_xlsx(tmp_path / "客户.xlsx")) as table:
        assert (table.format, table.encoding, table.sheet) == (FileFormat.XLSX, None, "客户")
        assert table.header_row == 3  # under the merged title and a blank row
        assert table.header == [
            "客户名称*",
            "客户编号",
            "电话(手机)",
            "签约日期",
            "年采购额",
            "备注",
        ]
        rows = list(table)
    assert [row.number for row in rows] == [4, 6]
    assert rows[0].cells == (
        "北京字节跳动科技有限公司",
        "000123",
        "13800138000",
        "2024-03-05",
        "5",
        "重点",
    )
    # whitespace stripped, a datetime keeps its time, a float stays a float, empty is None
    assert rows[1].cells == (
        "华为技术有限公司",
        "000124",
        "13900139000",
        "2024-03-06 09:30:00",
        "1.5",
        None,
    )


def test_formulas_are_read_as_their_cached_values_never_evaluated(tmp_path: Path) -> None:
    # The builder stores 5 as the cached result of =1+1: only a reader that evaluates says 2.
    with open_table(customers_xlsx(tmp_path / "c.xlsx")) as table:
        assert next(iter(table)).cells[4] == "5"


def test_an_xlsx_named_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    with open_table(customers_xlsx(tmp_path / "客户.csv")) as table:
        assert table.format is FileFormat.XLSX
        assert len(list(table)) == 2


def test_two_row_header_under_merged_cells(tmp_path: Path) -> None:
    with open_table(two_row_header_xlsx(tmp_path / "h.xlsx")) as table:
        assert table.header_row == 2
        assert table.header == ["客户名称", "联系人姓名", "电话", "备注"]
        assert [row.cells for row in table] == [
            ("小米科技有限责任公司", "雷军", "13700137000", "老客户")
        ]


def test_a_grouping_row_above_the_header_is_skipped(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["基本信息", None, "联系方式", None])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:D1")
    sheet.append(["客户名称", "行业", "联系人", "手机"])
    sheet.append(["腾讯", "互联网", "马化腾", "13800138000"])
    book.save(tmp_path / "g.xlsx")
    with open_table(tmp_path / "g.xlsx") as table:
        assert table.header == ["客户名称", "行业", "联系人", "手机"]
        assert table.header_row == 2


def test_data_away_from_a1_keeps_true_rows_and_columns(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet["C5"], sheet["D5"] = "客户名称", "电话"
    sheet["C7"], sheet["D7"] = "腾讯", "0755"
    book.save(tmp_path / "a.xlsx")
    with open_table(tmp_path / "a.xlsx") as table:
        assert table.header == ["", "", "客户名称", "电话"]  # column C is index 2
        assert table.header_row == 5
        assert [(row.number, row.cells) for row in table] == [(7, (None, None, "腾讯", "0755"))]


def test_sheets_are_listed_and_chosen(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "空白"
    hidden = book.create_sheet("隐藏")
    hidden.append(["客户名称"])
    hidden.append(["不该读到"])
    hidden.sheet_state = "hidden"
    visible = book.create_sheet("客户")
    visible.append(["客户名称"])
    visible.append(["腾讯"])
    book.save(tmp_path / "s.xlsx")
    with open_table(tmp_path / "s.xlsx") as table:
        assert table.sheets == ["空白", "隐藏", "客户"]
        assert table.sheet == "客户"  # the first visible sheet that is not empty
        assert [row.cells for row in table] == [("腾讯",)]
    with open_table(tmp_path / "s.xlsx", sheet="隐藏") as table:
        assert [row.cells for row in table] == [("不该读到",)]
    with pytest.raises(InvalidInputError) as info:
        open_table(tmp_path / "s.xlsx", sheet="Sheet9")
    assert info.value.details["sheets"] == ["空白", "隐藏", "客户"]
    with pytest.raises(DataFileError) as empty:
        open_table(tmp_path / "s.xlsx", sheet="空白")
    assert empty.value.details["reason"] == "empty"


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    Workbook().save(tmp_path / "e.xlsx")
    with pytest.raises(DataFileError) as info:
        open_table(tmp_path / "e.xlsx")
    assert info.value.details["reason"] == "empty"


def test_header_only_workbook_has_no_rows(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["客户名称", "电话"])
    book.save(tmp_path / "h.xlsx")
    with open_table(tmp_path / "h.xlsx") as table:
        assert table.header == ["客户名称", "电话"]
        assert list(table) == []


def test_a_cell_of_excels_maximum_length(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["客户名称", "备注"])
    book.active.append(["腾讯", "备" * 32_767])
    book.save(tmp_path / "l.xlsx")
    with open_table(tmp_path / "l.xlsx") as table:
        row = next(iter(table))
    assert row.cells[1] == "备" * 32_767
    assert row.problems == ()


def test_cell_limit_is_configurable(tmp_path: Path) -> None:
    from zhengming.spreadsheets import ReadLimits

    book = Workbook()
    book.active.append(["客户名称", "备注"])
    book.active.append(["腾讯", "备" * 11])
    book.save(tmp_path / "l.xlsx")
    with open_table(tmp_path / "l.xlsx", limits=ReadLimits(max_cell_length=10)) as table:
        row = next(iter(table))
    assert row.cells == ("腾讯", None)
    assert row.problems[0].code is ProblemCode.CELL_TOO_LONG


def test_xls_from_excel_97(tmp_path: Path) -> None:
    # Copied under a misleading name: the bytes decide.
    path = Path(shutil.copy(DATA / "customers.xls", tmp_path / "customers.xlsx"))
    with open_table(path) as table:
        assert (table.format, table.sheets, table.sheet) == (
            FileFormat.XLS,
            ["客户", "字典"],
            "客户",
        )
        assert table.header_row == 2
        assert table.header == ["客户名称", "电话", "客户编号", "建档日期", "年采购额"]
        rows = list(table)
    assert [(row.number, row.cells) for row in rows] == [
        (3, ("深圳市腾讯计算机系统有限公司", "13800138000", "000123", "2024-03-05", "1250000.5")),
        (5, ("阿里巴巴（中国）有限公司", "0571-85022088", "000124", None, None)),
    ]


def test_ods(tmp_path: Path) -> None:
    with open_table(hand_made_ods(tmp_path / "名单.ods")) as table:
        assert (table.format, table.sheet, table.header_row) == (FileFormat.ODS, "名单", 3)
        assert table.header == ["公司名称", "联系电话", "建档日期"]
        assert [(row.number, row.cells) for row in table] == [
            (6, ("小米科技有限责任公司", "13700137000", "2023-12-31"))
        ]


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_files_saved_by_libreoffice(tmp_path: Path, target: str) -> None:
    source = customers_xlsx(tmp_path / "customers.xlsx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", target, "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open_table(tmp_path / f"customers.{target}") as table:
        assert table.header_row == 3
        assert [row.cells[:3] for row in table] == [
            ("北京字节跳动科技有限公司", "000123", "13800138000"),
            ("华为技术有限公司", "000124", "13900139000"),
        ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("  腾讯 ", "腾讯"),
        ("", None),
        (13800138000.0, "13800138000"),
        (123.0, "123"),
        (-5.0, "-5"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "1e-07"),
        (42, "42"),
        (True, "TRUE"),
        (dt.date(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),
        (dt.datetime(2024, 3, 5, 9, 30, 15), "2024-03-05 09:30:15"),
        (dt.time(9, 30), "09:30:00"),
        (dt.timedelta(hours=26), "1 day, 2:00:00"),
    ],
)
def test_render_cell(value: object, text: str | None) -> None:
    assert render_cell(value) == text


def test_text_and_error_formulas(tmp_path: Path) -> None:
    from tests.spreadsheets.builders import rewrite_member

    book = Workbook()
    book.active.append(["客户名称", "比率", "合并"])
    book.active.append(["腾讯", "=1/0", '=A2&"x"'])
    path = tmp_path / "f.xlsx"
    book.save(path)
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            '<c r="B2"><f>1/0</f><v /></c>', '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        ).replace(
            '<c r="C2"><f>A2&amp;"x"</f><v /></c>',
            '<c r="C2" t="str"><f>A2&amp;"x"</f><v>腾讯x</v></c>',
        ),
    )
    with open_table(path) as table:
        # A cached text result is its text; an error value (#DIV/0!) carries no data.
        assert [row.cells for row in table] == [("腾讯", None, "腾讯x")]
