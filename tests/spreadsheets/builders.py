"""Real-looking spreadsheet files, made inside the tests (no binary fixtures but one XLS)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from openpyxl import Workbook

CONTENT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def excel_gbk_csv(path: Path) -> Path:
    """A CSV as Chinese Excel saves it: GBK, CRLF, a title row, trailing commas, a blank line."""
    lines = [
        "2024年华南区客户名单,,,,",
        "客户名称,统一社会信用代码,联系人,手机,客户编号",
        "平安银行股份有限公司,91440300192185379H,张三,13800138000,000123",
        ",,,,",
        '"深圳市腾讯计算机系统有限公司",914403007152875840,"李四",0755-86013388,000124',
        "华为技术有限公司,914403001922038216,王五,13900139000,000125",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def customers_xlsx(path: Path) -> Path:
    """An XLSX as a sales assistant makes it: a merged title above the header, blank rows,
    a formula with a cached value, a date, an id stored as text and a phone stored as a number.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet["A1"] = "2024 年客户台账"
    sheet.merge_cells("A1:F1")
    sheet.append([])  # row 2 left blank
    sheet.append(["客户名称*", "客户编号", "电话(手机)", "签约日期", "年采购额", "备注"])
    sheet.append(
        ["北京字节跳动科技有限公司", "000123", 13800138000, dt.date(2024, 3, 5), "=1+1", "重点"]
    )
    sheet.append([])
    sheet.append(
        ["  华为技术有限公司 ", "000124", 13900139000, dt.datetime(2024, 3, 6, 9, 30), 1.5, None]
    )
    sheet["D4"].number_format = "yyyy-mm-dd"
    sheet["D6"].number_format = "yyyy-mm-dd hh:mm"
    book.save(path)
    # openpyxl saves no cached formula result; Excel does. This one is deliberately not 1+1,
    # so a reader that evaluated the formula instead of reading the cache would be caught.
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("<f>1+1</f><v />", "<f>1+1</f><v>5</v>"),
    )
    return path


def two_row_header_xlsx(path: Path) -> Path:
    """A header in two rows: 客户名称 merged down over both, 联系人 merged across 姓名 | 电话."""
    book = Workbook()
    sheet = book.active
    sheet.append(["客户名称", "联系人", None, "备注"])
    sheet.append([None, "姓名", "电话", None])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:D2")
    sheet.append(["小米科技有限责任公司", "雷军", "13700137000", "老客户"])
    book.save(path)
    return path


def hand_made_ods(path: Path) -> Path:
    """A minimal ODS (what LibreOffice writes, reduced): a blank row, a title, the header,
    two blank rows, then a row with a float and a date."""
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {CONTENT_NS} office:version="1.2"><office:body><office:spreadsheet>
<table:table table:name="名单">
<table:table-row><table:table-cell/></table:table-row>
<table:table-row><table:table-cell office:value-type="string" table:number-columns-spanned="3"><text:p>客户名单</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>公司名称</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>联系电话</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>建档日期</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>小米科技有限责任公司</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="13700137000"><text:p>13700137000</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2023-12-31"><text:p>2023-12-31</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def zip_bomb_xlsx(path: Path, *, inflated_mib: int, lie_about_size: bool = False) -> Path:
    """A valid XLSX whose sheet XML inflates to ``inflated_mib`` MiB of repeated rows.

    The XML is streamed into the archive, so the test never holds it; it deflates about
    1000:1, so the file on disk stays around a hundred kilobytes. With ``lie_about_size`` the
    archive's headers claim the sheet is tiny, as a hand-crafted bomb would.
    """
    template = path.with_suffix(".template.xlsx")
    Workbook().save(template)
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for member in source.infolist():
            if member.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(member.filename, "w") as sheet:
                    for chunk in _huge_sheet(inflated_mib):
                        sheet.write(chunk)
            else:
                bomb.writestr(member.filename, source.read(member.filename))
    template.unlink()
    if lie_about_size:
        _shrink_declared_size(path, "xl/worksheets/sheet1.xml", 1000)
    return path


def _huge_sheet(inflated_mib: int) -> Iterator[bytes]:
    yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    block = row * (1024 * 1024 // len(row) + 1)
    for _ in range(inflated_mib):
        yield block
    yield b"</sheetData></worksheet>"


def _shrink_declared_size(path: Path, name: str, size: int) -> None:
    """Overwrite the uncompressed size of ``name`` in its local and central headers."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                data[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def rewrite_member(path: Path, name: str, change: Callable[[str], str]) -> None:
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == name:
                text = data.decode()
                new = change(text)
                assert new != text, f"{name} did not change"
                data = new.encode()
            target.writestr(info.filename, data)


def sheet_xml(path: Path, name: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


def cells_of(xml: str) -> list[str]:
    return re.findall(r"<c [^>]*>", xml)
