"""Which column of an uploaded table holds which customer field.

Headers are matched whole, never by substring (客户类型 is a type, not a name), after
:func:`normalize_header` folds away what people vary without meaning to: width, case,
traditional characters, spaces, the ``*`` templates put on required columns, and a bracketed
remark such as 电话(手机) or 客户名称（必填）. A mapping is plain data: it can be saved as
JSON, shown to the user, corrected by them and applied again to the next file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from zhengming.domain.names.normalize import to_simplified
from zhengming.errors import ColumnNotFoundError, InvalidInputError

#: Every field a column can be mapped to, with the header words recognised for it.
FIELD_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name": (
            "客户名称", "公司名称", "单位名称", "企业名称", "名称", "客户", "客户全称",
            "公司全称", "企业全称", "单位全称", "全称", "公司", "企业", "单位", "客户名", "公司名",
            "企业名", "customer", "customer name", "company", "company name", "name",
            "account name", "organization", "organisation",
        ),
        "short_name": (
            "简称", "客户简称", "公司简称", "企业简称", "单位简称", "short name", "abbreviation",
        ),
        "english_name": (
            "英文名", "英文名称", "英文", "英文全称", "名称英文", "公司英文名称", "客户英文名称",
            "english name", "name en", "en name",
        ),
        "uscc": (
            "统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码", "统一代码",
            "纳税人识别号", "纳税识别号", "税号", "uscc", "credit code",
            "unified social credit code", "tax id", "tax number",
        ),
        "customer_no": (
            "客户编号", "客户号", "编号", "客户代码", "客户编码", "customer no", "customer number",
            "customer code", "customer id",
        ),
        "contact_name": (
            "联系人", "联系人姓名", "联系人名称", "联络人", "contact", "contact name",
            "contact person",
        ),
        "phone": (
            "电话", "手机", "手机号", "手机号码", "联系电话", "电话号码", "联系方式", "座机",
            "固话", "办公电话", "联系人电话", "联系人手机", "mobile", "phone", "tel", "telephone",
            "phone number", "mobile phone", "cell phone",
        ),
        "email": (
            "邮箱", "电子邮箱", "邮件", "电子邮件", "邮箱地址", "联系人邮箱", "email", "mail",
            "email address",
        ),
        "address": (
            "地址", "联系地址", "注册地址", "详细地址", "通讯地址", "办公地址", "公司地址",
            "经营地址", "address",
        ),
        "region": (
            "地区", "省份", "城市", "区域", "所在地区", "所在城市", "所属地区", "所属区域", "省市",
            "region", "province", "city", "area",
        ),
        "industry": ("行业", "所属行业", "行业类别", "行业分类", "industry", "sector"),
        "type": ("客户类型", "类型", "客户类别", "客户分类", "类别", "type", "customer type"),
        "size": (
            "规模", "人员规模", "公司规模", "企业规模", "员工人数", "人数", "size", "company size",
            "employees",
        ),
        "source": ("来源", "客户来源", "线索来源", "获客渠道", "渠道", "source", "lead source"),
        "owner": (
            "负责人", "销售", "归属人", "所属销售", "销售负责人", "销售人员", "销售员", "业务员",
            "客户经理", "跟进人", "owner", "account owner", "sales", "salesperson", "sales rep",
        ),
        "tags": ("标签", "客户标签", "tags", "tag", "labels"),
        "note": (
            "备注", "备注信息", "说明", "note", "notes", "remark", "remarks", "comment",
            "comments",
        ),
        "website": (
            "网址", "官网", "网站", "公司网址", "公司网站", "主页", "website", "web site", "url",
            "homepage",
        ),
    }
)  # fmt: skip

FIELDS: tuple[str, ...] = tuple(FIELD_ALIASES)

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》")
_TRAILING_DIGITS = re.compile(r"\d+$")


def normalize_header(text: str) -> str:
    """The comparable form of a header: NFKC, simplified, casefolded, no spaces or punctuation.

    Bracketed text is kept (its brackets dropped); :func:`match_field` also tries without it.

    Example:
        >>> normalize_header(" *客戶名稱 ") , normalize_header("E-Mail"), normalize_header("电话（手机）")
        ('客户名称', 'email', '电话手机')
    """
    return "".join(
        char
        for char in to_simplified(unicodedata.normalize("NFKC", text)).casefold()
        if unicodedata.category(char)[0] not in "PSZC"
    )


@cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            key = normalize_header(alias)
            if index.setdefault(key, name) != name:
                raise AssertionError(f"header word {alias!r} is listed for two fields")
    return index


def _match(text: str) -> tuple[str, int] | None:
    """The field of a header and how loosely it matched (0 exact, 1 remark dropped, 2 number)."""
    index = _alias_index()
    nfkc = unicodedata.normalize("NFKC", text)
    without_remark = _BRACKETED.sub("", nfkc)
    for level, key in enumerate(
        (
            normalize_header(nfkc),
            normalize_header(without_remark),
            # 电话1, 电话2: the numbered copies of one field.
            _TRAILING_DIGITS.sub("", normalize_header(without_remark)),
        )
    ):
        if key and key in index:
            return index[key], level
    return None


def match_field(header: str) -> str | None:
    """The field a header names, or None.

    Example:
        >>> match_field("客户名称（必填）"), match_field("Mobile"), match_field("客户类型")
        ('name', 'phone', 'type')
    """
    found = _match(header)
    return found[0] if found else None


@dataclass(frozen=True)
class HeaderMapping:
    """Which column (0-based) feeds which field, and what could not be decided.

    Attributes:
        header: the header row the mapping was made for.
        columns: field -> column index; each column feeds at most one field.
        unmapped: indexes of named columns that feed no field (their values are not imported).
        ambiguous: field -> every column that matched it, when more than one did; the field is
            mapped to the closest match (leftmost on a tie) until the user chooses.
    """

    header: tuple[str, ...]
    columns: Mapping[str, int]
    unmapped: tuple[int, ...] = ()
    ambiguous: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def record(self, cells: Sequence[str | None]) -> dict[str, str | None]:
        """The mapped fields of one row: field -> cell (None when the row is shorter)."""
        return {
            name: cells[index] if index < len(cells) else None
            for name, index in self.columns.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """The mapping as JSON-ready data; ``from_dict`` restores it.

        ``headers`` (field -> header text) is what to save for the next file: passed as
        ``overrides`` to :func:`map_headers`, it finds the same columns wherever they moved.
        """
        return {
            "header": list(self.header),
            "columns": dict(self.columns),
            "headers": {name: self.header[index] for name, index in self.columns.items()},
            "unmapped": list(self.unmapped),
            "ambiguous": {name: list(indexes) for name, indexes in self.ambiguous.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HeaderMapping:
        """A mapping saved by :meth:`to_dict`.

        Raises:
            InvalidInputError: the data is not a saved mapping, or names an unknown field.
        """
        try:
            header = tuple(str(cell) for cell in data["header"])
            columns = {str(name): int(index) for name, index in data["columns"].items()}
            unmapped = tuple(int(index) for index in data.get("unmapped", ()))
            ambiguous = {
                str(name): tuple(int(index) for index in indexes)
                for name, indexes in data.get("ambiguous", {}).items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInputError(
                "不是有效的列映射 / not a saved header mapping",
                details={"expected_keys": ["header", "columns", "unmapped", "ambiguous"]},
            ) from exc
        _check_fields([*columns, *ambiguous])
        for index in [*columns.values(), *unmapped]:
            _check_index(index, header)
        return cls(header, columns, unmapped, ambiguous)


def map_headers(
    header: Sequence[str], *, overrides: Mapping[str, int | str | None] | None = None
) -> HeaderMapping:
    """Map each header to a field automatically, then apply the user's corrections.

    Args:
        header: the header row as read.
        overrides: field -> column index, header text (matched like the automatic mapping) or
            None to leave the field out. An override wins over the automatic mapping, and a
            column given to a field by an override is taken from any field that had it.

    Raises:
        InvalidInputError: an override names an unknown field, or gives two fields one column.
        ColumnNotFoundError: an override names a column that is not in ``header``.

    Example:
        >>> mapping = map_headers(["序号", "客户名称", "手机", "座机"], overrides={"phone": "座机"})
        >>> dict(mapping.columns), mapping.unmapped
        ({'name': 1, 'phone': 3}, (0, 2))
    """
    header = tuple(header)
    candidates: dict[str, list[tuple[int, int]]] = {}
    for index, text in enumerate(header):
        found = _match(text)
        if found:
            candidates.setdefault(found[0], []).append((found[1], index))
    columns = {name: min(found)[1] for name, found in candidates.items()}
    ambiguous = {
        name: tuple(index for _, index in found)
        for name, found in candidates.items()
        if len(found) > 1
    }
    if overrides:
        _apply_overrides(header, columns, ambiguous, overrides)
    used = set(columns.values())
    unmapped = tuple(
        index for index, text in enumerate(header) if text.strip() and index not in used
    )
    ordered = {name: columns[name] for name in FIELDS if name in columns}
    return HeaderMapping(header, ordered, unmapped, ambiguous)


def _apply_overrides(
    header: tuple[str, ...],
    columns: dict[str, int],
    ambiguous: dict[str, tuple[int, ...]],
    overrides: Mapping[str, int | str | None],
) -> None:
    _check_fields(list(overrides))
    chosen: dict[str, int] = {}
    for name, target in overrides.items():
        if target is not None:
            chosen[name] = _column_of(target, header)
    taken = sorted(chosen.values())
    if len(taken) != len(set(taken)):
        raise InvalidInputError(
            "同一列不能映射到两个字段 / one column cannot feed two fields",
            details={"overrides": {name: header[index] for name, index in chosen.items()}},
        )
    for name in overrides:
        columns.pop(name, None)
        ambiguous.pop(name, None)
    for name, index in list(columns.items()):
        if index in chosen.values():
            del columns[name]
    columns.update(chosen)


def _column_of(target: int | str, header: tuple[str, ...]) -> int:
    if isinstance(target, int):
        _check_index(target, header)
        return target
    wanted = normalize_header(target)
    for index, text in enumerate(header):
        if text == target or (wanted and normalize_header(text) == wanted):
            return index
    raise ColumnNotFoundError(
        f"文件中没有这一列 / no such column in the file: {target}",
        details={"column": target, "available": list(header)},
    )


def _check_index(index: int, header: tuple[str, ...]) -> None:
    if not 0 <= index < len(header):
        raise ColumnNotFoundError(
            f"文件中没有第 {index + 1} 列 / the file has no column {index + 1}",
            details={"column": index, "available": list(header)},
        )


def _check_fields(names: Sequence[str]) -> None:
    unknown = sorted(set(names) - set(FIELDS))
    if unknown:
        raise InvalidInputError(
            f"未知的字段 / unknown fields: {', '.join(unknown)}",
            details={"unknown": unknown, "valid_fields": list(FIELDS)},
        )
