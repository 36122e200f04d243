"""Jobs (scans, imports) with their progress: the :class:`~zhengming.services.ports.JobStore`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zhengming.services.ports import Job
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import job


class SqlJobStore:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(job.insert().values(values)))

    def update(self, job_id: int, **values: Any) -> None:
        self._db.execute(job.update().where(job.c.id == job_id).values(values))

    def get(self, job_id: int) -> Job | None:
        row = self._db.execute(sa.select(job).where(job.c.id == job_id)).mappings().first()
        return _job(row) if row is not None else None

    def latest(self, kind: str, *, statuses: Sequence[str]) -> Job | None:
        row = (
            self._db.execute(
                sa.select(job)
                .where(job.c.kind == kind, job.c.status.in_(list(statuses)))
                .order_by(job.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return _job(row) if row is not None else None


def _job(row: RowMapping) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        status=row["status"],
        params=row["params"] or {},
        result=row["result"],
        error=row["error"],
        stage=row["stage"],
        done=row["done"],
        total=row["total"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        heartbeat_at=row["heartbeat_at"],
    )
