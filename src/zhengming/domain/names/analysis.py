"""The name pipeline in one call: normalize, classify, parse, check the rules, build the keys.

Every name that enters zhengming (typed, imported, sent to the API) goes through
:func:`analyze_name`; its result is what ``zhengming normalize --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.names.classify import Classification, NameKind, classify_name
from zhengming.domain.names.keys import MatchKeys, build_keys
from zhengming.domain.names.normalize import StandardizedName, standardize_name
from zhengming.domain.names.parse import NameParts, parse_company_name, parse_latin_company_name
from zhengming.domain.names.records import fast_init
from zhengming.domain.names.rules import (
    UNUSABLE_CODES,
    Problem,
    RuleSettings,
    Severity,
    check_name,
)
from zhengming.errors import InvalidIdentifierError, InvalidInputError

_DEFAULT_SETTINGS = RuleSettings()
#: Characters read at most; longer input is reported as too long without being parsed.
_PARSE_LIMIT = 1000
_PUBLIC_PART_KEYS = ("region", "trade_name", "industry", "legal_form", "branch", "region_code")


@fast_init
@dataclass(frozen=True, slots=True)
class NameAnalysis:
    """Everything the pipeline knows about one name."""

    input: str
    standard_name: str
    kind: NameKind
    parts: NameParts
    keys: MatchKeys
    problems: tuple[Problem, ...]
    uscc: str | None = None
    title: str | None = None

    @property
    def name_key(self) -> str:
        return self.keys.name_key

    @property
    def usable(self) -> bool:
        """False when nothing could be standardized (empty, only symbols, far too long)."""
        return not any(problem.code in UNUSABLE_CODES for problem in self.problems)

    @property
    def blocked(self) -> bool:
        """True when an ``error`` problem forbids saving the name as it is."""
        return any(problem.severity is Severity.ERROR for problem in self.problems)

    def to_dict(self, *, lang: str = "zh", include_keys: bool = False) -> dict[str, Any]:
        """The documented JSON shape of ``zhengming normalize --json`` (DESIGN.md §6)."""
        parts = self.parts.to_dict()
        result: dict[str, Any] = {
            "input": self.input,
            "standard_name": self.standard_name,
            "kind": self.kind.value,
            "parts": {key: parts[key] for key in _PUBLIC_PART_KEYS},
            "name_key": self.keys.name_key,
            "problems": [problem.to_dict(lang=lang) for problem in self.problems],
        }
        if include_keys:
            result["keys"] = self.keys.to_dict()
        return result


def analyze_name(
    raw: str, *, uscc: str | None = None, settings: RuleSettings | None = None
) -> NameAnalysis:
    """Standardize, classify, parse, check and key one customer name.

    Args:
        raw: the name as typed or imported.
        uscc: the customer's 统一社会信用代码, if known: checked and compared with the name's region.
        settings: naming-rule settings; the defaults when omitted.

    Raises:
        InvalidInputError: ``raw`` is not a string.

    Example:
        >>> a = analyze_name("字節跳動(北京)科技有限公司")
        >>> a.standard_name, a.kind.value, a.parts.trade_name
        ('字节跳动（北京）科技有限公司', 'company', '字节跳动')
    """
    if not isinstance(raw, str):
        raise InvalidInputError(
            "名称必须是文本 / the name must be text", details={"type": type(raw).__name__}
        )
    settings = settings or _DEFAULT_SETTINGS
    standardized = standardize_name(raw[: _PARSE_LIMIT * 10], simplify=settings.simplify)
    text = standardized.text
    parseable = 0 < len(text) <= min(settings.max_length, _PARSE_LIMIT)
    classification = classify_name(text) if parseable else Classification(NameKind.UNKNOWN)
    parts = _parse(text, classification, standardized) if parseable else NameParts()
    keys = build_keys(
        text,
        classification.kind,
        parts,
        has_han=standardized.has_han,
        simplified=settings.simplify,
    )
    compact_uscc, uscc_problem = _check_uscc(uscc, parts)
    problems = check_name(
        raw, standardized, classification, parts, settings, uscc_problem=uscc_problem
    )
    return NameAnalysis(
        input=raw,
        standard_name=text,
        kind=classification.kind,
        parts=parts,
        keys=keys,
        problems=tuple(problems),
        uscc=compact_uscc,
        title=classification.title,
    )


def _parse(text: str, classification: Classification, standardized: StandardizedName) -> NameParts:
    if classification.kind is not NameKind.COMPANY:
        return NameParts()
    if standardized.has_han:
        return parse_company_name(text)
    return parse_latin_company_name(text)


def _check_uscc(
    uscc: str | None, parts: NameParts
) -> tuple[str | None, tuple[str, dict[str, object]] | None]:
    """(compact USCC if valid, problem) for the credit code given with a name."""
    if uscc is None or not uscc.strip():
        return None, None
    try:
        compact = identifiers.validate_uscc(uscc)
    except InvalidIdentifierError as exc:
        return None, ("uscc.invalid", {"reason": exc.message})
    if parts.region_code:
        division = compact[2:8]  # validated above; positions 3-8 are the division code
        if not identifiers.division_code_matches(parts.region_code, division):
            return compact, ("uscc.region_mismatch", {"division": division, "region": parts.region})
    return compact, None
