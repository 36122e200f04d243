"""The duplicate review queue in a real browser: a manager scans, opens the group, sees the two
names side by side with what differs marked, takes one field from the other record, merges, and
undoes the merge from the customer page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveServer, NewPage
from tests.support.seeding import fresh_uscc, seed
from zhengming.domain.customer import AccessScope
from zhengming.services.bulk import BulkCustomer
from zhengming.services.users import Role

NETEASE = "杭州网易雷火科技有限公司"
NETEASE_2 = "网易雷火（杭州）科技有限公司"
MANAGER = "zhaomin"


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/customers")


def test_scan_review_merge_and_undo(
    new_page: NewPage, live_server: LiveServer, screenshot_dir: Path
) -> None:
    if live_server.users.find(MANAGER) is None:
        live_server.users.add_user(
            MANAGER,
            PASSWORD,
            role=Role.MANAGER,
            scope=AccessScope.TEAM,
            team="华北",
            display_name="赵敏",
        )
    first, second = seed(
        live_server.services,
        [
            BulkCustomer(NETEASE, uscc=fresh_uscc(), owner=MANAGER, team="华北", source="展会"),
            BulkCustomer(NETEASE_2, owner=MANAGER, team="华北", source="电话"),
        ],
    )
    page = new_page(login=False)
    log_in(page, MANAGER)

    # Scan from the queue; the new group is listed with both names.
    page.get_by_role("link", name="查重审核").click()
    page.get_by_role("button", name="立即查重扫描").click()
    expect(page.locator(".flash").first).to_contain_text("扫描完成")
    group = page.locator("table.clusters tbody tr", has_text=NETEASE_2)
    expect(group).to_contain_text(NETEASE)
    group.get_by_role("link", name="审核").click()

    # Side by side: the name row is highlighted, the parts that differ are marked.
    names = page.locator("tr.row-name")
    expect(names).to_have_class(re.compile(r"\bdiffers\b"))
    expect(names.locator("td").nth(0)).to_have_text(NETEASE)
    expect(names.locator("td").nth(1)).to_have_text(NETEASE_2)
    expect(names.locator("td").nth(0).locator("mark")).to_have_text("杭州")
    expect(names.locator("td").nth(1).locator("mark")).to_have_text("（杭州）")
    expect(page.get_by_role("radio", name="保留此记录").first).to_be_checked()
    page.screenshot(path=screenshot_dir / "review-desktop.png")
    review_url = page.url

    # At phone width the page fits: the comparison scrolls inside its own box if it must.
    phone = new_page(390, 844, login=False)
    log_in(phone, MANAGER)
    phone.goto(review_url)
    expect(phone.locator("tr.row-name")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone.screenshot(path=screenshot_dir / "review-phone.png", full_page=True)

    # Keep the first record, but take the source from the second; merge with a reason.
    source = page.locator("tr.row-source")
    source.get_by_role("radio", name="电话").check()
    page.locator("#merge-reason").fill("同一家公司")
    page.get_by_role("button", name="合并", exact=True).click()
    expect(page).to_have_url(re.compile(f"/customers/{first}$"))
    expect(page.locator(".flash").first).to_contain_text(f"已将 {second} 合并到 {first}")
    merges = page.locator("section.merges")
    expect(merges).to_contain_text(f"已并入本客户：{second}")
    expect(merges).to_contain_text("同一家公司")
    expect(page.locator("dd", has_text="电话")).to_be_visible()
    # The merged record's address leads to the survivor.
    page.goto(f"/customers/{second}")
    expect(page).to_have_url(re.compile(f"/customers/{first}$"))

    # Undo from the customer's history: both customers are back, as they were.
    page.get_by_role("button", name="撤销此次合并").click()
    expect(page.locator(".flash").first).to_contain_text(f"已撤销合并：{second}")
    expect(merges).to_contain_text("已于")
    expect(page.locator("dd", has_text="展会")).to_be_visible()
    page.goto(f"/customers/{second}")
    expect(page).to_have_url(re.compile(f"/customers/{second}$"))
    expect(page.locator("h1")).to_have_text(NETEASE_2)
