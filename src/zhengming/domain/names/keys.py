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


def _detone(reading: str) -> str:
    return reading.translate(_TONE_MARKS)


@lru_cache(maxsize=16384)
def _char_readings(char: str) -> tuple[str, ...]:
    """Toneless readings of a character, most common first; empty for non-Han characters."""
    readings = pinyin_dict.get(ord(char))
    if readings is None:
        return ()
    return tuple(dict.fromkeys(_detone(r) for r in str(readings).split(",")))


def _phrase_reading(text: str, position: int) -> str | None:
    """The reading of a polyphone at ``position`` given by a phrase around it (重庆, 银行)."""
    for offset, length in _CONTEXTS:
        start = position + offset
        if start < 0 or start + length > len(text):
            continue
        phrase = text[start : start + length]
        override = _NAME_PHRASES.get(phrase)
        if override is not None:
            return override[position - start]
        known = phrases_dict.get(phrase)
        if known is not None:
            return _detone(known[position - start][0])
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
    syllables: list[str] = []
    for position, char in enumerate(text):
        readings = _char_readings(char)
        if not readings:
            syllables.append(char.casefold())
        elif len(readings) == 1:
            syllables.append(readings[0])
        else:
            syllables.append(_phrase_reading(text, position) or readings[0])
    return tuple(syllables)


_HAN_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff]+)")


def pinyin_key(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name; Latin letters and digits are kept whole in both.

    Example:
        >>> pinyin_key("字节跳动"), pinyin_key("TCL科技")
        (('zijietiaodong', 'zjtd'), ('tclkeji', 'tclkj'))
    """
    full: list[str] = []
    initials: list[str] = []
    for index, run in enumerate(_HAN_RUNS.split(text)):
        if index % 2:  # a Han run: split() puts captured groups at odd positions
            syllables = pinyin_syllables(run)
            full.extend(syllables)
            initials.extend(syllable[:1] for syllable in syllables)
        else:
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
