"""Merge plans: what a merge of N customers will do, decided before anything is written.

A plan names the survivor, the value each field keeps and where it comes from, and every name
of the merged records that becomes an alias of the survivor (a merged record's registered name
becomes a former name). The guards refuse merges that would lose the truth: two different valid
credit codes are two legal entities (an admin may override, with a reason); a branch and its
head office are related, not the same; tombstones and the same record twice are mistakes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import Customer, CustomerName, CustomerStatus, NameType
from zhengming.domain.merging.survivorship import (
    DEFAULT_RULE_ORDER,
    choose_values,
    rank_records,
)
from zhengming.errors import InvalidInputError, InvalidStateError, MergeRefusedError

#: Most records one merge may combine (an installation setting; Odoo uses 3, we allow 10).
DEFAULT_MERGE_LIMIT = 10


@dataclass(frozen=True, slots=True)
class MergePlan:
    """Everything a merge will change, with the versions it was planned against."""

    survivor_id: int
    merged_ids: tuple[int, ...]
    values: dict[str, tuple[Any, int]]
    new_names: tuple[CustomerName, ...]
    versions: dict[int, int]
    override_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "survivor_id": self.survivor_id,
            "merged_ids": list(self.merged_ids),
            "values": {
                field: {"value": _jsonable(value), "from": source}
                for field, (value, source) in self.values.items()
            },
            "new_names": [name.to_dict() for name in self.new_names],
            "versions": {str(key): value for key, value in self.versions.items()},
            "override_reason": self.override_reason,
        }


def plan_merge(
    customers: Sequence[Customer],
    *,
    survivor_id: int | None = None,
    overrides: Mapping[str, int] | None = None,
    limit: int = DEFAULT_MERGE_LIMIT,
    rule_order: Sequence[str] = DEFAULT_RULE_ORDER,
    override_reason: str | None = None,
    today: datetime.date | None = None,
) -> MergePlan:
    """Plan the merge of ``customers`` into one, or raise why it must not happen.

    Args:
        customers: the records to merge (2 to ``limit``).
        survivor_id: the user's choice of survivor; by the survivorship rules when omitted.
        overrides: per field, the id of the record whose value to keep.
        override_reason: lets an admin merge records with different valid credit codes.
        today: the date merged legal names stop being current (default: today).
    """
    _check_records(customers, limit=limit)
    _check_identities(customers, override_reason=override_reason)
    ranked = rank_records(customers, rule_order=rule_order)
    if survivor_id is not None:
        chosen = next((c for c in ranked if c.id == survivor_id), None)
        if chosen is None:
            raise InvalidInputError(
                "指定的保留记录不在合并范围内 / the chosen survivor is not among the records",
                details={"survivor_id": survivor_id},
            )
        ranked.remove(chosen)
        ranked.insert(0, chosen)
    survivor = ranked[0]
    try:
        values = choose_values(ranked, overrides=overrides)
    except ValueError as exc:
        raise InvalidInputError(str(exc), details={"overrides": dict(overrides or {})}) from exc
    return MergePlan(
        survivor_id=survivor.id,
        merged_ids=tuple(c.id for c in ranked[1:]),
        values=values,
        new_names=_new_names(survivor, ranked[1:], today or datetime.date.today()),
        versions={c.id: c.version for c in customers},
        override_reason=override_reason,
    )


def _check_records(customers: Sequence[Customer], *, limit: int) -> None:
    ids = [c.id for c in customers]
    if len(set(ids)) != len(ids):
        raise InvalidInputError(
            "同一条记录不能与自己合并 / a record cannot be merged with itself",
            details={"ids": ids},
        )
    if len(ids) < 2:
        raise InvalidInputError("合并至少需要两条记录 / a merge needs two records", details={})
    if len(ids) > limit:
        raise InvalidInputError(
            f"一次最多合并 {limit} 条记录 / at most {limit} records per merge",
            details={"count": len(ids), "limit": limit},
        )
    gone = [c.customer_no for c in customers if c.status is CustomerStatus.MERGED]
    if gone:
        raise InvalidStateError(
            "已合并的记录不能再次合并 / merged records cannot be merged again",
            details={"customer_nos": gone},
        )


def _check_identities(customers: Sequence[Customer], *, override_reason: str | None) -> None:
    codes = {c.uscc for c in customers if c.uscc and identifiers.is_valid_uscc(c.uscc)}
    if len(codes) > 1 and not override_reason:
        raise MergeRefusedError(
            "统一社会信用代码不同，是不同的法人，不能合并 / different credit codes: "
            "different legal entities",
            details={"reason": "different_uscc", "uscc": sorted(codes)},
        )
    by_trade: dict[str, set[str | None]] = {}
    for customer in customers:
        if customer.trade_name:
            by_trade.setdefault(customer.trade_name, set()).add(customer.branch)
    for trade, branches in by_trade.items():
        if len(branches) > 1:
            raise MergeRefusedError(
                "分支机构与总部（或不同分支）是关联客户，不能合并 / a branch and its head office "
                "are related customers, not duplicates",
                details={
                    "reason": "branch",
                    "trade_name": trade,
                    "branches": sorted(map(str, branches)),
                },
            )


def _new_names(
    survivor: Customer, merged: Sequence[Customer], today: datetime.date
) -> tuple[CustomerName, ...]:
    """The merged records' names the survivor does not have yet, as aliases."""
    known = {(n.name, n.type) for n in survivor.names}
    added: list[CustomerName] = []
    for customer in merged:
        for name in customer.names:
            alias = name
            if name.type is NameType.LEGAL:
                alias = CustomerName(
                    name.name, NameType.FORMER, name.valid_from, name.valid_to or today
                )
            if (alias.name, alias.type) in known or (alias.name, NameType.LEGAL) in known:
                continue
            known.add((alias.name, alias.type))
            added.append(alias)
    return tuple(added)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return getattr(value, "value", value)
