"""The customer list (search box, filters, pages) and the customer page."""

from __future__ import annotations

import re

import pytest

from tests.entrypoints.web.conftest import BYTEDANCE, Browser, text_of
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, CustomerStatus, NameType
from zhengming.services.commands import AliasInput, CustomerCreate

TENCENT = "深圳市腾讯计算机系统有限公司"
ALIBABA = "阿里巴巴（中国）有限公司"


def numbers_listed(html: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]*"><a href="/customers/([^"]+)">', html)


@pytest.fixture
def three(browser: Browser) -> dict[str, str]:
    return {
        "bytedance": browser.register(BYTEDANCE, type="customer", tags="重点"),
        "tencent": browser.register(TENCENT, type="prospect"),
        "alibaba": browser.register(ALIBABA, type="vip", tags="重点"),
    }


def test_the_list_shows_what_the_user_may_see(browser: Browser, three: dict[str, str]) -> None:
    page = browser.get("/customers")
    assert page.status_code == 200
    assert sorted(numbers_listed(page.text)) == sorted(three.values())
    assert "共 3 个客户" in text_of(page.text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("字節跳動", ["bytedance"]),  # traditional characters
        ("zjtd", ["bytedance"]),  # pinyin initials of the trade name
        ("腾讯", ["tencent"]),
        ("阿里巴巴(中国)有限公司", ["alibaba"]),  # half-width brackets
    ],
)
def test_one_search_box_finds_any_name(
    browser: Browser, three: dict[str, str], query: str, expected: list[str]
) -> None:
    page = browser.get("/customers", params={"q": query})
    assert numbers_listed(page.text) == [three[key] for key in expected]
    assert f"“{query}”找到" in text_of(page.text)


def test_search_by_customer_number(browser: Browser, three: dict[str, str]) -> None:
    page = browser.get("/customers", params={"q": three["tencent"]})
    assert numbers_listed(page.text) == [three["tencent"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "vip"}, ["alibaba"]),
        ({"tag": "重点"}, ["alibaba", "bytedance"]),
        ({"tag": "重点", "type": "customer"}, ["bytedance"]),
        ({"q": "有限公司", "tag": "重点"}, ["alibaba", "bytedance"]),
        ({"status": "archived"}, []),
        (
            {"type": "not-a-type", "status": "nonsense", "page": "x"},
            ["alibaba", "bytedance", "tencent"],
        ),
    ],
)
def test_filters(
    browser: Browser, three: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    page = browser.get("/customers", params=params)
    assert page.status_code == 200
    assert sorted(numbers_listed(page.text)) == sorted(three[key] for key in expected)


def test_archived_customers_show_under_their_status(
    browser: Browser, services: Services, three: dict[str, str]
) -> None:
    services.customers.set_status(three["tencent"], CustomerStatus.ARCHIVED, actor=SYSTEM)
    assert three["tencent"] not in numbers_listed(browser.get("/customers").text)
    archived = browser.get("/customers", params={"status": "archived"})
    assert numbers_listed(archived.text) == [three["tencent"]]
    everything = browser.get("/customers", params={"status": "all"})
    assert len(numbers_listed(everything.text)) == 3


def test_pages(browser: Browser, services: Services) -> None:
    for number in range(25):
        services.customers.register(
            CustomerCreate(name=f"测试{number:02d}号科技有限公司", owner="alice"), actor=SYSTEM
        )
    first = browser.get("/customers", params={"sort": "name"})
    second = browser.get("/customers", params={"sort": "name", "page": "2"})
    assert len(numbers_listed(first.text)) == 20
    assert len(numbers_listed(second.text)) == 5
    assert not set(numbers_listed(first.text)) & set(numbers_listed(second.text))
    assert 'href="/customers?sort=name&amp;page=2"' in first.text
    assert 'aria-current="page">2<' in second.text


def test_the_search_box_asks_for_the_results_only(browser: Browser, three: dict[str, str]) -> None:
    fragment = browser.get(
        "/customers", params={"q": "腾讯"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert "<html" not in fragment.text
    assert numbers_listed(fragment.text) == [three["tencent"]]


def test_customers_of_others_show_only_number_and_owner(
    browser: Browser, services: Services
) -> None:
    hidden = services.customers.register(
        CustomerCreate(name=TENCENT, owner="bob", team="south"), actor=SYSTEM
    ).customer
    page = browser.get("/customers", params={"q": "腾讯"})
    text = text_of(page.text)
    assert hidden.customer_no in text
    assert "属于 bob；您无权查看详情" in text
    assert TENCENT not in text
    assert browser.get("/customers").text.count(hidden.customer_no) == 0
    forbidden = browser.get(f"/customers/{hidden.customer_no}")
    assert forbidden.status_code == 403
    assert TENCENT not in forbidden.text


def test_the_customer_page_shows_everything(browser: Browser, services: Services) -> None:
    number = browser.register(
        BYTEDANCE,
        uscc="91110108551385082Q",
        short_name="字节跳动",
        contact_name="张三",
        contact_email="zhang@bytedance.com",
        tags="重点",
    )
    services.customers.add_alias(
        number,
        AliasInput(
            name="北京字节跳动网络技术有限公司", type=NameType.FORMER, valid_to="2020-01-01"
        ),
        actor=SYSTEM,
    )
    page = browser.get(f"/customers/{number}")
    text = text_of(page.text)
    for expected in (
        "登记名称",
        "简称",
        "曾用名",
        "2020-01-01",
        "北京字节跳动网络技术有限公司",
        "字号 字节跳动",
        "行业词 科技",
        "组织形式 有限公司",
        "北京市 110000",
        "统一社会信用代码 91110108551385082Q",
        "zhang@bytedance.com",
        "负责人 alice",
        "团队 north",
        "历史记录",
        "登记",
        "新增名称",
        "system",
    ):
        assert expected in text, expected


def test_a_customer_found_by_id_is_shown_under_its_number(browser: Browser) -> None:
    number = browser.register(BYTEDANCE)
    response = browser.get("/customers/1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{number}"


def test_an_unknown_customer_is_a_404_page(browser: Browser) -> None:
    response = browser.get("/customers/C000000-999999")
    assert response.status_code == 404
    assert "客户不存在" in text_of(response.text)
    assert "新建客户" in response.text  # the header keeps its links
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404
    assert "页面不存在" in text_of(missing.text)


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert('x')</script>",
        '" onmouseover="alert(1)',
        "<img src=x onerror=alert(1)>",
    ],
)
def test_typed_text_is_escaped_everywhere(browser: Browser, value: str) -> None:
    number = browser.register(BYTEDANCE, tags=value, owner="alice", team=value)
    for path in (f"/customers/{number}", "/customers", f"/customers/{number}/edit"):
        body = browser.get(path).text.split("</head>", 1)[1]
        assert value not in body, path
        assert "onerror=alert(1)>" not in body
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert (
        escaped.replace('"', "&#34;").replace("'", "&#39;")
        in browser.get(f"/customers/{number}").text
    )


def test_quotes_and_right_to_left_names_render_as_text(browser: Browser) -> None:
    quoted = browser.register("O'Brien & Sons Ltd")
    arabic = browser.register("شركة الأمل للتجارة Trading LLC")
    page = browser.get(f"/customers/{quoted}")
    assert "O&#39;Brien &amp; Sons Ltd" in page.text
    rtl = browser.get(f"/customers/{arabic}")
    assert '<h1 dir="auto">شركة الأمل للتجارة Trading LLC</h1>' in rtl.text
