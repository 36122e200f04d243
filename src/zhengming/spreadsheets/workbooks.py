"""Reading one sheet of an XLSX, XLSM, XLS or ODS workbook with python-calamine.

calamine never evaluates a formula: a formula cell reads as the value the spreadsheet program
saved with it. It turns date-formatted serial numbers into dates, which are rendered as ISO
text like every other cell. It loads one sheet at a time, so memory follows the sheet's size;
:func:`~zhengming.spreadsheets.archives.check_archive` bounds that before anything is inflated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from python_calamine import (
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from zhengming.errors import DataFileError, InvalidInputError
from zhengming.spreadsheets.archives import check_archive
from zhengming.spreadsheets.formats import FileFormat
from zhengming.spreadsheets.headers import match_field
from zhengming.spreadsheets.limits import ReadLimits
from zhengming.spreadsheets.refusals import Refusal, refuse
from zhengming.spreadsheets.rows import RawRow, clean_cell

#: A merged range as calamine gives it: ((first row, first column), (last row, last column)).
Merge = tuple[tuple[int, int], tuple[int, int]]


class WorkbookSource:
    """The rows of one sheet of a workbook, with the workbook's sheet names."""

    def __init__(
        self, path: Path, file_format: FileFormat, *, sheet: str | None, limits: ReadLimits
    ) -> None:
        self.path = path
        if file_format in (FileFormat.XLSX, FileFormat.ODS):
            check_archive(path, limits)
        try:
            # From the bytes, not the path: calamine picks its reader by the file's extension.
            with path.open("rb") as handle:
                book = CalamineWorkbook.from_filelike(handle)
            worksheets = [
                meta for meta in book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet
            ]
            self.sheets = [meta.name for meta in worksheets]
            if sheet is not None:
                if sheet not in self.sheets:
                    raise InvalidInputError(
                        f"工作簿中没有这个工作表 / no such sheet: {sheet}",
                        details={"sheet": sheet, "sheets": self.sheets},
                    )
                self.sheet: str | None = sheet
                self._sheet: CalamineSheet | None = book.get_sheet_by_name(sheet)
            else:
                self.sheet, self._sheet = None, None
                visible_first = sorted(
                    worksheets, key=lambda meta: meta.visible != SheetVisibleEnum.Visible
                )
                for meta in visible_first:
                    loaded = book.get_sheet_by_name(meta.name)
                    if loaded.height:
                        self.sheet, self._sheet = meta.name, loaded
                        break
            merges = self._sheet.merged_cell_ranges if self._sheet else None
        except PasswordError as exc:
            raise refuse(
                path,
                Refusal.ENCRYPTED,
                "文件有密码保护，请取消密码后再导入 / the file is password-protected",
            ) from exc
        except (DataFileError, InvalidInputError):
            raise
        except Exception as exc:
            # calamine raises a handful of its own errors and, on damaged files, plain ones.
            raise refuse(
                path, Refusal.CORRUPT, f"无法读取表格 / cannot read the spreadsheet: {exc}"
            ) from exc
        # Only XLSX and XLS report merged cells; an ODS header is read without them.
        self._merges: list[Merge] = merges or []

    def rows(self) -> Iterator[RawRow]:
        """Every row of the sheet, numbered as the spreadsheet program shows it."""
        if self._sheet is None:
            return
        start = self._sheet.start
        lead: list[str | None] = [None] * (start[1] if start else 0)
        try:
            # calamine yields from the sheet's first row (padding empty ones) but from its first
            # used column; the lead keeps column indexes true to the sheet (A = 0).
            for index, values in enumerate(self._sheet.iter_rows()):
                yield RawRow(index + 1, [*lead, *(render_cell(value) for value in values)])
        except Exception as exc:
            raise refuse(
                self.path, Refusal.CORRUPT, f"无法读取表格 / cannot read the sheet: {exc}"
            ) from exc

    def header_candidates(self, rows: Sequence[RawRow]) -> list[tuple[int, list[str | None]]]:
        """Possible header rows among ``rows``: each row, and each pair of rows under a merge.

        A label merged down over two header rows counts in the lower one; a label merged
        across a group (联系人 over 姓名 | 电话) is read into its columns' headers
        (联系人姓名, 联系人电话) when that names a field the lower header alone does not.
        """
        if not self._merges:
            return [(position, row.cells) for position, row in enumerate(rows)]
        values = {row.number - 1: row.cells for row in rows}
        candidates = [
            (position, self._filled(row.number - 1, row.cells, values))
            for position, row in enumerate(rows)
        ]
        for position, (upper, lower) in enumerate(pairwise(rows), start=1):
            if lower.number == upper.number + 1 and self._merged_starts(upper.number - 1):
                candidates.append((position, self._combined(upper, lower, values)))
        return candidates

    def close(self) -> None:
        self._sheet = None

    def _merged_value(
        self, row: int, column: int, values: dict[int, list[str | None]]
    ) -> str | None:
        for (top, left), (bottom, right) in self._merges:
            if top <= row <= bottom and left <= column <= right:
                cells = values.get(top, [])
                return cells[left] if left < len(cells) else None
        return None

    def _filled(
        self, row: int, cells: list[str | None], values: dict[int, list[str | None]]
    ) -> list[str | None]:
        filled = list(cells)
        for (top, left), (bottom, _right) in self._merges:
            if top < row <= bottom and left < len(filled) and filled[left] is None:
                filled[left] = self._merged_value(top, left, values)
        return filled

    def _merged_starts(self, row: int) -> bool:
        return any(top == row for (top, _left), _end in self._merges)

    def _combined(
        self, upper: RawRow, lower: RawRow, values: dict[int, list[str | None]]
    ) -> list[str | None]:
        width = max(len(upper.cells), len(lower.cells))
        combined: list[str | None] = []
        for column in range(width):
            above = self._merged_value(upper.number - 1, column, values) or _at(upper.cells, column)
            below = _at(lower.cells, column)
            if below is None or below == above:
                combined.append(above)
            elif above is None or match_field(below) or not match_field(above + below):
                combined.append(below)
            else:
                combined.append(above + below)
        return combined


def render_cell(value: Any) -> str | None:
    """A calamine cell value as the text a user expects to see.

    Whole numbers lose the ``.0`` calamine gives them (13800138000, not 1.3800138e10); other
    numbers keep Excel's 15 significant digits; dates are ISO (2024-03-05, with the time when it
    is not midnight); booleans are TRUE/FALSE as Excel shows them.

    Example:
        >>> render_cell(13800138000.0), render_cell(0.1 + 0.2), render_cell(dt.date(2024, 3, 5))
        ('13800138000', '0.3', '2024-03-05')
    """
    if isinstance(value, str):
        return clean_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_cell(str(value))


def _at(cells: list[str | None], column: int) -> str | None:
    return cells[column] if column < len(cells) else None
