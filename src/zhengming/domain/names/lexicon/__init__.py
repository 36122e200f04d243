"""The lexicons the name pipeline reads, loaded once on first use from package data.

Generated files (``regions.tsv``, ``townships.tsv``, ``surnames.tsv``, ``english_given_names.tsv``)
come from ``scripts/build_lexicons.py``; the others are curated by hand. ATTRIBUTION.md says
where each comes from and under which license.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from zhengming.errors import DataFileError


def _lines(filename: str) -> Iterator[str]:
    """Non-blank, non-comment lines of a packaged lexicon file."""
    try:
        text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(
            f"词典文件缺失 / lexicon file missing: {filename}", details={"file": filename}
        ) from exc
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line


def _table(filename: str) -> Iterator[list[str]]:
    """Rows of a packaged TSV lexicon, header skipped."""
    rows = _lines(filename)
    next(rows, None)
    for line in rows:
        yield line.split("\t")


@lru_cache(maxsize=1)
def region_rows() -> tuple[tuple[str, str, str, str], ...]:
    """(code, level, full name, parent code) of provinces, cities and counties (GB/T 2260)."""
    return tuple((r[0], r[1], r[2], r[3] if len(r) > 3 else "") for r in _table("regions.tsv"))


@lru_cache(maxsize=1)
def townships() -> dict[str, tuple[str, ...]]:
    """Township names (镇/乡/街道/苏木) by county code."""
    by_county: dict[str, list[str]] = {}
    for county, name in _table("townships.tsv"):
        by_county.setdefault(county, []).append(name)
    return {county: tuple(names) for county, names in by_county.items()}


@lru_cache(maxsize=1)
def surnames() -> dict[str, int]:
    """Chinese surnames (incl. compound ones such as 欧阳) with their relative frequency."""
    return {row[0]: int(row[1]) for row in _table("surnames.tsv")}


@lru_cache(maxsize=1)
def english_given_names() -> frozenset[str]:
    """Lower-case English given names, to tell "John Smith" from "Smith Holdings"."""
    return frozenset(row[0] for row in _table("english_given_names.tsv"))


@lru_cache(maxsize=1)
def legal_forms() -> tuple[tuple[str, str, str], ...]:
    """(form, class, script) of legal and organisation forms, Chinese and Latin."""
    return tuple((r[0], r[1], r[2]) for r in _table("legal_forms.tsv"))


@lru_cache(maxsize=1)
def industry_words() -> dict[str, str]:
    """Industry and business words (行业或经营特点) -> "industry" or "generic"."""
    return {row[0]: row[1] for row in _table("industry_words.tsv")}


def _word_list(filename: str) -> tuple[str, ...]:
    return tuple(word for line in _lines(filename) for word in line.split())


@lru_cache(maxsize=1)
def branch_words() -> tuple[str, ...]:
    """Words that end the name of a branch (分公司, 分行, 营业部 ...)."""
    return _word_list("branch_words.txt")


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """Forms of address that are not names (总, 经理, 先生 ...)."""
    return _word_list("titles.txt")


@lru_cache(maxsize=1)
def given_name_chars() -> frozenset[str]:
    """Characters common in Chinese given names."""
    return frozenset("".join(_word_list("given_name_chars.txt")))


@lru_cache(maxsize=1)
def ethnic_groups() -> tuple[str, ...]:
    """The 56 ethnic groups' names, as they appear in names of autonomous areas."""
    return _word_list("ethnic_groups.txt")


@lru_cache(maxsize=1)
def english_industry_words() -> frozenset[str]:
    """Descriptive words of English company names (bank, technology, holdings ...)."""
    return frozenset(_word_list("english_industry_words.txt"))


@lru_cache(maxsize=1)
def kept_characters() -> frozenset[str]:
    """Standard simplified characters that traditional-to-simplified conversion must keep."""
    return frozenset("".join(_word_list("kept_characters.txt")))


@lru_cache(maxsize=1)
def zones() -> tuple[tuple[str, str], ...]:
    """(name, code of the smallest containing division) of new areas and free-trade zones."""
    return tuple((row[0], row[1]) for row in _table("zones.tsv"))


@lru_cache(maxsize=1)
def placeholders() -> frozenset[str]:
    """Text typed where a name should be (N/A, 暂无, 测试), lower case."""
    return frozenset(word.casefold() for word in _word_list("placeholders.txt"))


@lru_cache(maxsize=1)
def minority_name_parts() -> frozenset[str]:
    """Parts of surname-less minority given names (扎西, 卓玛)."""
    return frozenset(_word_list("minority_name_parts.txt"))


@lru_cache(maxsize=1)
def t2s_characters() -> tuple[str, frozenset[str]]:
    """(opencc version, characters) that opencc's t2s can change, alone or in a phrase.

    A text with none of these characters is returned unchanged by t2s; the list is only valid
    for the opencc version it was read from (tests/domain/names/test_t2s_characters.py).
    """
    version, *lines = _lines("t2s_characters.txt")
    return version.removeprefix("opencc ").strip(), frozenset("".join(lines))
