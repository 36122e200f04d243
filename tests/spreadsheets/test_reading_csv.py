from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from tests.spreadsheets.builders import excel_gbk_csv
from zhengming.errors import DataFileError, InvalidInputError
from zhengming.spreadsheets import FileFormat, ProblemCode, ReadLimits, Row, open_table
from zhengming.spreadsheets.delimited import sniff_delimiter


def read_all(path: Path, **options: object) -> tuple[list[str], list[Row]]:
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        return table.header, list(table)


def test_gbk_csv_from_chinese_excel(tmp_path: Path) -> None:
    with open_table(excel_gbk_csv(tmp_path / "客户.csv")) as table:
        assert (table.format, table.encoding, table.delimiter) == (FileFormat.CSV, "gb18030", ",")
        assert table.header_row == 2  # the title row above is skipped
        assert table.header == ["客户名称", "统一社会信用代码", "联系人", "手机", "客户编号"]
        rows = list(table)
    assert [row.number for row in rows] == [3, 5, 6]  # the blank line 4 is skipped, not renumbered
    assert rows[0].cells == (
        "平安银行股份有限公司",
        "91440300192185379H",
        "张三",
        "13800138000",
        "000123",
    )
    assert rows[1].cells[0] == "深圳市腾讯计算机系统有限公司"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(codecs.BOM_UTF8 + "客户名称,电话\r\n腾讯, 0755-86013388 \r\n".encode())
    with open_table(path) as table:
        assert table.encoding == "utf-8-sig"
        assert table.header == ["客户名称", "电话"]  # no BOM glued to the first header
        assert [row.cells for row in table] == [("腾讯", "0755-86013388")]


def test_utf8_named_by_the_caller_still_drops_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(codecs.BOM_UTF8 + "客户名称\r\n腾讯\r\n".encode())
    with open_table(path, encoding="UTF-8") as table:
        assert table.header == ["客户名称"]


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(
        codecs.BOM_UTF16_LE + "客户名称\t地址\r\n腾讯\t深圳市南山区, 科技园\r\n".encode("utf-16-le")
    )
    header, rows = read_all(path)
    assert header == ["客户名称", "地址"]
    assert rows[0].cells == ("腾讯", "深圳市南山区, 科技园")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("客户名称\t地址\n腾讯\t深圳, 南山\n华为\t深圳, 龙岗\n", "\t"),
        ("客户名称;电话\n腾讯;0755\n", ";"),
        ('客户名称,地址\n腾讯,"深圳;南山"\n', ","),
        ("客户名称\n腾讯\n", ","),
        ("2024年名单,,\n客户名称,电话,地址\n腾讯,0755,深圳\n", ","),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_caller_overrides_encoding_and_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("客户名称;电话\n腾讯;0755\n".encode("gbk"))
    with open_table(path, encoding="GBK", delimiter=";") as table:
        assert (table.encoding, table.delimiter) == ("gb18030", ";")
        assert [row.cells for row in table] == [("腾讯", "0755")]


@pytest.mark.parametrize("options", [{"encoding": "no-such-codec"}, {"delimiter": "|"}])
def test_unknown_options_are_invalid_input(tmp_path: Path, options: dict[str, str]) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        open_table(path, **options)  # type: ignore[arg-type]


def test_mixed_encodings_become_row_problems(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(
        "客户名称,电话\n腾讯,0755\n".encode()
        + "华为,0755\n".encode("gbk")  # a line pasted from a GBK file
        + "小米,010\n".encode()
    )
    rows = read_all(path)[1]
    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[0].problems == ()
    assert rows[2].problems == ()
    assert [problem.code for problem in rows[1].problems] == [ProblemCode.CELL_UNDECODABLE]
    assert rows[1].problems[0].column == 0


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('客户名称,电话\n腾讯,0755\n"华为,0755\n小米,010\n', 3),  # a quote never closed
        ('客户名称,电话\n腾讯,0755\n小米,"010"x\n', 3),  # text after a closing quote
    ],
)
def test_malformed_csv_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info, open_table(path) as table:
        list(table)
    assert info.value.details["reason"] == "malformed_csv"
    assert info.value.details["line"] == line
    assert f"第 {line} 行" in info.value.message


def test_quoted_line_breaks_keep_true_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('客户名称,地址\n腾讯,"深圳市\n南山区"\n华为,深圳\n', encoding="utf-8")
    rows = read_all(path)[1]
    assert [(row.number, row.cells[1]) for row in rows] == [(2, "深圳市\n南山区"), (4, "深圳")]


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \r\n,,,\r\n", codecs.BOM_UTF8])
def test_empty_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError) as info:
        open_table(path)
    assert info.value.details["reason"] == "empty"


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("客户名称,电话\r\n", encoding="utf-8")
    assert read_all(path) == (["客户名称", "电话"], [])


def test_cells_as_long_as_excel_allows_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    longest, too_long = "长" * 32_767, "长" * 32_768
    path.write_text(f"客户名称,备注\n腾讯,{longest}\n华为,{too_long}\n", encoding="utf-8")
    rows = read_all(path)[1]
    assert rows[0].cells == ("腾讯", longest)
    assert rows[0].problems == ()
    assert rows[1].cells == ("华为", None)
    assert [(p.code, p.column) for p in rows[1].problems] == [(ProblemCode.CELL_TOO_LONG, 1)]


def test_a_cell_beyond_the_csv_field_limit_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("客户名称,备注\n腾讯,ok\n华为," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info, open_table(path) as table:
        list(table)
    assert info.value.details["line"] == 3


def test_values_right_of_the_header_are_a_row_problem(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("客户名称,地址\n腾讯,深圳市,南山区\n华为,深圳,,\n", encoding="utf-8")
    rows = read_all(path)[1]
    assert rows[0].cells == ("腾讯", "深圳市")
    assert [(p.code, p.column) for p in rows[0].problems] == [(ProblemCode.ROW_EXTRA_CELLS, 2)]
    assert rows[1].problems == ()  # trailing empty cells are not values


def test_max_rows_stops_the_read(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("客户名称\n" + "".join(f"公司{i}\n" for i in range(11)), encoding="utf-8")
    with open_table(path, limits=ReadLimits(max_rows=10)) as table:
        rows = iter(table)
        assert len([next(rows) for _ in range(10)]) == 10
        with pytest.raises(DataFileError) as info:
            next(rows)
    assert info.value.details["reason"] == "too_many_rows"
    assert info.value.details["row"] == 12


def test_rows_are_streamed_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = "北京字节跳动科技有限公司,91110108MA0000000X,北京市海淀区知春路甲48号,13800138000\n"
    path.write_text("客户名称,统一社会信用代码,地址,电话\n" + row * 30_000, encoding="utf-8")
    assert path.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        with open_table(path, limits=ReadLimits(encoding_sample_bytes=16_384)) as table:
            count = sum(1 for _ in table)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < 1_000_000  # the sample, the header window and one row: not the 3 MB file


def test_rows_are_read_once(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("客户名称\n腾讯\n", encoding="utf-8")
    with open_table(path) as table:
        list(table)
        with pytest.raises(InvalidInputError):
            iter(table)


def test_header_row_given_by_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("说明：请勿修改表头,x\nfoo,bar\n腾讯,0755\n", encoding="utf-8")
    with open_table(path, header_row=2) as table:
        assert table.header == ["foo", "bar"]
        assert [row.number for row in table] == [3]
    with pytest.raises(InvalidInputError):
        open_table(path, header_row=9)


def test_a_file_named_xlsx_holding_csv_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "客户.xlsx"
    path.write_text("客户名称,电话\n腾讯,0755\n", encoding="utf-8")
    with open_table(path) as table:
        assert table.format is FileFormat.CSV
        assert [row.cells for row in table] == [("腾讯", "0755")]
