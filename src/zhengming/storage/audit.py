"""The append-only, hash-chained audit log.

Each row's hash is SHA-256 over the previous row's hash and the row's own canonical JSON, so a
row changed or removed after the fact breaks the chain, and :func:`verify_chain` finds where.
Appends happen inside the writing transaction, which holds the database's write lock (SQLite)
or the audit chain's advisory lock (PostgreSQL), so the chain never forks.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zhengming.services.ports import AuditEntry
from zhengming.storage import dialects
from zhengming.storage.tables import audit_log


def _digest(prev_hash: str | None, row: dict[str, Any]) -> str:
    canonical = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(((prev_hash or "") + canonical).encode()).hexdigest()


def _content(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("at", "actor", "action", "entity_type", "entity_id", "before", "after", "reason")
    return {key: row[key] for key in keys}


class SqlAuditLog:
    """Appends to and reads the audit log on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def append(self, entry: AuditEntry) -> None:
        dialects.lock_keys(self._db, ["audit_log"])
        prev = self._db.execute(
            sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
        ).scalar()
        at = entry.at or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        row = {
            "at": at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "before": _jsonable(entry.before),
            "after": _jsonable(entry.after),
            "reason": entry.reason,
        }
        self._db.execute(
            audit_log.insert().values(**{**row, "at": at}, prev_hash=prev, hash=_digest(prev, row))
        )

    def history(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            sa.select(audit_log)
            .where(audit_log.c.entity_type == entity_type, audit_log.c.entity_id == entity_id)
            .order_by(audit_log.c.id)
        ).mappings()
        return [_public(dict(row)) for row in rows]


def verify_chain(connection: Connection) -> int | None:
    """The id of the first audit row whose hash does not hold, or ``None`` if the chain is intact."""
    prev: str | None = None
    for raw in connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings():
        row = dict(raw)
        content = _content({**row, "at": row["at"].isoformat()})
        if row["prev_hash"] != prev or row["hash"] != _digest(prev, content):
            return int(row["id"])
        prev = row["hash"]
    return None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "at": row["at"].isoformat(),
        "actor": row["actor"],
        "action": row["action"],
        "entity_type": row["entity_type"],
        "entity_id": row["entity_id"],
        "before": row["before"],
        "after": row["after"],
        "reason": row["reason"],
    }


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # Round-trip through JSON so what is hashed is exactly what the JSON column stores.
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False, default=str))
