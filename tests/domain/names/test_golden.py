"""The golden names: real names with hand-written standard names, kinds and parts.

tests/data/golden_names.tsv was written by reading each name, independently of the parser
(tests/data/README.md). Rows the parser reads differently are listed, with the reason, in
golden_known_differences.tsv; they are strict xfails, so fixing one fails until it is unlisted.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from zhengming.domain.names import analyze_name

DATA = Path(__file__).resolve().parents[2] / "data"
FIELDS = ("standard_name", "kind", "region", "region_code", "trade_name", "industry")
FIELDS += ("legal_form", "branch")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|t|n|r|\\)")
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def _decode(text: str) -> str:
    return _ESCAPE.sub(lambda m: _SIMPLE.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


GOLDEN = _rows("golden_names.tsv")
KNOWN = {row["input"]: row["reason"] for row in _rows("golden_known_differences.tsv")}


def _params() -> list[object]:
    params = []
    for row in GOLDEN:
        marks = []
        if row["input"] in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[row["input"]], strict=True))
        params.append(pytest.param(row, id=f"{row['category']}:{row['input'][:24]}", marks=marks))
    return params


def test_golden_file_is_large_and_well_formed() -> None:
    assert len(GOLDEN) >= 400
    assert len({row["input"] for row in GOLDEN}) == len(GOLDEN)
    assert all(row["kind"] in {"company", "individual", "unknown"} for row in GOLDEN)
    assert set(KNOWN) <= {row["input"] for row in GOLDEN}
    # Known differences must stay a small minority.
    assert len(KNOWN) <= 0.06 * len(GOLDEN)


@pytest.mark.parametrize("row", _params())
def test_golden_name(row: dict[str, str]) -> None:
    raw = _decode(row["input"]) if "escaped" in row["note"] else row["input"]
    result = analyze_name(raw).to_dict()
    got = {"standard_name": result["standard_name"], "kind": result["kind"], **result["parts"]}
    expected = {field: row[field] or None for field in FIELDS}
    assert {field: got[field] or None for field in FIELDS} == expected
