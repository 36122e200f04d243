"""Administrative regions (行政区划, GB/T 2260) as they appear in company names.

A Chinese company name may start with one or more levels of region (北京, 广东省深圳市,
深圳市南山区, 九台区上河湾镇) or carry it in brackets after the 字号 (字节跳动（北京）科技有限公司).
This module finds those spans. It proposes every reading, longest first; the parser picks the one
that leaves a sensible 字号 (so 上海浦东发展银行 can keep 浦东 inside its 字号).

Short forms (北京 for 北京市, 浦东 for 浦东新区, 延边 for 延边朝鲜族自治州) are accepted where they
are unambiguous in practice: provinces and cities anywhere at the start, counties only right after
their own province or city, except county-level cities (昆山, 义乌), which stand alone as often.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from zhengming.domain.names import lexicon

NATIONAL_CODE = "100000"
_NATIONAL_WORDS = ("中华人民共和国", "中国", "中华", "全国")


class RegionLevel(StrEnum):
    """How far down the division hierarchy a region is."""

    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division: its GB/T 2260 code, level, full name and parent's code."""

    code: str
    level: RegionLevel
    name: str
    parent: str


@dataclass(frozen=True, slots=True)
class _Surface:
    """A way a region is written in names, and where that writing may stand."""

    region: Region
    standalone: bool  # may open a name without its parent region before it
    official: bool = False  # the region's full name, not a short or informal form


@dataclass(frozen=True, slots=True)
class RegionSpan:
    """A run of region words: its text, its length and the most specific region in it."""

    text: str
    region: Region
    levels: tuple[Region, ...]

    @property
    def code(self) -> str:
        return self.region.code


_LEVEL_ORDER = {level: index for index, level in enumerate(RegionLevel)}
# Levels whose townships may follow them in a name.
_TOWNSHIP_PARENTS = frozenset({RegionLevel.COUNTY, RegionLevel.CITY})
# Suffixes a short form drops, longest first (自治县 before 县).
_SUFFIXES: dict[RegionLevel, tuple[str, ...]] = {
    RegionLevel.PROVINCE: ("特别行政区", "自治区", "省", "市"),
    RegionLevel.CITY: ("自治州", "地区", "盟", "市"),
    RegionLevel.COUNTY: ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗"),
}
_PLACE_GENERICS = frozenset({"城区", "郊区", "矿区", "新区", "开发区", "市区", "县城"})


def _strip_ethnic(stem: str) -> str:
    """延边朝鲜族 -> 延边; 巴音郭楞蒙古 -> 巴音郭楞 (ethnic names appear with or without 族)."""
    changed = True
    while changed:
        changed = False
        for group in lexicon.ethnic_groups():
            for form in (group, group.removesuffix("族")):
                if len(form) >= 2 and stem.endswith(form) and len(stem) - len(form) >= 2:
                    stem = stem[: -len(form)]
                    changed = True
    return stem


def region_stem(region: Region) -> tuple[str, str] | None:
    """(stem, suffix dropped) of a region's name: 延边朝鲜族自治州 -> (延边, 自治州)."""
    for suffix in _SUFFIXES.get(region.level, ()):
        if region.name.endswith(suffix) and region.name not in _PLACE_GENERICS:
            stem = region.name[: -len(suffix)]
            if suffix.startswith("自治"):
                stem = _strip_ethnic(stem)
            return (stem, suffix) if len(stem) >= 2 else None
    return None


def _short_forms(region: Region) -> dict[str, bool]:
    """Ways of writing a region other than its full name -> whether they may stand alone.

    Besides the bare stem (北京, 浦东, 延边), names use informal and former forms: 彭水县 and
    印江自治县 for autonomous counties, 黄南州 for autonomous prefectures, 子长县 for a county that
    has since become a city, 那曲地区 for a prefecture that has since become a city.
    """
    stemmed = region_stem(region)
    if stemmed is None:
        return {}
    stem, suffix = stemmed
    level = region.level
    # District stems (和平, 新华, 朝阳) are everyday words: only right after their city.
    alone = level is not RegionLevel.COUNTY or suffix not in {"区", "新区"}
    forms = {stem: alone}
    if suffix in {"自治县", "自治旗"}:
        forms[stem + suffix[-1]] = True
        forms[stem + suffix] = True
    elif suffix == "自治州":
        forms[stem + "州"] = True
    elif level is RegionLevel.COUNTY and suffix == "市":
        forms[stem + "县"] = True
    elif level is RegionLevel.CITY and suffix == "市":
        forms[stem + "地区"] = True
    return forms


class RegionIndex:
    """Finds region words at the start of a text, or as the whole content of a bracket."""

    def __init__(
        self,
        regions: list[Region],
        townships: dict[str, tuple[str, ...]],
        zones: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._by_code = {region.code: region for region in regions}
        self._surfaces: dict[str, list[_Surface]] = {}
        for region in regions:
            self._add(region.name, _Surface(region, standalone=True, official=True))
            for form, alone in _short_forms(region).items():
                if form != region.name:
                    self._add(form, _Surface(region, standalone=alone))
        for name, code in zones:
            parent = self._by_code.get(code)
            level = parent.level if parent else RegionLevel.PROVINCE
            self._add(name, _Surface(Region(code, level, name, code), standalone=True))
        national = Region(NATIONAL_CODE, RegionLevel.NATIONAL, "中国", "")
        self._by_code[NATIONAL_CODE] = national
        for word in _NATIONAL_WORDS:
            self._add(word, _Surface(national, standalone=True))
        # Townships by (county code, first two characters): one dict lookup per level.
        self._townships: dict[tuple[str, str], list[str]] = {}
        for county, towns in townships.items():
            for town in towns:
                self._townships.setdefault((county, town[:2]), []).append(town)
        # Cities without counties (中山, 东莞, 儋州) have townships right under them, and their
        # names use the townships' short forms (中山市古镇 for 古镇镇).
        self._township_of_stem: dict[tuple[str, str], str] = {}
        county_codes = {r.code for r in regions if r.level is RegionLevel.COUNTY}
        for region in regions:
            if region.level is RegionLevel.CITY and region.code in county_codes:
                for town in townships.get(region.code, ()):
                    stem = town.removesuffix("镇").removesuffix("乡")
                    if len(stem) >= 2 and stem != town:
                        self._townships.setdefault((region.code, stem[:2]), []).append(stem)
                        self._township_of_stem[(region.code, stem)] = town
        # Surface lengths by their first two characters: most names need one dict miss per level.
        lengths: dict[str, set[int]] = {}
        for surface in self._surfaces:
            lengths.setdefault(surface[:2], set()).add(len(surface))
        self._lengths_by_head = {head: sorted(ls, reverse=True) for head, ls in lengths.items()}
        self._standalone = {
            text: self._choose(found, None) for text, found in self._surfaces.items()
        }
        # Two characters that can open a region word or a township: any other pair ends a chain.
        self._next_heads = frozenset(self._lengths_by_head) | {h for _, h in self._townships}
        self._below: dict[tuple[str, str, RegionLevel], Region | None] = {}
        self._towns: dict[tuple[str, str], Region] = {}

    def _add(self, text: str, surface: _Surface) -> None:
        self._surfaces.setdefault(text, []).append(surface)

    def get(self, code: str) -> Region | None:
        """The region with this code, if any."""
        return self._by_code.get(code)

    def is_place_name(self, text: str) -> bool:
        """Whether a text is, as a whole, a way of writing some region (北京, 浦东, 朝阳区)."""
        return text in self._surfaces

    def _is_descendant(self, region: Region, ancestor: Region) -> bool:
        seen = 0
        parent = region.parent
        while parent and seen < 4:
            if parent == ancestor.code:
                return True
            next_region = self._by_code.get(parent)
            parent = next_region.parent if next_region else ""
            seen += 1
        return False

    def _step(self, text: str, start: int, previous: Region | None) -> list[tuple[int, Region]]:
        """Region words that may follow ``previous`` at ``start``: (end, region), longest first."""
        found: list[tuple[int, Region]] = []
        head = text[start : start + 2]
        lengths = self._lengths_by_head.get(head)
        if lengths is not None:
            size = len(text)
            for length in lengths:
                end = start + length
                if end > size:
                    continue
                if previous is None:
                    chosen = self._standalone.get(text[start:end])
                else:
                    chosen = self._choose_below(text[start:end], previous)
                if chosen is not None:
                    found.append((end, chosen))
        if previous is not None and previous.level in _TOWNSHIP_PARENTS:
            towns = self._townships.get((previous.code, head))
            if towns is not None:
                for written in towns:
                    if text.startswith(written, start):
                        found.append((start + len(written), self._township(previous, written)))
                # Lengths are tried longest first, so only townships can break the order.
                found.sort(key=_minus_end)
        return found

    def _choose_below(self, word: str, previous: Region) -> Region | None:
        """The region written ``word`` right after ``previous``, memoised.

        :meth:`_choose` reads only the previous region's code and level. Words and regions
        both come from the lexicon, so the memo is bounded by the pairs names combine (a few
        thousand in a year of registrations), never by the names themselves.
        """
        surfaces = self._surfaces.get(word)
        if not surfaces:  # not a region word: nothing to remember (keeps the memo bounded)
            return None
        key = (word, previous.code, previous.level)
        try:
            return self._below[key]
        except KeyError:
            chosen = self._choose(surfaces, previous)
            self._below[key] = chosen
            return chosen

    def _township(self, county: Region, written: str) -> Region:
        """The township written ``written`` in ``county`` (a region of its own, built once)."""
        key = (county.code, written)
        town = self._towns.get(key)
        if town is None:
            name = self._township_of_stem.get(key, written)
            town = Region(county.code, RegionLevel.TOWNSHIP, name, county.code)
            self._towns[key] = town
        return town

    def _choose(self, surfaces: list[_Surface], previous: Region | None) -> Region | None:
        if previous is None:
            # Alone at the start: prefer the highest level (吉林 the province over 吉林 the city),
            # then the lowest code (a stable choice among same-named districts).
            # A full name beats an informal form (和田县 the county, not 和田市 + 县).
            standalone = [s for s in surfaces if s.standalone]
            if not standalone:
                return None
            best = min(
                standalone,
                key=lambda s: (not s.official, _LEVEL_ORDER[s.region.level], s.region.code),
            )
            return best.region
        if previous.level is RegionLevel.NATIONAL:
            return None
        below = [s for s in surfaces if self._is_descendant(s.region, previous)]
        if not below:
            return None
        return min(below, key=lambda s: (not s.official, s.region.code)).region

    def prefixes(self, text: str) -> list[RegionSpan]:
        """Every reading of region words at the start of ``text``, longest first.

        Example:
            >>> [span.text for span in default_index().prefixes("上海浦东发展银行")]
            ['上海浦东', '上海']
        """
        return [
            RegionSpan(text[:end], most_specific(levels), levels)
            for end, levels in self.prefix_chains(text)
        ]

    def prefix_chains(self, text: str) -> list[tuple[int, tuple[Region, ...]]]:
        """:meth:`prefixes` as (end, levels), without building a span for every reading."""
        chains: list[tuple[int, tuple[Region, ...]]] = []
        lengths = self._lengths_by_head.get(text[:2])
        if lengths is None:  # most 字号-first names: no region word starts this way
            return chains
        size = len(text)
        # _step(text, 0, None), inlined: a name's first region word must be able to stand alone.
        for end in lengths:
            region = self._standalone.get(text[:end]) if end <= size else None
            if region is not None:
                levels = (region,)
                chains.append((end, levels))
                if text[end : end + 2] in self._next_heads:
                    self._extend(text, end, levels, chains)
        if len(chains) > 1:
            chains.sort(key=_minus_end)  # stable: equally long readings keep depth-first order
        return chains

    def _extend(
        self,
        text: str,
        start: int,
        chain: tuple[Region, ...],
        chains: list[tuple[int, tuple[Region, ...]]],
    ) -> None:
        """Add the readings that continue ``chain`` at ``start``, depth first."""
        previous = chain[-1]
        if previous.level is RegionLevel.TOWNSHIP or len(chain) >= 4:
            return
        for end, region in self._step(text, start, previous):
            levels = (*chain, region)
            chains.append((end, levels))
            if text[end : end + 2] in self._next_heads:  # else _step would find nothing
                self._extend(text, end, levels, chains)

    def whole(self, text: str) -> RegionSpan | None:
        """The reading of ``text`` as nothing but region words (the content of a bracket)."""
        for end, levels in self.prefix_chains(text):
            if end == len(text):
                return RegionSpan(text, most_specific(levels), levels)
        return None


def _minus_end(item: tuple[int, object]) -> int:
    return -item[0]


def most_specific(levels: tuple[Region, ...]) -> Region:
    """The deepest level; a township stands for its county (it has no GB/T 2260 code of its own)."""
    last = levels[-1]
    if last.level is RegionLevel.TOWNSHIP and len(levels) > 1:
        return levels[-2]
    return last


@lru_cache(maxsize=1)
def default_index() -> RegionIndex:
    """The index over the packaged GB/T 2260 lexicon, built once."""
    regions = [
        Region(code, RegionLevel(level), name, parent)
        for code, level, name, parent in lexicon.region_rows()
    ]
    return RegionIndex(regions, lexicon.townships(), lexicon.zones())
