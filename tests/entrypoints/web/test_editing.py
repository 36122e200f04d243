"""Editing a customer: saved changes, errors next to fields, and the stale-edit message."""

from __future__ import annotations

import re

from tests.entrypoints.web.conftest import BYTEDANCE, Browser, text_of
from tests.entrypoints.web.test_registration import field_error, input_value
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, CustomerType
from zhengming.services.commands import CustomerUpdate


def edit_form(browser: Browser, number: str) -> dict[str, str]:
    """The edit form's fields as the page fills them."""
    html = browser.get(f"/customers/{number}/edit").text
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" [^>]*value="([^"]*)"', html))
    version = re.search(r'name="version" value="(\d+)"', html)
    selected = re.search(r'<option value="(\w+)" selected', html)
    assert version
    assert selected
    return {**fields, "version": version.group(1), "type": selected.group(1)}


def test_edit_saves_and_shows_the_change_in_the_history(
    browser: Browser, services: Services
) -> None:
    number = browser.register(BYTEDANCE, tags="重点")
    form = edit_form(browser, number)
    assert form["version"] == "1"
    assert form["tags"] == "重点"
    response = browser.post(
        f"/customers/{number}/edit",
        {**form, "type": "vip", "source": "展会", "tags": "重点, 华北"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    customer = services.customers.get(number, actor=SYSTEM)
    assert customer.type is CustomerType.VIP
    assert customer.source == "展会"
    assert set(customer.tags) == {"重点", "华北"}
    page = text_of(browser.get(f"/customers/{number}").text)
    assert f"已保存对 {number} 的修改" in page
    assert "客户类型: 潜在客户 → 重点客户" in page
    assert "已修改" in page


def test_a_stale_edit_says_who_changed_the_record_and_offers_a_reload(
    browser: Browser, services: Services
) -> None:
    number = browser.register(BYTEDANCE)
    form = edit_form(browser, number)
    # Someone else saves first.
    services.customers.update(
        number, CustomerUpdate(source="电话"), expected_version=1, actor=SYSTEM
    )
    response = browser.post(f"/customers/{number}/edit", {**form, "source": "我的输入"})
    assert response.status_code == 409
    text = text_of(response.text)
    assert "未保存：在您打开之后，有人修改了该客户" in text
    assert "修改人：system" in text
    assert "当前版本 2；您打开时是版本 1" in text
    assert f'href="/customers/{number}/edit"' in response.text  # the reload
    assert input_value(response.text, "source") == "我的输入"  # the input is kept
    assert services.customers.get(number, actor=SYSTEM).source == "电话"
    # Reloading shows the current version, and saving from it works.
    fresh = edit_form(browser, number)
    assert fresh["version"] == "2"
    assert fresh["source"] == "电话"
    saved = browser.post(f"/customers/{number}/edit", {**fresh, "source": "我的输入"})
    assert saved.status_code == 200  # followed the redirect to the customer page
    assert services.customers.get(number, actor=SYSTEM).source == "我的输入"


def test_stale_edit_in_english(browser: Browser, services: Services) -> None:
    number = browser.register(BYTEDANCE)
    form = edit_form(browser, number)
    services.customers.update(
        number, CustomerUpdate(source="电话"), expected_version=1, actor=SYSTEM
    )
    browser.client.cookies.set("lang", "en")
    text = text_of(browser.post(f"/customers/{number}/edit", form).text)
    assert "Not saved: someone else changed this customer after you opened it." in text
    assert "Changed by system at" in text


def test_edit_errors_are_shown_next_to_the_field(browser: Browser, services: Services) -> None:
    number = browser.register(BYTEDANCE)
    form = edit_form(browser, number)
    for field, value, message in [
        ("region_code", "12", "6 位"),
        ("uscc", "91110108551385082X", "统一社会信用代码"),
    ]:
        response = browser.post(f"/customers/{number}/edit", {**form, field: value})
        assert response.status_code == 422
        assert message in field_error(response.text, field)
        assert input_value(response.text, field) == value
    assert services.customers.get(number, actor=SYSTEM).version == 1


def test_a_credit_code_of_another_customer_is_refused(browser: Browser, services: Services) -> None:
    browser.register(BYTEDANCE, uscc="91110108551385082Q")
    other = browser.register("深圳市腾讯计算机系统有限公司")
    form = edit_form(browser, other)
    response = browser.post(f"/customers/{other}/edit", {**form, "uscc": "91110108551385082Q"})
    assert response.status_code == 409
    assert "已属于另一个客户" in field_error(response.text, "uscc")


def test_a_form_without_its_version_is_refused(browser: Browser) -> None:
    number = browser.register(BYTEDANCE)
    form = edit_form(browser, number)
    response = browser.post(f"/customers/{number}/edit", {**form, "version": ""})
    assert response.status_code == 422
    assert "表单不完整" in text_of(response.text)
