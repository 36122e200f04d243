from __future__ import annotations

import pytest

from zhengming.domain.names.parse import (
    parse_company_name,
    parse_latin_company_name,
    segment_trade_and_industry,
)

PARTS = ("region", "region_code", "trade_name", "industry", "legal_form", "branch")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京字节跳动科技有限公司", ("北京", "110000", "字节跳动", "科技", "有限公司", None)),
        ("字节跳动（北京）科技有限公司", ("北京", "110000", "字节跳动", "科技", "有限公司", None)),
        (
            "北京字节跳动网络技术有限公司",
            ("北京", "110000", "字节跳动", "网络技术", "有限公司", None),
        ),
        (
            "东方普拉特（北京）建筑设计有限公司",
            ("北京", "110000", "东方普拉特", "建筑设计", "有限公司", None),
        ),
        (
            "七分甜餐饮管理（上海）有限公司愚园路分公司",
            ("上海", "310000", "七分甜", "餐饮管理", "有限公司", "愚园路分公司"),
        ),
        (
            "上海浦东发展银行股份有限公司",
            ("上海", "310000", "浦东发展", "银行", "股份有限公司", None),
        ),
        ("北京银行股份有限公司", (None, None, "北京", "银行", "股份有限公司", None)),
        ("黄山旅游发展股份有限公司", (None, None, "黄山", "旅游发展", "股份有限公司", None)),
        ("中国银行股份有限公司", (None, None, "中国", "银行", "股份有限公司", None)),
        (
            "中国平安保险（集团）股份有限公司",
            ("中国", "100000", "平安", "保险", "（集团）股份有限公司", None),
        ),
        (
            "招商局港口集团股份有限公司",
            (None, None, "招商局", "港口", "集团股份有限公司", None),
        ),
        ("万科企业股份有限公司", (None, None, "万科", "企业", "股份有限公司", None)),
        (
            "广东省深圳市南山区腾讯科技有限公司",
            ("广东省深圳市南山区", "440305", "腾讯", "科技", "有限公司", None),
        ),
        (
            "泽库县骏马之声文化影视有限公司西宁分公司",
            ("泽库县", "632323", "骏马之声", "文化影视", "有限公司", "西宁分公司"),
        ),
        ("垫江县强劲鞋业加工厂", ("垫江县", "500231", "强劲", "鞋业加工", "厂", None)),
        (
            "三人行文化传媒（陵水黎族自治县）有限公司",
            ("陵水黎族自治县", "469028", "三人行", "文化传媒", "有限公司", None),
        ),
        (
            "深圳前海投资管理中心（有限合伙）",
            ("深圳", "440300", "前海", "投资管理", "中心（有限合伙）", None),
        ),
        ("中国工商银行北京分行", ("中国", "100000", "工商", "银行", None, "北京分行")),
        ("平安银行", (None, None, "平安", "银行", None, None)),
        ("北京发展有限公司", (None, None, "北京发展", None, "有限公司", None)),
    ],
)
def test_parse_company_name(name: str, expected: tuple[str | None, ...]) -> None:
    parts = parse_company_name(name)
    assert tuple(getattr(parts, key) for key in PARTS) == expected


def test_branch_keeps_its_parent_name() -> None:
    parts = parse_company_name("上海乐刻网络技术有限公司嘉定第二分公司")
    assert parts.parent_name == "上海乐刻网络技术有限公司"
    assert parts.branch == "嘉定第二分公司"


def test_legal_form_class() -> None:
    assert parse_company_name("XX科技有限责任公司").legal_form_class == "limited"
    assert parse_company_name("XX科技股份有限公司").legal_form_class == "joint_stock"
    assert parse_company_name("XX管理中心（有限合伙）").legal_form_class == "partnership_limited"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "SHENZHEN Quanxinhao CO., LTD.",
            ("SHENZHEN", "440300", "Quanxinhao", None, "CO., LTD.", None),
        ),
        ("Ping An Bank Co., Ltd.", (None, None, "Ping An", "Bank", "Co., Ltd.", None)),
        ("CHINA VANKE CO., LTD", ("CHINA", "100000", "VANKE", None, "CO., LTD", None)),
        ("Agilent Technologies, Inc.", (None, None, "Agilent", "Technologies", "Inc.", None)),
        ("AKZO NOBEL N.V.", (None, None, "AKZO NOBEL", None, "N.V.", None)),
        ("ByteDance", (None, None, "ByteDance", None, None, None)),
    ],
)
def test_parse_latin_company_name(name: str, expected: tuple[str | None, ...]) -> None:
    parts = parse_latin_company_name(name)
    assert tuple(getattr(parts, key) for key in PARTS) == expected


@pytest.mark.parametrize(
    ("text", "trade", "industry"),
    [
        ("字节跳动网络技术", "字节跳动", "网络技术"),
        ("浦东发展银行", "浦东发展", "银行"),
        ("科技", "科技", ""),  # two characters always stay in the 字号
        ("华为技术", "华为", "技术"),
    ],
)
def test_segment_trade_and_industry(text: str, trade: str, industry: str) -> None:
    assert segment_trade_and_industry(text) == (trade, industry)
