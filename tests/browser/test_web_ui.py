"""The web UI in a real browser: log in, register, be stopped by a duplicate while typing it in
traditional characters, switch language, and the screenshots of the main pages."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, NewPage

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_TRADITIONAL = "字節跳動（北京）科技有限公司"
XIAOMI_TRADITIONAL = "小米科技有限責任公司"
#: Keyboard typing speed: a person's pace, so the debounced live check fires once at the end.
TYPING_DELAY_MS = 20
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def type_name(page: Page, name: str) -> None:
    field = page.locator("#name")
    field.click()
    field.press_sequentially(name, delay=TYPING_DELAY_MS)


def test_log_in_register_and_be_blocked_by_a_traditional_duplicate(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page()  # logged in through the login form
    expect(page.locator(".who")).to_have_text("王芳")

    # Register: the live check finds nothing similar, the form saves.
    page.get_by_role("link", name="新建客户").first.click()
    type_name(page, BYTEDANCE)
    expect(page.locator("#live-check")).to_contain_text("未发现相似客户")
    page.get_by_role("button", name="登记").click()
    expect(page.locator(".flash").first).to_contain_text("已登记")
    expect(page.locator("h1")).to_have_text(BYTEDANCE)
    first = page.url.rsplit("/", 1)[-1]

    # The same company typed in traditional characters, other bracket style and region order:
    # the live check blocks it while typing, with the existing customer's link and owner.
    page.goto("/customers/new")
    type_name(page, BYTEDANCE_TRADITIONAL)
    blocked = page.locator("#live-check .blocked")
    expect(blocked).to_contain_text("该客户已经登记")
    expect(blocked).to_contain_text("负责人：wangfang")
    expect(blocked.get_by_role("link")).to_have_attribute("href", f"/customers/{first}")
    expect(page.locator("#live-check .evidence")).to_contain_text("忽略繁简体")

    # One click puts the standard form in the field; the check runs again on it.
    page.get_by_role("button", name="使用标准写法").click()
    expect(page.locator("#name")).to_have_value("字节跳动（北京）科技有限公司")
    expect(page.locator("#live-check .blocked")).to_be_visible()

    # Saving anyway is refused, the input stays, and the link leads to the first customer.
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#name-error")).to_contain_text("该客户已经登记")
    expect(page.locator("#name")).to_have_value("字节跳动（北京）科技有限公司")
    page.locator(".blocked a").first.click()
    expect(page).to_have_url(re.compile(f"/customers/{first}$"))

    # The list's search box searches while typing (pinyin initials of 字节跳动).
    page.goto("/customers")
    page.locator("#q").press_sequentially("zjtd", delay=TYPING_DELAY_MS)
    expect(page.locator("#results")).to_contain_text(BYTEDANCE)
    expect(page.locator("#results")).not_to_contain_text("小米科技")
    expect(page).to_have_url(re.compile(r"q=zjtd"))


def test_switch_language_and_back(new_page: NewPage) -> None:
    page = new_page()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect(page).to_have_url(re.compile(r"/customers$"))
    page.get_by_role("link", name="New customer").first.click()
    type_name(page, XIAOMI_TRADITIONAL)
    expect(page.locator("#live-check .blocked")).to_contain_text(
        "This customer is already registered."
    )
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("新建客户")


def test_the_login_page_refuses_a_wrong_password(new_page: NewPage) -> None:
    page = new_page(login=False)
    page.goto("/customers")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", "wangfang")
    page.fill("#password", "wrong password")
    page.click("button.primary")
    expect(page.locator(".error")).to_have_text("用户名或密码错误。")


@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots_of_the_main_pages(new_page: NewPage, screenshot_dir: Path, size: str) -> None:
    width, height = SIZES[size]
    page = new_page(width, height)
    shots: dict[str, Path] = {}

    page.goto("/customers")
    expect(page.locator("table.customers")).to_be_visible()
    shots["customers"] = screenshot_dir / f"customers-{size}.png"
    page.screenshot(path=shots["customers"])

    page.get_by_role("link", name="小米科技有限责任公司").click()
    expect(page.locator("h1")).to_have_text("小米科技有限责任公司")
    expect(page.locator(".history")).to_contain_text("登记")
    shots["customer"] = screenshot_dir / f"customer-{size}.png"
    page.screenshot(path=shots["customer"])

    page.goto("/customers/new")
    type_name(page, XIAOMI_TRADITIONAL)
    expect(page.locator("#live-check .blocked")).to_be_visible()
    page.locator("#name").blur()
    shots["new-customer"] = screenshot_dir / f"new-customer-{size}.png"
    page.screenshot(path=shots["new-customer"])

    # Nothing sticks out sideways at this width (the page is usable without scrolling across).
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for path in shots.values():
        assert _png_size(path) == (width, height), path


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height
