"""Scored duplicate pairs and their clusters: the :class:`~zhengming.services.ports.DuplicateStore`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zhengming.services.ports import StoredCluster, StoredPair
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import duplicate_cluster, duplicate_pair


class SqlDuplicateStore:
    """Pairs and clusters on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def pairs(
        self,
        *,
        statuses: Sequence[str] | None = None,
        customer_ids: Sequence[int] | None = None,
        cluster_id: int | None = None,
    ) -> list[StoredPair]:
        query = sa.select(duplicate_pair).order_by(duplicate_pair.c.id)
        if statuses is not None:
            query = query.where(duplicate_pair.c.status.in_(list(statuses)))
        if customer_ids is not None:
            ids = list(customer_ids)
            query = query.where(
                sa.or_(duplicate_pair.c.customer_a.in_(ids), duplicate_pair.c.customer_b.in_(ids))
            )
        if cluster_id is not None:
            query = query.where(duplicate_pair.c.cluster_id == cluster_id)
        return [_pair(row) for row in self._db.execute(query).mappings()]

    def add_pair(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(duplicate_pair.insert().values(values)))

    def update_pair(self, pair_id: int, **values: Any) -> None:
        self._db.execute(
            duplicate_pair.update().where(duplicate_pair.c.id == pair_id).values(values)
        )

    def add_cluster(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(duplicate_cluster.insert().values(values)))

    def update_cluster(self, cluster_id: int, **values: Any) -> None:
        self._db.execute(
            duplicate_cluster.update().where(duplicate_cluster.c.id == cluster_id).values(values)
        )

    def cluster(self, cluster_id: int) -> StoredCluster | None:
        row = (
            self._db.execute(
                sa.select(duplicate_cluster).where(duplicate_cluster.c.id == cluster_id)
            )
            .mappings()
            .first()
        )
        return _cluster(row) if row is not None else None

    def clusters(
        self, *, status: str | None, min_probability: float, offset: int, limit: int
    ) -> tuple[list[StoredCluster], int]:
        conditions: list[sa.ColumnElement[bool]] = [
            duplicate_cluster.c.probability >= min_probability
        ]
        if status is not None:
            conditions.append(duplicate_cluster.c.status == status)
        total = self._db.execute(
            sa.select(sa.func.count()).select_from(duplicate_cluster).where(*conditions)
        ).scalar_one()
        rows = self._db.execute(
            sa.select(duplicate_cluster)
            .where(*conditions)
            .order_by(duplicate_cluster.c.probability.desc(), duplicate_cluster.c.id)
            .offset(offset)
            .limit(limit)
        ).mappings()
        return [_cluster(row) for row in rows], int(total)


def _pair(row: RowMapping) -> StoredPair:
    return StoredPair(
        id=row["id"],
        customer_a=row["customer_a"],
        customer_b=row["customer_b"],
        cluster_id=row["cluster_id"],
        status=row["status"],
        probability=row["probability"],
        decision=row["decision"],
        evidence=row["evidence"] or [],
        name_a=row["name_a"],
        name_b=row["name_b"],
        fingerprint_a=row["fingerprint_a"],
        fingerprint_b=row["fingerprint_b"],
        found_at=row["found_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        reason=row["reason"],
    )


def _cluster(row: RowMapping) -> StoredCluster:
    return StoredCluster(
        id=row["id"],
        status=row["status"],
        probability=row["probability"],
        size=row["size"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        reason=row["reason"],
    )
