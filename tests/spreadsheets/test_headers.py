from __future__ import annotations

import json

import pytest

from zhengming.errors import ColumnNotFoundError, InvalidInputError
from zhengming.spreadsheets.headers import (
    FIELD_ALIASES,
    FIELDS,
    HeaderMapping,
    map_headers,
    match_field,
    normalize_header,
)

# Headers seen in real exports and templates (CRM exports, 企查查, hand-made sheets, WPS).
REAL_HEADERS = [
    ("客户名称", "name"),
    ("*客户名称", "name"),
    ("客户名称（必填）", "name"),
    ("客户名称 *", "name"),
    ("公司名称", "name"),
    ("单位名称", "name"),
    ("企业名称", "name"),
    ("客户全称", "name"),
    ("名称", "name"),
    ("客户", "name"),
    ("客戶名稱", "name"),
    ("Company Name", "name"),
    ("COMPANY", "name"),
    ("customer_name", "name"),
    ("客户简称", "short_name"),
    ("简称", "short_name"),
    ("英文名称", "english_name"),
    ("名称(英文)", "english_name"),
    ("English Name", "english_name"),
    ("统一社会信用代码", "uscc"),
    ("统一社会信用代码*", "uscc"),
    ("社会信用代码", "uscc"),
    ("纳税人识别号", "uscc"),
    ("税号", "uscc"),
    ("USCC", "uscc"),
    ("客户编号", "customer_no"),
    ("编号", "customer_no"),
    ("Customer No.", "customer_no"),
    ("联系人", "contact_name"),
    ("联系人姓名", "contact_name"),
    ("聯絡人", "contact_name"),
    ("Contact Person", "contact_name"),
    ("电话", "phone"),
    ("电话(手机)", "phone"),
    ("电话（手机）", "phone"),
    ("手机", "phone"),
    ("手机号", "phone"),
    ("手机号码", "phone"),
    ("联系电话", "phone"),
    ("联系电话1", "phone"),
    ("座机", "phone"),
    ("Mobile", "phone"),
    ("Tel.", "phone"),
    ("Phone Number", "phone"),
    ("电子邮箱", "email"),
    ("邮箱", "email"),
    ("E-mail", "email"),
    ("EMAIL", "email"),
    ("地址", "address"),
    ("联系地址", "address"),
    ("注册地址", "address"),
    ("详细地址", "address"),
    ("所属行业", "industry"),
    ("行业", "industry"),
    ("客户类型", "type"),
    ("类型", "type"),
    ("负责人", "owner"),
    ("销售", "owner"),
    ("归属人", "owner"),
    ("客户经理", "owner"),
    ("Owner", "owner"),
    ("标签", "tags"),
    ("备注", "note"),
    ("Remarks", "note"),
    ("地区", "region"),
    ("省份", "region"),
    ("城市", "region"),
    ("区域", "region"),
    ("人员规模", "size"),
    ("规模", "size"),
    ("客户来源", "source"),
    ("来源", "source"),
    ("官网", "website"),
    ("网址", "website"),
    ("　客户名称　", "name"),  # ideographic spaces around
    ("ＥＭＡＩＬ", "email"),  # full-width letters
]

NOT_FIELDS = [
    "序号",
    "客户名单",
    "法定代表人",
    "组织机构代码",
    "注册号",
    "姓名",
    "",
    "   ",
    "***",
    "客户等级",
]


@pytest.mark.parametrize(("header", "field"), REAL_HEADERS)
def test_real_headers_map_to_their_field(header: str, field: str) -> None:
    assert match_field(header) == field


@pytest.mark.parametrize("header", NOT_FIELDS)
def test_other_headers_map_to_nothing(header: str) -> None:
    # 序号 is a row counter, 组织机构代码 and 注册号 are older, different identifiers.
    assert match_field(header) is None


def test_every_alias_maps_to_its_own_field() -> None:
    for field, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            assert match_field(alias) == field, alias


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("客户名称", "客户名称"),
        (" * 客戶名稱 ", "客户名称"),
        ("E-Mail", "email"),
        ("电话（手机）", "电话手机"),
    ],
)
def test_normalize_header(raw: str, normal: str) -> None:
    assert normalize_header(raw) == normal
    assert normalize_header(normal) == normal


def test_map_headers_reports_unmapped_and_ambiguous() -> None:
    mapping = map_headers(["序号", "客户名称", "手机", "座机", "联系人", "客户等级", ""])
    assert dict(mapping.columns) == {"name": 1, "contact_name": 4, "phone": 2}
    assert mapping.unmapped == (0, 3, 5)
    assert dict(mapping.ambiguous) == {"phone": (2, 3)}


def test_exact_match_beats_a_looser_one() -> None:
    mapping = map_headers(["电话2", "电话"])
    assert mapping.columns["phone"] == 1
    assert mapping.ambiguous["phone"] == (0, 1)


def test_overrides_win_and_take_the_column_from_other_fields() -> None:
    header = ["客户名称", "手机", "座机", "备注"]
    mapping = map_headers(header, overrides={"phone": "座机", "tags": 3, "name": None})
    assert dict(mapping.columns) == {"phone": 2, "tags": 3}
    assert mapping.unmapped == (0, 1)
    assert "phone" not in mapping.ambiguous


def test_override_by_header_text_is_normalised() -> None:
    mapping = map_headers(["Company", "TEL"], overrides={"phone": "tel"})
    assert mapping.columns["phone"] == 1


def test_unknown_field_in_an_override_lists_the_valid_fields() -> None:
    with pytest.raises(InvalidInputError) as info:
        map_headers(["客户名称"], overrides={"mobile": 0})
    assert info.value.details["unknown"] == ["mobile"]
    assert info.value.details["valid_fields"] == list(FIELDS)


@pytest.mark.parametrize("target", ["传真", 5, -1])
def test_override_naming_a_missing_column(target: str | int) -> None:
    with pytest.raises(ColumnNotFoundError):
        map_headers(["客户名称", "电话"], overrides={"phone": target})


def test_two_fields_on_one_column_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        map_headers(["客户名称", "电话"], overrides={"phone": 1, "note": "电话"})


def test_mapping_round_trips_through_json() -> None:
    mapping = map_headers(["序号", "客户名称", "手机", "座机"])
    restored = HeaderMapping.from_dict(
        json.loads(json.dumps(mapping.to_dict(), ensure_ascii=False))
    )
    assert restored == mapping


def test_saved_headers_find_moved_columns_in_the_next_file() -> None:
    first = map_headers(["客户名称", "手机", "座机"], overrides={"phone": "座机"})
    saved = json.loads(json.dumps(first.to_dict()))["headers"]
    second = map_headers(["座机", "备注", "客户名称", "手机"], overrides=saved)
    assert dict(second.columns) == {"name": 2, "phone": 0, "note": 1}


@pytest.mark.parametrize(
    "data",
    [{}, {"header": ["a"], "columns": {"name": "x"}}, {"header": ["a"], "columns": {"nope": 0}}],
)
def test_from_dict_refuses_what_is_not_a_mapping(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        HeaderMapping.from_dict(data)


def test_record_picks_the_mapped_cells() -> None:
    mapping = map_headers(["客户名称", "电话", "地址"])
    assert mapping.record(("腾讯", None)) == {"name": "腾讯", "phone": None, "address": None}
