"""The side-by-side rows of a duplicate cluster: what differs, what a merge lets one choose, and
nothing of a member the user may not see."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from zhengming.domain.customer import Customer, CustomerName, CustomerStatus, NameType
from zhengming.entrypoints.web.comparison import ROWS, Member, comparison_rows, marked

BYTEDANCE = "北京字节跳动科技有限公司"
BYTEDANCE_2 = "字节跳动（北京）科技有限公司"
NOW = datetime.datetime(2026, 11, 23, 8, 0)


def customer(number: int, name: str, **fields: Any) -> Customer:
    fields.setdefault("names", (CustomerName(name, NameType.LEGAL),))
    return Customer(
        id=number,
        customer_no=f"C202611-{number:06d}",
        kind="company",
        name=name,
        name_key="k",
        status=CustomerStatus.ACTIVE,
        version=1,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


@pytest.mark.parametrize(
    ("text", "other", "runs"),
    [
        (BYTEDANCE, BYTEDANCE_2, (("北京", True), ("字节跳动科技有限公司", False))),
        (
            BYTEDANCE_2,
            BYTEDANCE,
            (("字节跳动", False), ("（北京）", True), ("科技有限公司", False)),
        ),
        ("abc", "abc", (("abc", False),)),
        ("", "abc", ()),
        ("abc", "", (("abc", True),)),
    ],
)
def test_marked_splits_a_name_into_what_differs(
    text: str, other: str, runs: tuple[tuple[str, bool], ...]
) -> None:
    assert marked(text, other) == runs
    assert "".join(piece for piece, _ in runs) == text


def test_rows_mark_differences_and_offer_a_choice_only_for_merged_fields() -> None:
    first = customer(1, BYTEDANCE, owner="alice", source="展会")
    second = customer(
        2,
        BYTEDANCE_2,
        owner="alice",
        source="电话",
        names=(CustomerName(BYTEDANCE_2, NameType.LEGAL), CustomerName("字节", NameType.SHORT)),
    )
    rows = {row.field: row for row in comparison_rows([Member(first, True), Member(second, True)])}
    assert list(rows) == list(ROWS)
    assert rows["name"].differs
    assert not rows["name"].choosable  # names are united, not chosen
    assert rows["aliases"].differs
    assert not rows["aliases"].choosable
    assert rows["source"].differs
    assert rows["source"].choosable
    assert not rows["owner"].differs
    assert not rows["owner"].choosable
    cells = rows["aliases"].cells
    assert cells[1] is not None
    assert cells[1].value == (("字节", "short"),)


def test_a_hidden_member_gives_nothing_away() -> None:
    mine = customer(1, BYTEDANCE, owner="alice", source="展会")
    theirs = customer(2, BYTEDANCE_2, owner="bob", source="电话")
    rows = comparison_rows([Member(mine, True), Member(theirs, False)])
    for row in rows:
        assert row.cells[1] is None
        assert not row.differs  # compared among the visible members only
        assert not row.choosable
