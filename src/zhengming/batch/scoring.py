"""Vectorized scoring: the comparisons of domain/matching, computed for millions of pairs at once.

Every record's match keys are factorized into integer arrays once; a comparison level is then an
equality or prefix test over whole arrays of pairs (numpy), the Unicode-aware similarity runs in
rapidfuzz's C code (``cpdist``), and only the abbreviation check, which reads characters in
order, runs in Python — on the few pairs a vectorized pre-filter lets through.

This is the *same model* as :func:`zhengming.domain.matching.comparisons.compare_all`: a test
computes both on random pairs and requires identical levels, weights and decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA, Levenshtein
from rapidfuzz.process import cpdist

from zhengming.domain.matching import Decision, MatchRecord, MatchSettings
from zhengming.domain.matching.comparisons import ADDRESS_SIMILAR, LEVELS, is_abbreviation
from zhengming.domain.names import NameKind
from zhengming.domain.names.normalize import fold_standard
from zhengming.domain.names.regions import NATIONAL_CODE

_SIMILAR = 0.85
COMPARISONS = tuple(LEVELS)
DECISIONS = tuple(Decision)
Array = np.ndarray


def _level(comparison: str, level: str) -> int:
    return LEVELS[comparison].index(level)


class _Factorizer:
    """Maps strings to small integers (None -> -1) so equality tests run on arrays."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def __call__(self, values: Sequence[str | None]) -> Array:
        codes = self.codes
        out = np.empty(len(values), dtype=np.int64)
        for index, value in enumerate(values):
            out[index] = -1 if value is None else codes.setdefault(value, len(codes))
        return out


@dataclass(frozen=True)
class RecordFeatures:
    """Per record, every value the comparisons read, as arrays aligned with the records."""

    exact: Array
    name_key: Array
    core: Array
    trade_pinyin: Array
    latin: Array
    latin_head: Array
    token: Array
    trade: Array
    industry: Array
    individual: Array
    legal_class: Array
    legal_group: Array
    no_legal_form: Array
    branch: Array
    region: Array
    region_divisor: Array
    uscc: Array
    phone: Array
    email: Array
    core_first: Array
    trade_first: Array
    core_text: list[str]
    id_number: Array
    birth_date: Array
    address: Array
    postcode: Array
    id_text: list[str | None]
    birth_text: list[str | None]
    address_text: list[str | None]

    @classmethod
    def of(cls, records: Sequence[MatchRecord]) -> RecordFeatures:
        """Factorize the match keys of every record (one pass, in Python)."""
        analyses = [record.analysis for record in records]
        keys = [analysis.keys for analysis in analyses]
        parts = [analysis.parts for analysis in analyses]
        chars = _Factorizer()
        pinyin = _Factorizer()
        regions = [int(p.region_code) if p.region_code else 0 for p in parts]
        return cls(
            exact=_Factorizer()([fold_standard(a.standard_name) for a in analyses]),
            name_key=_Factorizer()([k.name_key for k in keys]),
            core=_Factorizer()([k.core for k in keys]),
            trade_pinyin=pinyin([k.trade_pinyin or None for k in keys]),
            latin=pinyin([k.latin_key or None for k in keys]),
            latin_head=pinyin([k.latin_head or None for k in keys]),
            token=_Factorizer()([k.token_key for k in keys]),
            trade=_Factorizer()([k.trade_name or None for k in keys]),
            industry=_Factorizer()([p.industry or "" for p in parts]),
            individual=np.array([a.kind is NameKind.INDIVIDUAL for a in analyses], dtype=bool),
            legal_class=_Factorizer()([p.legal_form_class or None for p in parts]),
            legal_group=_Factorizer()([k.legal_form_group for k in keys]),
            no_legal_form=np.array([not p.legal_form for p in parts], dtype=bool),
            branch=_Factorizer()([fold_standard(p.branch) if p.branch else None for p in parts]),
            region=np.array(regions, dtype=np.int64),
            region_divisor=np.array([_region_divisor(code) for code in regions], dtype=np.int64),
            uscc=_Factorizer()([a.uscc for a in analyses]),
            phone=_Factorizer()([r.phone for r in records]),
            email=_Factorizer()([r.email for r in records]),
            core_first=chars([k.core[:1] or None for k in keys]),
            trade_first=chars([k.trade_name[:1] if k.trade_name else None for k in keys]),
            core_text=[k.core for k in keys],
            id_number=_Factorizer()([r.id_number for r in records]),
            birth_date=_Factorizer()([r.birth_date for r in records]),
            address=_Factorizer()([r.address for r in records]),
            postcode=_Factorizer()([r.postcode for r in records]),
            id_text=[r.id_number for r in records],
            birth_text=[r.birth_date for r in records],
            address_text=[r.address for r in records],
        )


def _region_divisor(code: int) -> int:
    """10^(6 - significant digits): 440000 -> 10000 (province), 440300 -> 100, 440305 -> 1."""
    if code == 0:
        return 1
    text = str(code).rstrip("0")
    significant = len(text) + len(text) % 2
    return int(10 ** (6 - significant))


@dataclass(frozen=True)
class ScoredPairs:
    """Verdicts for arrays of pairs: levels per comparison, weights' sum, probability, decision."""

    left: Array
    right: Array
    levels: dict[str, Array]
    weights: dict[str, Array]
    probability: Array
    decision: Array  # index into DECISIONS

    def __len__(self) -> int:
        return len(self.left)


def score_pairs(
    records: Sequence[MatchRecord],
    left: Array,
    right: Array,
    settings: MatchSettings,
    *,
    features: RecordFeatures | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ScoredPairs:
    """Score the pairs (left[i], right[i]) of ``records`` exactly as ``match_records`` would."""
    features = features or RecordFeatures.of(records)
    a, b = left, right
    levels = {
        "uscc": _uscc_levels(features, a, b),
        "name": _name_levels(records, features, a, b),
        "region": _region_levels(features, a, b),
        "legal_form": _legal_levels(features, a, b),
        "branch": _branch_levels(features, a, b),
        "contact": _contact_levels(features, a, b),
        "id_number": _close_levels("id_number", features.id_number, features.id_text, a, b),
        "birth_date": _close_levels("birth_date", features.birth_date, features.birth_text, a, b),
        "address": _address_levels(features, a, b),
        "postcode": _postcode_levels(features, a, b),
    }
    if progress:
        progress("score", len(a), len(a))
    # is_person_pair, over arrays
    individuals = (
        (features.individual[a] | features.individual[b])
        & features.no_legal_form[a]
        & features.no_legal_form[b]
    )
    weights: dict[str, Array] = {}
    total = np.full(len(a), settings.prior_weight, dtype=np.float64)
    for comparison in COMPARISONS:
        table = np.array(
            [settings.weights[comparison][level] for level in LEVELS[comparison]], dtype=np.float64
        )
        weight = table[levels[comparison]]
        if comparison == "name":
            bounded = np.clip(
                weight, settings.person_name_weight_floor, settings.person_name_weight_cap
            )
            weight = np.where(individuals, bounded, weight)
        weights[comparison] = weight
        total += weight
    probability = 1.0 / (1.0 + np.exp2(-total))
    decision = _decisions(levels, probability, settings)
    return ScoredPairs(left, right, levels, weights, probability, decision)


def _decisions(levels: dict[str, Array], probability: Array, settings: MatchSettings) -> Array:
    """The rules of ``scoring.score``, over arrays."""
    index = {decision: DECISIONS.index(decision) for decision in DECISIONS}
    result = np.full(len(probability), index[Decision.DIFFERENT], dtype=np.int8)
    result[probability >= settings.likely_threshold] = index[Decision.LIKELY]
    result[probability >= settings.same_threshold] = index[Decision.SAME]
    name = levels["name"]
    name_agrees = (name != _level("name", "different")) & (
        name != _level("name", "same_trade_name")
    )
    branch = levels["branch"]
    related = (
        (branch == _level("branch", "head_and_branch"))
        | (branch == _level("branch", "different_branches"))
    ) & name_agrees
    result[related] = index[Decision.RELATED]
    result[levels["uscc"] == _level("uscc", "conflict")] = index[Decision.DIFFERENT]
    return result


def _name_levels(records: Sequence[MatchRecord], f: RecordFeatures, a: Array, b: Array) -> Array:
    level = np.full(len(a), _level("name", "different"), dtype=np.int8)
    open_ = np.ones(len(a), dtype=bool)

    def assign(mask: Array, name: str) -> None:
        chosen = open_ & mask
        level[chosen] = _level("name", name)
        open_[chosen] = False

    assign(f.exact[a] == f.exact[b], "exact")
    assign(f.name_key[a] == f.name_key[b], "same_key")
    same_tokens = (f.token[a] == f.token[b]) & (f.token[a] >= 0)
    assign((f.core[a] == f.core[b]) | same_tokens, "same_core")
    no_latin = (f.latin[a] < 0) & (f.latin[b] < 0)
    same_pinyin = (f.trade_pinyin[a] == f.trade_pinyin[b]) & (f.trade_pinyin[a] >= 0) & no_latin
    people = f.individual[a] & f.individual[b]
    assign(same_pinyin & (people | (f.industry[a] == f.industry[b])), "same_pinyin")
    # Abbreviations are verified in Python, on the pairs whose first characters allow one.
    maybe = open_ & (
        (f.no_legal_form[a] & (f.core_first[a] == f.trade_first[b]) & (f.trade_first[b] >= 0))
        | (f.no_legal_form[b] & (f.core_first[b] == f.trade_first[a]) & (f.trade_first[a] >= 0))
    )
    for position in np.flatnonzero(maybe).tolist():
        ra, rb = records[a[position]].analysis, records[b[position]].analysis
        if is_abbreviation(ra, rb) or is_abbreviation(rb, ra):
            level[position] = _level("name", "abbreviation")
            open_[position] = False

    def meets(english: Array, chinese: Array) -> Array:
        pinyin = f.trade_pinyin[chinese]
        result: Array = (
            (f.latin[english] >= 0)
            & (f.latin[chinese] < 0)
            & (pinyin >= 0)
            & ((f.latin[english] == pinyin) | (f.latin_head[english] == pinyin))
        )
        return result

    english = meets(a, b) | meets(b, a)
    assign(english, "english_pinyin")
    remaining = np.flatnonzero(open_)
    if len(remaining):
        texts = f.core_text
        left_texts = [texts[i] for i in a[remaining].tolist()]
        right_texts = [texts[i] for i in b[remaining].tolist()]
        similarity = cpdist(
            left_texts, right_texts, scorer=Levenshtein.normalized_similarity, workers=-1
        )
        similar = np.zeros(len(a), dtype=bool)
        similar[remaining] = similarity >= _SIMILAR
        assign(similar, "similar")
    assign((f.trade[a] == f.trade[b]) & (f.trade[a] >= 0), "same_trade_name")
    return level


def _region_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    ra, rb = f.region[a], f.region[b]
    national = int(NATIONAL_CODE)
    level = np.full(len(a), _level("region", "conflict"), dtype=np.int8)
    da, db = f.region_divisor[a], f.region_divisor[b]
    contains = ((rb // da) == (ra // da)) | ((ra // db) == (rb // db))
    level[contains | (ra == national) | (rb == national)] = _level("region", "compatible")
    level[ra == rb] = _level("region", "equal")
    level[(ra == 0) | (rb == 0)] = _level("region", "missing")
    return level


def _legal_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    ca, cb = f.legal_class[a], f.legal_class[b]
    level = np.full(len(a), _level("legal_form", "conflict"), dtype=np.int8)
    level[f.legal_group[a] == f.legal_group[b]] = _level("legal_form", "compatible")
    level[ca == cb] = _level("legal_form", "equal")
    level[(ca < 0) | (cb < 0)] = _level("legal_form", "missing")
    return level


def _branch_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    ba, bb = f.branch[a], f.branch[b]
    level = np.full(len(a), _level("branch", "head_and_branch"), dtype=np.int8)
    both = (ba >= 0) & (bb >= 0)
    level[both] = _level("branch", "different_branches")
    level[both & (ba == bb)] = _level("branch", "same_branch")
    level[(ba < 0) & (bb < 0)] = _level("branch", "none")
    return level


def _uscc_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    ua, ub = f.uscc[a], f.uscc[b]
    level = np.full(len(a), _level("uscc", "conflict"), dtype=np.int8)
    level[ua == ub] = _level("uscc", "equal")
    level[(ua < 0) | (ub < 0)] = _level("uscc", "missing")
    return level


def _contact_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    pa, pb, ea, eb = f.phone[a], f.phone[b], f.email[a], f.email[b]
    phone = (pa >= 0) & (pa == pb)
    email = (ea >= 0) & (ea == eb)
    level = np.full(len(a), _level("contact", "missing"), dtype=np.int8)
    level[((pa >= 0) & (pb >= 0)) | ((ea >= 0) & (eb >= 0))] = _level("contact", "different")
    level[email] = _level("contact", "email")
    level[phone] = _level("contact", "phone")
    level[phone & email] = _level("contact", "phone_and_email")
    return level


def _unequal_present(codes: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """(positions where both values are present and differ, both-present mask)."""
    present = (codes[a] >= 0) & (codes[b] >= 0)
    return np.flatnonzero(present & (codes[a] != codes[b])), present


def _close_levels(
    comparison: str, codes: Array, texts: list[str | None], a: Array, b: Array
) -> Array:
    """equal / close (one typo or swap: OSA distance 1) / missing / different."""
    level = np.full(len(a), _level(comparison, "missing"), dtype=np.int8)
    unequal, present = _unequal_present(codes, a, b)
    level[present] = _level(comparison, "equal")
    if len(unequal):
        left = [texts[i] or "" for i in a[unequal].tolist()]
        right = [texts[i] or "" for i in b[unequal].tolist()]
        distance = cpdist(left, right, scorer=OSA.distance, workers=-1)
        level[unequal] = np.where(
            distance <= 1, _level(comparison, "close"), _level(comparison, "different")
        )
    return level


def _address_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    level = np.full(len(a), _level("address", "missing"), dtype=np.int8)
    unequal, present = _unequal_present(f.address, a, b)
    level[present] = _level("address", "equal")
    if len(unequal):
        left = [f.address_text[i] or "" for i in a[unequal].tolist()]
        right = [f.address_text[i] or "" for i in b[unequal].tolist()]
        similarity = cpdist(left, right, scorer=Levenshtein.normalized_similarity, workers=-1)
        level[unequal] = np.where(
            similarity >= ADDRESS_SIMILAR,
            _level("address", "similar"),
            _level("address", "different"),
        )
    return level


def _postcode_levels(f: RecordFeatures, a: Array, b: Array) -> Array:
    level = np.full(len(a), _level("postcode", "missing"), dtype=np.int8)
    unequal, present = _unequal_present(f.postcode, a, b)
    level[present] = _level("postcode", "equal")
    level[unequal] = _level("postcode", "different")
    return level
