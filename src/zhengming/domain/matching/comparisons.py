"""Comparisons: for one aspect of two names, the level of agreement, best level first.

Each comparison returns a :class:`Comparison` with the level reached; scoring turns levels into
weights. Levels compare *parsed parts*, not raw strings: 北京字节跳动科技有限公司 is nearer to
字节跳动（北京）科技有限公司 (same region, 字号 and industry) than to 北京字节跳动网络技术有限公司
(another legal entity), though raw edit distance says the opposite.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA, LCSseq, Levenshtein

from zhengming.domain.matching.records import MatchRecord
from zhengming.domain.names import NameAnalysis, NameKind
from zhengming.domain.names.normalize import fold_standard
from zhengming.domain.names.regions import NATIONAL_CODE


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of one comparison: its name and the level the pair reached."""

    comparison: str
    level: str


#: Every comparison's levels, strongest agreement first (documented in docs/reference/matching.md).
LEVELS: dict[str, tuple[str, ...]] = {
    "name": (
        "exact",
        "same_key",
        "same_core",
        "same_pinyin",
        "abbreviation",
        "english_pinyin",
        "similar",
        "same_trade_name",
        "different",
    ),
    "region": ("equal", "compatible", "missing", "conflict"),
    "legal_form": ("equal", "compatible", "missing", "conflict"),
    "branch": ("none", "same_branch", "head_and_branch", "different_branches"),
    "uscc": ("equal", "missing", "conflict"),
    "contact": ("phone_and_email", "phone", "email", "missing", "different"),
    "id_number": ("equal", "close", "missing", "different"),
    "birth_date": ("equal", "close", "missing", "different"),
    "address": ("equal", "similar", "missing", "different"),
    "postcode": ("equal", "missing", "different"),
}
_SIMILAR = 0.85
#: The share of the longer core a `similar` pair may differ by in edits.
_SIMILAR_EDITS = 1 - _SIMILAR + 1e-9
#: Addresses at least this similar (Levenshtein, Unicode characters) are `similar`.
ADDRESS_SIMILAR = 0.8


def compare_names(a: NameAnalysis, b: NameAnalysis) -> Comparison:
    """How closely the names themselves agree, from identical spelling down to different."""
    ka, kb = a.keys, b.keys
    if fold_standard(a.standard_name) == fold_standard(b.standard_name):
        level = "exact"
    elif ka.name_key == kb.name_key:
        level = "same_key"
    elif ka.core == kb.core or (ka.token_key and ka.token_key == kb.token_key):
        level = "same_core"
    elif _same_pinyin(a, b):
        level = "same_pinyin"
    elif is_abbreviation(a, b) or is_abbreviation(b, a):
        level = "abbreviation"
    elif _english_meets_chinese(a, b) or _english_meets_chinese(b, a):
        level = "english_pinyin"
    elif Levenshtein.normalized_similarity(ka.core, kb.core) >= _SIMILAR:
        level = "similar"
    elif ka.trade_name and ka.trade_name == kb.trade_name:
        level = "same_trade_name"
    else:
        level = "different"
    return Comparison("name", level)


def _same_pinyin(a: NameAnalysis, b: NameAnalysis) -> bool:
    """Homophone typo: same 字号 pinyin and same industry, different characters."""
    pa, pb = a.keys.trade_pinyin, b.keys.trade_pinyin
    if not pa or pa != pb or a.keys.latin_key or b.keys.latin_key:
        return False
    people = a.kind is NameKind.INDIVIDUAL and b.kind is NameKind.INDIVIDUAL
    return people or (a.parts.industry or "") == (b.parts.industry or "")


def is_abbreviation(short: NameAnalysis, full: NameAnalysis) -> bool:
    """Whether ``short`` reads as a short form of ``full``: its characters appear in order inside
    the full name, starting with the 字号's first character (平安银行 <- 平安银行股份有限公司,
    浦发银行 <- 上海浦东发展银行股份有限公司)."""
    s, f = short.keys.core, fold_standard(full.standard_name)
    trade = full.keys.trade_name
    if short.parts.legal_form or not trade or len(s) < 2 or len(s) >= len(f):
        return False
    if s[0] != trade[0]:
        return False
    position = 0
    for char in s:
        position = f.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def may_shorten_or_resemble(short_core: str, full_folded: str) -> bool:
    """A cheap necessary condition, checked before a stored full name is analysed, for a short
    name (no legal form) with core ``short_core`` to reach the ``abbreviation`` or ``similar``
    level against it; ``full_folded`` is the stored name through ``fold_for_key``.

    An abbreviation's characters all appear in order in the full name, and a ``similar`` core
    differs from the other core by at most 15% of the longer one in edits; each edit costs at
    most one character of the longest common subsequence, and the other core lies in order
    inside the folded full name, which is no shorter.
    """
    allowance = int(_SIMILAR_EDITS * max(len(short_core), len(full_folded)))
    return LCSseq.similarity(short_core, full_folded) >= len(short_core) - allowance


def _english_meets_chinese(english: NameAnalysis, chinese: NameAnalysis) -> bool:
    """SHENZHEN Quanxinhao CO., LTD. <-> 深圳市全新好股份有限公司, through the 字号's pinyin."""
    keys, pinyin = english.keys, chinese.keys.trade_pinyin
    if not keys.latin_key or chinese.keys.latin_key or not pinyin:
        return False
    return pinyin in (keys.latin_key, keys.latin_head)


def compare_regions(a: NameAnalysis, b: NameAnalysis) -> Comparison:
    """Equal codes; compatible when one contains the other (广东 / 深圳) or one is national."""
    ca, cb = a.parts.region_code, b.parts.region_code
    if not ca or not cb:
        return Comparison("region", "missing")
    if ca == cb:
        return Comparison("region", "equal")
    if NATIONAL_CODE in (ca, cb) or _contains(ca, cb) or _contains(cb, ca):
        return Comparison("region", "compatible")
    return Comparison("region", "conflict")


def _contains(outer: str, inner: str) -> bool:
    prefix = outer.rstrip("0")
    prefix = prefix + "0" * (len(prefix) % 2)  # codes split in pairs: 44 / 4403 / 440305
    return inner.startswith(prefix)


def compare_legal_forms(a: NameAnalysis, b: NameAnalysis) -> Comparison:
    """Same form; compatible when both are companies of a kind (有限公司 / 股份有限公司)."""
    fa, fb = a.parts.legal_form_class, b.parts.legal_form_class
    if not fa or not fb:
        return Comparison("legal_form", "missing")
    if fa == fb:
        return Comparison("legal_form", "equal")
    if a.keys.legal_form_group == b.keys.legal_form_group:
        return Comparison("legal_form", "compatible")
    return Comparison("legal_form", "conflict")


def compare_branches(a: NameAnalysis, b: NameAnalysis) -> Comparison:
    """A branch and its head office are related, never the same customer."""
    ba, bb = a.parts.branch, b.parts.branch
    if not ba and not bb:
        return Comparison("branch", "none")
    if ba and bb:
        same = fold_standard(ba) == fold_standard(bb)
        return Comparison("branch", "same_branch" if same else "different_branches")
    return Comparison("branch", "head_and_branch")


def compare_uscc(a: NameAnalysis, b: NameAnalysis) -> Comparison:
    """Two valid credit codes decide identity on their own."""
    if not a.uscc or not b.uscc:
        return Comparison("uscc", "missing")
    return Comparison("uscc", "equal" if a.uscc == b.uscc else "conflict")


def compare_contacts(a: MatchRecord, b: MatchRecord) -> Comparison:
    """Shared phone numbers and e-mail addresses (already normalized: E.164, lower case)."""
    phone = bool(a.phone and a.phone == b.phone)
    email = bool(a.email and a.email == b.email)
    if phone and email:
        level = "phone_and_email"
    elif phone or email:
        level = "phone" if phone else "email"
    elif (a.phone and b.phone) or (a.email and b.email):
        level = "different"
    else:
        level = "missing"
    return Comparison("contact", level)


def _close_codes(level_name: str, a: str | None, b: str | None) -> Comparison:
    """Equal; `close` when one typo or one swap of neighbours apart (19560409 / 19560490)."""
    if not a or not b:
        return Comparison(level_name, "missing")
    if a == b:
        return Comparison(level_name, "equal")
    return Comparison(level_name, "close" if OSA.distance(a, b) <= 1 else "different")


def compare_id_numbers(a: MatchRecord, b: MatchRecord) -> Comparison:
    """ID numbers (身份证号 and others): equal, one typo apart, or different."""
    return _close_codes("id_number", a.id_number, b.id_number)


def compare_birth_dates(a: MatchRecord, b: MatchRecord) -> Comparison:
    """Birth dates as YYYYMMDD: equal, one typo apart, or different."""
    return _close_codes("birth_date", a.birth_date, b.birth_date)


def compare_addresses(a: MatchRecord, b: MatchRecord) -> Comparison:
    """Folded addresses: equal, similar (typos, abbreviations), or different."""
    if not a.address or not b.address:
        return Comparison("address", "missing")
    if a.address == b.address:
        return Comparison("address", "equal")
    similar = Levenshtein.normalized_similarity(a.address, b.address) >= ADDRESS_SIMILAR
    return Comparison("address", "similar" if similar else "different")


def compare_postcodes(a: MatchRecord, b: MatchRecord) -> Comparison:
    """Postcodes: equal or different."""
    if not a.postcode or not b.postcode:
        return Comparison("postcode", "missing")
    return Comparison("postcode", "equal" if a.postcode == b.postcode else "different")


def is_person_pair(a: NameAnalysis, b: NameAnalysis) -> bool:
    """A pair about people: one is a person and neither carries a company's legal form.

    A typo can hide a name's kind (sopihe nguyen is not recognised as a person), so one side
    recognised is enough; a registered company name on either side is not.
    """
    person = a.kind is NameKind.INDIVIDUAL or b.kind is NameKind.INDIVIDUAL
    return person and not a.parts.legal_form and not b.parts.legal_form


def compare_all(a: NameAnalysis | MatchRecord, b: NameAnalysis | MatchRecord) -> list[Comparison]:
    """Every comparison for a pair, in a fixed order."""
    ra = a if isinstance(a, MatchRecord) else MatchRecord(a)
    rb = b if isinstance(b, MatchRecord) else MatchRecord(b)
    na, nb = ra.analysis, rb.analysis
    return [
        compare_uscc(na, nb),
        compare_names(na, nb),
        compare_regions(na, nb),
        compare_legal_forms(na, nb),
        compare_branches(na, nb),
        compare_contacts(ra, rb),
        compare_id_numbers(ra, rb),
        compare_birth_dates(ra, rb),
        compare_addresses(ra, rb),
        compare_postcodes(ra, rb),
    ]
