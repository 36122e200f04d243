"""Match keys: the folded forms a record is found by, for search and for duplicate blocking.

One function fills them when a record is saved and builds them from a query, so what is stored
and what is asked are always computed the same way. Keys ignore width, bracket style, spacing,
case and 繁简; pinyin keys catch homophone typos and let English names meet Chinese ones
(Quanxinhao <-> 全新好).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

from zhengming.domain.names.classify import NameKind
from zhengming.domain.names.normalize import fold_for_key, fold_standard
from zhengming.domain.names.parse import NameParts, latin_region_words
from zhengming.domain.names.records import fast_init

# Legal-form classes that make no difference to who the customer is (有限公司 vs 股份有限公司:
# a company keeps its 字号 through 股改), grouped for the strong name key.
_LEGAL_GROUPS = {
    "limited": "co",
    "joint_stock": "co",
    "company": "co",
    "group": "co",
    "partnership_limited": "partnership",
    "partnership_general": "partnership",
    "partnership_special": "partnership",
    "sole_proprietorship": "sole",
    "individual_business": "sole",
    "cooperative": "coop",
    "establishment": "est",
}
_LATIN_SPLIT = re.compile(r"[^0-9a-z]+")
_LATIN_STOPWORDS = frozenset({"the", "and", "of", "co", "company"})
_TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@fast_init
@dataclass(frozen=True, slots=True)
class MatchKeys:
    """The keys a name is stored and found under; ``None`` where a key does not apply."""

    name_key: str
    core: str
    trade_name: str | None
    trade_pinyin: str | None
    trade_initials: str | None
    latin_key: str | None
    latin_head: str | None
    token_key: str | None  # Latin names: tokens in sorted order (Smith John = John Smith)
    region_code: str | None
    legal_form_group: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Readings pypinyin's phrase list gets wrong for place and company names.
_NAME_PHRASES = {"朝阳": ("chao", "yang"), "银行": ("yin", "hang"), "行业": ("hang", "ye")}
# Where to look for a phrase around a polyphone at position i: (start offset, length).
_CONTEXTS = ((0, 2), (-1, 2), (0, 3), (-2, 3), (-1, 3))
_CONTEXT_LENGTHS = frozenset(length for _, length in _CONTEXTS)


def _detone(reading: str) -> str:
    return reading.translate(_TONE_MARKS)


@dataclass(frozen=True, slots=True)
class _Readings:
    """pypinyin's character readings, toneless, read once for the whole table.

    ``single`` holds the characters with one reading, ``polyphones`` (多音字) the most common
    reading of the others. ``full`` and ``initials`` map the single-reading characters' code
    points to their reading and its first letter: ``str.translate`` reads a run without
    polyphones in one call. ``phrases`` holds the readings of the two- and three-character
    phrases that decide a polyphone (:data:`_CONTEXTS`), ours over pypinyin's.
    """

    single: dict[str, str]
    polyphones: dict[str, str]
    phrases: dict[str, tuple[str, ...]]
    polyphone_pattern: re.Pattern[str]
    full: dict[int, str]
    initials: dict[int, str]


@lru_cache(maxsize=1)
def _readings() -> _Readings:
    single: dict[str, str] = {}
    polyphones: dict[str, str] = {}
    for code, listed in pinyin_dict.items():
        readings = tuple(dict.fromkeys(_detone(r) for r in str(listed).split(",")))
        (polyphones if len(readings) > 1 else single)[chr(code)] = readings[0]
    # Han runs (_HAN_RUNS) are in the BMP, where a character class compiles to a bitmap.
    in_runs = "".join(char for char in sorted(polyphones) if _HAN_RUN_CHAR.match(char))
    phrases = {
        phrase: tuple(_detone(readings[0]) for readings in listed)
        for phrase, listed in phrases_dict.items()
        if len(phrase) in _CONTEXT_LENGTHS
    }
    phrases.update(_NAME_PHRASES)
    return _Readings(
        single,
        polyphones,
        phrases,
        re.compile(f"[{in_runs}]"),
        {ord(char): reading for char, reading in single.items()},
        {ord(char): reading[:1] for char, reading in single.items()},
    )


def _phrase_reading(text: str, position: int, phrases: dict[str, tuple[str, ...]]) -> str | None:
    """The reading of a polyphone at ``position`` given by a phrase around it (重庆, 银行)."""
    size = len(text)
    for offset, length in _CONTEXTS:
        start = position + offset
        if start < 0 or start + length > size:
            continue
        known = phrases.get(text[start : start + length])
        if known is not None:
            return known[position - start]
    return None


def pinyin_syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin of each Chinese character in ``text``, polyphones read in context.

    Polyphones (多音字) take the reading of a known phrase around them, else their most common
    reading. This is pypinyin's own data read directly: calling ``lazy_pinyin`` per name is
    ten times slower and this runs for every name stored or searched.

    Example:
        >>> pinyin_syllables("重庆银行长城")
        ('chong', 'qing', 'yin', 'hang', 'chang', 'cheng')
    """
    return tuple(_syllables(text, _readings()))


def _syllables(text: str, readings: _Readings) -> list[str]:
    syllables: list[str] = []
    for position, char in enumerate(text):
        syllable = readings.single.get(char)
        if syllable is None:
            common = readings.polyphones.get(char)
            if common is None:  # no reading: the character stands for itself
                syllable = char.casefold()
            else:
                syllable = _phrase_reading(text, position, readings.phrases) or common
        syllables.append(syllable)
    return syllables


_HAN_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")
_HAN_RUN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ONE_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+\Z")


def _han_run_key(run: str, readings: _Readings) -> tuple[str, str]:
    """(pinyin, initials) of a run of Chinese characters, as :func:`pinyin_syllables` reads it.

    Without a polyphone every character has one reading, which ``translate`` looks up; the
    characters it leaves alone have no reading and are their own syllable, as casefold leaves
    every character of these blocks unchanged (a test checks it).
    """
    if readings.polyphone_pattern.search(run) is None:
        return run.translate(readings.full), run.translate(readings.initials)
    syllables = _syllables(run, readings)
    return "".join(syllables), "".join([syllable[:1] for syllable in syllables])


def pinyin_key(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name; Latin letters and digits are kept whole in both.

    Example:
        >>> pinyin_key("字节跳动"), pinyin_key("TCL科技")
        (('zijietiaodong', 'zjtd'), ('tclkeji', 'tclkj'))
    """
    readings = _readings()
    if _ONE_HAN_RUN.match(text):  # most 字号: split() would give ["", text, ""]
        return _han_run_key(text, readings)
    full: list[str] = []
    initials: list[str] = []
    for index, run in enumerate(_HAN_RUNS.split(text)):
        if index % 2:  # a Han run: split() puts captured groups at odd positions
            syllables, letters = _han_run_key(run, readings)
            full.append(syllables)
            initials.append(letters)
        elif run:
            literal = _LATIN_SPLIT.sub("", run.casefold())
            full.append(literal)
            initials.append(literal)
    return "".join(full), "".join(initials)


_MIN_LATIN_HEAD = 5
# Words that follow a place in English names without naming the company (CHENZHOU CITY ...).
_LATIN_PLACE_WORDS = frozenset({"city", "province", "municipality", "county", "district"})


def latin_tokens(text: str) -> list[str]:
    """Lower-case tokens of an English name part, without stop words, places and place words.

    Example: "The SHENZHEN Quanxinhao" -> ["quanxinhao"].
    """
    tokens = [t for t in _LATIN_SPLIT.split(text.casefold()) if t and t not in _LATIN_STOPWORDS]
    regions = latin_region_words()
    while len(tokens) > 1 and (tokens[0] in regions or tokens[0] in _LATIN_PLACE_WORDS):
        tokens = tokens[1:]
    return tokens


def build_keys(
    standard: str, kind: NameKind, parts: NameParts, *, has_han: bool, simplified: bool = True
) -> MatchKeys:
    """All match keys of a standardized, classified and parsed name.

    ``simplified`` says the standard name is already in simplified characters (the default
    rules); otherwise the keys convert it themselves, so keys never depend on the script.
    """
    fold = fold_standard if simplified else fold_for_key
    trade = fold(parts.trade_name) if parts.trade_name else None
    core = fold((parts.trade_name or "") + (parts.industry or "")) or fold(standard)
    legal_group = _LEGAL_GROUPS.get(parts.legal_form_class or "")
    trade_pinyin = trade_initials = None
    latin = latin_head = None
    if has_han:
        source = trade or core
        trade_pinyin, trade_initials = pinyin_key(source)
    else:
        # English names meet Chinese ones through the 字号 alone: the pinyin of 全新好 is the
        # whole Latin 字号 (Quanxinhao) or its first word (JINGUI of JINGUI SILVER).
        trade_tokens = latin_tokens(parts.trade_name or "")
        full_tokens = trade_tokens + latin_tokens(parts.industry or "")
        core = "".join(full_tokens) or fold_for_key(standard)
        latin = "".join(trade_tokens) or core
        # A short first word (PING of PING AN) would meet too many 字号 on its own.
        head = trade_tokens[0] if trade_tokens else ""
        latin_head = head if len(head) >= _MIN_LATIN_HEAD else latin
        trade_pinyin = latin
    if kind is NameKind.COMPANY:
        branch = f"/{fold(parts.branch)}" if parts.branch else ""
        name_key = f"{parts.region_code or ''}:{core}:{legal_group or ''}{branch}"
    elif kind is NameKind.INDIVIDUAL:
        name_key = f"person:{fold(standard)}"
    else:
        name_key = f"unknown:{fold(standard)}"
    return MatchKeys(
        name_key=name_key,
        core=core,
        trade_name=trade,
        trade_pinyin=trade_pinyin or None,
        trade_initials=trade_initials or None,
        latin_key=latin,
        latin_head=latin_head,
        token_key=None
        if has_han
        else " ".join(sorted(_LATIN_SPLIT.split(standard.casefold()))).strip() or None,
        region_code=parts.region_code,
        legal_form_group=legal_group,
    )
