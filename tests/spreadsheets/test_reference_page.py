"""docs/reference/spreadsheets.md is written by hand; these tests keep its tables true."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import zhengming.spreadsheets as spreadsheets
from zhengming.spreadsheets import FIELD_ALIASES, ProblemCode, ReadLimits, Refusal

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "spreadsheets.md"


def table(header: str) -> dict[str, str]:
    """First column (backticked) -> second column, of the table whose header starts so."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"| {header} |")))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        match = re.match(r"\| `([^`]+)` \| (.*?) \|", line)
        assert match, line
        rows[match.group(1)] = match.group(2)
    return rows


def test_header_words_are_the_aliases() -> None:
    documented = {name: words.split(", ") for name, words in table("field").items()}
    assert documented == {name: list(aliases) for name, aliases in FIELD_ALIASES.items()}


def test_problem_codes_are_documented() -> None:
    assert list(table("code")) == [str(code) for code in ProblemCode]


def test_refusal_reasons_are_documented() -> None:
    assert list(table("reason")) == [str(reason) for reason in Refusal]


def test_limits_and_defaults_are_documented() -> None:
    documented = table("limit")
    assert list(documented) == [item.name for item in dataclasses.fields(ReadLimits)]
    sizes = {"1 GiB": 1024**3, "64 MiB": 64 * 1024**2, "256 KiB": 256 * 1024, "none": None}
    for item in dataclasses.fields(ReadLimits):
        text = documented[item.name].split(" | ")[0]
        value = sizes.get(text, text.replace(",", ""))
        assert str(value) == str(item.default).removesuffix(".0"), item.name


def test_all_is_honest() -> None:
    assert len(spreadsheets.__all__) == len(set(spreadsheets.__all__))
    for name in spreadsheets.__all__:
        assert hasattr(spreadsheets, name), name
