"""Accuracy guards on the real development data (skipped when ../shared/data is absent).

Floors sit a little below today's measured figures (bench/parse_accuracy.py has the full run):
a change that makes parsing clearly worse fails here, long before a benchmark is re-run.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from zhengming.domain.identifiers import division_code_matches
from zhengming.domain.names import analyze_name

pytestmark = pytest.mark.shared_data
_BRANCH = re.compile(r"(分公司|分店|分厂|分行|支行|分所|营业部)")
_STATUS = re.compile(r"^(\*?S?\*?ST|PT|S|N|C)(?=[\u4e00-\u9fff])")


def sample_registrations(data: Path, every: int) -> list[tuple[str, str]]:
    rows = []
    for path in sorted((data / "cn_registrations_2019").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                if index % every == 0:
                    rows.append((row["企业名称"], row["统一社会信用代码"]))
    return rows


def current_division_codes(data: Path) -> set[str]:
    codes = set()
    for name in ("provinces.csv", "cities.csv", "areas.csv"):
        with (data / "cn_divisions" / name).open(encoding="utf-8") as handle:
            codes |= {row["code"].ljust(6, "0") for row in csv.DictReader(handle)}
    return codes


def test_region_agrees_with_the_credit_code(shared_data: Path) -> None:
    current = current_division_codes(shared_data)
    judged = agreed = parsed = 0
    sample = sample_registrations(shared_data, every=20)
    for name, uscc in sample:
        code = analyze_name(name).parts.region_code
        division = uscc[2:8]
        if not code:
            continue
        parsed += 1
        if _BRANCH.search(name) or (division not in current and division[2:] != "0000"):
            continue
        judged += 1
        agreed += division_code_matches(code, division)
    assert len(sample) > 7000
    assert parsed / len(sample) >= 0.95  # measured 96.7% on all 164,587
    assert agreed / judged >= 0.99  # measured 99.7% on all judgeable names


def test_trade_names_match_listed_short_names(shared_data: Path) -> None:
    path = shared_data / "cn_listed_companies" / "entity_name_variants.csv"
    scored = prefix = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            full = row["full_names"].split("|")[-1]
            shorts = [
                _STATUS.sub("", unicodedata.normalize("NFKC", s).replace(" ", "")).rstrip("AB")
                for s in row["short_names"].split("|")
                if s
            ]
            if not full or not shorts:
                continue
            trade = analyze_name(full).parts.trade_name or ""
            scored += 1
            prefix += any(
                len(trade) >= 2 and (s.startswith(trade) or trade.startswith(s)) for s in shorts
            )
    assert scored > 4000
    assert prefix / scored >= 0.78  # measured 80.2% (companynameparser: 74.7%)
