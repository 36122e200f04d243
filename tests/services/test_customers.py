"""The customer registry's use cases, on SQLite and on PostgreSQL (the ``services`` fixture)."""

from __future__ import annotations

import datetime

import pytest

from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, AccessScope, Actor, CustomerStatus, NameType
from zhengming.errors import (
    DuplicateCustomerError,
    InvalidIdentifierError,
    InvalidInputError,
    InvalidStateError,
    NamingRuleError,
    NotFoundError,
    PermissionDeniedError,
    PossibleDuplicateError,
    VersionConflictError,
)
from zhengming.services.commands import (
    AliasInput,
    ContactInput,
    CustomerCreate,
    CustomerUpdate,
    DuplicateQuery,
    RenameInput,
)
from zhengming.services.ports import CustomerFilter

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_USCC = "91110108551385082Q"
ALICE = Actor("alice", scope=AccessScope.OWN, team="north")
BOB = Actor("bob", scope=AccessScope.OWN, team="south")
NORTH_LEAD = Actor("nora", scope=AccessScope.TEAM, team="north")


def _register_bytedance(services: Services) -> str:
    registration = services.customers.register(
        CustomerCreate(
            name=BYTEDANCE,
            uscc=BYTEDANCE_USCC,
            aliases=[AliasInput(name="字节跳动"), AliasInput(name="ByteDance", type="english")],
            contacts=[ContactInput(name="张三", phone="138 0013 8000", email="ZS@Bytedance.com")],
            tags=["重点", "互联网"],
        ),
        actor=ALICE,
    )
    return registration.customer.customer_no


def _count(services: Services) -> int:
    statuses = ("active", "archived", "deleted", "merged")
    return services.customers.list(actor=SYSTEM, filters=CustomerFilter(status=statuses)).total


def test_register_stores_the_standard_name_parts_names_contacts_and_tags(
    services: Services,
) -> None:
    number = _register_bytedance(services)
    customer = services.customers.get(number, actor=ALICE)
    assert customer.customer_no == number
    assert customer.name == BYTEDANCE
    assert (customer.region_code, customer.trade_name, customer.legal_form) == (
        "110000",
        "字节跳动",
        "有限公司",
    )
    assert customer.uscc == BYTEDANCE_USCC
    assert (customer.owner, customer.team) == ("alice", "north")
    assert [(n.name, n.type) for n in customer.names] == [
        (BYTEDANCE, NameType.LEGAL),
        ("字节跳动", NameType.SHORT),
        ("ByteDance", NameType.ENGLISH),
    ]
    assert customer.contacts[0].phone == "+8613800138000"
    assert customer.contacts[0].email == "ZS@bytedance.com"
    assert customer.tags == ("互联网", "重点")
    assert customer.version == 1


def test_customer_numbers_follow_the_pattern_and_are_unique(services: Services) -> None:
    first = _register_bytedance(services)
    second = services.customers.register(
        CustomerCreate(name="深圳市腾讯计算机系统有限公司"), actor=ALICE
    ).customer.customer_no
    today = datetime.datetime.now(datetime.UTC)
    assert first == f"C{today:%Y%m}-000001"
    assert second == f"C{today:%Y%m}-000002"


@pytest.mark.parametrize(
    "variant",
    [
        "字節跳動（北京）科技有限公司",  # traditional characters, region in brackets
        "北京字节跳动科技有限公司 ",  # a stray space
        "北京字节跳动科技有限责任公司",  # the legal form swapped for its twin
    ],
)
def test_the_same_company_typed_differently_is_refused_with_its_number_and_owner(
    services: Services, variant: str
) -> None:
    number = _register_bytedance(services)
    with pytest.raises(DuplicateCustomerError) as caught:
        services.customers.register(CustomerCreate(name=variant), actor=BOB)
    assert caught.value.details["customer_no"] == number
    assert caught.value.details["owner"] == "alice"
    assert _count(services) == 1


def test_the_same_credit_code_is_refused_whatever_the_name(services: Services) -> None:
    _register_bytedance(services)
    with pytest.raises(DuplicateCustomerError):
        services.customers.register(
            CustomerCreate(name="北京抖音信息服务有限公司", uscc=BYTEDANCE_USCC), actor=BOB
        )


def test_a_likely_duplicate_needs_a_reason_which_the_audit_log_keeps(services: Services) -> None:
    _register_bytedance(services)
    sibling = CustomerCreate(name="北京字节跳动网络技术有限公司")
    with pytest.raises(PossibleDuplicateError) as caught:
        services.customers.register(sibling, actor=BOB)
    assert caught.value.details["candidates"]
    reason = "另一家法人实体，统一社会信用代码不同"
    registration = services.customers.register(
        sibling.model_copy(update={"confirm_reason": reason}), actor=BOB
    )
    assert registration.candidates  # the near miss is reported with the result
    history = services.customers.history(registration.customer.customer_no, actor=BOB)
    assert history[0]["action"] == "customer.register"
    assert history[0]["reason"] == reason


@pytest.mark.parametrize(
    ("name", "uscc", "error"),
    [
        ("王总", None, NamingRuleError),
        ("N/A", None, NamingRuleError),
        ("", None, NamingRuleError),
        ("有限公司", None, NamingRuleError),
        (BYTEDANCE, "91110108551385082X", InvalidIdentifierError),
    ],
)
def test_bad_names_and_identifiers_are_refused_and_nothing_is_written(
    services: Services, name: str, uscc: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.customers.register(CustomerCreate(name=name, uscc=uscc), actor=ALICE)
    assert _count(services) == 0


def test_a_naming_rule_error_carries_the_problems(services: Services) -> None:
    with pytest.raises(NamingRuleError) as caught:
        services.customers.register(CustomerCreate(name="李经理"), actor=ALICE)
    codes = [problem["code"] for problem in caught.value.details["problems"]]
    assert "individual.title_as_name" in codes


def test_update_needs_the_current_version_and_names_who_changed_it(services: Services) -> None:
    number = _register_bytedance(services)
    updated = services.customers.update(
        number, CustomerUpdate(type="vip", tags=["战略"]), expected_version=1, actor=ALICE
    )
    assert (updated.type.value, updated.version, updated.tags) == ("vip", 2, ("战略",))
    with pytest.raises(VersionConflictError) as caught:
        services.customers.update(
            number, CustomerUpdate(size="large"), expected_version=1, actor=ALICE
        )
    assert caught.value.details["current_version"] == 2
    assert caught.value.details["changed_by"] == "alice"
    assert services.customers.get(number, actor=ALICE).size is None


def test_update_refuses_a_credit_code_of_another_customer(services: Services) -> None:
    _register_bytedance(services)
    other = services.customers.register(
        CustomerCreate(name="深圳市腾讯计算机系统有限公司"), actor=ALICE
    ).customer
    with pytest.raises(DuplicateCustomerError):
        services.customers.update(
            other.customer_no,
            CustomerUpdate(uscc=BYTEDANCE_USCC),
            expected_version=other.version,
            actor=ALICE,
        )


def test_rename_keeps_the_old_name_as_a_dated_former_name_that_search_still_finds(
    services: Services,
) -> None:
    number = _register_bytedance(services)
    renamed = services.customers.rename(
        number,
        RenameInput(name="北京抖音科技有限公司", effective=datetime.date(2024, 1, 1)),
        expected_version=1,
        actor=ALICE,
    )
    assert renamed.name == "北京抖音科技有限公司"
    former = renamed.names_of(NameType.FORMER)
    assert [(n.name, n.valid_to) for n in former] == [(BYTEDANCE, datetime.date(2024, 1, 1))]
    hits = services.search.search(BYTEDANCE, actor=ALICE)
    assert hits[0].customer.customer_no == number
    assert hits[0].matched_name is not None
    assert hits[0].matched_name.type is NameType.FORMER
    # Registering the old name again finds the renamed customer.
    candidates = services.customers.check(DuplicateQuery(name=BYTEDANCE), actor=ALICE)
    assert candidates[0].customer.customer_no == number


def test_aliases_are_added_once_and_the_legal_name_cannot_be_removed(services: Services) -> None:
    number = _register_bytedance(services)
    customer = services.customers.add_alias(
        number, AliasInput(name="抖音", type="brand"), actor=ALICE
    )
    again = services.customers.add_alias(number, AliasInput(name="抖音", type="brand"), actor=ALICE)
    assert again.version == customer.version
    brand = customer.names_of(NameType.BRAND)[0]
    assert services.search.search("抖音", actor=ALICE)[0].customer.customer_no == number
    legal = customer.names_of(NameType.LEGAL)[0]
    assert legal.id is not None
    assert brand.id is not None
    with pytest.raises(InvalidInputError):
        services.customers.remove_alias(number, legal.id, actor=ALICE)
    removed = services.customers.remove_alias(number, brand.id, actor=ALICE)
    assert not removed.names_of(NameType.BRAND)
    assert not services.search.search("抖音", actor=ALICE)


def test_archive_restore_and_recycle_bin_never_delete(services: Services) -> None:
    number = _register_bytedance(services)
    archived = services.customers.set_status(number, CustomerStatus.ARCHIVED, actor=ALICE)
    assert archived.status is CustomerStatus.ARCHIVED
    with pytest.raises(InvalidStateError):
        services.customers.set_status(number, CustomerStatus.ARCHIVED, actor=ALICE)
    # Archived customers still count as duplicates: the company exists.
    with pytest.raises(DuplicateCustomerError):
        services.customers.register(CustomerCreate(name=BYTEDANCE), actor=BOB)
    deleted = services.customers.set_status(number, CustomerStatus.DELETED, actor=ALICE)
    assert deleted.status is CustomerStatus.DELETED
    assert services.customers.list(actor=ALICE).total == 0
    restored = services.customers.set_status(number, CustomerStatus.ACTIVE, actor=ALICE)
    assert restored.status is CustomerStatus.ACTIVE
    actions = [entry["action"] for entry in services.customers.history(number, actor=ALICE)]
    assert actions == [
        "customer.register",
        "customer.archive",
        "customer.delete",
        "customer.restore",
    ]


def test_changes_to_an_archived_customer_are_refused(services: Services) -> None:
    number = _register_bytedance(services)
    services.customers.set_status(number, CustomerStatus.ARCHIVED, actor=ALICE)
    with pytest.raises(InvalidStateError):
        services.customers.update(
            number, CustomerUpdate(size="large"), expected_version=2, actor=ALICE
        )


def test_missing_customers_are_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError):
        services.customers.get("C209912-999999", actor=SYSTEM)
    with pytest.raises(NotFoundError):
        services.customers.update("42", CustomerUpdate(size="x"), expected_version=1, actor=SYSTEM)


def test_record_level_access_own_team_all(services: Services) -> None:
    number = _register_bytedance(services)
    assert services.customers.get(number, actor=NORTH_LEAD).owner == "alice"
    with pytest.raises(PermissionDeniedError) as caught:
        services.customers.get(number, actor=BOB)
    assert caught.value.details == {"customer_no": number, "owner": "alice"}
    with pytest.raises(PermissionDeniedError):
        services.customers.update(number, CustomerUpdate(size="x"), expected_version=1, actor=BOB)
    assert services.customers.list(actor=BOB).total == 0
    assert services.customers.list(actor=NORTH_LEAD).total == 1
    assert services.customers.list(actor=SYSTEM).total == 1


def test_the_duplicate_check_shows_hidden_customers_only_by_number_and_owner(
    services: Services,
) -> None:
    number = _register_bytedance(services)
    [hidden] = services.customers.check(DuplicateQuery(name="字节跳动(北京)科技"), actor=BOB)
    assert hidden.to_dict().keys() == {
        "customer_no",
        "owner",
        "decision",
        "probability",
        "visible",
    }
    assert hidden.to_dict()["customer_no"] == number
    [shown] = services.customers.check(DuplicateQuery(name="字节跳动(北京)科技"), actor=ALICE)
    assert shown.to_dict()["name"] == BYTEDANCE
    assert {e["comparison"] for e in shown.to_dict()["evidence"]} >= {"name", "region"}


def test_the_duplicate_check_uses_phone_and_credit_code(services: Services) -> None:
    number = _register_bytedance(services)
    by_uscc = services.customers.check(
        DuplicateQuery(name="北京某某网络有限公司", uscc=BYTEDANCE_USCC), actor=ALICE
    )
    assert by_uscc[0].customer.customer_no == number
    assert by_uscc[0].decision.value == "same"
    by_phone = services.customers.check(
        DuplicateQuery(name="字节跳动", phone="13800138000"), actor=ALICE
    )
    assert by_phone[0].customer.customer_no == number


def test_a_new_company_has_no_candidates(services: Services) -> None:
    _register_bytedance(services)
    assert (
        services.customers.check(DuplicateQuery(name="杭州娃哈哈集团有限公司"), actor=ALICE) == []
    )


@pytest.mark.parametrize(
    ("query", "expected_match"),
    [
        ("字节跳动", "name"),
        ("字节", "name_key"),
        ("zjtd", "pinyin"),
        ("zjtdkj", "pinyin"),
        ("zijietiaodongkeji", "pinyin"),
        ("ByteDance", "name"),
        (BYTEDANCE_USCC, "identifier"),
        ("138-0013-8000", "identifier"),
        ("跳动科技", "substring"),
    ],
)
def test_search_finds_a_customer_from_anything_a_rep_remembers(
    services: Services, query: str, expected_match: str
) -> None:
    number = _register_bytedance(services)
    services.customers.register(CustomerCreate(name="深圳市腾讯计算机系统有限公司"), actor=ALICE)
    hits = services.search.search(query, actor=ALICE)
    assert hits[0].customer.customer_no == number
    assert hits[0].to_dict()["match"] == expected_match


def test_search_by_customer_number_and_ranking(services: Services) -> None:
    number = _register_bytedance(services)
    sibling = services.customers.register(
        CustomerCreate(name="北京字节跳动网络技术有限公司", confirm_reason="不同的法人"),
        actor=ALICE,
    ).customer
    assert services.search.search(number, actor=ALICE)[0].customer.customer_no == number
    hits = services.search.search(BYTEDANCE, actor=ALICE)
    assert [hit.customer.customer_no for hit in hits][:2] == [number, sibling.customer_no]


def test_an_unknown_sort_is_refused(services: Services) -> None:
    with pytest.raises(InvalidInputError):
        services.customers.list(actor=ALICE, sort="size; drop table customer")


def test_list_filters_sorts_and_paginates(services: Services) -> None:
    _register_bytedance(services)
    names = [
        "深圳市腾讯计算机系统有限公司",
        "杭州阿里巴巴网络技术有限公司",
        "上海拉扎斯信息科技有限公司",
    ]
    for name in names:
        services.customers.register(CustomerCreate(name=name, tags=["互联网"]), actor=ALICE)
    page = services.customers.list(actor=ALICE, sort="customer_no", page=2, page_size=3)
    assert (page.total, len(page.items)) == (4, 1)
    tagged = services.customers.list(actor=ALICE, filters=CustomerFilter(tag="互联网"))
    assert tagged.total == 4
    beijing = services.customers.list(actor=ALICE, filters=CustomerFilter(region_code="110000"))
    assert [c.name for c in beijing.items] == [BYTEDANCE]
    shenzhen = services.customers.list(actor=ALICE, filters=CustomerFilter(region_code="440000"))
    assert [c.name for c in shenzhen.items] == ["深圳市腾讯计算机系统有限公司"]


def test_every_change_is_in_the_audit_log_with_before_and_after(services: Services) -> None:
    number = _register_bytedance(services)
    services.customers.update(
        number, CustomerUpdate(owner="carol"), expected_version=1, actor=SYSTEM
    )
    entries = services.customers.history(number, actor=SYSTEM)
    assert entries[-1]["actor"] == "system"
    assert entries[-1]["before"]["owner"] == "alice"
    assert entries[-1]["after"]["owner"] == "carol"


def test_the_service_offers_exactly_the_sorts_storage_knows() -> None:
    from zhengming.services.customers import SORTS as OFFERED
    from zhengming.storage.customers import SORTS as KNOWN

    assert set(OFFERED) == set(KNOWN)
