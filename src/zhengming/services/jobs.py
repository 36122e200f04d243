"""What every long job (scan, import) shares: how a crash is recognised and how an error is kept.

A running job writes a heartbeat as it advances; one whose heartbeat is older than its kind's
limit died with its process, and is marked failed so that a new run may start.
"""

from __future__ import annotations

import datetime
from typing import Any

from zhengming.errors import ZhengmingError
from zhengming.services.clock import utc_now
from zhengming.services.ports import Job, UnitOfWork


def job_error(exc: Exception) -> dict[str, Any]:
    """The error a failed job keeps: the ZhengmingError's code, message and details."""
    if isinstance(exc, ZhengmingError):
        return exc.to_dict()
    return {"code": "batch.failed", "message": str(exc)[:1000]}


def abandon_if_stale(uow: UnitOfWork, job: Job, *, stale_after: datetime.timedelta) -> bool:
    """Mark ``job`` failed if its heartbeat is older than ``stale_after``; whether it was."""
    if utc_now() - (job.heartbeat_at or job.created_at) <= stale_after:
        return False
    uow.jobs.update(
        job.id,
        status="failed",
        finished_at=utc_now(),
        error={"code": "batch.failed", "message": "abandoned (no heartbeat)"},
    )
    return True
