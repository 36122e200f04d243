"""Survivorship: which record survives a merge, and which value each field keeps.

The rules are data, in priority order, so an installation can reorder them without code:
a valid 统一社会信用代码 first (the registered legal entity), then the most recently verified
record, then the most complete, then the oldest (the one people have used longest). For each
field the survivor's value is kept when it has one; otherwise the first non-empty value of the
other records in the same order. A user may override any field by naming the record to take it
from.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import Customer

#: Fields decided field by field (names, contacts and tags are united, not chosen).
MERGED_FIELDS = (
    "uscc",
    "type",
    "industry",
    "region_code",
    "size",
    "owner",
    "team",
    "source",
    "last_verified_at",
)

_EPOCH = datetime.datetime.min


def _valid_uscc(customer: Customer) -> int:
    return int(bool(customer.uscc) and identifiers.is_valid_uscc(customer.uscc or ""))


def _verified(customer: Customer) -> datetime.datetime:
    return customer.last_verified_at or _EPOCH


def _completeness(customer: Customer) -> int:
    filled = sum(getattr(customer, name) not in (None, "") for name in MERGED_FIELDS)
    return filled + len(customer.names) + len(customer.contacts) + len(customer.tags)


def _age(customer: Customer) -> tuple[datetime.datetime, int]:
    # Older first: negate by sorting on the timestamp ascending (see rank below).
    return customer.created_at, customer.id


#: Each rule: (name, key function, True if a larger key wins).
SURVIVOR_RULES: dict[str, tuple[Callable[[Customer], Any], bool]] = {
    "valid_uscc": (_valid_uscc, True),
    "most_recently_verified": (_verified, True),
    "most_complete": (_completeness, True),
    "oldest": (_age, False),
}
DEFAULT_RULE_ORDER = ("valid_uscc", "most_recently_verified", "most_complete", "oldest")


def rank_records(
    customers: Sequence[Customer], *, rule_order: Sequence[str] = DEFAULT_RULE_ORDER
) -> list[Customer]:
    """The records best first by the survivorship rules; the first one survives."""
    unknown = [rule for rule in rule_order if rule not in SURVIVOR_RULES]
    if unknown:
        raise ValueError(f"unknown survivorship rules: {unknown}")
    ranked = list(customers)
    # Stable sorts from the least to the most important rule give lexicographic priority.
    for rule in reversed(rule_order):
        key, larger_wins = SURVIVOR_RULES[rule]
        ranked.sort(key=key, reverse=larger_wins)
    return ranked


def choose_values(
    ranked: Sequence[Customer], *, overrides: Mapping[str, int] | None = None
) -> dict[str, tuple[Any, int]]:
    """Per field: (value, id of the record it comes from), for the survivor ``ranked[0]``.

    ``overrides`` maps a field to the id of the record whose value the user chose.
    """
    by_id = {customer.id: customer for customer in ranked}
    chosen: dict[str, tuple[Any, int]] = {}
    for field in MERGED_FIELDS:
        source = (overrides or {}).get(field)
        if source is not None:
            if source not in by_id:
                raise ValueError(f"override for {field} names a record not in the merge: {source}")
            chosen[field] = (getattr(by_id[source], field), source)
            continue
        filled = next((c for c in ranked if getattr(c, field) not in (None, "")), ranked[0])
        chosen[field] = (getattr(filled, field), filled.id)
    return chosen
