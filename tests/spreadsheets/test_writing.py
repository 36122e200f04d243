from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook

from zhengming.errors import InvalidInputError
from zhengming.spreadsheets import (
    iter_csv_bytes,
    neutralize_cell,
    open_table,
    write_csv,
    write_xlsx,
)

HEADER = ["客户名称", "电话", "备注"]
DANGEROUS = [
    ['=HYPERLINK("http://evil.example","点我")', "+86 138 0013 8000", "-2+3"],
    ["@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"],
]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("腾讯", "腾讯"),
        (" =1+1", " =1+1"),  # a leading space already makes it text
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralize_cell(value: str | None, written: str) -> None:
    assert neutralize_cell(value) == written


def test_csv_is_utf8_with_bom_and_crlf_by_default(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(path, HEADER, [["腾讯", "0755", None], ["华为", "000123", "a,b"]]) == 2
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig") == '客户名称,电话,备注\r\n腾讯,0755,\r\n华为,000123,"a,b"\r\n'


def test_formulas_are_neutralised_in_csv(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, HEADER, DANGEROUS)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert all(cell.startswith("'") for row in rows[1:] for cell in row)


def test_gbk_csv_writes_what_gbk_lacks_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, HEADER, [["王䶮科技有限公司", "0755", "𠀀"]], encoding="gbk")
    data = path.read_bytes()
    assert data.startswith("客户名称,电话,备注\r\n".encode("gbk"))  # GBK bytes for GBK text
    assert data.decode("gb18030").splitlines()[1] == "王䶮科技有限公司,0755,𠀀"
    with open_table(path) as table:
        assert next(iter(table)).cells == ("王䶮科技有限公司", "0755", "𠀀")


def test_a_character_the_encoding_lacks_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with pytest.raises(InvalidInputError) as info:
        write_csv(path, ["name"], [["ACME"], ["腾讯"]], encoding="ascii")
    assert info.value.details["row"] == 2
    assert not path.exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")

    def rows() -> Iterator[Sequence[str | None]]:
        yield ["腾讯", "0755", None]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_csv(path, HEADER, rows())
    with pytest.raises(InvalidInputError):
        write_xlsx(path, HEADER, [["腾讯", "0755"]])  # one cell short
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    write_csv(path, HEADER, [])
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new.xlsx"
    write_xlsx(fresh, HEADER, [])
    assert fresh.stat().st_mode & 0o777 == 0o600  # exports carry personal data


def test_iter_csv_bytes_streams_in_chunks(tmp_path: Path) -> None:
    rows = [[f"公司{i}", "13800138000", "=1+1"] for i in range(5000)]
    chunks = list(iter_csv_bytes(HEADER, rows))
    assert len(chunks) > 1
    assert all(len(chunk) <= 70_000 for chunk in chunks)
    assert chunks[0].startswith(codecs.BOM_UTF8)
    assert not chunks[1].startswith(codecs.BOM_UTF8)
    write_csv(tmp_path / "same.csv", HEADER, rows)
    assert b"".join(chunks) == (tmp_path / "same.csv").read_bytes()


def test_bad_options_fail_before_streaming_starts() -> None:
    with pytest.raises(InvalidInputError):
        iter_csv_bytes(HEADER, [], encoding="no-such-codec")
    with pytest.raises(InvalidInputError):
        iter_csv_bytes(HEADER, [], delimiter="|")


def test_xlsx_is_formatted_for_people(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    long_note = "很长的备注" * 40
    assert (
        write_xlsx(
            path, HEADER, [["北京字节跳动科技有限公司", "000123", long_note]], sheet_name="客户"
        )
        == 1
    )
    sheet = load_workbook(path)["客户"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == pytest.approx(2 * 12 + 2)  # twelve CJK characters, two columns each
    assert widths[1] == pytest.approx(8)  # the minimum: 000123 and 电话 are narrower
    assert widths[2] == pytest.approx(60)  # capped


def test_xlsx_cells_are_always_strings_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, HEADER, [*DANGEROUS, ["腾讯", "000123", "13800138000"]])
    sheet = load_workbook(path).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(str(cell.value).startswith("'") for cell in cells[:6])
    assert [cell.value for cell in cells[6:]] == ["腾讯", "000123", "13800138000"]


def test_xlsx_refuses_what_excel_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as info:
        write_xlsx(tmp_path / "a.xlsx", HEADER, [["腾讯", "0755", "x" * 32_768]])
    assert info.value.details == {"row": 1, "column": 2, "length": 32_768}
    with pytest.raises(InvalidInputError):
        write_xlsx(tmp_path / "a.xlsx", HEADER, [], sheet_name="客户/供应商")
    write_xlsx(tmp_path / "b.xlsx", HEADER, [["腾讯\x07", "0755", "x" * 32_767]])
    with open_table(tmp_path / "b.xlsx") as table:
        assert next(iter(table)).cells[0] == "腾讯\ufffd"  # a control character XLSX cannot hold


def test_xlsx_round_trip_through_the_reader(tmp_path: Path) -> None:
    rows = [
        ["北京字节跳动科技有限公司", "13800138000", "000123"],
        ["=cmd|' /C calc'!A0", "+8613800138000", None],
        ["华为", "0755-28780808", "备注\n第二行"],
    ]
    write_xlsx(tmp_path / "out.xlsx", HEADER, rows)
    with open_table(tmp_path / "out.xlsx") as table:
        assert table.header == HEADER
        assert [row.cells for row in table] == [
            ("北京字节跳动科技有限公司", "13800138000", "000123"),
            ("'=cmd|' /C calc'!A0", "'+8613800138000", None),
            ("华为", "0755-28780808", "备注\n第二行"),
        ]
