from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengming.domain.names import analyze_name
from zhengming.domain.names.keys import pinyin_key, pinyin_syllables


@pytest.mark.parametrize(
    ("text", "full", "initials"),
    [
        ("字节跳动", "zijietiaodong", "zjtd"),
        ("重庆银行", "chongqingyinhang", "cqyh"),
        ("长城", "changcheng", "cc"),
        ("朝阳", "chaoyang", "cy"),
        ("厦门", "xiamen", "xm"),
        ("TCL科技", "tclkeji", "tclkj"),
        ("58同城", "58tongcheng", "58tc"),
        ("全新好", "quanxinhao", "qxh"),
    ],
)
def test_pinyin_key(text: str, full: str, initials: str) -> None:
    assert pinyin_key(text) == (full, initials)


def test_every_han_character_gets_one_syllable() -> None:
    assert len(pinyin_syllables("上海浦东发展银行")) == 8


def test_keys_of_a_company() -> None:
    keys = analyze_name("北京字节跳动科技有限公司").keys
    assert keys.name_key == "110000:字节跳动科技:co"
    assert keys.core == "字节跳动科技"
    assert keys.trade_name == "字节跳动"
    assert (keys.trade_pinyin, keys.trade_initials) == ("zijietiaodong", "zjtd")
    assert keys.latin_key is None


def test_english_name_meets_the_chinese_trade_name_pinyin() -> None:
    english = analyze_name("SHENZHEN Quanxinhao CO., LTD.").keys
    chinese = analyze_name("深圳市全新好股份有限公司").keys
    assert english.latin_key == chinese.trade_pinyin == "quanxinhao"


@pytest.mark.parametrize(
    "variant",
    [
        "字节跳动（北京）科技有限公司",
        "字节跳动(北京)科技有限公司",
        "北京 字节跳动 科技有限公司",
        "北京字節跳動科技有限公司",
        "北京字节跳动科技有限责任公司",
        "北京市字节跳动科技股份有限公司",
    ],
)
def test_surface_variants_share_the_name_key(variant: str) -> None:
    assert analyze_name(variant).name_key == analyze_name("北京字节跳动科技有限公司").name_key


def test_branch_and_head_office_have_different_name_keys() -> None:
    head = analyze_name("北京字节跳动科技有限公司").name_key
    assert analyze_name("北京字节跳动科技有限公司上海分公司").name_key != head


TRADE = st.text(
    st.sampled_from(list("字节跳动平安华为腾讯阿里巴巴京东美团百度小米")), min_size=2, max_size=5
)
REGION = st.sampled_from(["北京", "上海", "深圳市", "广东省深圳市", "杭州"])
INDUSTRY = st.sampled_from(["科技", "网络技术", "贸易", "文化传媒", "餐饮管理"])
FORM = st.sampled_from(["有限公司", "有限责任公司", "股份有限公司"])
TRADITIONAL = str.maketrans("节动华为讯东团贸传饮", "節動華為訊東團貿傳飲")


@given(REGION, TRADE, INDUSTRY, FORM)
def test_keys_ignore_width_brackets_script_and_region_position(
    region: str, trade: str, industry: str, form: str
) -> None:
    base = analyze_name(f"{region}{trade}{industry}{form}").keys
    short_region = region.removeprefix("广东省")
    variants = [
        f"{region} {trade} {industry}{form}",
        f"{region}{trade}{industry}{form}".translate(TRADITIONAL),
        f"{trade}({short_region}){industry}{form}",
        f"{trade}【{short_region}】{industry}{form}",
    ]
    for variant in variants:
        keys = analyze_name(variant).keys
        assert keys.core == base.core
        assert keys.trade_pinyin == base.trade_pinyin
