"""Streaming customer tables out as CSV or XLSX, safe to open in Excel and WPS.

Every cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) gets a leading ``'``, as OWASP advises against CSV
injection, and XLSX cells are always written as strings. Files are written next to their target
and moved into place only when complete, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from zhengming.errors import InvalidInputError
from zhengming.spreadsheets.charsets import resolve_encoding
from zhengming.spreadsheets.limits import EXCEL_MAX_CELL_LENGTH

#: First characters that make a spreadsheet program read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CHUNK_BYTES = 64 * 1024
_WIDTH_SAMPLE_ROWS = 200
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_FORBIDDEN_IN_SHEET_NAMES = set("[]:*?/\\")
_BOLD = Font(bold=True)


def neutralize_cell(value: str | None) -> str:
    """The cell as it is safe to write: a leading ``'`` if it would start a formula.

    Example:
        >>> neutralize_cell("=HYPERLINK(\\"http://x\\")"), neutralize_cell("-5"), neutralize_cell("腾讯")
        ('\\'=HYPERLINK("http://x")', "'-5", '腾讯')
    """
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def iter_csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> Iterator[bytes]:
    """The CSV file as chunks of bytes (about 64 KB each), for streaming an HTTP response.

    Args:
        header: the column names.
        rows: the rows, each as long as ``header``; None is an empty cell.
        encoding: ``utf-8-sig`` (UTF-8 with a BOM, which Excel needs to see UTF-8) by default.
            ``gbk`` or ``gb2312`` write GB18030, their superset: every GBK character has the
            same bytes, and the few characters GBK lacks are written instead of refused.
        delimiter: ``,`` by default; ``\\t`` or ``;`` on request.

    Raises:
        InvalidInputError: an unknown encoding or delimiter at once; while iterating, a row
            whose width differs from the header's, or a character the encoding cannot write.
    """
    codec = resolve_encoding(encoding)
    if delimiter not in (",", "\t", ";"):
        raise InvalidInputError(
            f"不支持的分隔符 / unsupported delimiter: {delimiter!r}",
            details={"delimiter": delimiter},
        )
    return _csv_chunks(header, rows, codec, delimiter)


def _csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[str | None]], codec: str, delimiter: str
) -> Iterator[bytes]:
    encoder = codecs.getincrementalencoder(codec)()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    pending = bytearray()
    for number, cells in enumerate(chain([header], rows)):
        _check_width(number, cells, header)
        writer.writerow([neutralize_cell(cell) for cell in cells])
        try:
            # One row at a time, so an unwritable character is reported with its row.
            pending += encoder.encode(text.getvalue())
        except UnicodeEncodeError as exc:
            raise InvalidInputError(
                f"第 {number} 行数据有 {codec} 无法表示的字符 {exc.object[exc.start : exc.end]!r}"
                f" / row {number} has a character {codec} cannot write",
                details={"row": number, "encoding": codec},
            ) from exc
        text.seek(0)
        text.truncate()
        if len(pending) >= _CHUNK_BYTES:
            yield bytes(pending)
            pending.clear()
    pending += encoder.encode("", final=True)
    if pending:
        yield bytes(pending)


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> int:
    """Write a CSV file atomically (see :func:`iter_csv_bytes` for the arguments).

    Returns:
        The number of data rows written.
    """
    counted = _Counted(rows)
    chunks = iter_csv_bytes(header, counted, encoding=encoding, delimiter=delimiter)
    with _replacing(Path(path)) as temporary, temporary.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return counted.count


def write_xlsx(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    *,
    sheet_name: str = "Sheet1",
) -> int:
    """Write an XLSX file atomically, streaming rows through openpyxl's write-only mode.

    The header is bold and frozen; column widths follow the header and the first 200 rows.
    Every cell is a string cell, so nothing is ever a formula or a number (000123 stays).
    Control characters XLSX cannot hold are written as U+FFFD, and line breaks as LF.

    Returns:
        The number of data rows written.

    Raises:
        InvalidInputError: a bad sheet name, a row whose width differs from the header's, or a
            cell longer than Excel's 32,767 characters.
    """
    _check_sheet_name(sheet_name)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_name)
    remaining = iter(rows)
    # Widths must be set before the first row is written; a sample is enough to size them.
    sample = list(islice(remaining, _WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(_column_widths(header, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    count = 0
    try:
        sheet.append(
            [_xlsx_cell(sheet, text, 0, column, bold=True) for column, text in enumerate(header)]
        )
        for count, cells in enumerate(chain(sample, remaining), start=1):
            _check_width(count, cells, header)
            sheet.append(
                [_xlsx_cell(sheet, text, count, column) for column, text in enumerate(cells)]
            )
        with _replacing(Path(path)) as temporary:
            book.save(temporary)
    except BaseException:
        _discard(sheet)
        raise
    return count


def _xlsx_cell(
    sheet: Any, text: str | None, row: int, column: int, *, bold: bool = False
) -> WriteOnlyCell | None:
    value = neutralize_cell(text)
    if not value:
        return None
    if len(value) > EXCEL_MAX_CELL_LENGTH:
        raise InvalidInputError(
            f"第 {row} 行第 {column + 1} 列超过 Excel 的 {EXCEL_MAX_CELL_LENGTH} 字符上限"
            f" / row {row}, column {column + 1} is longer than Excel allows",
            details={"row": row, "column": column, "length": len(value)},
        )
    # XML parsers turn a stored CR into LF, so line breaks are written as Excel's own: LF.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"  # never "f": the value is text whatever it looks like
    if bold:
        cell.font = _BOLD
    return cell


def _column_widths(header: Sequence[str], sample: Sequence[Sequence[str | None]]) -> list[float]:
    widths = []
    for column, title in enumerate(header):
        texts = [title, *(row[column] or "" for row in sample if column < len(row))]
        widest = max(_display_width(text) for text in texts)
        widths.append(float(min(max(widest + 2, _MIN_WIDTH), _MAX_WIDTH)))
    return widths


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: two for each wide (CJK) character."""
    longest_line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest_line)


def _check_width(number: int, cells: Sequence[str | None], header: Sequence[str]) -> None:
    if len(cells) != len(header):
        raise InvalidInputError(
            f"第 {number} 行有 {len(cells)} 列，表头有 {len(header)} 列"
            f" / row {number} has {len(cells)} cells for {len(header)} columns",
            details={"row": number, "cells": len(cells), "columns": len(header)},
        )


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or _FORBIDDEN_IN_SHEET_NAMES & set(name):
        raise InvalidInputError(
            "工作表名须为 1–31 个字符，且不含 []:*?/\\ / a sheet name has 1-31 characters, none of []:*?/\\",
            details={"sheet_name": name},
        )


def _discard(sheet: Any) -> None:
    """Remove the rows openpyxl spooled to a temporary file for a sheet that will not be saved.

    openpyxl only removes them when the process exits, which for a server is much too late.
    """
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    with suppress(Exception):
        sheet.close()  # finishes the spooled XML, so nothing writes to it after removal
    with suppress(OSError, ValueError):
        writer.cleanup()


class _Counted:
    """An iterable that counts the rows taken from it."""

    def __init__(self, rows: Iterable[Sequence[str | None]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[str | None]]:
        for row in self._rows:
            self.count += 1
            yield row


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` that replaces it atomically if the block succeeds.

    A new file keeps the temporary file's owner-only permissions: exports carry personal data.
    """
    descriptor, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        if target.exists():
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
