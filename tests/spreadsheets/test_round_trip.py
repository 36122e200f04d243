"""Hypothesis: what the writers write, the reader reads back (neutralised cells gain a ')."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from zhengming.spreadsheets import open_table, write_csv, write_xlsx

HEADER = ["客户名称", "电话", "备注"]
cells = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
rows = st.lists(st.lists(cells, min_size=3, max_size=3), max_size=12)


def expected(
    written: list[list[str]], stored: Callable[[str], str] = lambda text: text
) -> list[tuple[str | None, ...]]:
    """What the reader should give: the neutralising ', what the format can store, stripped
    text, blank rows dropped."""
    result = []
    for row in written:
        cells = tuple(
            stored(
                ("'" + cell) if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell
            ).strip()
            or None
            for cell in row
        )
        if any(cells):
            result.append(cells)
    return result


def xlsx_stored(text: str) -> str:
    """Line breaks as LF and control characters XML cannot hold as U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


@settings(max_examples=150, deadline=None)
@given(rows)
def test_csv_round_trip(written: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "out.csv"
        write_csv(path, HEADER, written)
        with open_table(path) as table:
            assert table.header == HEADER
            assert [row.cells for row in table] == expected(written)


@settings(max_examples=25, deadline=None)
@given(rows)
def test_xlsx_round_trip(written: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "out.xlsx"
        write_xlsx(path, HEADER, written)
        with open_table(path) as table:
            assert table.header == HEADER
            assert [row.cells for row in table] == expected(written, xlsx_stored)
