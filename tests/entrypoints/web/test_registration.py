"""The new-customer form: register, the live check while typing, errors next to the fields."""

from __future__ import annotations

import re

import pytest

from tests.entrypoints.web.conftest import BYTEDANCE, BYTEDANCE_TRADITIONAL, Browser, text_of
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM
from zhengming.services.ports import CustomerFilter

BYTEDANCE_USCC = "91110108551385082Q"


def count(services: Services) -> int:
    return services.customers.list(actor=SYSTEM, filters=CustomerFilter(status=None)).total


def field_error(html: str, field: str) -> str:
    """The error shown next to ``field``, or '' when there is none."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def input_value(html: str, field: str) -> str:
    found = re.search(rf'<input id="{field}" name="{field}" [^>]*value="([^"]*)"', html)
    assert found, f"no input {field}"
    return found.group(1)


def test_the_form_has_the_live_check_wired(browser: Browser) -> None:
    page = browser.get("/customers/new")
    assert page.status_code == 200
    name_input = re.search(r'<input id="name"[^>]*>', page.text, re.S)
    assert name_input
    assert 'hx-post="/customers/check"' in name_input.group(0)
    assert 'hx-trigger="input changed delay:300ms"' in name_input.group(0)
    assert 'hx-target="#live-check"' in name_input.group(0)


def test_register_through_the_form(browser: Browser, services: Services) -> None:
    number = browser.register(
        BYTEDANCE,
        uscc=BYTEDANCE_USCC,
        short_name="字节跳动",
        english_name="ByteDance",
        type="customer",
        tags="重点，华北",
        contact_name="张三",
        contact_phone="138 0013 8000",
    )
    page = browser.get(f"/customers/{number}")
    text = text_of(page.text)
    assert f"客户 {number} 已登记" in text
    for expected in (BYTEDANCE, "字节跳动", "ByteDance", BYTEDANCE_USCC, "重点", "华北", "张三"):
        assert expected in text
    assert "+8613800138000" in text
    assert "北京市" in text  # the region parsed from the name
    assert "负责人 alice" in text  # the registering user owns it
    customer = services.customers.get(number, actor=SYSTEM)
    assert customer.owner == "alice"
    assert customer.team == "north"
    assert customer.tags == ("华北", "重点") or set(customer.tags) == {"重点", "华北"}


def test_duplicate_typed_in_traditional_characters_is_blocked_with_a_link(
    browser: Browser, services: Services
) -> None:
    first = browser.register(BYTEDANCE)
    response = browser.post("/customers/new", {"name": BYTEDANCE_TRADITIONAL})
    assert response.status_code == 409
    assert "该客户已经登记" in field_error(response.text, "name")
    assert f'href="/customers/{first}"' in response.text
    assert input_value(response.text, "name") == BYTEDANCE_TRADITIONAL
    assert count(services) == 1


def test_live_check_shows_the_existing_customer_its_owner_and_why(browser: Browser) -> None:
    first = browser.register(BYTEDANCE)
    fragment = browser.post("/customers/check", {"name": BYTEDANCE_TRADITIONAL})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text  # a fragment, not a page
    text = text_of(fragment.text)
    assert "该客户已经登记" in text
    assert f'href="/customers/{first}"' in fragment.text
    assert "负责人：alice" in text
    assert "忽略繁简体、括号和地区位置后名称相同" in text  # the evidence, in words
    assert "verdict-same" in fragment.text
    # The naming hint: traditional characters, and the standard form one click away.
    assert "繁体字已转换为简体字" in text
    assert 'data-value="字节跳动（北京）科技有限公司"' in fragment.text


def test_live_check_of_a_new_name_finds_nothing(browser: Browser) -> None:
    browser.register(BYTEDANCE)
    fragment = browser.post("/customers/check", {"name": "深圳市腾讯计算机系统有限公司"})
    assert "未发现相似客户" in text_of(fragment.text)
    assert "verdict" not in fragment.text


def test_live_check_of_an_empty_name_is_empty(browser: Browser) -> None:
    fragment = browser.post("/customers/check", {"name": "  "})
    assert fragment.status_code == 200
    assert text_of(fragment.text) == ""


def test_live_check_offers_the_standard_form(browser: Browser) -> None:
    fragment = browser.post("/customers/check", {"name": "北京字节跳动科技(有限公司)"})
    assert 'data-fill="#name"' in fragment.text
    assert "使用标准写法" in text_of(fragment.text)


def test_live_check_names_an_invalid_phone_and_still_checks_the_name(browser: Browser) -> None:
    first = browser.register(BYTEDANCE)
    fragment = browser.post("/customers/check", {"name": BYTEDANCE, "contact_phone": "12"})
    text = text_of(fragment.text)
    assert "电话号码位数不对" in text
    assert f'href="/customers/{first}"' in fragment.text


def test_likely_duplicates_ask_for_a_reason_then_register(
    browser: Browser, services: Services
) -> None:
    browser.register("北京字节跳动科技有限公司")
    similar = "北京字节条动科技有限公司"  # a homophone typo of 跳: likely, not certain
    fragment = browser.post("/customers/check", {"name": similar})
    assert "verdict-likely" in fragment.text
    assert "请在下方填写原因" in text_of(fragment.text)
    refused = browser.post("/customers/new", {"name": similar})
    assert refused.status_code == 409
    assert "发现可能重复的客户" in field_error(refused.text, "confirm_reason")
    too_short = browser.post("/customers/new", {"name": similar, "confirm_reason": "x"})
    assert too_short.status_code == 422
    assert "过短" in field_error(too_short.text, "confirm_reason")
    browser.register(similar, confirm_reason="确是另一家公司：条动科技")
    assert count(services) == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "<script>alert(1)</script>有限公司"}, "name", "不应出现的符号"),
        ({"name": BYTEDANCE, "uscc": "91110108551385082X"}, "uscc", "统一社会信用代码"),
        ({"name": BYTEDANCE, "contact_phone": "12"}, "contact_phone", "电话号码"),
        ({"name": BYTEDANCE, "contact_email": "not-an-address"}, "contact_email", ""),
        ({"name": BYTEDANCE, "region_code": "12"}, "region_code", "6 位"),
        ({"name": "王总"}, "name", "称呼"),
    ],
)
def test_errors_are_shown_next_to_the_field_with_the_input_kept(
    browser: Browser, services: Services, fields: dict[str, str], field: str, message: str
) -> None:
    response = browser.post("/customers/new", fields)
    assert response.status_code == 422, text_of(response.text)
    assert field_error(response.text, field), text_of(response.text)
    assert message in field_error(response.text, field)
    for name, value in fields.items():
        shown = input_value(response.text, name)
        assert shown == value.replace("<", "&lt;").replace(">", "&gt;")
    assert count(services) == 0


def test_script_in_a_refused_name_is_shown_as_text(browser: Browser) -> None:
    response = browser.post("/customers/new", {"name": '"><script>alert(1)</script>'})
    body = response.text.split("</head>", 1)[1]
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    fragment = browser.post("/customers/check", {"name": '"><script>alert(1)</script>'})
    assert "<script>" not in fragment.text


def test_register_warnings_are_shown_on_the_new_customers_page(browser: Browser) -> None:
    number = browser.register("字節跳動")  # a short name only, in traditional characters
    text = text_of(browser.get(f"/customers/{number}").text)
    assert "提示：" in text


def test_viewers_cannot_register(client: object, anonymous: Browser, services: Services) -> None:
    anonymous.login("vera")
    assert anonymous.get("/customers/new").status_code == 403
    response = anonymous.post("/customers/new", {"name": BYTEDANCE})
    assert response.status_code == 403
    assert "只读用户不能修改客户" in text_of(response.text)
    assert count(services) == 0
    assert "新建客户" not in anonymous.get("/customers").text
