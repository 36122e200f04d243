"""The registry from the command line: add, show, search, check, rename, archive, restore."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.cli import run, runner
from zhengming.entrypoints.cli import app

BYTEDANCE = "北京字节跳动科技有限公司"
USCC = "91110108MA01ABCD5T"  # invented, with valid check characters


def add_bytedance(db: str) -> dict[str, Any]:
    added = run(
        db,
        *("customers", "add", BYTEDANCE, "--alias", "字节跳动", "--english", "ByteDance Ltd."),
        *("--uscc", USCC, "--phone", "13800138000", "--owner", "zhang.wei", "--team", "华北"),
        *("--tag", "重点客户", "--tag", "华北大区"),
    )
    customer: dict[str, Any] = added["customer"]
    return customer


def test_add_then_show(db: str) -> None:
    customer = add_bytedance(db)
    assert re.fullmatch(r"C\d{6}-\d{6}", customer["customer_no"])
    assert customer["owner"] == "zhang.wei"
    shown = run(db, "customers", "show", customer["customer_no"])
    names = {(n["name"], n["type"]) for n in shown["customer"]["names"]}
    assert names == {(BYTEDANCE, "legal"), ("字节跳动", "short"), ("ByteDance Ltd.", "english")}
    assert shown["customer"]["parts"]["trade_name"] == "字节跳动"
    assert shown["customer"]["contacts"][0]["phone"] == "+8613800138000"
    assert set(shown["customer"]["tags"]) == {"重点客户", "华北大区"}
    assert [entry["action"] for entry in shown["history"]] == ["customer.register"]


def test_show_for_people(db: str) -> None:
    customer = add_bytedance(db)
    result = runner.invoke(app, ["customers", "show", customer["customer_no"], "--db", db])
    assert result.exit_code == 0
    for expected in (BYTEDANCE, "字节跳动", "ByteDance Ltd.", "customer.register", "zhang.wei"):
        assert expected in result.stdout


def test_search_by_alias_initials_english_and_credit_code(db: str) -> None:
    number = add_bytedance(db)["customer_no"]
    for query, match, matched in [
        ("字节跳动", "name", "short"),
        ("zjtd", "pinyin", "legal"),
        ("ByteDance", "name_key", "english"),
        (USCC, "identifier", "legal"),
    ]:
        hit = run(db, "search", query)["items"][0]
        assert hit["customer_no"] == number, query
        assert (hit["match"], hit["matched_name"]["type"]) == (match, matched), query


def test_check_finds_it_and_a_traditional_spelling_is_refused(db: str) -> None:
    customer = add_bytedance(db)
    checked = run(db, "check", "字節跳動（北京）科技有限公司")
    best = checked["candidates"][0]
    assert (best["decision"], best["customer_no"]) == ("same", customer["customer_no"])
    assert best["owner"] == "zhang.wei"
    assert best["evidence"]
    refused = run(db, "customers", "add", "字節跳動（北京）科技有限公司", code=1)
    assert refused["code"] == "customer.duplicate"
    assert refused["details"]["customer_no"] == customer["customer_no"]
    assert refused["details"]["owner"] == "zhang.wei"


def test_refusal_for_people_names_the_owner(db: str) -> None:
    add_bytedance(db)
    result = runner.invoke(app, ["customers", "add", "字節跳動（北京）科技有限公司", "--db", db])
    assert result.exit_code == 1
    assert "customer.duplicate" in result.stderr
    assert "zhang.wei" in result.stderr


def test_check_exits_0_with_and_without_candidates(db: str) -> None:
    assert run(db, "check", "上海浦东发展银行股份有限公司") == {"candidates": []}
    add_bytedance(db)
    assert run(db, "check", "字节跳动", "--phone", "138 0013 8000")["candidates"]
    result = runner.invoke(app, ["check", BYTEDANCE, "--db", db])
    assert result.exit_code == 0
    assert "same" in result.stdout


def test_rename_keeps_the_former_name_searchable(db: str) -> None:
    number = add_bytedance(db)["customer_no"]
    renamed = run(
        db,
        *("customers", "rename", number, "北京抖音科技有限公司"),
        *("--effective", "2024-03-01", "--reason", "工商变更"),
    )
    assert renamed["name"] == "北京抖音科技有限公司"
    assert renamed["version"] == 2
    former = [n for n in renamed["names"] if n["type"] == "former"]
    assert former == [{**former[0], "name": BYTEDANCE, "valid_to": "2024-03-01"}]
    hit = run(db, "search", BYTEDANCE)["items"][0]
    assert hit["customer_no"] == number
    assert hit["matched_name"]["type"] == "former"
    history = run(db, "customers", "show", number)["history"]
    assert [(h["action"], h["reason"]) for h in history][-1] == ("customer.rename", "工商变更")


def test_archive_and_restore(db: str) -> None:
    number = add_bytedance(db)["customer_no"]
    archived = run(db, "customers", "archive", number, "--reason", "停止合作")
    assert archived["status"] == "archived"
    assert run(db, "customers", "list")["total"] == 0
    assert run(db, "customers", "list", "--status", "archived")["items"][0]["status"] == "archived"
    # An archived customer is still the same company: the check finds it.
    assert run(db, "check", BYTEDANCE)["candidates"][0]["status"] == "archived"
    assert run(db, "customers", "restore", number)["status"] == "active"
    again = run(db, "customers", "restore", number, code=1)
    assert again["code"] == "customer.invalid_state"


def test_list_filters_and_pages(db: str) -> None:
    add_bytedance(db)
    run(db, "customers", "add", "上海浦东发展银行股份有限公司", "--owner", "li.na", "--type", "vip")
    run(db, "customers", "add", "深圳市腾讯计算机系统有限公司", "--owner", "li.na")
    assert run(db, "customers", "list")["total"] == 3
    assert run(db, "customers", "list", "--owner", "li.na")["total"] == 2
    assert run(db, "customers", "list", "--tag", "重点客户")["items"][0]["name"] == BYTEDANCE
    assert run(db, "customers", "list", "--type", "vip")["total"] == 1
    page = run(db, "customers", "list", "--sort", "name", "--page", "2", "--page-size", "2")
    assert (page["page"], len(page["items"]), page["total"]) == (2, 1, 3)
    result = runner.invoke(app, ["customers", "list", "--db", db])
    assert "page 1 of 1 (3 customers)" in result.stdout


def test_likely_duplicate_needs_a_reason(db: str) -> None:
    add_bytedance(db)
    refused = run(db, "customers", "add", "北京字节跳动网络技术有限公司", code=1)
    assert refused["code"] == "customer.possible_duplicate"
    added = run(
        db,
        *("customers", "add", "北京字节跳动网络技术有限公司"),
        *("--confirm-reason", "另一家法人，营业执照已核对"),
    )
    assert added["customer"]["name"] == "北京字节跳动网络技术有限公司"


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["customers", "show", "C000000-000404"], 1, "not_found"),
        (["customers", "add", BYTEDANCE, "--uscc", "91110108MA01ABCD5X"], 2, "identifier.invalid"),
        (["customers", "add", ""], 2, "name.rule_violation"),
        (
            ["customers", "rename", "1", "新名称有限公司", "--effective", "yesterday"],
            2,
            "input.invalid",
        ),
        (["check", "😀😀"], 2, "input.invalid"),
    ],
)
def test_errors_are_json_with_their_exit_code(
    db: str, args: list[str], code: int, error: str
) -> None:
    assert run(db, *args, code=code)["code"] == error


def test_a_bad_database_url_is_a_storage_error() -> None:
    result = runner.invoke(app, ["customers", "list", "--db", "nosuchdriver://x", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["code"] == "storage.failed"
