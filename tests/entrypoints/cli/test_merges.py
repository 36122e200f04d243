"""``zhengming merge`` and ``zhengming unmerge``: plan, merge, undo, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cli import run, runner
from tests.support.seeding import seed as seed_services
from zhengming.bootstrap import build_services
from zhengming.domain.customer import SYSTEM
from zhengming.entrypoints.cli import app
from zhengming.services.bulk import BulkCustomer
from zhengming.services.commands import CustomerUpdate
from zhengming.settings import Settings

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_TRADITIONAL = "字节跳动（北京）科技有限公司"
#: Invented credit codes with valid check characters.
CODE_A = "911101080000001010"
CODE_B = "911101080000001023"


def seed(db: str, *customers: BulkCustomer) -> list[str]:
    """Store customers as trusted rows (register would refuse near-duplicates); their numbers."""
    services = build_services(Settings(database_url=db))
    try:
        return seed_services(services, list(customers))
    finally:
        services.close()


def seed_bytedance(db: str) -> list[str]:
    return seed(
        db,
        BulkCustomer(BYTEDANCE, uscc=CODE_A),
        BulkCustomer(BYTEDANCE_TRADITIONAL, industry="I64"),
    )


def change_industry(db: str, ref: str, industry: str) -> None:
    services = build_services(Settings(database_url=db))
    try:
        current = services.customers.get(ref, actor=SYSTEM)
        services.customers.update(
            ref, CustomerUpdate(industry=industry), expected_version=current.version, actor=SYSTEM
        )
    finally:
        services.close()


def show(db: str, ref: str) -> dict[str, Any]:
    customer: dict[str, Any] = run(db, "customers", "show", ref)["customer"]
    return customer


def test_dry_run_prints_the_plan_and_changes_nothing(db: str) -> None:
    kept, merged = seed_bytedance(db)
    result = runner.invoke(app, ["merge", merged, kept, "--dry-run", "--db", db])
    assert result.exit_code == 0, result.output
    for expected in ("dry run", kept, merged, "I64", "industry", BYTEDANCE_TRADITIONAL, "former"):
        assert expected in result.stdout
    plan = run(db, "merge", merged, kept, "--dry-run")
    assert [r["customer_no"] for r in plan["records"]] == [kept, merged]
    assert plan["values"]["industry"]["from"] == plan["records"][1]["id"]
    assert show(db, merged)["status"] == "active"
    assert show(db, merged)["version"] == 1


def test_merge_prints_the_id_and_the_old_number_shows_the_survivor(db: str) -> None:
    kept, merged = seed_bytedance(db)
    result = runner.invoke(app, ["merge", kept, merged, "--reason", "同一家公司", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"into {kept}" in result.stdout
    assert "zhengming unmerge 1" in result.stdout
    survivor = show(db, merged)
    assert survivor["customer_no"] == kept
    assert survivor["industry"] == "I64"


def test_merge_json_and_the_users_choices(db: str) -> None:
    kept, merged = seed_bytedance(db)
    result = run(db, "merge", kept, merged, "--survivor", merged, "--take", f"industry={kept}")
    assert result["survivor"]["customer_no"] == merged
    assert result["survivor"]["uscc"] == CODE_A  # the survivor had none: filled from the other
    assert result["survivor"]["industry"] is None  # taken from kept, which had none
    assert [m["status"] for m in result["merged"]] == ["merged"]
    assert result["plan"]["survivor_id"] == result["survivor"]["id"]


def test_unmerge_restores_and_cannot_be_repeated(db: str) -> None:
    kept, merged = seed_bytedance(db)
    merge_id = run(db, "merge", kept, merged)["merge_id"]
    result = runner.invoke(app, ["unmerge", str(merge_id), "--reason", "误合并", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"{merged} {BYTEDANCE_TRADITIONAL}: active" in result.stdout
    assert show(db, merged)["customer_no"] == merged
    again = run(db, "unmerge", str(merge_id), code=1)
    assert again["code"] == "customer.invalid_state"


def test_unmerge_shows_the_survivors_later_changes_it_kept(db: str) -> None:
    kept, merged = seed_bytedance(db)
    merge_id = run(db, "merge", kept, merged)["merge_id"]
    change_industry(db, kept, "I65")  # after the merge: undo must keep it
    undone = run(db, "unmerge", str(merge_id))
    assert undone["conflicts"] == [
        {"field": "industry", "before_merge": None, "set_by_merge": "I64", "current": "I65"}
    ]
    assert [r["customer_no"] for r in undone["restored"]] == [merged]


def test_unmerge_tables_a_conflict_for_people(db: str) -> None:
    kept, merged = seed_bytedance(db)
    merge_id = run(db, "merge", kept, merged)["merge_id"]
    change_industry(db, kept, "I65")  # after the merge: undo must keep it
    result = runner.invoke(app, ["unmerge", str(merge_id), "--db", db])
    assert result.exit_code == 0, result.output
    for expected in ("industry", "I64", "I65", "kept"):
        assert expected in result.stdout


def test_different_credit_codes_need_an_override_reason(db: str) -> None:
    a, b = seed(
        db,
        BulkCustomer("平安银行股份有限公司", uscc=CODE_A),
        BulkCustomer("平安银行有限公司", uscc=CODE_B),
    )
    refused = run(db, "merge", a, b, code=1)
    assert (refused["code"], refused["details"]["reason"]) == ("merge.refused", "different_uscc")
    result = runner.invoke(app, ["merge", a, b, "--db", db])
    assert result.exit_code == 1
    assert "merge.refused" in result.stderr
    merged = run(db, "merge", a, b, "--override-reason", "同一法人，代码录错")
    assert merged["plan"]["override_reason"] == "同一法人，代码录错"


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["{a}", "{a}"], 2, "input.invalid"),
        (["{a}"], 2, "input.invalid"),
        (["{a}", "{b}", "--take", "industry"], 2, "input.invalid"),
        (["{a}", "{b}", "--take", "name={a}"], 2, "input.invalid"),
        (["{a}", "C200001-999999"], 1, "not_found"),
    ],
    ids=["itself", "one", "take_without_ref", "unknown_field", "unknown_customer"],
)
def test_bad_merges_exit_with_the_error(db: str, args: list[str], code: int, error: str) -> None:
    a, b = seed_bytedance(db)
    filled = [arg.format(a=a, b=b) for arg in args]
    assert run(db, "merge", *filled, code=code)["code"] == error
    assert show(db, b)["customer_no"] == b


def test_an_unknown_merge_exits_1(db: str) -> None:
    seed_bytedance(db)
    result = runner.invoke(app, ["unmerge", "42", "--db", db])
    assert result.exit_code == 1
    assert "not_found" in result.stderr
