"""Merge events and customer links: :class:`~zhengming.services.ports.MergeStore` and
:class:`~zhengming.services.ports.LinkStore`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zhengming.services.ports import StoredLink, StoredMerge
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import customer_link, merge_event


class SqlMergeStore:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(merge_event.insert().values(values)))

    def get(self, merge_id: int) -> StoredMerge | None:
        row = (
            self._db.execute(sa.select(merge_event).where(merge_event.c.id == merge_id))
            .mappings()
            .first()
        )
        return _merge(row) if row is not None else None

    def update(self, merge_id: int, **values: Any) -> None:
        self._db.execute(merge_event.update().where(merge_event.c.id == merge_id).values(values))

    def for_customer(self, customer_id: int) -> list[StoredMerge]:
        """Merges the customer survived (newest first); merged records point to theirs."""
        rows = self._db.execute(
            sa.select(merge_event)
            .where(merge_event.c.survivor_id == customer_id)
            .order_by(merge_event.c.id.desc())
        ).mappings()
        return [_merge(row) for row in rows]


class SqlLinkStore:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(customer_link.insert().values(values)))

    def of(self, customer_id: int, *, include_ended: bool = False) -> list[StoredLink]:
        """Links from or to the customer, oldest first."""
        query = (
            sa.select(customer_link)
            .where(
                sa.or_(
                    customer_link.c.customer_id == customer_id,
                    customer_link.c.related_id == customer_id,
                )
            )
            .order_by(customer_link.c.id)
        )
        if not include_ended:
            query = query.where(customer_link.c.ended_at.is_(None))
        return [_link(row) for row in self._db.execute(query).mappings()]

    def get(self, link_id: int) -> StoredLink | None:
        row = (
            self._db.execute(sa.select(customer_link).where(customer_link.c.id == link_id))
            .mappings()
            .first()
        )
        return _link(row) if row is not None else None

    def update(self, link_id: int, **values: Any) -> None:
        self._db.execute(customer_link.update().where(customer_link.c.id == link_id).values(values))


def _merge(row: RowMapping) -> StoredMerge:
    return StoredMerge(
        id=row["id"],
        survivor_id=row["survivor_id"],
        merged_ids=list(row["merged_ids"]),
        plan=row["plan"],
        snapshot=row["snapshot"],
        changes=row["changes"],
        actor=row["actor"],
        reason=row["reason"],
        created_at=row["created_at"],
        undone_at=row["undone_at"],
        undone_by=row["undone_by"],
        undo_report=row["undo_report"],
    )


def _link(row: RowMapping) -> StoredLink:
    return StoredLink(
        id=row["id"],
        customer_id=row["customer_id"],
        related_id=row["related_id"],
        kind=row["kind"],
        effective_date=row["effective_date"],
        note=row["note"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        ended_at=row["ended_at"],
    )
