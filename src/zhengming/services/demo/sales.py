"""The invented sales team demo customers are shared among, and the tags they carry."""

from __future__ import annotations

import random
from typing import Any

from zhengming.domain.customer import CustomerType

DEFAULT_SEED = 2260
DEMO_TAG = "demo"

#: (owner, team): invented user names, so that lists filter by owner and checks name one.
SALES_REPS = (
    ("zhang.wei", "华北"),
    ("li.na", "华北"),
    ("wang.fang", "华东"),
    ("liu.yang", "华东"),
    ("chen.jing", "华东"),
    ("zhao.lei", "华南"),
    ("huang.min", "华南"),
)
_TYPES = (
    (CustomerType.PROSPECT, 45),
    (CustomerType.CUSTOMER, 35),
    (CustomerType.PARTNER, 12),
    (CustomerType.VIP, 8),
)
_EXTRA_TAGS = ("重点客户", "渠道", "招投标", "待跟进")


def relationship(rng: random.Random) -> dict[str, Any]:
    """Owner, team and customer type of one demo customer (``CustomerCreate`` fields)."""
    owner, team = rng.choice(SALES_REPS)
    kind = rng.choices([t for t, _ in _TYPES], weights=[w for _, w in _TYPES])[0]
    return {"owner": owner, "team": team, "type": kind}


def tags(rng: random.Random, *more: str) -> list[str]:
    """``demo`` (to find or clear them later), ``more``, and sometimes a working tag."""
    extra = [rng.choice(_EXTRA_TAGS)] if rng.random() < 0.3 else []
    return [DEMO_TAG, *more, *extra]
