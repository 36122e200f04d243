"""Scoring ``import_speed.py``'s verdicts against the truth of ``_import_data.py``, and its peer.

The preview stores one verdict per row (``import_row``); :func:`read_verdicts` reads them from the
imported copy with the stored name of the matched customer, and :func:`outcome` compares each
with what the row is:

- **existing**: right when ``duplicate`` or ``update`` of its stored customer; ``uncertain`` of
  it is its own outcome (a skip run leaves the row out, as it should, but someone has to look);
- **duplicate in file**: right when ``duplicate_in_file`` of its source row or, when the source
  is a stored customer, a match of that customer (both keep it out of a skip run);
- **invalid**: right when ``invalid``; **new**: right when ``new``.

The peer (:func:`run_peer`) is an exact match on the normalized name of ``_peers.py``.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import zhengming
from _import_data import DUPLICATE_IN_FILE, EXISTING, FIRST_ROW, INVALID, NEW, TruthRow

__all__ = [
    "Judged", "PeerRun", "Scored", "outcome", "read_verdicts", "run_peer", "score", "standard_name",
]  # fmt: skip

#: Verdicts that name a stored customer.
MATCHED = ("duplicate", "update", "uncertain")


# --- zhengming's verdicts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Judged:
    """One row's verdict as stored by the preview, with the matched customer's stored name."""

    verdict: str
    matched_name: str | None
    duplicate_of_row: int | None


def read_verdicts(database: Path, batch_id: int) -> dict[int, Judged]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT r.row_number, r.verdict, c.name, r.duplicate_of_row FROM import_row r "
            "LEFT JOIN customer c ON c.id = r.matched_customer_id WHERE r.batch_id = ?",
            (batch_id,),
        ).fetchall()
    return {number: Judged(verdict, name, of) for number, verdict, name, of in rows}


# --- scoring ----------------------------------------------------------------------------------


def outcome(truth: TruthRow, judged: Judged | None, stored: str | None) -> str:
    """How a verdict compares with the truth: ``correct``, or what went wrong.

    ``stored`` is the truth's stored customer as the tool names it (zhengming stores the
    standard name: 一汽出行科技(成都) as 一汽出行科技（成都）).
    """
    if judged is None:
        return "missing"
    verdict, matched = judged.verdict, judged.matched_name
    if truth.kind == EXISTING:
        if verdict in MATCHED:
            if matched != stored:
                return "another customer"
            return "uncertain, right customer" if verdict == "uncertain" else "correct"
        return f"judged {verdict}"
    if truth.kind == DUPLICATE_IN_FILE:
        if verdict == DUPLICATE_IN_FILE:
            return "correct" if judged.duplicate_of_row == truth.source_row else "another row"
        if verdict in MATCHED and stored and matched == stored:
            return "correct"  # its source is a stored customer: matching that one is right too
        return f"judged {verdict}"
    if truth.kind == INVALID:
        return "correct" if verdict == INVALID else f"judged {verdict}"
    if verdict == NEW:
        return "correct"
    return "matched a stored customer" if verdict in MATCHED else f"judged {verdict}"


@dataclass(slots=True)
class Scored:
    tool: str
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    by_variant: dict[str, Counter[str]] = field(default_factory=dict)


def score(
    tool: str,
    truths: Sequence[TruthRow],
    judged: Mapping[int, Judged],
    *,
    stored_as: Callable[[str], str] = str,
) -> Scored:
    """Outcomes per kind and per variant; ``stored_as`` turns a stored name into the tool's."""
    scored = Scored(tool)
    for truth in truths:
        stored = stored_as(truth.stored_name) if truth.stored_name else None
        result = outcome(truth, judged.get(truth.row), stored)
        scored.by_kind.setdefault(truth.kind, Counter())[result] += 1
        if truth.kind == EXISTING:
            scored.by_variant.setdefault(truth.variant, Counter())[result] += 1
    return scored


@cache
def standard_name(name: str) -> str:
    """The name as zhengming stores it (the bulk loader keeps the standard name)."""
    return zhengming.normalize(name).standard_name


# --- peer -------------------------------------------------------------------------------------


@dataclass(slots=True)
class PeerRun:
    judged: dict[int, Judged]
    read_seconds: float
    index_seconds: float
    match_seconds: float
    ambiguous: int  # rows whose key several stored names share

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.index_seconds + self.match_seconds


def run_peer(names: Sequence[str], xlsx: Path) -> PeerRun:
    """Exact match on the peers' normalized name: stored names first, then earlier rows."""
    import pandas as pd

    from _peers import PeerNormalizer

    normalizer = PeerNormalizer()
    start = time.perf_counter()
    frame = pd.read_excel(xlsx, engine="calamine", dtype=str)
    read = time.perf_counter() - start
    start = time.perf_counter()
    stored: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        stored.setdefault(normalizer.simple(name), []).append(index)
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    judged: dict[int, Judged] = {}
    first_row: dict[str, int] = {}
    ambiguous = 0
    for offset, name in enumerate(frame["客户名称"].fillna("")):
        row = FIRST_ROW + offset
        key = normalizer.simple(name)
        hits = stored.get(key, []) if key else []
        ambiguous += len(hits) > 1
        if hits:
            judged[row] = Judged("duplicate", names[hits[0]], None)
        elif key in first_row:
            judged[row] = Judged(DUPLICATE_IN_FILE, None, first_row[key])
        else:
            judged[row] = Judged(NEW, None, None)
            first_row.setdefault(key, row)
    matched = time.perf_counter() - start
    return PeerRun(judged, read, indexed, matched, ambiguous)
