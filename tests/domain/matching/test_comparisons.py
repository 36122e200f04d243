from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zhengming.domain.matching.comparisons import compare_names, may_shorten_or_resemble
from zhengming.domain.names import analyze_name
from zhengming.domain.names.normalize import fold_for_key

REGIONS = ("", "北京", "上海市", "深圳市", "杭州", "广东省")
INDUSTRIES = ("科技", "网络技术", "银行", "建筑工程", "贸易", "餐饮管理", "生物医药")
LEGAL_FORMS = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
#: Characters real 字号 use, with traditional forms mixed in (the test folds them too).
TRADE_CHARACTERS = "字节跳动平安浦东发展华为腾讯阿里巴巴金山龍華東發展新和兴盛达远航"


@st.composite
def full_and_short(draw: st.DrawFn) -> tuple[str, str]:
    """A full registered name and a short name derived from it (abbreviation or typo'd core)."""
    trade = draw(st.text(alphabet=TRADE_CHARACTERS, min_size=2, max_size=4))
    industry = draw(st.sampled_from(INDUSTRIES))
    full = draw(st.sampled_from(REGIONS)) + trade + industry + draw(st.sampled_from(LEGAL_FORMS))
    core = trade + industry
    if draw(st.booleans()):
        # An abbreviation: the 字号's first character, then characters of the name in order.
        kept = [trade[0]] + [c for c in core[1:] if draw(st.booleans())]
        return full, "".join(kept)
    # A slip: one character of the core replaced, inserted or dropped.
    position = draw(st.integers(0, len(core) - 1))
    other = draw(st.sampled_from(TRADE_CHARACTERS))
    edit = draw(st.sampled_from(("replace", "insert", "drop")))
    if edit == "replace":
        return full, core[:position] + other + core[position + 1 :]
    if edit == "insert":
        return full, core[:position] + other + core[position:]
    return full, core[:position] + core[position + 1 :]


@settings(max_examples=300, deadline=None)
@given(full_and_short())
def test_the_cheap_test_passes_whenever_the_names_are_abbreviation_or_similar(
    pair: tuple[str, str],
) -> None:
    full, short = pair
    short_analysis, full_analysis = analyze_name(short), analyze_name(full)
    if short_analysis.parts.legal_form or not short_analysis.usable:
        return
    level = compare_names(short_analysis, full_analysis).level
    if level in ("abbreviation", "similar"):
        assert may_shorten_or_resemble(short_analysis.keys.core, fold_for_key(full))


def test_the_cheap_test_keeps_real_abbreviations_and_drops_strangers() -> None:
    assert may_shorten_or_resemble("浦发银行", fold_for_key("上海浦东发展银行股份有限公司"))
    assert may_shorten_or_resemble("平安银行", fold_for_key("平安银行股份有限公司"))
    assert may_shorten_or_resemble("字节跳动科技", fold_for_key("字節跳動（北京）科技有限公司"))
    assert not may_shorten_or_resemble("字节跳动科技", fold_for_key("北京平安银行股份有限公司"))
    assert not may_shorten_or_resemble("华为技术", fold_for_key("华润置地控股有限公司"))
