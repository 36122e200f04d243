"""One row of an imported file as customer values: parsed, checked, with its problems.

:func:`read_record` never raises for bad data: every problem becomes an entry of
``ImportRecord.problems`` (``{code, severity, message, field, suggestion}``). Severity ``error``
makes the row ``invalid``: a name the naming rules refuse (the same rules ``register`` applies),
an invalid credit code, phone or e-mail, or a mapped cell the reader could not read. Severity
``warning`` drops one value and keeps the row: an alias the rules refuse, an unknown customer
type, an industry that is not a GB/T 4754 code, a value too long for its column.

The preview and the run both call it on the stored cells, so the run imports exactly the values
the preview showed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import CustomerType, NameType
from zhengming.domain.matching import MatchRecord
from zhengming.domain.names import NameAnalysis
from zhengming.domain.names.rules import Severity
from zhengming.errors import InvalidIdentifierError
from zhengming.services.commands import AliasInput, ContactInput, CustomerCreate
from zhengming.services.customers import ALIAS_TOLERATED
from zhengming.services.duplicates import Analyzer

#: The customer fields an import fills on an existing customer where they are empty.
FILLED_FIELDS = ("uscc", "industry", "region_code", "size", "owner", "source")
#: Longest value each column stores (storage/tables.py); longer ones are dropped with a warning.
_MAX_LENGTH = {
    "owner": 64,
    "size": 20,
    "source": 100,
    "contact_name": 100,
    "tag": 64,
    "alias": 1000,
    "customer_no": 40,
}
_MAX_TAGS = 50
#: GB/T 4754: a section letter, optionally with a 2-, 3- or 4-digit class (I, I64, I6410).
_INDUSTRY_CODE = re.compile(r"[A-T](\d{2}\d{0,2})?")
_TAG_SEPARATORS = re.compile(r"[,，;；、|/\s]+")
#: What people write in a 客户类型 column, folded to lower case.
_TYPES = {
    **dict.fromkeys(
        ("prospect", "潜在客户", "潜客", "意向客户", "线索", "潜在"), CustomerType.PROSPECT
    ),
    **dict.fromkeys(
        ("customer", "客户", "正式客户", "成交客户", "签约客户", "老客户"), CustomerType.CUSTOMER
    ),
    **dict.fromkeys(("vip", "vip客户", "重要客户", "重点客户", "大客户"), CustomerType.VIP),
    **dict.fromkeys(("partner", "合作伙伴", "伙伴", "代理商", "渠道商"), CustomerType.PARTNER),
}


def problem(
    code: str,
    message: str,
    *,
    field: str | None = None,
    severity: str = "error",
    suggestion: str | None = None,
) -> dict[str, Any]:
    """A row problem as stored with the row and shown by the preview."""
    return {
        "code": code,
        "severity": severity,
        "message": message,
        "field": field,
        "suggestion": suggestion,
    }


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """The checked values of one row; ``analysis`` is None when the row has no usable name."""

    name: str | None
    analysis: NameAnalysis | None
    problems: tuple[dict[str, Any], ...]
    uscc: str | None = None
    phone: str | None = None
    email: str | None = None
    contact: ContactInput | None = None
    aliases: tuple[AliasInput, ...] = ()
    type: CustomerType | None = None
    industry: str | None = None
    region_code: str | None = None
    size: str | None = None
    owner: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    customer_no: str | None = None

    @property
    def invalid(self) -> bool:
        return self.analysis is None or any(p["severity"] == "error" for p in self.problems)

    def match_record(self) -> MatchRecord:
        assert self.analysis is not None  # only valid rows are matched
        return MatchRecord(self.analysis, phone=self.phone, email=self.email)

    def create(self, *, confirm_reason: str | None, source: str) -> CustomerCreate:
        """The registration of this row; ``source`` when the file names none."""
        assert self.name is not None  # only valid rows are registered
        return CustomerCreate(
            name=self.name,
            uscc=self.uscc,
            aliases=list(self.aliases),
            contacts=[self.contact] if self.contact else [],
            type=self.type or CustomerType.PROSPECT,
            industry=self.industry,
            region_code=self.region_code,
            size=self.size,
            owner=self.owner,
            source=self.source or source,
            tags=list(self.tags),
            confirm_reason=confirm_reason,
        )

    def fill_values(self) -> dict[str, str]:
        """The fields this row offers to an existing customer (only the ones it has)."""
        values = {name: getattr(self, name) for name in FILLED_FIELDS}
        return {name: value for name, value in values.items() if value}


def read_record(
    cells: Mapping[str, str | None],
    *,
    analyze: Analyzer,
    cell_problems: Sequence[dict[str, Any]] = (),
) -> ImportRecord:
    """Check the mapped cells of one row (field -> text) as ``register`` would.

    ``cell_problems`` are the reader's problems of the row, already given their severity.
    """
    problems: list[dict[str, Any]] = list(cell_problems)
    text = {name: value.strip() for name, value in cells.items() if value and value.strip()}

    uscc = None
    if raw_uscc := text.get("uscc"):
        try:
            uscc = identifiers.validate_uscc(raw_uscc)
        except InvalidIdentifierError as exc:
            problems.append(problem("uscc.invalid", exc.message, field="uscc"))
    name = text.get("name")
    analysis = _name(name, uscc, analyze, problems)
    phone = _identifier(text.get("phone"), identifiers.phone_key, "phone", problems)
    email = _identifier(text.get("email"), identifiers.validate_email, "email", problems)
    contact_name = _bounded(text, "contact_name", problems)
    contact = (
        ContactInput(name=contact_name, phone=phone, email=email)
        if contact_name or phone or email
        else None
    )
    return ImportRecord(
        name=name,
        analysis=analysis,
        problems=tuple(problems),
        uscc=uscc,
        phone=phone,
        email=email,
        contact=contact,
        aliases=_aliases(text, analyze, problems),
        type=_type(text.get("type"), problems),
        industry=_industry(text.get("industry"), problems),
        region_code=_region(text.get("region")),
        size=_bounded(text, "size", problems),
        owner=_bounded(text, "owner", problems),
        source=_bounded(text, "source", problems),
        tags=_tags(text.get("tags"), problems),
        customer_no=_bounded(text, "customer_no", problems),
    )


def alias_type(analysis: NameAnalysis) -> NameType:
    """How another name of the same customer is kept: English, short (no legal form), or a
    former name (another full form; a merge keeps registered names the same way)."""
    if analysis.keys.latin_key and not any("\u4e00" <= c <= "\u9fff" for c in analysis.input):
        return NameType.ENGLISH
    return NameType.FORMER if analysis.parts.legal_form else NameType.SHORT


def _name(
    name: str | None, uscc: str | None, analyze: Analyzer, problems: list[dict[str, Any]]
) -> NameAnalysis | None:
    if not name:
        problems.append(problem("name.missing", "客户名称为空 / the name is empty", field="name"))
        return None
    analysis = analyze(name, uscc)
    for found in analysis.problems:
        problems.append(
            problem(
                found.code,
                found.message,
                field="name",
                severity="error" if found.severity is Severity.ERROR else "warning",
                suggestion=found.suggestion,
            )
        )
    return analysis if analysis.usable else None


def _identifier(
    value: str | None,
    normalize: Callable[[str], str],
    field: str,
    problems: list[dict[str, Any]],
) -> str | None:
    if not value:
        return None
    try:
        return normalize(value)
    except InvalidIdentifierError as exc:
        problems.append(problem(f"{field}.invalid", exc.message, field=field))
        return None


def _aliases(
    text: Mapping[str, str], analyze: Analyzer, problems: list[dict[str, Any]]
) -> tuple[AliasInput, ...]:
    found: list[AliasInput] = []
    for field, name_type in (("short_name", NameType.SHORT), ("english_name", NameType.ENGLISH)):
        value = text.get(field)
        if not value:
            continue
        errors = [
            p
            for p in analyze(value, None).problems
            if p.severity is Severity.ERROR and p.code not in ALIAS_TOLERATED
        ]
        if errors or len(value) > _MAX_LENGTH["alias"]:
            message = errors[0].message if errors else "名称过长 / the name is too long"
            problems.append(_dropped(f"{field}.invalid", message, field))
            continue
        found.append(AliasInput(name=value, type=name_type))
    return tuple(found)


def _type(value: str | None, problems: list[dict[str, Any]]) -> CustomerType | None:
    if not value:
        return None
    found = _TYPES.get(value.casefold().replace(" ", ""))
    if found is None:
        problems.append(
            _dropped(
                "type.unknown",
                f"未知的客户类型“{value}”，按潜在客户导入 / unknown customer type, imported "
                "as prospect",
                "type",
            )
        )
    return found


def _industry(value: str | None, problems: list[dict[str, Any]]) -> str | None:
    if not value:
        return None
    code = value.upper()
    if _INDUSTRY_CODE.fullmatch(code):
        return code
    problems.append(
        _dropped(
            "industry.not_code",
            "行业不是 GB/T 4754 代码，未导入 / the industry is not a GB/T 4754 code",
            "industry",
        )
    )
    return None


def _region(value: str | None) -> str | None:
    # A region written out (北京, 广东省) adds nothing to what the name's parse finds.
    return value if value and len(value) == 6 and value.isdigit() else None


def _tags(value: str | None, problems: list[dict[str, Any]]) -> tuple[str, ...]:
    if not value:
        return ()
    tags = [tag for tag in _TAG_SEPARATORS.split(value) if tag]
    kept = [tag for tag in tags if len(tag) <= _MAX_LENGTH["tag"]]
    if len(kept) < len(tags) or len(kept) > _MAX_TAGS:
        problems.append(
            _dropped(
                "tags.too_long", "标签过长或过多，部分未导入 / tags too long or too many", "tags"
            )
        )
    return tuple(dict.fromkeys(kept))[:_MAX_TAGS]


def _bounded(text: Mapping[str, str], field: str, problems: list[dict[str, Any]]) -> str | None:
    value = text.get(field)
    if value and len(value) > _MAX_LENGTH[field]:
        problems.append(
            _dropped(
                f"{field}.too_long",
                f"超过 {_MAX_LENGTH[field]} 个字符，未导入 / longer than "
                f"{_MAX_LENGTH[field]} characters",
                field,
            )
        )
        return None
    return value


def _dropped(code: str, message: str, field: str) -> dict[str, Any]:
    return problem(code, message, field=field, severity="warning")
