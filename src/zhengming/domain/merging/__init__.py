"""Merging duplicate customers: survivorship rules as data, and merge plans with guards."""

from zhengming.domain.merging.plan import DEFAULT_MERGE_LIMIT, MergePlan, plan_merge
from zhengming.domain.merging.survivorship import (
    DEFAULT_RULE_ORDER,
    MERGED_FIELDS,
    SURVIVOR_RULES,
    choose_values,
    rank_records,
)

__all__ = [
    "DEFAULT_MERGE_LIMIT",
    "DEFAULT_RULE_ORDER",
    "MERGED_FIELDS",
    "SURVIVOR_RULES",
    "MergePlan",
    "choose_values",
    "plan_merge",
    "rank_records",
]
