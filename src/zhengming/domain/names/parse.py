"""Parsing a company name into its parts: region, 字号, industry, legal form, branch.

A registered Chinese company name is 行政区划 + 字号 + 行业或经营特点 + 组织形式, in that order, with
the region sometimes in brackets after the 字号 and a branch (分公司, 分行, XX店) after the whole.
The parser reads the two ends it can recognise (region words at the front, legal form and industry
words at the back) and keeps what is left as the 字号. Where there is more than one reading it
takes the first that leaves a real 字号: at least two characters, not a bare industry word, and not
a bare place name unless only industry words follow (北京银行 is 字号 北京; 上海浦东发展银行 is 字号
浦东发展). English names are read the same way from their tokens.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin

from zhengming.domain.names import lexicon
from zhengming.domain.names.records import fast_init
from zhengming.domain.names.regions import (
    NATIONAL_CODE,
    default_index,
    most_specific,
    region_stem,
)

_MIN_TRADE_NAME = 2


@fast_init
@dataclass(frozen=True, slots=True)
class NameParts:
    """The parts of a company name; ``None`` where a part is absent."""

    region: str | None = None
    region_code: str | None = None
    trade_name: str | None = None
    industry: str | None = None
    legal_form: str | None = None
    legal_form_class: str | None = None
    branch: str | None = None
    parent_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _LegalForms:
    """Chinese legal forms, longest first, with their class."""

    han: dict[str, str]  # form -> class
    han_lengths: dict[str, tuple[int, ...]]  # last character -> lengths of forms, longest first
    latin: dict[str, str]  # squashed form ("coltd", "nv") -> class
    latin_max_tokens: int


@lru_cache(maxsize=1)
def _legal_forms() -> _LegalForms:
    han = [(form, cls) for form, cls, script in lexicon.legal_forms() if script == "han"]
    latin = {
        "".join(_latin_tokens(form)): cls
        for form, cls, script in lexicon.legal_forms()
        if script == "latin"
    }
    longest = max(len(_latin_tokens(form)) for form, _, script in lexicon.legal_forms())
    # A form can only end a name that ends with its last character: one dict lookup leaves the
    # few lengths worth trying (most names: the forms ending in 司), still longest first.
    lengths: dict[str, set[int]] = {}
    for form, _ in han:
        lengths.setdefault(form[-1], set()).add(len(form))
    by_last = {last: tuple(sorted(found, reverse=True)) for last, found in lengths.items()}
    return _LegalForms(dict(han), by_last, latin, longest * 2)


@lru_cache(maxsize=1)
def _establishment_forms() -> tuple[str, ...]:
    forms = [form for form, cls, _ in lexicon.legal_forms() if cls == "establishment"]
    return tuple(sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=1)
def _industry_lengths_by_first_char() -> dict[str, tuple[int, ...]]:
    """Lengths of the industry words that start with each character (most have none)."""
    lengths: dict[str, set[int]] = {}
    for word in lexicon.industry_words():
        lengths.setdefault(word[0], set()).add(len(word))
    return {char: tuple(sorted(found)) for char, found in lengths.items()}


# 公司 but not the 公司 of 分公司 / 支公司 (a branch's own word).
_COMPANY_FORM = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司|股份公司|集团公司|总公司|(?<![分支])公司)"
)
_PARTNERSHIP = ("（有限合伙）", "（普通合伙）", "（特殊普通合伙）")
_PARTNERSHIP_UNITS = ("合伙企业", "事务所", "中心", "企业", "工作室")
_GROUP_MARKS = ("（集团）", "集团")
#: Stock-status prefixes of listed short names (*ST国华, PT金田): they name no company.
STOCK_STATUS = re.compile(r"^(?:\*?S?\*?ST|PT)(?=[\u4e00-\u9fff])")
_SHARE_CLASS = re.compile(r"(?<=[\u4e00-\u9fff])[AB]$")
_ORDINAL = re.compile(r"第[一二三四五六七八九十百零〇0-9]+$")
_BRACKETED = re.compile(r"（([^（）]+)）")
# No word is a suffix of another, so at most one of them ends a name and their order is free.
_DISTINCT_BRANCH_WORDS: tuple[str, ...] = ("分公司", "分行", "支行", "分理处", "营业部", "办事处")
_DISTINCT_BRANCH_WORDS += ("代表处", "分部", "分厂", "分店")


def parse_company_name(standard: str) -> NameParts:
    """Parse a standardized Chinese company name (see :func:`standardize_name`).

    Example:
        >>> p = parse_company_name("字节跳动（北京）科技有限公司")
        >>> (p.region, p.region_code, p.trade_name, p.industry, p.legal_form)
        ('北京', '110000', '字节跳动', '科技', '有限公司')
    """
    parent, branch = _split_branch(standard)
    head, legal_form, legal_class = _split_legal_form(parent)
    if not legal_form:
        # Stock short names: *ST国华, 万科A. The status prefix and share class name no company.
        head = STOCK_STATUS.sub("", _SHARE_CLASS.sub("", head)) or head
    region, region_code, trade_name, industry = _split_head(head)
    return NameParts(
        region=region.strip("（）") if region is not None else None,
        region_code=region_code,
        trade_name=trade_name or None,
        industry=industry or None,
        legal_form=legal_form or None,
        legal_form_class=legal_class,
        branch=branch or None,
        parent_name=parent if branch else None,
    )


def _split_branch(name: str) -> tuple[str, str]:
    """(head office, branch): the branch is what follows the head office's legal form."""
    if name.endswith("公司") and name[-3:-2] not in ("分", "支", ""):
        # Most names. The final 公司 is matched by _COMPANY_FORM (at the latest by its last
        # alternative), so the last match ends the name, and no branch word ends in 公司 but
        # 分公司: the loops below would return (name, "") too.
        return name, ""
    if not name.endswith(_DISTINCT_BRANCH_WORDS) and "公司" not in name:
        return name, ""  # no company form to split after, no branch word to split before
    last = None
    for match in _COMPANY_FORM.finditer(name):
        last = match
    if last is not None and last.end() < len(name):
        tail = name[last.end() :]
        if not _BRACKETED.fullmatch(tail):
            return name[: last.end()], tail
        return name, ""
    for word in _DISTINCT_BRANCH_WORDS:
        if name.endswith(word) and len(name) > len(word) + _MIN_TRADE_NAME:
            return _split_unnamed_branch(name, word)
    return name, ""


def _split_unnamed_branch(name: str, word: str) -> tuple[str, str]:
    """中国工商银行北京分行 -> (中国工商银行, 北京分行): the branch starts at its region or ordinal."""
    stem = name[: -len(word)]
    ordinal = _ORDINAL.search(stem)
    if ordinal:
        stem = stem[: ordinal.start()]
    index = default_index()
    for start in range(_MIN_TRADE_NAME, len(stem)):
        if index.whole(stem[start:]) is not None:
            return name[:start], name[start:]
    return stem, name[len(stem) :]


def _split_legal_form(name: str) -> tuple[str, str, str | None]:
    """(rest, legal form as written, its class); absorbs （集团）/集团 and a partnership's unit."""
    forms = _legal_forms()
    for length in forms.han_lengths.get(name[-1:], ()):
        form = name[-length:]
        cls = forms.han.get(form) if len(name) > length else None
        if cls is not None:
            rest = name[:-length]
            if form in _PARTNERSHIP:
                # The partnership's own unit word goes with it: 合伙企业（有限合伙）, 养殖场（普通合伙）.
                for unit in (*_PARTNERSHIP_UNITS, *_establishment_forms()):
                    if rest.endswith(unit) and len(rest) > len(unit) + 1:
                        return rest[: -len(unit)], unit + form, cls
                return rest, form, cls
            if cls in {"limited", "joint_stock", "company"}:
                for mark in _GROUP_MARKS:
                    if rest.endswith(mark) and len(rest) > len(mark) + 1:
                        return rest[: -len(mark)], mark + form, cls
            return rest, form, cls
    return name, "", None


def _split_head(head: str) -> tuple[str | None, str | None, str, str]:
    """(region as written, its code, 字号, industry) of what precedes the legal form."""
    bracket = _find_bracket_region(head)
    if bracket is not None:
        region, code, start, end = bracket
        # With the region in brackets, what precedes it is the 字号 (东方普拉特 is not 东方市).
        before, after = head[:start], head[end:]
        trade, industry = segment_trade_and_industry(before)
        return region, code, trade, industry + after

    for end, levels in default_index().prefix_chains(head):
        trade, industry = segment_trade_and_industry(head[end:])
        if _is_real_trade_name(trade):
            return head[:end], most_specific(levels).code, trade, industry
    trade, industry = segment_trade_and_industry(head)
    return None, None, trade, industry


def _find_bracket_region(head: str) -> tuple[str, str, int, int] | None:
    """A bracket whose whole content is a region: （北京）, （武汉市）, （中国）.

    Returns (content, region code, start and end of the bracket).
    """
    if "（" not in head:
        return None
    for match in _BRACKETED.finditer(head):
        span = default_index().whole(match.group(1))
        if span is not None and match.start() >= _MIN_TRADE_NAME:
            return match.group(1), span.code, match.start(), match.end()
    return None


# A 字号 never starts with a division suffix: 合肥市工程… is 合肥市 + 工程…, not 合肥 + 市工程.
_DIVISION_SUFFIX_CHARS = frozenset("省市县区旗州盟镇乡")


def _is_real_trade_name(trade: str) -> bool:
    return (
        len(trade) >= _MIN_TRADE_NAME
        and trade not in lexicon.industry_words()
        and trade[0] not in _DIVISION_SUFFIX_CHARS
    )


def segment_trade_and_industry(text: str) -> tuple[str, str]:
    """Split ``text`` into (字号, industry words): the shortest 字号 whose rest is all industry words.

    Taking the split that covers most industry words, rather than the longest word from the right,
    reads 惠柏新材料科技 as 惠柏 + 新材料科技 (not 惠柏新 + 材料科技). At least two characters stay in
    the 字号, and a bare place name may be the 字号 only before a specific industry word:
    浦东发展银行 -> (浦东发展, 银行) since 发展 is generic, but 黄山旅游发展 -> (黄山, 旅游发展).
    """
    words = lexicon.industry_words()
    lengths_by_char = _industry_lengths_by_first_char()
    size = len(text)
    # starts[k]: 0 if text[k:] cannot be cut into industry words, else 1, or 2 when such a cut
    # can begin with a word of kind "industry" (not only "generic" ones).
    starts = [0] * (size + 1)
    starts[size] = 1
    for start in range(size - 1, _MIN_TRADE_NAME - 1, -1):
        lengths = lengths_by_char.get(text[start])
        if lengths is None:
            continue
        for length in lengths:  # shortest first
            end = start + length
            if end > size:
                break
            if starts[end]:
                kind = words.get(text[start:end])
                if kind == "industry":
                    starts[start] = 2
                elif kind is not None and not starts[start]:
                    starts[start] = 1
    index = default_index()
    for split in range(_MIN_TRADE_NAME, size):
        found = starts[split]
        if found and (found == 2 or not index.is_place_name(text[:split])):
            return text[:split], text[split:]
    return text, ""


# --- Latin-script (English) company names -------------------------------------------------

_LATIN_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&\-]*|&")


def _latin_tokens(text: str) -> list[str]:
    return [token.casefold() for token in _LATIN_TOKEN.findall(text)]


# Old postal romanisations still used in English company names (Kweichow Moutai, Tsingtao).
_POSTAL_NAMES = {
    "china": NATIONAL_CODE,
    "chinese": NATIONAL_CODE,
    "prc": NATIONAL_CODE,
    "hongkong": "810000",
    "macau": "820000",
    "macao": "820000",
    "taiwan": "710000",
    "tibet": "540000",
    "innermongolia": "150000",
    "shaanxi": "610000",
    "peking": "110000",
    "canton": "440100",
    "kweichow": "520000",
    "tientsin": "120000",
    "tsingtao": "370200",
    "amoy": "350200",
    "nanking": "320100",
    "chungking": "500000",
    "szechwan": "510000",
    "fukien": "350000",
    "kwangtung": "440000",
    "kwangsi": "450000",
    "hupeh": "420000",
    "hunan": "430000",
    "shantung": "370000",
    "chekiang": "330000",
    "kiangsu": "320000",
    "anhwei": "340000",
    "kiangsi": "360000",
    "hopei": "130000",
    "honan": "410000",
    "sinkiang": "650000",
}


@lru_cache(maxsize=1)
def latin_region_words() -> dict[str, str]:
    """Provinces and cities spelled in pinyin, lower case, no spaces (shenzhen -> 440300)."""
    words = dict(_POSTAL_NAMES)
    index = default_index()
    for code, level, _name, _parent in lexicon.region_rows():
        region = index.get(code)
        if region is None or level not in {"province", "city"}:
            continue
        stemmed = region_stem(region)
        if stemmed is not None:
            spelled = "".join(lazy_pinyin(stemmed[0], style=Style.NORMAL))
            words.setdefault(spelled, code)
    return words


def _squash(tokens: list[str]) -> str:
    return "".join(token.replace("'", "").replace("-", "") for token in tokens)


_LATIN_BRACKET = re.compile(r"\(\s*([A-Za-z][A-Za-z' \-]*?)\s*\)")
_LATIN_JOINERS = frozenset({"&", "and"})


def parse_latin_company_name(standard: str) -> NameParts:
    """Parse an English (Latin-script) company name.

    Example:
        >>> p = parse_latin_company_name("SHENZHEN Quanxinhao CO., LTD.")
        >>> (p.region, p.region_code, p.trade_name, p.legal_form)
        ('SHENZHEN', '440300', 'Quanxinhao', 'CO., LTD.')
    """
    regions = latin_region_words()
    region = region_code = None
    masked = standard
    for match in _LATIN_BRACKET.finditer(standard):
        code = regions.get(_squash(_latin_tokens(match.group(1))))
        if code:  # LUYAN (FUJIAN) PHARMA: a bracketed place is the region
            region, region_code = match.group(1), code
            masked = standard[: match.start()] + " " * len(match.group()) + standard[match.end() :]
            break
    spans = [(m.start(), m.end(), m.group().casefold()) for m in _LATIN_TOKEN.finditer(masked)]
    legal_form = legal_class = None
    forms = _legal_forms()
    # Longest first; tokens are compared squashed, so "Co., Ltd." = "CO.,LTD" and "N.V." = "NV".
    for n in range(min(forms.latin_max_tokens, len(spans) - 1), 0, -1):
        cls = forms.latin.get("".join(token for _, _, token in spans[-n:]))
        if cls is not None:
            legal_form = standard[spans[-n][0] :].strip(" ,")
            legal_class = cls
            spans = spans[:-n]
            break
    end_of_body = spans[-1][1] if spans else 0
    industry_words = lexicon.english_industry_words()

    def industry_start(tokens: list[tuple[int, int, str]]) -> int:
        """Index where trailing industry words (joined by & / and) begin; keeps one token."""
        cut = len(tokens)
        while cut > 1:
            word = tokens[cut - 1][2]
            joiner = word in _LATIN_JOINERS and 2 < cut < len(tokens)
            if word not in industry_words and not joiner:
                break
            cut -= 1
        while cut < len(tokens) and tokens[cut][2] in _LATIN_JOINERS:
            cut += 1
        return cut

    if region is None:
        for width in (3, 2, 1):
            if len(spans) <= width:
                continue
            code = regions.get(_squash([token for _, _, token in spans[:width]]))
            if code is None:
                continue
            rest = spans[width:]
            # Ningbo Energy Group: only industry words follow, so the place is the trade name.
            if industry_start(rest) == 0 or all(t in industry_words for _, _, t in rest):
                break
            region = standard[spans[0][0] : spans[width - 1][1]]
            region_code = code
            spans = rest
            break
    cut = industry_start(spans)
    trade = standard[spans[0][0] : spans[cut - 1][1]] if cut else None
    industry = None
    if cut < len(spans):
        start = spans[cut][0]
        if start > 0 and standard[start - 1] == "(":
            start -= 1  # keep "(GROUP)" whole
        industry = standard[start:end_of_body]
        if industry.count("(") > industry.count(")"):
            industry += ")"
    return NameParts(
        region=region,
        region_code=region_code,
        trade_name=trade.strip(" ,.(") if trade else None,
        industry=industry.strip(" ,.") if industry else None,
        legal_form=legal_form,
        legal_form_class=legal_class,
    )
