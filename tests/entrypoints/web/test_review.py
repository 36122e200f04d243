"""The duplicate review queue: the list, a cluster side by side, the three decisions, refusals
shown on the page with the choices kept, hidden members, read-only users, and undo from the
customer page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.entrypoints.web.conftest import Browser, text_of
from tests.support.seeding import fresh_uscc, seed
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, CustomerName, CustomerStatus, NameType
from zhengming.domain.merging import MERGED_FIELDS
from zhengming.entrypoints.web import labels, review
from zhengming.services.bulk import BulkCustomer
from zhengming.services.commands import CustomerUpdate, LinkKind
from zhengming.services.review import CLUSTER_STATUSES

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_2 = "字节跳动（北京）科技有限公司"
XSS = '<script>alert("x")</script>'


def seed_pair(services: Services, *, second_owner: str = "alice", **first: Any) -> list[str]:
    """Two records of one company, both visible to alice unless ``second_owner`` says not."""
    team = "north" if second_owner == "alice" else "south"
    return seed(
        services,
        [
            BulkCustomer(
                BYTEDANCE,
                uscc=first.pop("uscc", fresh_uscc()),
                owner="alice",
                team="north",
                source="展会",
                **first,
            ),
            BulkCustomer(BYTEDANCE_2, owner=second_owner, team=team, source="电话", size="50人"),
        ],
    )


def only_cluster(services: Services) -> int:
    page = services.review.clusters(actor=SYSTEM)
    assert page.total == 1
    return page.items[0].cluster.id


@pytest.fixture
def pair(services: Services) -> list[str]:
    numbers = seed_pair(services)
    services.scans.run(full=True)
    return numbers


def checked(html: str, name: str) -> str | None:
    """The value of the checked radio ``name`` (None when none is)."""
    found = re.search(rf'name="{name}" value="([^"]+)"[^>]*\schecked\b', html)
    return found.group(1) if found else None


def merge_form(html: str) -> dict[str, Any]:
    """The merge form as the page presets it (survivor, per-field choices, versions)."""
    form: dict[str, Any] = {"version": re.findall(r'name="version" value="([^"]+)"', html)}
    for name in ("survivor", *(f"take_{f}" for f in MERGED_FIELDS)):
        value = checked(html, name)
        if value is not None:
            form[name] = value
    return form


def row(html: str, field: str) -> str:
    found = re.search(rf'<tr class="row-{field}[^"]*">(.*?)</tr>', html, re.S)
    assert found, f"no row {field}"
    return found.group(0)


def test_the_queue_lists_pending_clusters(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    page = browser.get("/review")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "共 1 组疑似重复待审核" in text
    assert BYTEDANCE in text
    assert BYTEDANCE_2 in text
    assert "99.6%" in text
    assert 'href="/review"' in page.text  # the navigation
    cluster_id = only_cluster(services)
    assert f'href="/review/{cluster_id}"' in page.text
    assert "立即查重扫描" not in text  # sales reps do not start scans


def test_a_cluster_side_by_side_with_the_differences_and_the_plan(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    page = browser.get(f"/review/{only_cluster(services)}")
    assert page.status_code == 200
    names = row(page.text, "name")
    assert "differs" in names
    assert "<mark>北京</mark>字节跳动科技有限公司" in names
    assert BYTEDANCE_2 in re.sub(r"<[^>]+>", "", names)  # marked, not cut
    assert "不同" in text_of(row(page.text, "source"))
    assert "differs" not in row(page.text, "type").split(">")[0]
    # The survivorship plan presets the choices: the record with a valid credit code survives
    # and keeps its own values; fields it lacks come from the other one.
    form = merge_form(page.text)
    assert form["survivor"] == first
    assert form["take_source"] == first
    assert form["take_size"] == second
    assert "take_type" not in form  # equal values: nothing to choose
    assert sorted(form["version"]) == sorted([f"{first}:1", f"{second}:1"])
    evidence = text_of(page.text.split('id="evidence-heading"')[1])
    assert "same_key +13.0" in evidence
    assert "忽略繁简体" in evidence or "括号" in evidence


def test_merge_with_a_chosen_value_then_undo_from_the_customer_page(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    cluster_id = only_cluster(services)
    form = merge_form(browser.get(f"/review/{cluster_id}").text)
    response = browser.post(
        f"/review/{cluster_id}/merge",
        {**form, "take_source": second, "reason": "同一家公司"},
        follow_redirects=False,
    )
    assert response.status_code == 303, text_of(response.text)
    assert response.headers["location"] == f"/customers/{first}"
    survivor = services.customers.get(first, actor=SYSTEM)
    assert survivor.source == "电话"
    assert survivor.size == "50人"
    merged = services.review.cluster(cluster_id, actor=SYSTEM)
    assert merged.cluster.status == "merged"

    page = browser.get(f"/customers/{first}")
    text = text_of(page.text)
    assert f"已将 {second} 合并到 {first}" in text
    assert f"已并入本客户：{second}" in text
    undo = re.search(r'action="(/merges/\d+/undo)"', page.text)
    assert undo
    response = browser.post(undo.group(1), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{first}"
    text = text_of(browser.get(f"/customers/{first}").text)
    assert f"已撤销合并：{second} 重新成为独立客户" in text
    assert "已于" in text  # the merge is shown as undone, without its button
    assert "撤销此次合并" not in text
    back = services.customers.get(second, actor=SYSTEM)
    assert back.status is CustomerStatus.ACTIVE
    assert services.customers.get(first, actor=SYSTEM).source == "展会"
    # Undoing twice is refused with the reason, on the customer page.
    again = browser.post(undo.group(1))
    assert "未撤销：该合并已撤销" in text_of(again.text)


def test_undo_keeps_a_value_changed_after_the_merge_and_says_so(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    cluster_id = only_cluster(services)
    form = merge_form(browser.get(f"/review/{cluster_id}").text)
    browser.post(f"/review/{cluster_id}/merge", {**form, "take_source": second})
    current = services.customers.get(first, actor=SYSTEM)
    services.customers.update(
        first, CustomerUpdate(source="官网"), expected_version=current.version, actor=SYSTEM
    )
    page = browser.get(f"/customers/{first}").text
    undo = re.search(r'action="(/merges/\d+/undo)"', page)
    assert undo
    text = text_of(browser.post(undo.group(1)).text)
    assert "来源 在合并后被修改过，保留当前值“官网”（合并前：“展会”）" in text
    assert services.customers.get(first, actor=SYSTEM).source == "官网"


def test_a_refused_merge_is_shown_next_to_the_form_with_the_choices_kept(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    second = pair[1]
    cluster_id = only_cluster(services)
    # Since the scan, the second record got a credit code of its own: two legal entities.
    services.customers.update(
        second, CustomerUpdate(uscc=fresh_uscc()), expected_version=1, actor=SYSTEM
    )
    page = browser.get(f"/review/{cluster_id}").text
    assert "合并这些记录会被拒绝：统一社会信用代码不同" in text_of(page)  # said before trying
    form = merge_form(page)
    response = browser.post(
        f"/review/{cluster_id}/merge",
        {**form, "survivor": second, "take_source": second, "reason": "我确定<是同一家>"},
    )
    assert response.status_code == 409
    message = re.search(r'<p class="error form-message" role="alert">(.*?)</p>', response.text)
    assert message
    assert "未合并：统一社会信用代码不同" in message.group(1)
    assert checked(response.text, "survivor") == second
    assert checked(response.text, "take_source") == second
    assert 'value="我确定&lt;是同一家&gt;"' in response.text
    assert services.customers.get(second, actor=SYSTEM).status is CustomerStatus.ACTIVE


def test_an_administrator_may_override_the_credit_code_guard_with_a_reason(
    anonymous: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    cluster_id = only_cluster(services)
    services.customers.update(
        second, CustomerUpdate(uscc=fresh_uscc()), expected_version=1, actor=SYSTEM
    )
    anonymous.login("root")
    page = anonymous.get(f"/review/{cluster_id}").text
    assert 'name="override_reason"' in page
    response = anonymous.post(
        f"/review/{cluster_id}/merge",
        {**merge_form(page), "override_reason": "工商变更前后的两个代码"},
        follow_redirects=False,
    )
    assert response.status_code == 303, text_of(response.text)
    assert services.customers.get(second, actor=SYSTEM).customer_no == first


def test_a_record_changed_since_the_page_was_opened_is_not_merged(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    cluster_id = only_cluster(services)
    form = merge_form(browser.get(f"/review/{cluster_id}").text)
    services.customers.update(
        second, CustomerUpdate(source="官网"), expected_version=1, actor=SYSTEM
    )
    response = browser.post(
        f"/review/{cluster_id}/merge", {**form, "take_source": second, "reason": "同一家"}
    )
    assert response.status_code == 409
    text = text_of(response.text)
    assert f"未合并：在您打开本页之后，system 修改了 {second}" in text
    assert "官网" in text_of(row(response.text, "source"))  # the current values
    assert checked(response.text, "take_source") == second  # the choice kept
    assert f'name="version" value="{second}:2"' in response.text  # merging again works
    again = browser.post(
        f"/review/{cluster_id}/merge", merge_form(response.text), follow_redirects=False
    )
    assert again.status_code == 303
    assert services.customers.get(first, actor=SYSTEM).source == "官网"


def test_not_a_duplicate_needs_a_reason_and_leaves_the_queue(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    cluster_id = only_cluster(services)
    refused = browser.post(f"/review/{cluster_id}/not-duplicate", {"reason": " "})
    assert refused.status_code == 422
    assert "原因需为 2 到 1000 个字符" in text_of(refused.text)
    response = browser.post(
        f"/review/{cluster_id}/not-duplicate", {"reason": "两家不同的公司"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/review"
    text = text_of(browser.get("/review").text)
    assert f"重复组 {cluster_id}：已标记为不是重复" in text
    assert "没有待审核的疑似重复" in text
    decided = browser.get(f"/review/{cluster_id}")
    assert "已由 alice 处理" in text_of(decided.text)
    assert "两家不同的公司" in text_of(decided.text)
    assert "merge-form" not in decided.text  # decided: no forms
    # Deciding again (a second tab) is refused on the page.
    again = browser.post(f"/review/{cluster_id}/not-duplicate", {"reason": "再来一次"})
    assert again.status_code == 409
    assert "未处理：该重复组已处理" in text_of(again.text)


def test_related_links_the_members_and_the_customer_pages_show_it(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    first, second = pair
    cluster_id = only_cluster(services)
    incomplete = browser.post(f"/review/{cluster_id}/related", {"related_to": first})
    assert incomplete.status_code == 422
    assert "请选择关系，以及其他记录要关联到的记录" in text_of(incomplete.text)
    assert checked(incomplete.text, "related_to") == first
    response = browser.post(
        f"/review/{cluster_id}/related",
        {"kind": "branch_of", "related_to": first, "reason": "北京分部"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    head = text_of(browser.get(f"/customers/{first}").text)
    assert f"分支机构: {BYTEDANCE_2} {second}" in head
    branch = text_of(browser.get(f"/customers/{second}").text)
    assert f"总部: {BYTEDANCE} {first}" in branch
    assert "原因: 北京分部" in branch


def test_a_hidden_member_shows_only_its_number_and_owner(
    browser: Browser, services: Services
) -> None:
    first, second = seed_pair(services, second_owner="bob")
    services.scans.run(full=True)
    cluster_id = only_cluster(services)
    queue = browser.get("/review").text
    assert BYTEDANCE in queue
    assert BYTEDANCE_2 not in queue
    assert "属于 bob；您无权查看详情" in text_of(queue)
    page = browser.get(f"/review/{cluster_id}")
    assert page.status_code == 200
    assert BYTEDANCE_2 not in page.text
    assert "电话" not in page.text  # none of its values
    assert "您无权查看该组的全部客户，因此不能处理" in text_of(page.text)
    assert page.text.count("<fieldset disabled") == 3
    assert 'name="survivor"' not in page.text
    assert "依据仅对能查看这两个客户的用户显示" in text_of(page.text)
    refused = browser.post(f"/review/{cluster_id}/merge", {"survivor": first})
    assert refused.status_code == 403
    assert services.customers.get(second, actor=SYSTEM).status is CustomerStatus.ACTIVE


def test_a_viewer_sees_the_queue_but_cannot_decide(
    anonymous: Browser, services: Services, pair: list[str]
) -> None:
    anonymous.login("vera")
    cluster_id = only_cluster(services)
    assert BYTEDANCE_2 in anonymous.get("/review").text
    page = anonymous.get(f"/review/{cluster_id}")
    assert page.status_code == 200
    assert BYTEDANCE_2 in page.text
    assert "<form" not in page.text.split("<main")[1].split("</main>")[0]
    assert 'type="radio"' not in page.text
    refused = anonymous.post(f"/review/{cluster_id}/merge", {"survivor": pair[0]})
    assert refused.status_code == 403
    assert "撤销此次合并" not in anonymous.get(f"/customers/{pair[0]}").text


def test_an_administrator_scans_from_the_queue(anonymous: Browser, services: Services) -> None:
    seed_pair(services)
    anonymous.login("root")
    assert "立即查重扫描" in anonymous.get("/review").text
    response = anonymous.post("/review/scan", follow_redirects=False)
    assert response.status_code == 303
    text = text_of(anonymous.get("/review").text)
    assert "扫描完成：比较了 2 个客户，发现 1 对疑似重复，1 组待审核" in text
    assert BYTEDANCE_2 in text
    # No guard refuses this merge: no override field.
    assert 'name="override_reason"' not in anonymous.get(f"/review/{only_cluster(services)}").text
    # A scan already running: said on the queue page.
    services.scans.create_job(actor=SYSTEM, full=False)
    busy = anonymous.post("/review/scan")
    assert busy.status_code == 409
    assert "已有查重扫描在运行" in text_of(busy.text)


def test_sales_reps_do_not_start_scans(browser: Browser) -> None:
    response = browser.post("/review/scan")
    assert response.status_code == 403


def test_decisions_need_the_csrf_token(
    browser: Browser, services: Services, pair: list[str]
) -> None:
    cluster_id = only_cluster(services)
    response = browser.post(f"/review/{cluster_id}/merge", {"survivor": pair[0]}, csrf=False)
    assert response.status_code == 403
    assert services.review.cluster(cluster_id, actor=SYSTEM).cluster.status == "pending"


def test_names_are_shown_as_text(browser: Browser, services: Services) -> None:
    seed_pair(services, aliases=(CustomerName(XSS, NameType.SHORT),))
    services.scans.run(full=True)
    page = browser.get(f"/review/{only_cluster(services)}").text
    assert XSS not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in row(page, "aliases")


def test_the_queue_pages(
    browser: Browser, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_pair(services)
    seed(
        services,
        [
            BulkCustomer("杭州网易雷火科技有限公司", owner="alice", team="north"),
            BulkCustomer("网易雷火（杭州）科技有限公司", owner="alice", team="north"),
        ],
    )
    services.scans.run(full=True)
    monkeypatch.setattr(review, "PAGE_SIZE", 1)
    first = browser.get("/review").text
    assert 'href="/review?page=2"' in first
    second = browser.get("/review", params={"page": "2"}).text
    assert 'aria-current="page">2<' in second
    assert browser.get("/review", params={"page": "x"}).status_code == 200


def test_the_pages_in_english(browser: Browser, services: Services, pair: list[str]) -> None:
    browser.client.cookies.set("lang", "en")
    assert "Duplicate review" in browser.get("/review").text
    page = text_of(browser.get(f"/review/{only_cluster(services)}").text)
    assert "Keep this record" in page
    assert "Not a duplicate" in page


def test_an_unknown_cluster_is_not_found(browser: Browser) -> None:
    assert browser.get("/review/999").status_code == 404
    assert browser.get("/review/0").status_code == 400


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.LINK_KIND, [kind.value for kind in LinkKind]),
        (labels.LINK_OTHER, [kind.value for kind in LinkKind]),
        (labels.LINK_OTHER_REVERSE, [kind.value for kind in LinkKind]),
        (labels.CLUSTER_STATUS, list(CLUSTER_STATUSES)),
    ],
)
def test_every_code_has_a_label(table: dict[str, str], codes: list[str]) -> None:
    assert sorted(table) == sorted(codes)
