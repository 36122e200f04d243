"""Real listed companies, read at run time from the development data (evaluation only).

``../shared/data/cn_listed_companies`` groups every full, short and English name seen for a
stock code across exchange snapshots (one code = one legal entity), and lists the dated changes
of registered names. Nothing of it is shipped in the package.
"""

from __future__ import annotations

import csv
import datetime
import random
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from zhengming.domain.customer import NameType
from zhengming.domain.names.normalize import fold_for_key
from zhengming.domain.names.parse import STOCK_STATUS
from zhengming.errors import DataFileError
from zhengming.services.commands import AliasInput, CustomerCreate
from zhengming.services.demo.sales import DEFAULT_SEED, relationship, tags

LISTED_FOLDER = "cn_listed_companies"
VARIANTS = "entity_name_variants.csv"
CHANGES = "full_name_changes.csv"

# Markers of a listing's state, not of the company: N/C (first days of trading) and XD/XR/DR
# (ex-dividend) besides the ST/PT prefixes the parser knows, and the A/B share class.
_LISTING_MARK = re.compile(r"^(?:XD|XR|DR|N|C)(?=[\u4e00-\u9fff])")
_SHARE_CLASS = re.compile(r"(?<=[\u4e00-\u9fff])[AB]$")
_EXCHANGES = {"SSE": "上交所", "SZSE": "深交所", "BSE": "北交所"}


def listed_companies(folder: Path, *, limit: int, seed: int = DEFAULT_SEED) -> list[CustomerCreate]:
    """Up to ``limit`` listed companies, in stock-code order, ready to register.

    A company whose registered name the data cannot tell (several names, no dated change) is
    left out rather than guessed.
    """
    changes = _name_changes(folder / CHANGES)
    rng = random.Random(seed)
    companies: list[CustomerCreate] = []
    for row in _read_csv(folder / VARIANTS):
        if len(companies) >= limit:
            break
        company = _listed_company(row, changes.get(row["code"], []), rng)
        if company is not None:
            companies.append(company)
    return companies


def _listed_company(
    row: dict[str, str], changes: list[tuple[str, str, str]], rng: random.Random
) -> CustomerCreate | None:
    full_names = _split(row["full_names"])
    if not full_names:
        return None
    if changes:
        current = max(changes, key=lambda change: change[2])[1]
    elif len({fold_for_key(name) for name in full_names}) == 1:
        current = full_names[-1]
    else:
        return None
    seen = {fold_for_key(current)}
    aliases: list[AliasInput] = []
    # Newest change first, so a name used twice keeps the later date.
    for old, _new, changed_by in sorted(changes, key=lambda change: change[2], reverse=True):
        if _first_sight(old, seen):
            valid_to = datetime.date.fromisoformat(changed_by + "-01")
            aliases.append(AliasInput(name=old, type=NameType.FORMER, valid_to=valid_to))
    for short in _split(row["short_names"]):
        short = _clean_short_name(short)
        if len(short) >= 2 and _first_sight(short, seen):
            aliases.append(AliasInput(name=short, type=NameType.SHORT))
    for english in _split(row["en_names"]):
        if _first_sight(english.rstrip("."), seen):
            aliases.append(AliasInput(name=english, type=NameType.ENGLISH))
    exchange = _EXCHANGES.get(row["exchange"], row["exchange"])
    return CustomerCreate(
        name=current,
        aliases=aliases[:50],
        source=f"demo: {exchange} {row['code']}",
        tags=tags(rng, "上市公司"),
        **relationship(rng),
    )


def _name_changes(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(old name, new name, month the new name was first seen) by stock code.

    A change seen within one snapshot has no direction (both names were listed at once), so it
    is not a change at all.
    """
    changes: dict[str, list[tuple[str, str, str]]] = {}
    if not path.is_file():
        return changes
    for row in _read_csv(path):
        if (
            row["old_snapshot"] < row["new_snapshot"]
            and row["old_full_name"] != row["new_full_name"]
        ):
            changes.setdefault(row["code"], []).append(
                (row["old_full_name"], row["new_full_name"], row["new_snapshot"][:7])
            )
    return changes


def _clean_short_name(name: str) -> str:
    """万  科Ａ -> 万科, *ST国华 -> 国华, N金田 -> 金田."""
    text = "".join(unicodedata.normalize("NFKC", name).split())
    text = STOCK_STATUS.sub("", text)
    text = _LISTING_MARK.sub("", text)
    return _SHARE_CLASS.sub("", text)


def _first_sight(name: str, seen: set[str]) -> bool:
    key = fold_for_key(name)
    if not key or key in seen:
        return False
    seen.add(key)
    return True


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)
    except OSError as exc:
        raise DataFileError(
            f"无法读取数据文件 / cannot read {path}", details={"path": str(path)}
        ) from exc
