"""A row as the readers hand it over: its true row number, its cells as text, its problems.

A problem belongs to one row and never stops the read: the import service shows it next to the
row (第 12 行第 3 列) and decides whether the row is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class ProblemCode(StrEnum):
    """What can be wrong with one row without the whole file being unreadable."""

    #: The cell is longer than ``ReadLimits.max_cell_length``; it is read as None.
    CELL_TOO_LONG = "cell.too_long"
    #: The cell held bytes the file's encoding cannot decode; they read as U+FFFD.
    CELL_UNDECODABLE = "cell.undecodable"
    #: The row has values right of the last header column; they are not read.
    ROW_EXTRA_CELLS = "row.extra_cells"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row; ``column`` is 0-based, None when it is about the whole row."""

    code: ProblemCode
    message: str
    column: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {"code": str(self.code), "message": self.message, "column": self.column}


@dataclass(frozen=True, slots=True)
class Row:
    """One data row.

    Attributes:
        number: the 1-based line (CSV) or row (workbook) the user sees it on in the file.
        cells: one per header column, stripped text, None for an empty cell.
        problems: what is wrong with the row; empty for almost every row.
    """

    number: int
    cells: tuple[str | None, ...]
    problems: tuple[RowProblem, ...] = ()


class RawRow(NamedTuple):
    """A row as a format reader yields it, before the header is known."""

    number: int
    cells: list[str | None]
    problems: tuple[RowProblem, ...] = ()


def clean_cell(text: str) -> str | None:
    """A cell's text without surrounding whitespace (full-width included); "" becomes None."""
    return text.strip() or None
