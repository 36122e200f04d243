"""What kind of file an upload really is, judged by its bytes and never by its name.

Users rename files freely (a CSV saved as ``.xlsx``, an XLSX mailed as ``.csv``), and many
Chinese business systems export an HTML table under an ``.xls`` name, so the extension is
ignored: a zip container is XLSX or ODS, an OLE2 container is XLS, anything else must be text.
"""

from __future__ import annotations

import zipfile
from enum import StrEnum
from pathlib import Path

from zhengming.spreadsheets.refusals import Refusal, refuse

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# The stream name in an OLE2 directory entry is UTF-16LE.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_SCAN_CHUNK = 1024 * 1024
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<?xml")


class FileFormat(StrEnum):
    """The formats the readers understand."""

    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"


def detect_format(path: Path) -> FileFormat:
    """The format of ``path`` from its first bytes (zip, OLE2 or text).

    Raises:
        DataFileError: the file is missing, empty, or neither a spreadsheet nor text.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise refuse(
            path, Refusal.UNREADABLE, f"无法读取文件 / cannot read the file: {exc.strerror or exc}"
        ) from exc
    if not head:
        raise refuse(path, Refusal.EMPTY, "文件是空的 / the file is empty")
    if head.startswith(ZIP_MAGIC):
        return _zip_format(path)
    if head.startswith(OLE2_MAGIC):
        _refuse_encrypted(path)
        return FileFormat.XLS
    if not head.startswith(_TEXT_BOMS):
        _refuse_non_text(path, head)
    return FileFormat.CSV


def _zip_format(path: Path) -> FileFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return FileFormat.XLSX
            if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
                return FileFormat.ODS
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise refuse(
            path, Refusal.CORRUPT, "文件已损坏（zip 无法打开）/ the file is corrupt"
        ) from exc
    raise refuse(
        path,
        Refusal.NOT_A_SPREADSHEET,
        "这是一个压缩包，不是 Excel 或 ODS 表格 / a zip archive that is not a spreadsheet",
    )


def _refuse_encrypted(path: Path) -> None:
    """Refuse a password-protected XLSX: an OLE2 container holding an EncryptedPackage stream.

    Without this, calamine would try it as an XLS and call it corrupt. (A password-protected
    XLS is an XLS; calamine itself reports it.)
    """
    overlap = len(_ENCRYPTED_STREAM) - 1
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if _ENCRYPTED_STREAM in tail + chunk:
                raise refuse(
                    path,
                    Refusal.ENCRYPTED,
                    "文件有密码保护，请取消密码后再导入 / the file is password-protected",
                )
            tail = chunk[-overlap:]


def _refuse_non_text(path: Path, head: bytes) -> None:
    lowered = head.lstrip().lower()
    if lowered.startswith(_HTML_MARKERS):
        raise refuse(
            path,
            Refusal.HTML_TABLE,
            "这是网页（HTML/XML）格式的“Excel”，请用 Excel 打开后另存为 .xlsx 再导入"
            " / an HTML or XML page saved as a spreadsheet: save it as .xlsx first",
        )
    if b"\x00" in head:
        raise refuse(
            path,
            Refusal.NOT_A_SPREADSHEET,
            "不是表格或文本文件 / neither a spreadsheet nor a text file",
        )
