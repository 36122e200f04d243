"""Opening an uploaded table and streaming its rows: the one entry point of the readers.

:func:`open_table` decides the format from the file's bytes, finds the header row (skipping
blank and title rows, reading two-row headers under merged cells), and returns a
:class:`TableReader` whose rows arrive one at a time, every cell as text, so ids such as 000123
and credit codes never turn into numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import Protocol

from zhengming.errors import InvalidInputError
from zhengming.spreadsheets.delimited import DelimitedSource
from zhengming.spreadsheets.formats import FileFormat, detect_format
from zhengming.spreadsheets.headers import match_field
from zhengming.spreadsheets.limits import ReadLimits
from zhengming.spreadsheets.refusals import Refusal, refuse
from zhengming.spreadsheets.rows import ProblemCode, RawRow, Row, RowProblem
from zhengming.spreadsheets.workbooks import WorkbookSource


class _Source(Protocol):
    def rows(self) -> Iterator[RawRow]: ...
    def header_candidates(self, rows: Sequence[RawRow]) -> list[tuple[int, list[str | None]]]: ...
    def close(self) -> None: ...


class TableReader:
    """An open table: its header and format now, its data rows on iteration (once).

    Use it as a context manager, or call :meth:`close`, to release the file.

    Attributes:
        path: the file read.
        format: what the file's bytes say it is, whatever its name.
        encoding: the text encoding a CSV was decoded with; None for workbooks.
        delimiter: the delimiter of a CSV; None for workbooks.
        sheets: the worksheet names of a workbook, in order; empty for a CSV.
        sheet: the sheet read (None for a CSV, or a workbook with nothing in it).
        header_row: the 1-based row number of the header (the lower one of a two-row header).
        header: the header cells as text ("" for an empty one), up to the last named column.
    """

    def __init__(
        self,
        path: Path,
        file_format: FileFormat,
        source: DelimitedSource | WorkbookSource,
        *,
        header_row: int | None,
        limits: ReadLimits,
    ) -> None:
        self.path = path
        self.format = file_format
        self.encoding = source.encoding if isinstance(source, DelimitedSource) else None
        self.delimiter = source.delimiter if isinstance(source, DelimitedSource) else None
        self.sheets = list(source.sheets) if isinstance(source, WorkbookSource) else []
        self.sheet = source.sheet if isinstance(source, WorkbookSource) else None
        self._source: _Source = source
        self._limits = limits
        self._rows = source.rows()
        self._started = False
        number, cells, self._pending = _find_header(
            self._rows, source, wanted=header_row, search=limits.header_search_rows, path=path
        )
        self.header_row = number
        named = [index for index, cell in enumerate(cells) if cell is not None]
        width = named[-1] + 1 if named else 0
        self.header = [cell or "" for cell in cells[:width]]

    def __iter__(self) -> Iterator[Row]:
        if self._started:
            raise InvalidInputError(
                "数据行已经读过，请重新打开文件 / the rows were already read; open the table again"
            )
        self._started = True
        return self._data_rows()

    def _data_rows(self) -> Iterator[Row]:
        width, limits = len(self.header), self._limits
        count = 0
        for raw in chain(self._pending, self._rows):
            if all(cell is None for cell in raw.cells):
                continue
            count += 1
            if limits.max_rows is not None and count > limits.max_rows:
                raise refuse(
                    self.path,
                    Refusal.TOO_MANY_ROWS,
                    f"文件超过 {limits.max_rows} 行数据的上限 / more than {limits.max_rows} data rows",
                    max_rows=limits.max_rows,
                    row=raw.number,
                )
            yield _row(raw, width, limits.max_cell_length)

    def close(self) -> None:
        """Release the file; safe to call twice."""
        self._source.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    limits: ReadLimits | None = None,
) -> TableReader:
    """Open a CSV, TSV, XLSX, XLSM, XLS or ODS file and find its header.

    Args:
        path: the file; its name is ignored, its bytes decide the format.
        encoding: a CSV's encoding instead of the detected one (GBK is read as GB18030).
        delimiter: a CSV's delimiter (``,``, tab or ``;``) instead of the sniffed one.
        sheet: the worksheet to read; by default the first visible one that is not empty.
        header_row: the 1-based row number of the header instead of the detected one.
        limits: size limits; the defaults accept anything Excel can save.

    ``encoding`` and ``delimiter`` only apply to CSV files and ``sheet`` only to workbooks; the
    other kind ignores them, so a caller can pass the user's choices whatever was uploaded.

    Raises:
        DataFileError: the file is empty, corrupt, encrypted, a zip bomb, a malformed CSV, or
            not a table at all; ``details["reason"]`` says which.
        InvalidInputError: an unknown encoding or sheet, or a header row that is blank.

    Example:
        >>> with open_table("客户.xlsx") as table:  # doctest: +SKIP
        ...     mapping = map_headers(table.header)
        ...     for row in table:
        ...         print(row.number, mapping.record(row.cells))
    """
    path = Path(path)
    limits = limits or ReadLimits()
    file_format = detect_format(path)
    source: DelimitedSource | WorkbookSource
    if file_format is FileFormat.CSV:
        source = DelimitedSource(path, encoding=encoding, delimiter=delimiter, limits=limits)
    else:
        source = WorkbookSource(path, file_format, sheet=sheet, limits=limits)
    try:
        return TableReader(path, file_format, source, header_row=header_row, limits=limits)
    except BaseException:
        source.close()
        raise


def _find_header(
    rows: Iterator[RawRow], source: _Source, *, wanted: int | None, search: int, path: Path
) -> tuple[int, list[str | None], list[RawRow]]:
    """The header's row number and cells, and the rows read past it (to be yielded as data)."""
    window: list[RawRow] = []
    for raw in rows:
        if wanted is not None and raw.number < wanted:
            continue
        if wanted is None and all(cell is None for cell in raw.cells):
            continue
        window.append(raw)
        if wanted is not None or len(window) >= search:
            break
    if wanted is not None:
        if not window or window[0].number != wanted or all(c is None for c in window[0].cells):
            raise InvalidInputError(
                f"第 {wanted} 行是空的，不能作表头 / row {wanted} is blank or past the end",
                details={"header_row": wanted},
            )
        return wanted, window[0].cells, []
    if not window:
        raise refuse(path, Refusal.EMPTY, "文件里没有任何数据 / the file holds no data")
    position, cells = _choose_header(source.header_candidates(window))
    return window[position].number, cells, window[position + 1 :]


def _choose_header(
    candidates: list[tuple[int, list[str | None]]],
) -> tuple[int, list[str | None]]:
    """The candidate most like a header (see docs/reference/spreadsheets.md).

    In order: the row naming the most distinct fields among rows with two or more cells (a
    title merged across the sheet has one), then the first row with two or more cells, then the
    row naming the most fields (a one-column list), then the first row.
    """

    def score(cells: list[str | None]) -> int:
        return len({match_field(cell) for cell in cells if cell} - {None})

    def filled(cells: list[str | None]) -> int:
        return sum(cell is not None for cell in cells)

    ranked = sorted(
        range(len(candidates)),
        key=lambda index: (-score(candidates[index][1]), candidates[index][0], index),
    )
    wide = [index for index in ranked if filled(candidates[index][1]) >= 2]
    if wide and score(candidates[wide[0]][1]) > 0:
        return candidates[wide[0]]
    first_wide = sorted(wide, key=lambda index: (candidates[index][0], index))
    if first_wide:
        return candidates[first_wide[0]]
    return candidates[ranked[0]]


def _row(raw: RawRow, width: int, max_cell_length: int) -> Row:
    cells = raw.cells[:width] + [None] * (width - len(raw.cells))
    problems = list(raw.problems)
    extra = [index for index, cell in enumerate(raw.cells[width:], start=width) if cell is not None]
    if extra:
        problems.append(
            RowProblem(
                ProblemCode.ROW_EXTRA_CELLS,
                f"表头以外的第 {extra[0] + 1} 列有内容，未读取 / values right of the header"
                f" (column {extra[0] + 1}) were not read",
                extra[0],
            )
        )
    for index, cell in enumerate(cells):
        if cell is not None and len(cell) > max_cell_length:
            cells[index] = None
            problems.append(
                RowProblem(
                    ProblemCode.CELL_TOO_LONG,
                    f"第 {index + 1} 列超过 {max_cell_length} 个字符，未读取"
                    f" / column {index + 1} is longer than {max_cell_length} characters",
                    index,
                )
            )
    return Row(raw.number, tuple(cells), tuple(problems))
