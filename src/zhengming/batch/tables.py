"""Reading the table a batch dedupe runs on: CSV (through DuckDB) or Excel (python-calamine).

Every cell is read as text: ids such as 000001 and credit codes must not become numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from zhengming.errors import (
    ColumnNotFoundError,
    DataFileError,
    DuplicateIdError,
    InvalidInputError,
)

_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass(frozen=True)
class InputTable:
    """The rows of a dedupe input: ids, names and any extra columns, all as text or None."""

    ids: list[str]
    names: list[str]
    columns: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def read_table(
    path: Path, *, id_column: str, name_column: str, columns: tuple[str, ...] = ()
) -> InputTable:
    """Read the id, name and extra columns of a CSV or Excel file.

    Raises:
        DataFileError: the file is missing, unreadable, not UTF-8 or not a table.
        ColumnNotFoundError: a named column is not in the header.
        DuplicateIdError: an id appears on more than one row.
    """
    if not path.is_file():
        raise DataFileError(f"找不到文件 / file not found: {path}", details={"path": str(path)})
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        header, rows = _read_excel(path)
    else:
        header, rows = _read_csv(path)
    wanted = (id_column, name_column, *columns)
    missing = [column for column in wanted if column not in header]
    if missing:
        raise ColumnNotFoundError(
            f"输入文件中没有这些列 / columns not in the file: {', '.join(missing)}",
            details={"missing": missing, "available": header},
        )
    position = {column: header.index(column) for column in wanted}
    ids = [(row[position[id_column]] or "").strip() for row in rows]
    _check_ids(ids)
    names = [row[position[name_column]] or "" for row in rows]
    extra = {column: [row[position[column]] for row in rows] for column in columns}
    return InputTable(ids, names, extra)


def _check_ids(ids: list[str]) -> None:
    empty = [index + 2 for index, value in enumerate(ids) if not value][:10]
    if empty:
        raise InvalidInputError(
            f"有空的 id（第 {empty} 行）/ empty ids on rows {empty}", details={"rows": empty}
        )
    repeated = [value for value, count in Counter(ids).items() if count > 1]
    if repeated:
        raise DuplicateIdError(
            f"id 重复 / duplicate ids: {', '.join(repeated[:10])}",
            details={"duplicates": repeated[:100], "count": len(repeated)},
        )


def _read_csv(path: Path) -> tuple[list[str], list[tuple[str | None, ...]]]:
    try:
        relation = duckdb.read_csv(
            str(path), header=True, all_varchar=True, encoding="utf-8", sample_size=-1
        )
        header = list(relation.columns)
        rows: list[tuple[str | None, ...]] = relation.fetchall()
    except duckdb.Error as exc:
        raise DataFileError(
            f"无法读取 CSV（需为 UTF-8 编码）/ cannot read the CSV (UTF-8 expected): {path}",
            details={"path": str(path), "reason": str(exc).splitlines()[0]},
        ) from exc
    return header, rows


def _read_excel(path: Path) -> tuple[list[str], list[tuple[str | None, ...]]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for each format
        raise DataFileError(
            f"无法读取 Excel 文件 / cannot read the Excel file: {path}",
            details={"path": str(path), "reason": str(exc)},
        ) from exc
    if not sheet:
        return [], []
    header = [_cell(value) or "" for value in sheet[0]]
    rows = [tuple(_cell(value) for value in row) for row in sheet[1:] if any(row)]
    return header, rows


def _cell(value: object) -> str | None:
    """Excel cells as text: integral floats without '.0' (ids), empty cells as None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
