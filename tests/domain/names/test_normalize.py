from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengming.domain.names.normalize import (
    Change,
    fold_for_key,
    standardize_name,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "standard", "changes"),
    [
        ("北京字节跳动科技有限公司", "北京字节跳动科技有限公司", set()),
        ("字節跳動(北京)科技有限公司", "字节跳动（北京）科技有限公司", {"brackets", "script"}),
        ("字节跳动【北京】科技有限公司", "字节跳动（北京）科技有限公司", {"brackets"}),
        ("ＴＣＬ科技集团股份有限公司", "TCL科技集团股份有限公司", {"width"}),
        ("万  科Ａ", "万科A", {"width", "whitespace"}),
        ("  北京 字节跳动 科技有限公司 ", "北京字节跳动科技有限公司", {"whitespace"}),
        ("SHENZHEN Quanxinhao CO.,LTD.", "SHENZHEN Quanxinhao CO., LTD.", {"whitespace"}),
        ("Agilent  Technologies ,Inc.", "Agilent Technologies, Inc.", {"whitespace"}),
        ("约翰・史密斯", "约翰·史密斯", set()),
        ("北京\u200b字节跳动科技有限公司", "北京字节跳动科技有限公司", {"control"}),
        ("北京字节跳动🚀科技有限公司", "北京字节跳动科技有限公司", {"symbols"}),
        ("😀😀", "", {"symbols"}),
        ("北京\t字节跳动\n科技有限公司", "北京字节跳动科技有限公司", {"whitespace"}),
        ("Apple (China) Co., Ltd.", "Apple (China) Co., Ltd.", set()),
    ],
)
def test_standardize_table(raw: str, standard: str, changes: set[str]) -> None:
    result = standardize_name(raw)
    assert result.text == standard
    assert {change.value for change in result.changes} == changes


def test_traditional_kept_when_simplify_is_off() -> None:
    assert standardize_name("字節跳動科技", simplify=False).text == "字節跳動科技"


def test_simplified_text_is_unchanged_by_opencc() -> None:
    assert to_simplified("北京字节跳动科技有限公司") == "北京字节跳动科技有限公司"
    assert to_simplified("ByteDance") == "ByteDance"


def test_long_input_is_standardized_in_linear_time() -> None:
    assert standardize_name("公司" * 5000).text == "公司" * 5000


NAME_CHARS = st.sampled_from(
    list("北京字节跳动科技有限公司（）()【】[] 　ＡＢＣabc123１２３·、,.&-臺灣銀行\t\u200b😀")
)
names = st.text(NAME_CHARS, max_size=30)
any_text = st.text(max_size=60)


@given(any_text)
def test_standardize_is_idempotent(raw: str) -> None:
    once = standardize_name(raw).text
    assert standardize_name(once).text == once


@given(names)
def test_standard_names_have_no_doubled_or_edge_spaces(raw: str) -> None:
    text = standardize_name(raw).text
    assert text == text.strip()
    assert "  " not in text


@given(names)
def test_fold_ignores_width(raw: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in raw)
    assert fold_for_key(wide) == fold_for_key(raw)


@given(names)
def test_fold_ignores_bracket_style_and_spacing(raw: str) -> None:
    variant = raw.replace("(", "【").replace(")", "】").replace("（", "[").replace(" ", "")
    assert fold_for_key(variant) == fold_for_key(raw)


@given(names)
def test_fold_ignores_script(raw: str) -> None:
    assert fold_for_key(to_simplified(raw)) == fold_for_key(raw)


@given(any_text)
def test_changes_are_reported_only_when_text_changed(raw: str) -> None:
    result = standardize_name(raw)
    if result.text == raw:
        assert Change.SCRIPT not in result.changes
        assert Change.WHITESPACE not in result.changes
