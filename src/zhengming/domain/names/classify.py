"""Classifying a name: a company, an individual, or neither (王总 is a title, not a customer).

Sales reps type whatever they call a customer. "王总", "李经理", "张先生" name nobody that a colleague
could find again, so they are recognised and reported rather than stored as individuals. A person's
full name with a title ("张三先生") is an individual whose name is the part before the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from zhengming.domain.names import lexicon
from zhengming.domain.names.normalize import HAN_CHAR
from zhengming.domain.names.records import fast_init

_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+\Z")
_TRANSLITERATED = re.compile(r"[\u4e00-\u9fff]+(?:·[\u4e00-\u9fff]+)+\Z")
_LETTER = re.compile(r"[^\W\d_]")
_NICKNAME_PREFIXES = ("老", "小", "阿")
_LATIN_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"})
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*\.?")
# Two-character names need a common surname to count as a person (平安, 万科 are brands).
_COMMON_SURNAME_FREQUENCY = 100
# Characters no registered name contains; a name with them is not classified until it is fixed.
_SUSPICIOUS = re.compile(r"[<>;=\"`{}\\|$%^~]|--")


class NameKind(StrEnum):
    """What a name stands for."""

    COMPANY = "company"
    INDIVIDUAL = "individual"
    UNKNOWN = "unknown"


@fast_init
@dataclass(frozen=True, slots=True)
class Classification:
    """A name's kind, what made it unusable as a name, and the title found in it.

    ``reason`` explains an UNKNOWN kind: "title" (王总), "placeholder" (N/A, 暂无),
    "legal_form_only" (有限公司), "suspicious" (markup or code), or "no_letters".
    """

    kind: NameKind
    title: str | None = None
    person_name: str | None = None
    reason: str | None = None


# The readings without a name or title in them, built once: classifications are immutable.
_COMPANY = Classification(NameKind.COMPANY)
_NO_LETTERS = Classification(NameKind.UNKNOWN, reason="no_letters")


@lru_cache(maxsize=1)
def _titles_longest_first() -> tuple[str, ...]:
    return tuple(sorted(lexicon.titles(), key=len, reverse=True))


@lru_cache(maxsize=1)
def _company_endings() -> tuple[str, ...]:
    han_forms = [form for form, _, script in lexicon.legal_forms() if script == "han"]
    return tuple(sorted({*han_forms, *lexicon.branch_words()}, key=len, reverse=True))


def split_surname(name: str) -> tuple[str, str] | None:
    """(surname, given name) when ``name`` starts with a known surname, compound ones first."""
    surnames = lexicon.surnames()
    if len(name) >= 3 and name[:2] in surnames:
        return name[:2], name[2:]
    if name[:1] in surnames:
        return name[:1], name[1:]
    return None


def _looks_like_person(name: str) -> bool:
    """A plausible Chinese personal name: a surname and a one- or two-character given name."""
    if not 2 <= len(name) <= 4:
        return False
    split = split_surname(name)
    if split is None:
        return False
    surname, given = split
    if not 1 <= len(given) <= 2 or given in lexicon.industry_words():
        return False
    if len(surname) == 2:  # 欧阳, 慕容, 司马: compound surnames are rare in brand names
        return True
    common = lexicon.given_name_chars()
    if len(given) == 1:
        frequent = lexicon.surnames()[surname] >= _COMMON_SURNAME_FREQUENCY
        return frequent and given in common
    return any(char in common for char in given)


def _title_reading(name: str) -> Classification | None:
    """王总 / 老王 (a title alone) or 张三先生 (a person with a title)."""
    for prefix in _NICKNAME_PREFIXES:
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest in lexicon.surnames():
            return Classification(NameKind.UNKNOWN, title=prefix, reason="title")
    for title in _titles_longest_first():
        if not name.endswith(title) or len(name) == len(title):
            continue
        stem = name[: -len(title)]
        if stem in lexicon.surnames():
            return Classification(NameKind.UNKNOWN, title=title, reason="title")
        # With a title after it, any surname + one or two characters reads as a person.
        split = split_surname(stem)
        if split is not None and 1 <= len(split[1]) <= 2:
            return Classification(NameKind.INDIVIDUAL, title=title, person_name=stem)
    return None


def classify_name(standard: str) -> Classification:
    """Tell a company from an individual from a mere title, for a standardized name.

    Example:
        >>> classify_name("王总").kind, classify_name("张伟").kind
        (<NameKind.UNKNOWN: 'unknown'>, <NameKind.INDIVIDUAL: 'individual'>)
    """
    if not _LETTER.search(standard):
        return _NO_LETTERS
    if standard.casefold() in lexicon.placeholders():
        return Classification(NameKind.UNKNOWN, reason="placeholder")
    # Every markup tag (HTML_TAG) contains "<", which _SUSPICIOUS matches on its own.
    if _SUSPICIOUS.search(standard):
        return Classification(NameKind.UNKNOWN, reason="suspicious")
    if standard in _legal_form_words():
        return Classification(NameKind.UNKNOWN, reason="legal_form_only")
    if HAN_CHAR.search(standard):
        return _classify_han(standard)
    return _classify_latin(standard)


@lru_cache(maxsize=1)
def _legal_form_words() -> frozenset[str]:
    return frozenset(form for form, _, script in lexicon.legal_forms() if script == "han")


def _is_minority_name(name: str) -> bool:
    """扎西顿珠, 次仁卓玛: two known parts of surname-less given names."""
    parts = lexicon.minority_name_parts()
    return any(name[:cut] in parts and name[cut:] in parts for cut in range(2, len(name) - 1))


def _classify_han(name: str) -> Classification:
    if name.endswith(_company_endings()):
        return _COMPANY
    if _HAN_ONLY.match(name):
        if len(name) <= 6:
            titled = _title_reading(name)
            if titled is not None:
                return titled
        if _looks_like_person(name) or _is_minority_name(name):
            return Classification(NameKind.INDIVIDUAL, person_name=name)
    if _TRANSLITERATED.match(name):
        return Classification(NameKind.INDIVIDUAL, person_name=name)
    return _COMPANY


def _classify_latin(name: str) -> Classification:
    words = [word.rstrip(".").casefold() for word in _LATIN_WORD.findall(name)]
    if not words:
        return _NO_LETTERS
    if words[0] in _LATIN_TITLES and len(words) >= 2:
        return Classification(NameKind.INDIVIDUAL, title=words[0], person_name=name)
    given = lexicon.english_given_names()
    business = lexicon.english_industry_words()
    only_words = len(words) == len(name.replace(",", " ").split())
    if (
        2 <= len(words) <= 3
        and only_words
        and (words[0] in given or (len(words) == 2 and "," in name and words[1] in given))
        and not any(word in business for word in words)
    ):
        return Classification(NameKind.INDIVIDUAL, person_name=name)
    return _COMPANY
