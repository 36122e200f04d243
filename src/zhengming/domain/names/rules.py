"""Naming rules: what is wrong with a name, how bad it is, and the standard form to use instead.

Every problem has a stable ``code`` (documented in docs/reference/naming-rules.md), a severity
(``error`` blocks saving, ``warning`` asks for confirmation, ``info`` only tells), a message in
Chinese and English, and a suggested standard form where one exists. Which rules run and how
severe they are is configured with :class:`RuleSettings` (a JSON file for the CLI and server).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zhengming.domain.names.classify import Classification, NameKind
from zhengming.domain.names.normalize import HTML_TAG, Change, StandardizedName
from zhengming.domain.names.parse import STOCK_STATUS, NameParts
from zhengming.domain.names.records import fast_init


class Severity(StrEnum):
    """How a problem affects saving a name."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    """A rule's code, default severity and message templates (``{placeholders}`` filled in)."""

    code: str
    severity: Severity
    message_zh: str
    message_en: str


def _rule(code: str, severity: Severity, zh: str, en: str) -> RuleDefinition:
    return RuleDefinition(code, severity, zh, en)


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO  # error, warning, notice
#: Every rule, in the order problems are reported. Codes are stable once released.
RULES: dict[str, RuleDefinition] = {
    r.code: r
    for r in (
        _rule("name.empty", E, "名称为空", "The name is empty"),
        _rule(
            "name.only_symbols",
            E,
            "名称中只有符号或表情，没有文字",
            "The name has only symbols or emoji, no letters",
        ),
        _rule("name.no_letters", E, "名称中没有文字", "The name contains no letters"),
        _rule(
            "name.too_long",
            E,
            "名称过长：{length} 个字符，最多 {limit} 个",
            "The name is too long: {length} characters, at most {limit}",
        ),
        _rule(
            "name.too_short",
            E,
            "名称过短：至少 {limit} 个字符",
            "The name is too short: at least {limit} characters",
        ),
        _rule(
            "name.stray_symbols",
            E,
            "名称中含有不应出现的符号：{symbols}",
            "The name contains symbols that do not belong in a name: {symbols}",
        ),
        _rule(
            "name.control_characters",
            W,
            "已删除名称中的不可见控制字符",
            "Invisible control characters were removed",
        ),
        _rule(
            "name.emoji",
            W,
            "已删除名称中的表情或装饰符号：{symbols}",
            "Emoji or decorative symbols were removed: {symbols}",
        ),
        _rule(
            "name.mixed_script",
            W,
            "名称混用了其他文字（{scripts}），可能是形近字",
            "The name mixes in other scripts ({scripts}); they may be look-alike characters",
        ),
        _rule(
            "name.full_width",
            W,
            "全角字母、数字或标点已改为半角",
            "Full-width letters, digits or punctuation were made half-width",
        ),
        _rule(
            "name.bracket_style",
            W,
            "括号已统一为标准样式（中文名称用全角括号“（）”）",
            "Brackets were standardized (full-width （） in Chinese names)",
        ),
        _rule(
            "name.traditional_characters",
            W,
            "繁体字已转换为简体字",
            "Traditional characters were converted to simplified",
        ),
        _rule("name.whitespace", N, "已整理名称中的空格", "Spaces in the name were tidied"),
        _rule(
            "individual.title_as_name",
            E,
            "“{name}”是称呼，不是客户名称：请填写姓名全称或其所在公司的名称",
            "'{name}' is a form of address, not a customer name: enter the person's full name "
            "or their company's name",
        ),
        _rule(
            "individual.title_in_name",
            W,
            "姓名中含有称呼“{title}”，建议只保留姓名",
            "The name includes the title '{title}'; keep the person's name only",
        ),
        _rule(
            "name.placeholder",
            E,
            "“{name}”是占位文字，不是客户名称",
            "'{name}' is placeholder text, not a customer name",
        ),
        _rule(
            "company.legal_form_only",
            E,
            "名称只有组织形式“{name}”，缺少字号",
            "The name is only a legal form ('{name}'), with no trade name",
        ),
        _rule(
            "company.legal_form_missing",
            W,
            "企业名称缺少组织形式（如“有限公司”），请填写工商登记的全称",
            "The company name lacks a legal form (e.g. 有限公司); enter the registered full name",
        ),
        _rule(
            "company.abbreviation_only",
            W,
            "“{name}”像是简称，请填写工商登记的全称，简称可作为别名保存",
            "'{name}' looks like a short name; enter the registered full name and keep the "
            "short name as an alias",
        ),
        _rule(
            "uscc.invalid",
            E,
            "统一社会信用代码无效：{reason}",
            "The unified social credit code is invalid: {reason}",
        ),
        _rule(
            "uscc.region_mismatch",
            W,
            "统一社会信用代码的登记机关地区（{division}）与名称中的地区“{region}”不一致",
            "The credit code's registration region ({division}) does not match the name's "
            "region '{region}'",
        ),
    )
}
#: Problems that leave nothing to standardize: the CLI exits with code 2 on these.
UNUSABLE_CODES = frozenset(
    {"name.empty", "name.only_symbols", "name.no_letters", "name.too_long", "name.too_short"}
)


class RuleSettings(BaseModel):
    """Which naming rules run, how severe they are, and the limits they check.

    Loaded from JSON, e.g. ``{"disabled": ["name.whitespace"], "severity":
    {"company.legal_form_missing": "error"}, "max_length": 80}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    disabled: frozenset[str] = Field(default_factory=frozenset)
    severity: dict[str, Severity] = Field(default_factory=dict)
    max_length: int = Field(default=100, ge=10, le=1000)
    min_length: int = Field(default=2, ge=1, le=10)
    simplify: bool = True

    def model_post_init(self, _context: Any, /) -> None:
        unknown = (set(self.disabled) | set(self.severity)) - set(RULES)
        if unknown:
            raise ValueError(f"unknown rule codes: {sorted(unknown)}")


@fast_init
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a name."""

    code: str
    severity: Severity
    message: str
    message_en: str
    suggestion: str | None = None

    def to_dict(self, *, lang: str = "zh") -> dict[str, Any]:
        """``{code, severity, message, suggestion}`` with the message in ``lang`` (zh or en)."""
        message = self.message_en if lang == "en" else self.message
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": message,
            "suggestion": self.suggestion,
        }


_ALLOWED_SYMBOLS = frozenset("()（）&+/·'-., ")
_NAMED_SCRIPTS_OK = ("LATIN", "CJK")


class _ProblemList:
    """Collects problems, applying the settings' disabled rules and severity overrides."""

    def __init__(self, settings: RuleSettings) -> None:
        self.settings = settings
        self.items: list[Problem] = []

    def add(self, code: str, suggestion: str | None = None, /, **values: object) -> None:
        if code in self.settings.disabled:
            return
        rule = RULES[code]
        severity = self.settings.severity.get(code, rule.severity)
        self.items.append(
            Problem(
                code,
                severity,
                rule.message_zh.format(**values),
                rule.message_en.format(**values),
                suggestion,
            )
        )


_NO_STRAY = re.compile(r"[\w()（）&+/·'\-., ]*\Z")


def _stray_symbols(text: str) -> str:
    if _NO_STRAY.match(text) and "_" not in text:
        return ""
    return "".join(
        dict.fromkeys(
            char
            for char in text
            if not (char.isalnum() or char in _ALLOWED_SYMBOLS or char.isspace())
        )
    )


def _without_stray_symbols(text: str) -> str:
    cleaned = HTML_TAG.sub("", text)
    cleaned = "".join(c for c in cleaned if c.isalnum() or c in _ALLOWED_SYMBOLS)
    return re.sub(r"\s+", " ", cleaned).strip()


_ONLY_LATIN_AND_HAN = re.compile(r"[\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff（）·]*\Z")


def _other_scripts(text: str) -> list[str]:
    """Scripts of letters other than Latin and Han (Cyrillic look-alikes, kana, Hangul ...)."""
    if _ONLY_LATIN_AND_HAN.match(text):
        return []
    scripts: dict[str, None] = {}
    for char in text:
        if char.isascii() or not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = name.split(" ")[0] if name else "UNKNOWN"
        if script not in _NAMED_SCRIPTS_OK:
            scripts[script.title()] = None
    return list(scripts)


# Letters, digits and symbols no rule objects to: every character here is alphanumeric or an
# allowed symbol (so _stray_symbols finds none) and Latin or Han (so _other_scripts finds none).
# tests/domain/names/test_fast_paths.py checks both for each character.
_PLAIN = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff()（）&+/·'\-., ]*\Z")

# Standardization changes reported as warnings, in report order.
_CHANGE_CODES = (
    (Change.WIDTH, "name.full_width"),
    (Change.BRACKETS, "name.bracket_style"),
    (Change.SCRIPT, "name.traditional_characters"),
    (Change.WHITESPACE, "name.whitespace"),
)


def check_name(
    raw: str,
    standardized: StandardizedName,
    classification: Classification,
    parts: NameParts,
    settings: RuleSettings,
    *,
    uscc_problem: tuple[str, dict[str, object]] | None = None,
) -> list[Problem]:
    """All problems of a name, given the pipeline's results for it."""
    problems = _ProblemList(settings)
    text = standardized.text
    if not raw.strip():
        problems.add("name.empty")
        return problems.items
    if not text:
        problems.add("name.only_symbols")
        return problems.items
    if len(text) > settings.max_length:
        problems.add("name.too_long", length=len(text), limit=settings.max_length)
        return problems.items
    if not (text[0].isalpha() or any(char.isalpha() for char in text)):
        problems.add("name.no_letters")
        return problems.items
    if len(text) < settings.min_length:
        problems.add("name.too_short", limit=settings.min_length)

    plain = _PLAIN.match(text) is not None  # no stray symbol and no other script in it
    if not plain:
        stray = _stray_symbols(STOCK_STATUS.sub("", text))
        if stray:
            problems.add("name.stray_symbols", _without_stray_symbols(text) or None, symbols=stray)
    changes = standardized.changes
    if changes:
        if Change.CONTROL in changes:
            problems.add("name.control_characters", text)
        if Change.SYMBOLS in changes:
            problems.add("name.emoji", text, symbols=standardized.removed)
    if not plain:
        scripts = _other_scripts(text)
        if scripts:
            problems.add("name.mixed_script", scripts=", ".join(scripts))
    if changes:
        for change, code in _CHANGE_CODES:
            if change in changes:
                problems.add(code, text)

    _check_kind(text, classification, parts, problems)
    if uscc_problem is not None:
        code, values = uscc_problem
        problems.add(code, **values)
    return problems.items


def _check_kind(
    text: str, classification: Classification, parts: NameParts, problems: _ProblemList
) -> None:
    if classification.reason == "placeholder":
        problems.add("name.placeholder", name=text)
    elif classification.reason == "legal_form_only":
        problems.add("company.legal_form_only", name=text)
    if classification.title is not None:
        if classification.person_name is None:
            problems.add("individual.title_as_name", name=text)
        elif classification.kind is NameKind.INDIVIDUAL and classification.person_name != text:
            problems.add(
                "individual.title_in_name", classification.person_name, title=classification.title
            )
    if classification.kind is not NameKind.COMPANY or parts.legal_form:
        return
    if parts.region or (parts.industry and len(text) > 6):
        problems.add("company.legal_form_missing")
    else:
        problems.add("company.abbreviation_only", name=text)
