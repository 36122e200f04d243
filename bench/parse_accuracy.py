"""How well zhengming parses Chinese company names, side by side with two public peers.

Three figures, all printed as Markdown tables that can be pasted into ``bench/README.md``:

(a) Region agreement on every 2019 registration: the region zhengming parses from the name must be
    consistent with the registration authority's division code in the USCC (positions 3-8), at the
    level the region was parsed (province: 2 digits, city: 4, county: 6). Peers: cpca's ``adcode``
    and companynameparser's ``place`` mapped to a code through ``cn_divisions``.
(b) 字号 against the short names (简称) of listed companies: a proxy for trade-name quality.
(c) Speed on one core: names per second for ``zhengming.normalize`` and both peers.

Run from the repository root (peers come from the ``bench`` extra)::

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/parse_accuracy.py            # full run, a few minutes
    .venv/bin/python bench/parse_accuracy.py --limit 5000 --skip-peers   # quick check

The data is read from ``../shared/data`` (or ``$ZHENGMING_SHARED_DATA``), see ``_data.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import importlib.metadata
import logging
import os
import platform
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zhengming
from _data import (
    Division,
    ListedEntity,
    Registration,
    SharedDataNotFoundError,
    load_divisions,
    load_listed_entities,
    load_registrations,
)
from _machine import cpu_model, version_of

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out"
SPEED_NAMES = 100_000
CPCA_BATCH = 10_000
# Above this projected time per run, companynameparser is timed on a sample and scaled.
SLOW_RUN_SECONDS = 60.0
CNP_SAMPLE = 10_000
TOP_DISAGREEMENTS = 30
NATIONAL_CODE = "100000"
LEVELS = ("national", "province", "city", "county")


# --------------------------------------------------------------------------- region codes


def region_level(code: str) -> str:
    """Return the level of a 6-digit division code, read from its trailing zeros."""
    if code == NATIONAL_CODE:
        return "national"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def is_consistent(code: str, division: str) -> bool:
    """Whether a parsed region code agrees with a USCC division code at the parsed level.

    >>> is_consistent("440300", "440305"), is_consistent("440305", "440300")
    (True, False)
    """
    if not re.fullmatch(r"\d{6}", code):
        return False
    width = {"national": 0, "province": 2, "city": 4, "county": 6}[region_level(code)]
    return code[:width] == division[:width]


# Branches are registered where the branch is, so their name's region (the head office's) may
# rightly differ from their USCC; agreement is also reported without them.
_BRANCH = re.compile(r"分公司|分店|分厂|分行|支行|分所|营业部")


def is_branch(name: str) -> bool:
    """Whether a registered name is a branch's (分公司, 分店, 支行...)."""
    return _BRANCH.search(name) is not None


def is_same_province(code: str, division: str) -> bool:
    """The stricter-for-nobody, comparable figure: only the first two digits must agree."""
    return code == NATIONAL_CODE or (len(code) == 6 and code[:2] == division[:2])


# 55 minority nationalities as they appear in autonomous-area names (自治区/州/县/旗); used only to
# turn "恩施土家族苗族自治州" into "恩施", the form companynameparser prints.
# fmt: off
_PEOPLES = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)
# fmt: on
_ETHNIC = sorted(_PEOPLES, key=len, reverse=True)
_SUFFIXES: tuple[str, ...] = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "新区",
    "省",
)
_SUFFIXES += ("市", "区", "县", "旗", "盟")
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}


def division_aliases(name: str) -> set[str]:
    """Short forms of an official division name: "广西壮族自治区" -> {"广西"}."""
    aliases: set[str] = set()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            aliases.add(stem)
            if suffix.startswith("自治"):
                stripped = True
                while stripped:
                    stripped = False
                    for people in _ETHNIC:
                        for tail in (people + "族", people):
                            if stem.endswith(tail) and len(stem) - len(tail) >= 2:
                                stem, stripped = stem[: -len(tail)], True
                                break
                        if stripped:
                            break
                aliases.add(stem)
            break
    return aliases


class PlaceResolver:
    """Map a place text ("临汾市尧都区", "海南", "利辛县,集乡") to the most specific division code.

    Official names win over short forms; among equal names the higher level wins ("吉林" is the
    province), then the lowest code ("朝阳区" is Beijing's). A text is cut greedily into the
    longest known names, and each later piece is read inside the earlier one when it can be
    ("福州市鼓楼区" -> 350102). Text that maps to nothing gives None.
    """

    def __init__(self, divisions: Iterable[Division]) -> None:
        exact: dict[str, list[Division]] = defaultdict(list)
        alias: dict[str, list[Division]] = defaultdict(list)
        for division in divisions:
            if division.name in _PLACEHOLDERS:
                continue
            exact[division.name].append(division)
            for short in division_aliases(division.name):
                alias[short].append(division)

        def ranked(found: list[Division]) -> list[str]:
            ordered = sorted(found, key=lambda d: (_LEVEL_RANK[d.level], d.code))
            return [d.code for d in ordered]

        self._candidates: dict[str, list[str]] = {k: ranked(v) for k, v in alias.items()}
        self._candidates.update({k: ranked(v) for k, v in exact.items()})
        # The same convention as zhengming's: a national prefix is the code 100000.
        self._candidates.update({key: [NATIONAL_CODE] for key in ("中国", "中华", "全国")})
        self._longest = max(map(len, self._candidates))

    def segments(self, text: str) -> Iterator[list[str]]:
        """Yield the candidate codes of each known name in ``text``, left to right."""
        start = 0
        while start < len(text):
            for end in range(min(len(text), start + self._longest), start, -1):
                found = self._candidates.get(text[start:end])
                if found:
                    yield found
                    start = end
                    break
            else:
                start += 1

    def resolve(self, text: str) -> str | None:
        """Return the most specific code the text names, or None."""
        chosen: str | None = None
        for piece in re.split(r"[,，\s]+", text):
            for candidates in self.segments(piece):
                if chosen is None:
                    chosen = candidates[0]
                    continue
                inside = [c for c in candidates if c != chosen and is_consistent(chosen, c)]
                if inside:
                    chosen = inside[0]
        return chosen


# --------------------------------------------------------------------------- short names

_STATUS_PREFIX = re.compile(r"^(?:\*?ST|S\*ST|SST|PT|退市|[SCN](?=[\u4e00-\u9fff]))+")
_SHARE_SUFFIX = re.compile(r"(?<=[\u4e00-\u9fff])(?:[AB]股?)?退?$")


def clean_text(text: str) -> str:
    """NFKC and no spaces, so that "万  科Ａ" and "万科A" compare equal."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def clean_short_name(short: str) -> str:
    """Strip stock-status prefixes and share suffixes: "*ST国华" -> "国华", "万  科Ａ" -> "万科".

    Besides the usual prefixes (ST, *ST, S*ST, SST, PT, C, N) this strips S (share reform not
    done: "S佳通"), 退市 and a trailing 退 (delisting), and "B股" as well as A/B.
    """
    return _SHARE_SUFFIX.sub("", _STATUS_PREFIX.sub("", clean_text(short)))


def trade_scores(trade: str | None, shorts: Sequence[str]) -> tuple[bool, bool, float]:
    """Score one trade name against an entity's cleaned short names: exact, prefix, overlap.

    "prefix" includes exact matches; the shorter side must have at least two characters.
    """
    if not trade or not shorts:
        return False, False, 0.0
    exact = trade in shorts
    prefix = exact or any(
        min(len(trade), len(s)) >= 2 and (s.startswith(trade) or trade.startswith(s))
        for s in shorts
    )
    overlap = max(len(set(trade) & set(s)) / len(set(s)) for s in shorts if s)
    return exact, prefix, overlap


# --------------------------------------------------------------------------- tools


@dataclass
class ZhengmingErrors:
    """Exceptions raised by zhengming: each one is reported; the expected count is zero."""

    examples: list[tuple[str, str]] = field(default_factory=list)
    count: int = 0

    def add(self, name: str, exc: Exception) -> None:
        self.count += 1
        if len(self.examples) < 10:
            self.examples.append((name, f"{type(exc).__name__}: {exc}"))


def zhengming_parts(
    name: str, errors: ZhengmingErrors
) -> tuple[str | None, str | None, str | None]:
    """Return (region text, region_code, trade_name) for a name; the USCC is never passed."""
    try:
        parts = zhengming.normalize(name).parts
    except Exception as exc:  # counted and printed, never hidden
        errors.add(name, exc)
        return None, None, None
    return parts.region, parts.region_code, parts.trade_name


@dataclass
class Peers:
    """The peer libraries, imported lazily so that ``--skip-peers`` needs neither installed."""

    cnp: Any = None
    cpca: Any = None
    missing: list[str] = field(default_factory=list)
    skipped: bool = False

    @classmethod
    def load(cls, *, skip: bool) -> Peers:
        peers = cls(skipped=skip)
        if skip:
            return peers
        # jieba (pulled in by both) logs its dictionary loading on stderr at INFO level.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        for attr, module in (("cnp", "companynameparser"), ("cpca", "cpca")):
            try:
                setattr(peers, attr, importlib.import_module(module))
            except ImportError:
                peers.missing.append(module)
        return peers

    def cnp_parse(self, name: str) -> dict[str, str] | None:
        try:
            result: dict[str, str] = self.cnp.parse(name)
        except Exception:  # a peer failing on one name is a failure for that name only
            return None
        return result

    def cpca_codes(self, names: Sequence[str]) -> tuple[list[str | None], int]:
        """cpca's adcode per name (None where it found nothing), in batches, and failures."""
        codes: list[str | None] = []
        failures = 0
        for start in range(0, len(names), CPCA_BATCH):
            batch = list(names[start : start + CPCA_BATCH])
            try:
                codes.extend(_adcodes(self.cpca.transform(batch)))
            except Exception:
                # One bad name must not sink the batch: redo it name by name.
                for name in batch:
                    try:
                        codes.extend(_adcodes(self.cpca.transform([name])))
                    except Exception:
                        codes.append(None)
                        failures += 1
        return codes, failures


def _adcodes(frame: Any) -> list[str | None]:
    return [code if isinstance(code, str) and code else None for code in frame["adcode"]]


# --------------------------------------------------------------------------- (a) regions


@dataclass
class RegionTally:
    """Agreement counts of one tool over the registrations."""

    tool: str
    names: int = 0
    parsed: int = 0
    agree: int = 0
    agree_province: int = 0
    agree_nested: int = 0
    parsed_head: int = 0
    agree_head: int = 0
    failures: int = 0
    # Judgeable: not a branch, and the USCC's division code still exists (2019 codes retired
    # since, such as 子长县 610623, say nothing about the parser). Higher authority agrees.
    current_codes: frozenset[str] = frozenset()
    judgeable: int = 0
    agree_judgeable: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    agree_by_level: Counter[str] = field(default_factory=Counter)

    def add(self, code: str | None, reg: Registration) -> bool:
        """Count one name; return whether it was a disagreement."""
        self.names += 1
        if not code:
            return False
        self.parsed += 1
        level = region_level(code) if re.fullmatch(r"\d{6}", code) else "malformed"
        self.by_level[level] += 1
        self.agree_province += is_same_province(code, reg.division_code)
        agrees = is_consistent(code, reg.division_code)
        self.agree_nested += agrees or is_consistent(reg.division_code, code)
        if not is_branch(reg.name):
            self.parsed_head += 1
            self.agree_head += agrees
            if reg.division_code in self.current_codes or reg.division_code[2:] == "0000":
                self.judgeable += 1
                self.agree_judgeable += agrees or is_consistent(reg.division_code, code)
        if agrees:
            self.agree += 1
            self.agree_by_level[level] += 1
        return not agrees


@dataclass(frozen=True)
class Disagreement:
    """A name whose parsed region does not agree with its USCC division."""

    name: str
    region: str | None
    code: str
    division: str

    @property
    def kind(self) -> str:
        """Why it may not be a parsing error: a branch, or a registering authority above it."""
        if is_branch(self.name):
            return "branch"
        if is_consistent(self.division, self.code):
            return "authority above"
        return ""


def measure_regions(
    registrations: Sequence[Registration],
    peers: Peers,
    resolver: PlaceResolver,
    errors: ZhengmingErrors,
    current_codes: frozenset[str] = frozenset(),
) -> tuple[list[RegionTally], list[Disagreement]]:
    ours = RegionTally("zhengming", current_codes=current_codes)
    disagreements: list[Disagreement] = []
    for reg in registrations:
        region, code, _ = zhengming_parts(reg.name, errors)
        if ours.add(code, reg):
            disagreements.append(Disagreement(reg.name, region, code or "", reg.division_code))
    tallies = [ours]
    if peers.cpca is not None:
        tally = RegionTally("cpca", current_codes=current_codes)
        codes, tally.failures = peers.cpca_codes([r.name for r in registrations])
        for reg, code in zip(registrations, codes, strict=True):
            tally.add(code, reg)
        tallies.append(tally)
    if peers.cnp is not None:
        tally = RegionTally("companynameparser", current_codes=current_codes)
        for reg in registrations:
            parsed = peers.cnp_parse(reg.name)
            tally.failures += parsed is None
            place = (parsed or {}).get("place") or ""
            tally.add(resolver.resolve(place) if place else None, reg)
        tallies.append(tally)
    return tallies, disagreements


def division_label(code: str, names: dict[str, str]) -> str:
    """ "440305" -> "广东省深圳市南山区", using whichever levels the table knows."""
    if code == NATIONAL_CODE:
        return "全国"
    keys = [code[:2] + "0000", code[:4] + "00", code]
    label = "".join(dict.fromkeys(names[k] for k in keys if k in names))
    return label or "?"


def write_disagreements(
    disagreements: Sequence[Disagreement], names: dict[str, str], out_dir: Path
) -> tuple[Path, list[tuple[int, Disagreement]]]:
    """Group disagreements by (region text, code, USCC division); write the top ones as TSV.

    Every disagreement is also written, one per line, to ``region_disagreements_all.tsv``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple[str | None, str, str], list[Disagreement]] = defaultdict(list)
    for d in disagreements:
        groups[(d.region, d.code, d.division)].append(d)
    ranked = sorted(groups.values(), key=lambda g: (-len(g), g[0].code, g[0].division))
    top = [(len(g), g[0]) for g in ranked[:TOP_DISAGREEMENTS]]
    path = out_dir / "region_disagreements.tsv"
    header = "count\tname\tparsed_region\tregion_code\tregion_code_name\tuscc_division\t"
    header += "uscc_division_name\tkind\tother_examples\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        for group in ranked[:TOP_DISAGREEMENTS]:
            d = group[0]
            others = " | ".join(x.name for x in group[1:4])
            out.write(
                f"{len(group)}\t{d.name}\t{d.region or ''}\t{d.code}\t"
                f"{division_label(d.code, names)}\t{d.division}\t"
                f"{division_label(d.division, names)}\t{d.kind}\t{others}\n"
            )
    with (out_dir / "region_disagreements_all.tsv").open("w", encoding="utf-8") as out:
        out.write("name\tparsed_region\tregion_code\tuscc_division\tkind\n")
        for d in disagreements:
            out.write(f"{d.name}\t{d.region or ''}\t{d.code}\t{d.division}\t{d.kind}\n")
    return path, top


# --------------------------------------------------------------------------- (b) trade names


@dataclass
class TradeTally:
    tool: str
    entities: int = 0
    found: int = 0
    exact: int = 0
    prefix: int = 0
    overlap: float = 0.0
    failures: int = 0

    def add(self, trade: str | None, shorts: Sequence[str]) -> None:
        cleaned = clean_text(trade) if trade else ""
        exact, prefix, overlap = trade_scores(cleaned, shorts)
        self.entities += 1
        self.found += bool(cleaned)
        self.exact += exact
        self.prefix += prefix
        self.overlap += overlap


def measure_trade_names(
    entities: Sequence[ListedEntity], peers: Peers, errors: ZhengmingErrors
) -> tuple[list[TradeTally], int]:
    """Score each tool's 字号 of an entity's latest full name; return tallies and skipped count."""
    ours = TradeTally("zhengming trade_name")
    theirs = TradeTally("companynameparser brand") if peers.cnp is not None else None
    skipped = 0
    for entity in entities:
        shorts = sorted({c for c in map(clean_short_name, entity.short_names) if c})
        if not entity.full_names or not shorts:
            skipped += 1
            continue
        full = entity.full_names[-1]
        ours.add(zhengming_parts(full, errors)[2], shorts)
        if theirs is not None:
            parsed = peers.cnp_parse(full)
            theirs.failures += parsed is None
            # Its brand can be several pieces ("国药,一致"); joined they read as it meant them.
            theirs.add(((parsed or {}).get("brand") or "").replace(",", ""), shorts)
    return [t for t in (ours, theirs) if t is not None], skipped


# --------------------------------------------------------------------------- (c) speed


@contextmanager
def one_core() -> Iterator[str]:
    """Pin the process to one CPU while timing, where the OS allows it."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity)"
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        os.sched_setaffinity(0, before)


def best_of(runs: int, work: Callable[[], object], *, before: Callable[[], None]) -> float:
    """Best wall time of ``runs`` calls of ``work``; ``before`` runs untimed ahead of each."""
    best = float("inf")
    for _ in range(runs):
        before()
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def find_cache_clearer() -> Callable[[], None] | None:
    """Return ``zhengming.domain.names.clear_caches`` when the package offers it."""
    try:
        module = importlib.import_module("zhengming.domain.names")
    except ImportError:
        return None
    clear = getattr(module, "clear_caches", None)
    return clear if callable(clear) else None


@dataclass
class SpeedRow:
    tool: str
    names: int
    mode: str
    seconds: float
    scaled_from: int | None = None

    @property
    def us_per_name(self) -> float:
        return self.seconds / self.names * 1e6


def measure_speed(
    names: Sequence[str], peers: Peers, errors: ZhengmingErrors, *, runs: int
) -> list[SpeedRow]:
    """Time each tool on ``names``; zhengming exceptions during timing go to ``errors``."""

    def ours() -> None:
        for name in names:
            try:
                zhengming.normalize(name)
            except Exception as exc:
                errors.add(name, exc)

    # Warm-up outside the timing: lexicons, jieba dictionaries and imports load on first use.
    for name in names[:10]:
        zhengming_parts(name, ZhengmingErrors())
    rows = [SpeedRow("zhengming normalize", len(names), "per name", 0.0)]
    rows[0].seconds = best_of(runs, ours, before=find_cache_clearer() or (lambda: None))
    if peers.cnp is not None:
        peers.cnp_parse(names[0])
        probe = names[:1000]
        start = time.perf_counter()
        for name in probe:
            peers.cnp_parse(name)
        projected = (time.perf_counter() - start) / max(len(probe), 1) * len(names)
        sample = names if projected <= SLOW_RUN_SECONDS else names[:CNP_SAMPLE]

        def cnp() -> None:
            for name in sample:
                peers.cnp_parse(name)

        seconds = best_of(runs, cnp, before=lambda: None)
        scaled = None if len(sample) == len(names) else len(sample)
        rows.append(
            SpeedRow("companynameparser", len(names), "per name", seconds, scaled_from=scaled)
        )
        if scaled:
            rows[-1].seconds = seconds * len(names) / len(sample)
    if peers.cpca is not None:
        peers.cpca_codes(names[:10])
        seconds = best_of(runs, lambda: peers.cpca_codes(names), before=lambda: None)
        rows.append(SpeedRow("cpca transform", len(names), f"batches of {CPCA_BATCH:,}", seconds))
    return rows


# --------------------------------------------------------------------------- report


_FIGURE = re.compile(r"(?:[-\d,.%/ ]|n/a)*")


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A pipe table, padded for CJK; columns of figures are right-aligned, text left-aligned."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    columns = range(len(headers))
    widths = [max(_width(row[i]) for row in cells) for i in columns]
    right = [i > 0 and all(_FIGURE.fullmatch(row[i]) for row in cells[1:]) for i in columns]

    def line(row: Sequence[str]) -> str:
        padded = [
            " " * (widths[i] - _width(cell)) + cell
            if right[i]
            else cell + " " * (widths[i] - _width(cell))
            for i, cell in enumerate(row)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w - 1) + ":" if r else "-" * w for w, r in zip(widths, right, strict=True)]
    return "\n".join([line(cells[0]), line(rule), *(line(row) for row in cells[1:])])


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pct(part: int | float, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report_header(peers: Peers) -> str:
    if peers.skipped:
        peer_line = "skipped (--skip-peers)"
    else:
        dists = ("companynameparser", "cpca", "jieba", "pandas")
        peer_line = ", ".join(f"{d} {version_of(d)}" for d in dists)
        if peers.missing:
            peer_line += f"; not installed: {', '.join(peers.missing)}"
    return "\n".join(
        [
            "# zhengming parse accuracy",
            "",
            f"- run: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.platform()}; CPU {cpu_model()} ({os.cpu_count()} logical)",
            f"- python {platform.python_version()}; zhengming {zhengming.__version__}",
            f"- peers: {peer_line}",
        ]
    )


def report_regions(
    tallies: Sequence[RegionTally],
    top: Sequence[tuple[int, Disagreement]],
    tsv: Path,
    names: dict[str, str],
) -> str:
    main = markdown_table(
        [
            "tool",
            "names",
            "with region",
            "coverage",
            "agree",
            "agree, province",
            "agree, nested",
            "agree, no branches",
            "judgeable",
            "agree, judgeable",
            "peer failures",
        ],
        [
            [
                t.tool,
                f"{t.names:,}",
                f"{t.parsed:,}",
                pct(t.parsed, t.names),
                pct(t.agree, t.parsed),
                pct(t.agree_province, t.parsed),
                pct(t.agree_nested, t.parsed),
                pct(t.agree_head, t.parsed_head),
                f"{t.judgeable:,}",
                pct(t.agree_judgeable, t.judgeable),
                "-" if t.tool == "zhengming" else f"{t.failures:,}",
            ]
            for t in tallies
        ],
    )
    levels = [*LEVELS, "malformed"]
    by_level = markdown_table(
        ["tool", *(f"{lv}: n / agree" for lv in levels if any(t.by_level[lv] for t in tallies))],
        [
            [
                t.tool,
                *(
                    f"{t.by_level[lv]:,} / {pct(t.agree_by_level[lv], t.by_level[lv])}"
                    for lv in levels
                    if any(x.by_level[lv] for x in tallies)
                ),
            ]
            for t in tallies
        ],
    )
    examples = markdown_table(
        ["count", "example name", "parsed region", "region_code", "USCC division", "kind"],
        [
            [
                n,
                d.name,
                d.region or "",
                f"{d.code} {division_label(d.code, names)}",
                f"{d.division} {division_label(d.division, names)}",
                d.kind,
            ]
            for n, d in top[:10]
        ],
    )
    notes = [
        "Agreement is counted over names with a parsed region only. 'agree': the region code",
        "matches USCC positions 3-8 at its own level (province 2 digits, city 4, county 6;",
        "100000 = 中国/全国 always agrees). 'province': first 2 digits only. 'nested': also",
        "agrees when the registering authority is above the region (三亚市 registered by 海南省).",
        "'no branches': 'agree' without 分公司/分店/支行... names, which are registered where",
        "the branch is while their region is often the head office's. 'judgeable': names that",
        "are not branches and whose USCC division code still exists today; agreement there",
        "counts a registering authority above the region as agreeing. The 2019 USCCs carry",
        "the division codes of 2019: a county made a city or moved since (公主岭市) disagrees.",
        "zhengming is called without the USCC, so it cannot read the region from the identifier.",
        "cpca: adcode as given. It fills in the province from a city (合肥 -> 安徽省), picks one",
        "of several same-named districts, and also matches place names inside trade names",
        "(东方普拉特 -> 海南省东方市).",
        "companynameparser: its 'place' text mapped to a code through cn_divisions (official",
        "names, then short forms without 省/市/区/县/自治X; higher level first, then lowest code);",
        "a place that maps to nothing counts as no region.",
    ]
    return "\n\n".join(
        [
            "## (a) Region vs the USCC registration authority",
            main,
            "By parsed level:",
            by_level,
            f"Most frequent zhengming disagreements (top {TOP_DISAGREEMENTS} in {tsv}):",
            examples,
            "\n".join(notes),
        ]
    )


def report_trades(tallies: Sequence[TradeTally], skipped: int) -> str:
    metrics: list[tuple[str, Callable[[TradeTally], str]]] = [
        ("entities scored", lambda t: f"{t.entities:,}"),
        ("trade name found", lambda t: pct(t.found, t.entities)),
        ("exact = a short name", lambda t: pct(t.exact, t.entities)),
        ("prefix (incl. exact)", lambda t: pct(t.prefix, t.entities)),
        ("char overlap (mean)", lambda t: f"{t.overlap / t.entities:.3f}" if t.entities else "n/a"),
        ("failures", lambda t: f"{t.failures:,}" if "companyname" in t.tool else "-"),
    ]
    table = markdown_table(
        ["metric", *(t.tool for t in tallies)],
        [[label, *(get(t) for t in tallies)] for label, get in metrics],
    )
    notes = (
        "Latest full name of each listed entity vs its cleaned short names (NFKC, no spaces, no\n"
        "ST/*ST/S/PT/C/N/退市 prefix, no A/B/B股/退 suffix). Prefix: one starts with the other,\n"
        "shorter side >= 2 chars. Overlap: max over short names of |trade ∩ short| / |short|\n"
        f"(sets of characters). {skipped:,} entities without a full or short name were skipped."
    )
    return "\n\n".join(["## (b) 字号 vs listed-company short names", table, notes])


def report_speed(rows: Sequence[SpeedRow], pinning: str, runs: int) -> str:
    table = markdown_table(
        ["tool", "names", "mode", f"best of {runs} (s)", "µs/name", "names/s"],
        [
            [
                r.tool + (f" (timed on {r.scaled_from:,}, scaled)" if r.scaled_from else ""),
                f"{r.names:,}",
                r.mode,
                f"{r.seconds:.2f}",
                f"{r.us_per_name:.1f}",
                f"{r.names / r.seconds:,.0f}" if r.seconds else "n/a",
            ]
            for r in rows
        ],
    )
    caches = (
        "are cleared before each run by clear_caches()"
        if find_cache_clearer()
        else "are not cleared (zhengming.domain.names.clear_caches() does not exist)"
    )
    notes = (
        f"One core ({pinning}). zhengming normalize = normalize + classify + parse + keys +\n"
        f"rules; its caches {caches}.\nWarm-up calls (lexicon and jieba loading) are not timed."
    )
    return "\n\n".join(["## (c) Speed", table, notes])


def report_errors(errors: ZhengmingErrors, timing_errors: ZhengmingErrors) -> str:
    """List zhengming's exceptions; there should be none."""
    lines = [
        f"## zhengming exceptions: {errors.count} in (a) and (b), "
        f"{timing_errors.count} during the timing runs of (c)"
    ]
    lines += [f"- {name!r}: {message}" for name, message in errors.examples]
    lines += [f"- (timing) {name!r}: {message}" for name, message in timing_errors.examples[:3]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="use only the first N registrations and N listed entities",
    )
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="measure zhengming only (companynameparser and cpca not needed)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timing runs, best kept (default 3)")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help=f"where the disagreement TSV files go (default {DEFAULT_OUT_DIR})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        registrations = load_registrations()
        entities = load_listed_entities()
        divisions = load_divisions()
    except SharedDataNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit is not None:
        registrations, entities = registrations[: args.limit], entities[: args.limit]
    peers = Peers.load(skip=args.skip_peers)
    errors = ZhengmingErrors()
    names_by_code = {d.code: d.name for d in divisions}
    started = time.perf_counter()

    current = frozenset(d.code for d in divisions)
    tallies, disagreements = measure_regions(
        registrations, peers, PlaceResolver(divisions), errors, current
    )
    tsv, top = write_disagreements(disagreements, names_by_code, args.out_dir)
    trades, skipped = measure_trade_names(entities, peers, errors)
    speed_names = list(dict.fromkeys(r.name for r in registrations))[:SPEED_NAMES]
    timing_errors = ZhengmingErrors()
    with one_core() as pinning:
        speed = measure_speed(speed_names, peers, timing_errors, runs=args.runs)

    print(report_header(peers), end="\n\n")
    print(report_regions(tallies, top, tsv, names_by_code), end="\n\n")
    print(report_trades(trades, skipped), end="\n\n")
    print(report_speed(speed, pinning, args.runs), end="\n\n")
    print(report_errors(errors, timing_errors), end="\n\n")
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    return 1 if errors.count or timing_errors.count else 0


if __name__ == "__main__":
    raise SystemExit(main())
