"""The spreadsheet of ``import_speed.py``: N rows as a sales team would send them, and their truth.

Columns, with the Chinese headers such files have: 客户名称, 统一社会信用代码, 联系人, 手机, 行业,
备注. Every random choice is seeded; the rows are drawn against the stored customers of
``_population.py`` (the same population as the cached SQLite file):

- **existing** (30%): a stored customer (drawn at random, each at most once) typed in one of seven
  ways, in equal numbers: ``exact``, ``traditional`` (opencc s2t), ``brackets`` (（）↔() or 【】,
  drawn among names that have brackets), ``region_brackets`` (北京XX科技 -> XX（北京）科技),
  ``legal_form_dropped``, ``spaces`` and ``typo`` (one 字号 character replaced by a common
  homophone) — ``_dedup_eval._VariantMaker``'s variants. A registration's credit code is filled
  in for half of them. A variant whose spelling (width, case, spaces ignored) is another stored
  customer's is drawn again.
- **duplicate in file** (5%): a later copy of another valid row of the file, as two salespeople
  enter the same company: the same spelling (half), traditional (a quarter) or with spaces; its
  credit code if the first had one, the same mobile half of the time. Placed after its source.
- **invalid** (3%): a person with a title instead of a company (王总, 李经理; half), or a new
  company with a credit code whose check character is wrong.
- **new** (the rest): synthetic companies made like the stored ones, with a 字号 that no stored
  customer has and no real 字号 either (so the truth is not in doubt), each spelling once.

Contacts are a surname and a given name; mobiles are random (85% of rows have one, written as
numbers, as Excel keeps them); 行业 is a GB/T 4754 code, or an industry in words one time in ten
(kept as a warning by the import); 备注 is often empty.

Files, under ``bench/out/import/``: ``rows_<N>_vs_<M>.xlsx`` (openpyxl ``write_only``), its
``.truth.tsv`` (row number, kind, variant, the stored name an existing row stands for, the source
row of a duplicate) and ``.json`` (seed, population digest, counts), written last; files whose
JSON matches are reused. ``rows_<N>_vs_<M>.profile.xlsx`` holds the first 2,000 rows.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opencc
from openpyxl import Workbook

import zhengming
from _dedup_eval import _HomophoneTable, _text_key, _VariantMaker
from _population import NameMaker, Population

__all__ = ["HEADER", "ImportFile", "TruthRow", "build_import_file", "read_truth"]

HEADER = ("客户名称", "统一社会信用代码", "联系人", "手机", "行业", "备注")
EXISTING, DUPLICATE_IN_FILE, INVALID, NEW = "existing", "duplicate_in_file", "invalid", "new"
KINDS = (EXISTING, DUPLICATE_IN_FILE, INVALID, NEW)
SHARES = {EXISTING: 0.30, DUPLICATE_IN_FILE: 0.05, INVALID: 0.03}
VARIANTS = (
    "exact", "traditional", "brackets", "region_brackets", "legal_form_dropped", "spaces", "typo",
)  # fmt: skip
PROFILE_ROWS = 2000
#: The sheet row of the first data row (the header is row 1).
FIRST_ROW = 2
# Bump when the generation changes, so cached files of the old shape are rebuilt.
_FORMAT = 1

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍鹏辉建国红波宁斌云飞雪梅琳晨浩宇欣怡轩"
)
_TITLES = ("总", "经理", "老板", "总监", "主任", "工", "老师", "姐", "先生", "女士", "会计")
_MOBILE_PREFIXES = (
    *("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152"),
    *("153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181"),
    *("182", "183", "185", "186", "187", "188", "189", "198", "199"),
)
_INDUSTRY_CODES = (
    "C26", "C39", "E48", "F51", "F52", "G54", "H62", "I64", "I65", "K70", "L72", "M75", "P83",
)  # fmt: skip
_INDUSTRY_WORDS = ("软件和信息技术服务业", "批发业", "制造业", "餐饮业")
_NOTES = ("展会名片", "老客户介绍", "电话沟通过，有意向", "需跟进报价", "官网留资", "2023年签约")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(slots=True)
class TruthRow:
    """What one data row of the file is (``row``: its sheet row number)."""

    row: int
    kind: str
    variant: str
    name: str
    #: existing: the stored name it stands for; a duplicate: its source's, if that one exists.
    stored_name: str | None = None
    #: duplicate in file: the sheet row of the row it copies.
    source_row: int | None = None


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A generated (or reused) spreadsheet and its truth."""

    xlsx: Path
    profile_xlsx: Path
    truth_path: Path
    counts: dict[str, int]
    variants: dict[str, int]
    reused: bool
    seconds: float


@dataclass(slots=True)
class _Draft:
    truth: TruthRow
    cells: list[Any]
    order: float = 0.0
    source: _Draft | None = None  # the row a duplicate copies


class _RowMaker:
    """Makes the rows; ``taken`` holds the text keys of stored names and of names made so far."""

    def __init__(
        self,
        population: Population,
        maker: NameMaker,
        homophones: _HomophoneTable,
        rng: random.Random,
    ) -> None:
        self.population = population
        self.maker = maker
        self.rng = rng
        self.variant = _VariantMaker(homophones)
        self.s2t = opencc.OpenCC("s2t")
        self.stored_keys = {_text_key(name): i for i, name in enumerate(population.names)}
        self.stored_trades = set(population.trades) | maker.real_trades
        self.new_keys: set[str] = set()
        self.used: set[int] = set()
        self.bracketed = [
            i for i, name in enumerate(population.names) if any(c in name for c in "（(")
        ]
        self.usccs = [uscc for uscc in population.usccs if uscc]

    def contact(self) -> list[Any]:
        rng = self.rng
        person = rng.choice(_SURNAMES) + "".join(
            rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))
        )
        mobile = (
            int(rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}")
            if rng.random() < 0.85
            else None
        )
        if rng.random() < 0.9:
            industry = rng.choice(_INDUSTRY_CODES)
        else:
            industry = rng.choice(_INDUSTRY_WORDS)
        note = rng.choice(_NOTES) if rng.random() < 0.3 else None
        return [person, mobile, industry, note]

    def existing(self, variant: str) -> tuple[str, str | None, str]:
        """(written name, credit code or None, stored name)."""
        names = self.population.names
        makers: dict[str, Callable[[str, Any], str | None]] = {
            "exact": lambda name, _parts: name,
            "traditional": lambda name, _parts: self.s2t.convert(name),
            "brackets": lambda name, _parts: self.variant._brackets(name, self.rng),
            "region_brackets": self.variant._region_brackets,
            "legal_form_dropped": self.variant._legal_form_dropped,
            "spaces": lambda name, _parts: self.variant._spaces(name, self.rng),
            "typo": lambda name, parts: self.variant._homophone(name, parts, self.rng),
        }
        pool = self.bracketed if variant == "brackets" else range(len(names))
        for _ in range(100_000):
            index = self.rng.choice(pool)
            if index in self.used:
                continue
            name = names[index]
            text = makers[variant](name, zhengming.normalize(name).parts)
            if not text or (variant != "exact" and text == name):
                continue
            # Another stored customer spelled so: no single right answer.
            if self.stored_keys.get(_text_key(text), index) != index:
                continue
            self.used.add(index)
            uscc = self.population.usccs[index]
            return text, uscc if uscc and self.rng.random() < 0.5 else None, name
        raise RuntimeError(f"too few stored customers for the variant {variant!r}")

    def new_name(self) -> str:
        while True:
            name, trade = self.maker.make(self.rng, reuse=0.0)
            key = _text_key(name)
            if trade in self.stored_trades or key in self.stored_keys or key in self.new_keys:
                continue
            self.new_keys.add(key)
            return name

    def bad_uscc(self) -> str:
        # A real credit code with another check character: always fails the check.
        valid = self.rng.choice(self.usccs)
        wrong = self.rng.choice([c for c in _USCC_ALPHABET if c != valid[-1]])
        return valid[:-1] + wrong

    def copy_of(self, source: _Draft) -> tuple[str, str]:
        """A duplicate's (name, variant) from its source row's written name."""
        name = source.truth.name
        roll = self.rng.random()
        if roll < 0.5:
            return name, "exact"
        if roll < 0.75 and (text := self.s2t.convert(name)) != name:
            return text, "traditional"
        return self.variant._spaces(name, self.rng) or name, "spaces"


def _counts(rows: int) -> dict[str, int]:
    counts = {kind: round(rows * share) for kind, share in SHARES.items()}
    counts[NEW] = rows - sum(counts.values())
    return counts


def _draw(
    population: Population,
    maker: NameMaker,
    homophones: _HomophoneTable,
    rows: int,
    *,
    seed: int,
) -> list[_Draft]:
    """The rows in file order, their ``truth.row`` set."""
    rng = random.Random(f"{seed}:import:{rows}:{len(population.names)}")
    make = _RowMaker(population, maker, homophones, rng)
    counts = _counts(rows)
    base: list[_Draft] = []
    for i in range(counts[EXISTING]):
        variant = VARIANTS[i % len(VARIANTS)]
        name, uscc, stored = make.existing(variant)
        truth = TruthRow(0, EXISTING, variant, name, stored_name=stored)
        base.append(_Draft(truth, [name, uscc, *make.contact()]))
    for i in range(counts[INVALID]):
        if i % 2 == 0:
            name, uscc, variant = rng.choice(_SURNAMES) + rng.choice(_TITLES), None, "title"
        else:
            name, uscc, variant = make.new_name(), make.bad_uscc(), "bad_uscc"
        base.append(_Draft(TruthRow(0, INVALID, variant, name), [name, uscc, *make.contact()]))
    for _ in range(counts[NEW]):
        name = make.new_name()
        base.append(_Draft(TruthRow(0, NEW, "new", name), [name, None, *make.contact()]))
    rng.shuffle(base)
    for position, draft in enumerate(base):
        draft.order = float(position)
    valid = [draft for draft in base if draft.truth.kind != INVALID]
    copies = []
    for _ in range(counts[DUPLICATE_IN_FILE]):
        source = rng.choice(valid)
        name, variant = make.copy_of(source)
        cells = [name, source.cells[1], *make.contact()]
        if rng.random() < 0.5:
            cells[3] = source.cells[3]  # the same mobile
        truth = TruthRow(0, DUPLICATE_IN_FILE, variant, name, stored_name=source.truth.stored_name)
        # Anywhere after its source, up to the end of the file.
        copies.append(_Draft(truth, cells, rng.uniform(source.order, len(base)), source))
    drafts = sorted(base + copies, key=lambda draft: draft.order)
    for i, draft in enumerate(drafts):
        draft.truth.row = FIRST_ROW + i
    for draft in copies:
        assert draft.source is not None
        draft.truth.source_row = draft.source.truth.row
    return drafts


def _write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    workbook.save(path)


def _write_truth(path: Path, truths: Sequence[TruthRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(["row", "kind", "variant", "name", "stored_name", "source_row"])
        for t in truths:
            writer.writerow([t.row, t.kind, t.variant, t.name, t.stored_name or "", t.source_row])


def read_truth(path: Path) -> list[TruthRow]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
        return [
            TruthRow(
                int(r["row"]),
                r["kind"],
                r["variant"],
                r["name"],
                r["stored_name"] or None,
                int(r["source_row"]) if r["source_row"] else None,
            )
            for r in reader
        ]


def build_import_file(
    population: Population,
    maker: NameMaker,
    homophones: Callable[[], _HomophoneTable],
    rows: int,
    *,
    seed: int,
    out_dir: Path,
) -> ImportFile:
    """The spreadsheet of ``rows`` rows against ``population``, built or reused.

    ``homophones`` is called only when the file has to be built (the table takes a while).
    """
    start = time.perf_counter()
    stem = out_dir / f"rows_{rows}_vs_{len(population.names)}"
    xlsx, profile = Path(f"{stem}.xlsx"), Path(f"{stem}.profile.xlsx")
    truth_path, meta_path = Path(f"{stem}.truth.tsv"), Path(f"{stem}.json")
    wanted = {"format": _FORMAT, "seed": seed, "digest": population.digest(), "rows": rows}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if all(meta.get(k) == v for k, v in wanted.items()) and xlsx.exists() and profile.exists():
            return ImportFile(
                xlsx,
                profile,
                truth_path,
                meta["counts"],
                meta["variants"],
                True,
                time.perf_counter() - start,
            )
    except (OSError, ValueError, KeyError):
        pass
    meta_path.unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    drafts = _draw(population, maker, homophones(), rows, seed=seed)
    truths = [draft.truth for draft in drafts]
    cells = [draft.cells for draft in drafts]
    _write_xlsx(xlsx, cells)
    _write_truth(truth_path, truths)
    _write_xlsx(profile, cells[:PROFILE_ROWS])
    counts = dict(Counter(t.kind for t in truths))
    variants = dict(Counter(f"{t.kind}:{t.variant}" for t in truths))
    meta = {**wanted, "counts": counts, "variants": variants}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return ImportFile(
        xlsx, profile, truth_path, counts, variants, False, time.perf_counter() - start
    )
