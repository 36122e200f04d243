"""A duplicate cluster side by side: one column per member, one row per field, what differs.

The review page (``review.py``) shows these rows; this module only arranges the members'
values, so what counts as a difference is decided (and tested) in one place. A member the user
may not see has no values here at all, only a gap: its number and owner are shown apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhengming.domain.customer import Customer
from zhengming.domain.merging import MERGED_FIELDS
from zhengming.services.review import ClusterView, field_value, values_differ
from zhengming.services.users import User

#: The rows of the side-by-side view, in the order a reviewer reads them.
ROWS = (
    "name",
    "aliases",
    "uscc",
    "region_code",
    "industry",
    "type",
    "size",
    "owner",
    "team",
    "source",
    "last_verified_at",
)


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a cluster; a hidden one shows only its number and owner."""

    customer: Customer
    visible: bool


@dataclass(frozen=True, slots=True)
class Cell:
    """One member's value in one row; ``segments`` split a name into (text, differs) runs."""

    value: Any
    number: str
    segments: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """One field across the members (``None`` for a hidden member)."""

    field: str
    cells: tuple[Cell | None, ...]
    differs: bool
    #: A field the merge decides: a radio per member picks whose value survives.
    choosable: bool


def members_of(view: ClusterView, user: User) -> list[Member]:
    """The cluster's members, each with whether ``user`` may see it."""
    actor = user.actor
    return [Member(c, actor.can_see(owner=c.owner, team=c.team)) for c in view.members]


def comparison_rows(members: Sequence[Member]) -> list[Row]:
    """The side-by-side rows; a row differs when the visible members' values are not all equal.

    Example: two members named 北京字节跳动科技有限公司 and 字节跳动（北京）科技有限公司 give a
    ``name`` row that differs, each name split into runs so the template can mark the parts
    the other name does not have.
    """
    visible = [m.customer for m in members if m.visible]
    rows: list[Row] = []
    for name in ROWS:
        values = {c.customer_no: field_value(c, name) for c in visible}
        differs = values_differ(values.values())
        cells: list[Cell | None] = []
        for member in members:
            customer = member.customer
            if not member.visible:
                cells.append(None)
                continue
            segments: tuple[tuple[str, bool], ...] = ()
            if name == "name":
                others = [c.name for c in visible if c.customer_no != customer.customer_no]
                segments = marked(customer.name, others[0] if others else customer.name)
            cells.append(Cell(values[customer.customer_no], customer.customer_no, segments))
        rows.append(Row(name, tuple(cells), differs, differs and name in MERGED_FIELDS))
    return rows


def marked(text: str, other: str) -> tuple[tuple[str, bool], ...]:
    """``text`` as runs of (characters, whether ``other`` lacks them there).

    >>> marked("北京字节跳动科技有限公司", "字节跳动（北京）科技有限公司")
    (('北京', True), ('字节跳动科技有限公司', False))
    """
    matcher = difflib.SequenceMatcher(None, other, text, autojunk=False)
    runs: list[tuple[str, bool]] = []
    position = 0
    for block in matcher.get_matching_blocks():
        pieces = [(text[position : block.b], True), (text[block.b : block.b + block.size], False)]
        for piece, differs in pieces:
            if not piece:
                continue
            if runs and runs[-1][1] == differs:
                # Two matching blocks in a row (a part moved in the other name) read as one.
                piece = runs.pop()[0] + piece
            runs.append((piece, differs))
        position = block.b + block.size
    return tuple(runs)
