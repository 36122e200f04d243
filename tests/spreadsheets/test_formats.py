from __future__ import annotations

from pathlib import Path

import pytest

from tests.spreadsheets.builders import customers_xlsx, hand_made_ods
from zhengming.errors import DataFileError
from zhengming.spreadsheets.formats import OLE2_MAGIC, FileFormat, detect_format

DATA = Path(__file__).resolve().parents[1] / "data" / "spreadsheets"


def test_content_decides_not_the_name(tmp_path: Path) -> None:
    assert detect_format(customers_xlsx(tmp_path / "客户.csv")) is FileFormat.XLSX
    assert detect_format(hand_made_ods(tmp_path / "客户.xlsx")) is FileFormat.ODS
    (tmp_path / "客户.xlsx").write_text("客户名称\n腾讯\n", encoding="utf-8")
    assert detect_format(tmp_path / "客户.xlsx") is FileFormat.CSV
    assert detect_format(DATA / "customers.xls") is FileFormat.XLS


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"<html><body><table><tr><td>a</td></tr></table></body></html>", "html_table"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "html_table",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_spreadsheet"),
        (b"PK\x03\x04 not really a zip", "corrupt"),
    ],
)
def test_what_is_not_a_table_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload.xls"
    path.write_bytes(content)
    with pytest.raises(DataFileError) as info:
        detect_format(path)
    assert info.value.details == {"file": "upload.xls", "reason": reason}


def test_a_zip_that_is_not_a_spreadsheet(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DataFileError) as info:
        detect_format(tmp_path / "a.xlsx")
    assert info.value.details["reason"] == "not_a_spreadsheet"


def test_a_password_protected_xlsx_is_encrypted_not_corrupt(tmp_path: Path) -> None:
    # Excel saves it as an OLE2 container whose directory lists an EncryptedPackage stream.
    path = tmp_path / "加密.xlsx"
    directory_entry = "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    path.write_bytes(OLE2_MAGIC + b"\x00" * (1024 * 1024 - 20) + directory_entry + b"\x00" * 512)
    with pytest.raises(DataFileError) as info:
        detect_format(path)
    assert info.value.details["reason"] == "encrypted"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        detect_format(tmp_path / "nope.csv")
    assert info.value.details["reason"] == "unreadable"
