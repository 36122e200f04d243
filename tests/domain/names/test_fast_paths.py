"""The name pipeline's fast paths give what the plain algorithms they replace give.

Each oracle below is the straightforward version of a step (as it was written before the
pipeline was tuned for speed); Hypothesis feeds both the same text. The character-class tests
check, code point by code point, the facts the fast paths rely on.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

from zhengming.domain.names import lexicon, rules
from zhengming.domain.names import normalize as nz
from zhengming.domain.names import parse as ps
from zhengming.domain.names.keys import (
    _CONTEXTS,
    _HAN_RUNS,
    _LATIN_SPLIT,
    _NAME_PHRASES,
    MatchKeys,
    _detone,
    pinyin_key,
)
from zhengming.domain.names.parse import NameParts
from zhengming.domain.names.records import fast_init
from zhengming.domain.names.regions import Region, RegionSpan, default_index, most_specific

# Characters that exercise the fast paths: region, industry and legal-form words, polyphones,
# brackets, spaces, traditional characters and a few symbols.
_PIECES = list("北京市朝阳区上海浦东新区合肥重庆长沙银行行业发展科技有限公司分公司支行")
_PIECES += list(
    "股份责任集团合作社店厂部（）()【】 ,.&-·ＡＢ１２abcAB12臺灣銀乾沈深捏坏_<>😀\t\u200b"
)
_TEXT = st.text(st.sampled_from(_PIECES), max_size=24)
_HAN = st.text(st.sampled_from(list("北京朝阳重庆长行银乐和发好优家单曾朴区")), max_size=8)


# --------------------------------------------------------------------------- normalize


def _oracle_standardize(raw: str, *, simplify: bool = True) -> nz.StandardizedName:
    changes: set[nz.Change] = set()
    text = unicodedata.normalize("NFKC", raw)
    if nz._FULL_WIDTH_ASCII.search(raw):
        changes.add(nz.Change.WIDTH)
    removed = ""
    if not nz._ORDINARY.match(text):
        text, control, symbols, removed = nz._drop_unwanted(text)
        if control:
            changes.add(nz.Change.CONTROL)
        if symbols:
            changes.add(nz.Change.SYMBOLS)
    text = text.translate(nz._PUNCTUATION_MAP)
    has_han = nz.HAN_CHAR.search(text) is not None
    spaced = nz._SPACE_RUN.sub(" ", text).strip()
    if has_han:
        spaced = nz._SPACE_NEAR_HAN.sub("", spaced)
    spaced = nz._COMMA_WITHOUT_SPACE.sub(", ", nz._SPACE_BEFORE_COMMA.sub("", spaced))
    if spaced != text and nz._SPACE_RUN.sub("", spaced) == nz._SPACE_RUN.sub("", text):
        changes.add(nz.Change.WHITESPACE)
    text = spaced
    if has_han:
        text = text.replace("(", "（").replace(")", "）")
        if simplify:
            simplified = _oracle_simplified(text)
            if simplified != text:
                changes.add(nz.Change.SCRIPT)
                text = simplified
    brackets = nz._OPEN_BRACKETS + nz._CLOSE_BRACKETS + "（）"
    checked = "(" in text or "（" in text or not nz._ORDINARY.match(raw)
    if checked and [c for c in raw if c in brackets] != [c for c in text if c in "()（）"]:
        changes.add(nz.Change.BRACKETS)
    return nz.StandardizedName(text, frozenset(changes), has_han, removed)


def _oracle_simplified(text: str) -> str:
    """to_simplified, always asking opencc."""
    if not nz.HAN_CHAR.search(text):
        return text
    converted: str = nz._t2s().convert(text)
    if converted == text or len(converted) != len(text):
        return converted
    kept = lexicon.kept_characters()
    return "".join(
        new if old == new or (old not in kept and nz._BASIC_HAN.match(new)) else old
        for old, new in zip(text, converted, strict=True)
    )


@given(_TEXT | st.text(max_size=20))
def test_standardize_matches_the_oracle(raw: str) -> None:
    assert nz.standardize_name(raw) == _oracle_standardize(raw)
    assert nz.standardize_name(raw, simplify=False) == _oracle_standardize(raw, simplify=False)


@given(_TEXT | st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=6))
def test_to_simplified_matches_opencc(text: str) -> None:
    assert nz.to_simplified(text) == _oracle_simplified(text)


@given(_TEXT)
def test_fold_standard_matches_the_oracle(text: str) -> None:
    assert nz.fold_standard(text) == nz._KEY_DROPPED.sub("", text.casefold())


def _matching(pattern: re.Pattern[str], last: int = 0x3134F) -> list[str]:
    return [chr(code) for code in range(last + 1) if pattern.fullmatch(chr(code))]


def test_ordinary_characters_are_left_alone_by_the_punctuation_map() -> None:
    ordinary = [char for char in _matching(re.compile(nz._ORDINARY.pattern)) if char]
    assert ordinary
    assert all(char.translate(nz._PUNCTUATION_MAP) == char for char in ordinary)


def test_nfkc_changes_every_full_width_character() -> None:
    wide = _matching(nz._FULL_WIDTH_ASCII, 0xFFFF)
    assert all(unicodedata.normalize("NFKC", char) != char for char in wide)


def test_regex_whitespace_is_str_whitespace() -> None:
    space = re.compile(r"\s")
    assert all(bool(space.match(chr(c))) == chr(c).isspace() for c in range(0x110000))


# --------------------------------------------------------------------------- parse


def _oracle_split_branch(name: str) -> tuple[str, str]:
    last = None
    for match in ps._COMPANY_FORM.finditer(name):
        last = match
    if last is not None and last.end() < len(name):
        tail = name[last.end() :]
        if not ps._BRACKETED.fullmatch(tail):
            return name[: last.end()], tail
        return name, ""
    for word in ps._DISTINCT_BRANCH_WORDS:
        if name.endswith(word) and len(name) > len(word) + ps._MIN_TRADE_NAME:
            return ps._split_unnamed_branch(name, word)
    return name, ""


def _oracle_segment(text: str) -> tuple[str, str]:
    words = lexicon.industry_words()
    size = len(text)
    kinds: list[set[str]] = [set() for _ in range(size + 1)]
    segmentable = [False] * (size + 1)
    segmentable[size] = True
    for start in range(size - 1, ps._MIN_TRADE_NAME - 1, -1):
        for end in range(start + 1, size + 1):
            if segmentable[end] and text[start:end] in words:
                segmentable[start] = True
                kinds[start].add(words[text[start:end]])
    for split in range(ps._MIN_TRADE_NAME, size):
        if not segmentable[split]:
            continue
        if "industry" not in kinds[split] and default_index().is_place_name(text[:split]):
            continue
        return text[:split], text[split:]
    return text, ""


def _oracle_prefixes(text: str) -> list[RegionSpan]:
    index = default_index()
    spans: list[RegionSpan] = []

    def extend(start: int, chain: tuple[Region, ...]) -> None:
        previous = chain[-1] if chain else None
        if previous is not None and previous.level == "township":
            return
        for end, region in index._step(text, start, previous):
            levels = (*chain, region)
            spans.append(RegionSpan(text[:end], most_specific(levels), levels))
            if len(levels) < 4:
                extend(end, levels)

    extend(0, ())
    return sorted(spans, key=lambda span: -len(span.text))


_WORDS = "北京 朝阳区 上海 浦东 新区 合肥 市 重庆 好优 家 家具 科技 发展 银行 有限公司 分公司 公司"
_WORDS += " 股份 （北京） （集团） 支行 分行 营业部 第一 店 合作社 长沙 天心区 古镇 中山"
_COMPANY_TEXT = st.builds("".join, st.lists(st.sampled_from(_WORDS.split()), max_size=7))


@settings(max_examples=400)
@given(_COMPANY_TEXT | _TEXT)
@example("浦东发展银行")  # a place before a generic word stays in the 字号
@example("黄山旅游发展有限公司")
@example("中国工商银行北京分行")
@example("合肥市好优家家具有限公司分公司")
@example("中山市古镇灯饰店")
def test_parse_steps_match_their_oracles(text: str) -> None:
    assert ps._split_branch(text) == _oracle_split_branch(text)
    assert ps.segment_trade_and_industry(text) == _oracle_segment(text)
    assert default_index().prefixes(text) == _oracle_prefixes(text)


def test_no_branch_word_ends_another() -> None:
    words = ps._DISTINCT_BRANCH_WORDS
    assert not [(a, b) for a in words for b in words if a != b and a.endswith(b)]


# --------------------------------------------------------------------------- keys


def _oracle_pinyin_key(text: str) -> tuple[str, str]:
    def readings(char: str) -> tuple[str, ...]:
        listed = pinyin_dict.get(ord(char))
        return () if listed is None else tuple(dict.fromkeys(map(_detone, listed.split(","))))

    def in_phrase(run: str, position: int) -> str | None:
        for offset, length in _CONTEXTS:
            start = position + offset
            if start < 0 or start + length > len(run):
                continue
            phrase = run[start : start + length]
            if phrase in _NAME_PHRASES:
                return _NAME_PHRASES[phrase][position - start]
            if phrase in phrases_dict:
                return _detone(phrases_dict[phrase][position - start][0])
        return None

    full: list[str] = []
    initials: list[str] = []
    for index, run in enumerate(_HAN_RUNS.split(text)):
        if index % 2:
            for position, char in enumerate(run):
                found = readings(char)
                syllable = (in_phrase(run, position) or found[0]) if found else char.casefold()
                if len(found) == 1:
                    syllable = found[0]
                full.append(syllable)
                initials.append(syllable[:1])
        else:
            literal = _LATIN_SPLIT.sub("", run.casefold())
            full.append(literal)
            initials.append(literal)
    return "".join(full), "".join(initials)


@given(_HAN | _TEXT)
def test_pinyin_key_matches_the_oracle(text: str) -> None:
    assert pinyin_key(text) == _oracle_pinyin_key(text)


def test_han_run_characters_fold_to_themselves() -> None:
    han = [chr(c) for r in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF)) for c in range(r[0], r[1] + 1)]
    assert all(char.casefold() == char for char in han)


# --------------------------------------------------------------------------- rules


def test_plain_characters_raise_no_symbol_or_script_problem() -> None:
    plain = [char for char in _matching(re.compile(rules._PLAIN.pattern)) if char]
    assert all(char.isalnum() or char in rules._ALLOWED_SYMBOLS for char in plain)
    assert all(rules._ONLY_LATIN_AND_HAN.match(char) for char in plain)


# --------------------------------------------------------------------------- records


@pytest.mark.parametrize("cls", [NameParts, MatchKeys])
def test_fast_init_keeps_the_dataclass_contract(cls: type) -> None:
    fields = dataclasses.fields(cls)
    values = {field.name: f"v{i}" for i, field in enumerate(fields)}
    made = cls(**values)
    assert made == cls(*values.values())
    assert dataclasses.asdict(made) == values
    assert pickle.loads(pickle.dumps(made)) == made
    assert hash(made) == hash(cls(**values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(fields[0].name, "changed")
    with pytest.raises(TypeError):
        cls(**values, unknown=1)


def test_fast_init_keeps_defaults_and_refuses_other_classes() -> None:
    assert NameParts() == NameParts(None, None, None, None, None, None, None, None)

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError):
        fast_init(NoSlots)
