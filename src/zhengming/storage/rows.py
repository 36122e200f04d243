"""Small helpers every repository shares."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of a single-row insert."""
    key = result.inserted_primary_key
    assert key is not None  # single-row inserts always report their key
    return int(key[0])
