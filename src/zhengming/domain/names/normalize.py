"""Normalization: the one standard spelling of a name, and the folded form its keys are built from.

Two outputs, for two jobs:

* :func:`standardize_name` gives the *standard name* a person sees and the registry stores:
  NFKC, half-width ASCII, one bracket style (（）in Chinese names, () in Latin ones), whitespace
  squeezed, control characters and emoji removed, traditional characters simplified. It also
  says what it changed, so the naming rules can tell the user.
* :func:`fold_for_key` gives the form match keys are built from: the standard name further
  stripped of brackets, spaces and punctuation, simplified and case-folded, so width, bracket
  style, 繁简 and spacing never decide whether two names match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import opencc

from zhengming.domain.names import lexicon
from zhengming.domain.names.records import fast_init


class Change(StrEnum):
    """What standardization changed in a name (reported by the naming rules)."""

    WIDTH = "width"
    BRACKETS = "brackets"
    WHITESPACE = "whitespace"
    CONTROL = "control"
    SYMBOLS = "symbols"
    SCRIPT = "script"


@fast_init
@dataclass(frozen=True, slots=True)
class StandardizedName:
    """A standard name and what standardization changed to reach it."""

    text: str
    changes: frozenset[Change]
    has_han: bool
    removed: str = ""


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_CHAR = re.compile(f"[{_HAN}]")
# A name made only of these needs no per-character inspection (the common case, kept fast).
_ORDINARY = re.compile(rf"[{_HAN}0-9A-Za-z()（）.,&'\-/+· ]*\Z")
_OPEN_BRACKETS = "([{【〔〖〘〚［｛⦅〈"
_CLOSE_BRACKETS = ")]}】〕〗〙〛］｝⦆〉"
_PUNCTUATION_MAP = str.maketrans(
    {
        **dict.fromkeys(_OPEN_BRACKETS, "("),
        **dict.fromkeys(_CLOSE_BRACKETS, ")"),
        # Middle dots of transliterated names (约翰·史密斯) come in many code points.
        **dict.fromkeys("・•‧∙⋅･", "·"),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("‘’′`", "'"),
    }
)
_SPACE_RUN = re.compile(r"\s+")
_SPACE_OR_COMMA = re.compile(r"[\s,]")
_NO_CHANGES: frozenset[Change] = frozenset()
# Full-width forms of ASCII, except （）, which are the standard brackets of Chinese names.
_FULL_WIDTH_ASCII = re.compile(r"[\uff01-\uff07\uff0a-\uff5e]")
# Spaces touching a Chinese character, a bracket or a middle dot carry no meaning in a name.
_SPACE_NEAR_HAN = re.compile(rf"\s+(?=[{_HAN}()·])|(?<=[{_HAN}()·])\s+")
_SPACE_BEFORE_COMMA = re.compile(r"\s+(?=[,.])")
_COMMA_WITHOUT_SPACE = re.compile(r",(?=[A-Za-z])")
# Categories that are never part of a name: controls, format characters (zero-width, bidi
# marks), private use, unassigned, and the symbol classes emoji and ornaments live in.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "So", "Sk", "Me"})
#: A markup tag (<b>, </script>): names carrying one are reported, never parsed as written.
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_KEY_DROPPED = re.compile(r"[\s()（）.,&'\-/+·]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_candidates() -> re.Pattern[str] | None:
    """Matches any character t2s may change; None if the list is for another opencc version.

    opencc changes a text only where one of its dictionary entries matches, and every entry
    that changes something has a listed character in its key (lexicon/t2s_characters.txt):
    a text this pattern does not match comes back from t2s unchanged, so opencc (about 8 µs a
    call) need not be asked. That is over 99% of registered names.
    """
    version, characters = lexicon.t2s_characters()
    if version != opencc.__version__:
        return None
    # Outside the BMP every character counts as a candidate: a class of only BMP characters
    # compiles to a bitmap, one with astral characters to a slow list (a few hundred keys are).
    listed = "".join(re.escape(char) for char in sorted(characters) if char <= "\uffff")
    return re.compile(f"[{listed}\U00010000-\U0010ffff]")


_BASIC_HAN = re.compile(r"[\u4e00-\u9fff]")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters to simplified (opencc ``t2s``); other text unchanged.

    Two guards on opencc: characters that are standard in simplified Chinese (乾 of 乾安县, 昇)
    are kept, and no character is turned into a rare one outside the basic CJK block (餸 would
    become U+29C0C, which most fonts cannot show).
    """
    if not HAN_CHAR.search(text):
        return text
    return _simplify_han(text)


def _simplify_han(text: str) -> str:
    """:func:`to_simplified` for a text known to contain a Chinese character."""
    candidates = _t2s_candidates()
    if candidates is not None and candidates.search(text) is None:
        return text
    converted: str = _t2s().convert(text)
    if converted == text or len(converted) != len(text):
        return converted
    kept = lexicon.kept_characters()
    return "".join(
        new if old == new or (old not in kept and _BASIC_HAN.match(new)) else old
        for old, new in zip(text, converted, strict=True)
    )


def _drop_unwanted(text: str) -> tuple[str, bool, bool, str]:
    """Remove control characters, emoji and ornaments; return (text, control?, symbols?, removed)."""
    kept: list[str] = []
    removed: list[str] = []
    control = symbols = False
    for char in text:
        if char in "\t\n\r\f\v":
            kept.append(" ")
            continue
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES or (category == "Mn" and "\ufe00" <= char <= "\ufe0f"):
            if category[0] == "C":
                control = True
            else:
                symbols = True
                removed.append(char)
            continue
        kept.append(char)
    return "".join(kept), control, symbols, "".join(removed)


def standardize_name(raw: str, *, simplify: bool = True) -> StandardizedName:
    """The standard spelling of a name, and what was changed to reach it.

    Args:
        raw: the name as typed or imported.
        simplify: convert traditional characters to simplified (the registry's convention).

    Example:
        >>> standardize_name("字節跳動(北京)科技有限公司").text
        '字节跳动（北京）科技有限公司'
    """
    changes: set[Change] = set()
    normalized = unicodedata.normalize("NFKC", raw)
    unchanged = normalized == raw
    # NFKC changes every full-width character: text it leaves alone has none.
    if not unchanged and _FULL_WIDTH_ASCII.search(raw):
        changes.add(Change.WIDTH)
    removed = ""
    text = normalized
    ordinary = _ORDINARY.match(text) is not None
    if not ordinary:
        text, control, symbols, removed = _drop_unwanted(text)
        if control:
            changes.add(Change.CONTROL)
        if symbols:
            changes.add(Change.SYMBOLS)
        # Ordinary text has no character the map changes (a test checks every one of them).
        text = text.translate(_PUNCTUATION_MAP)
    has_han = HAN_CHAR.search(text) is not None

    # Without whitespace or a comma none of the spacing rules below can change anything.
    if _SPACE_OR_COMMA.search(text):
        spaced = _SPACE_RUN.sub(" ", text).strip()
        if has_han:
            spaced = _SPACE_NEAR_HAN.sub("", spaced)
        spaced = _COMMA_WITHOUT_SPACE.sub(", ", _SPACE_BEFORE_COMMA.sub("", spaced))
        if spaced != text and _SPACE_RUN.sub("", spaced) == _SPACE_RUN.sub("", text):
            changes.add(Change.WHITESPACE)
        text = spaced

    if has_han:
        text = text.replace("(", "（").replace(")", "）")
        if simplify:
            simplified = _simplify_han(text)
            if simplified != text:
                changes.add(Change.SCRIPT)
                text = simplified
    raw_ordinary = ordinary if unchanged else _ORDINARY.match(raw) is not None
    if ("(" in text or "（" in text or not raw_ordinary) and _brackets_changed(raw, text):
        changes.add(Change.BRACKETS)
    return StandardizedName(text, frozenset(changes) if changes else _NO_CHANGES, has_han, removed)


_ANY_BRACKET = re.compile(f"[{re.escape(_OPEN_BRACKETS + _CLOSE_BRACKETS)}（）]")
_STANDARD_BRACKET = re.compile("[()（）]")


def _brackets_changed(raw: str, standard: str) -> bool:
    return _ANY_BRACKET.findall(raw) != _STANDARD_BRACKET.findall(standard)


def fold_for_key(text: str) -> str:
    """The form keys are built from: simplified, case-folded, no brackets, spaces or punctuation.

    Example:
        >>> fold_for_key("字節跳動 (北京) Tech, Co.")
        '字节跳动北京techco'
    """
    folded = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION_MAP)
    folded = to_simplified(folded).casefold()
    return _KEY_DROPPED.sub("", folded)


def fold_standard(text: str) -> str:
    """:func:`fold_for_key` for text that is already a standard name (NFKC'd and simplified)."""
    folded = text.casefold()
    # No dropped character is alphanumeric: an alphanumeric text (most 字号) has none.
    return folded if folded.isalnum() else _KEY_DROPPED.sub("", folded)
