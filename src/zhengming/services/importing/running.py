"""Running a previewed import batch as a job: chunk by chunk, resumable, each row once.

Every chunk is one transaction that applies its rows (``applying.RowApplier``), records each
row's action and moves the job's progress and heartbeat: a run that stops (crash, lost
connection, Ctrl-C) leaves the batch ``running`` with some rows applied, and running it again
applies the rest. A chunk that fails for a reason other than a refusal is rolled back and its
rows are applied one per transaction, so only the culprit is marked ``failed``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zhengming.domain.customer import Actor
from zhengming.errors import (
    BatchError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    ZhengmingError,
)
from zhengming.services.clock import utc_now
from zhengming.services.customers import CustomerService
from zhengming.services.importing.applying import ACTIONS, FAILED, MODES, RowApplier
from zhengming.services.jobs import abandon_if_stale, job_error
from zhengming.services.ports import AuditEntry, ImportBatch, ImportRow, Job, UnitOfWork
from zhengming.services.ports import UnitOfWorkFactory as Factory

Progress = Callable[[str, int, int], None]
#: A running import whose heartbeat is older than this is taken as crashed.
STALE_AFTER = datetime.timedelta(minutes=5)
#: Shortest reason accepted (``create`` mode, revert), as CustomerCreate.confirm_reason.
MIN_REASON = 2
#: Failed rows a result lists (all of them stay stored with the batch).
_FAILED_SHOWN = 200


@dataclass(frozen=True, slots=True)
class ImportResult:
    """A finished run: rows per action, and the rows that failed."""

    batch: ImportBatch
    failed: list[ImportRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.id,
            "status": self.batch.status,
            "on_duplicate": self.batch.on_duplicate,
            "job_id": self.batch.job_id,
            "result": self.batch.result,
            "failed": [row.to_dict() for row in self.failed],
        }


def check_run_options(on_duplicate: str, reason: str | None) -> tuple[str, str | None]:
    """The run mode and reason, checked (front doors call it before a preview too).

    Raises:
        InvalidInputError: an unknown mode, or ``create`` without a reason.
    """
    if on_duplicate not in MODES:
        raise InvalidInputError(
            f"未知的重复处理方式 / unknown on-duplicate mode: {on_duplicate}",
            details={"on_duplicate": on_duplicate, "modes": list(MODES)},
        )
    reason = reason.strip() if reason and reason.strip() else None
    if on_duplicate == "create" and (reason is None or len(reason) < MIN_REASON):
        raise InvalidInputError(
            "“仍然创建”需要填写原因 / create mode needs a reason",
            details={"on_duplicate": on_duplicate},
        )
    return on_duplicate, reason


@dataclass
class ImportRunner:
    """Runs one batch at a time for :meth:`ImportService.run`."""

    unit_of_work: Factory
    customers: CustomerService
    chunk_size: int = 200

    def run(
        self,
        batch_id: int,
        *,
        actor: Actor,
        on_duplicate: str = "skip",
        reason: str | None = None,
        progress: Progress | None = None,
        job_id: int | None = None,
    ) -> ImportResult:
        """See :meth:`ImportService.run <zhengming.services.importing.ImportService.run>`."""
        try:
            mode, reason = check_run_options(on_duplicate, reason)
            batch, job_id = self._start(batch_id, actor, mode, reason, job_id)
        except Exception as exc:
            if job_id is not None:
                self._fail(job_id, exc)  # a queued job must not stay queued forever
            raise
        try:
            self._apply_all(batch, job_id, actor, progress)
            return self._finish(batch.id, job_id, actor)
        except Exception as exc:
            self._fail(job_id, exc)
            if isinstance(exc, ZhengmingError):
                raise
            raise BatchError(
                f"导入中断，可重新运行以继续 / the import stopped; run it again to resume: {exc}",
                details={"batch_id": batch.id, "job_id": job_id},
            ) from exc

    def queue(self, batch_id: int, *, actor: Actor, on_duplicate: str, reason: str | None) -> Job:
        """See :meth:`ImportService.create_job`."""
        mode, reason = check_run_options(on_duplicate, reason)
        with self.unit_of_work(write=True) as uow:
            uow.customers.lock_keys([f"import:{batch_id}"])
            batch = load_batch(uow, batch_id)
            refuse_start(uow, batch, mode)
            job_id = uow.jobs.add(
                {
                    "kind": "import",
                    "status": "queued",
                    "params": {"batch_id": batch.id, "on_duplicate": mode},
                    "total": batch.row_count,
                    "created_by": actor.username,
                    "created_at": utc_now(),
                }
            )
            job = uow.jobs.get(job_id)
        assert job is not None
        return job

    def _start(
        self, batch_id: int, actor: Actor, mode: str, reason: str | None, job_id: int | None
    ) -> tuple[ImportBatch, int]:
        now = utc_now()
        with self.unit_of_work(write=True) as uow:
            uow.customers.lock_keys([f"import:{batch_id}"])
            batch = load_batch(uow, batch_id)
            refuse_start(uow, batch, mode)
            done = sum(uow.imports.count_actions(batch.id).values())
            running = {
                "status": "running",
                "stage": "import",
                "done": done,
                "total": batch.row_count,
                "started_at": now,
                "heartbeat_at": now,
            }
            if job_id is None:
                job_id = uow.jobs.add(
                    {
                        "kind": "import",
                        "params": {"batch_id": batch.id, "on_duplicate": mode},
                        "created_by": actor.username,
                        "created_at": now,
                        **running,
                    }
                )
            else:
                uow.jobs.update(job_id, **running)
            uow.imports.update_batch(
                batch.id,
                status="running",
                on_duplicate=mode,
                reason=reason,
                job_id=job_id,
                started_at=batch.started_at or now,
            )
            batch = load_batch(uow, batch.id)
        return batch, job_id

    def _apply_all(
        self, batch: ImportBatch, job_id: int, actor: Actor, progress: Progress | None
    ) -> None:
        while True:
            try:
                done = self._apply_chunk(batch, job_id, actor, per_row=False)
            except Exception:
                # Something beyond a refusal (a constraint, a lost connection): the chunk was
                # rolled back; apply its rows one per transaction so only the culprit fails.
                done = self._apply_chunk(batch, job_id, actor, per_row=True)
            if done is None:
                return
            if progress:
                progress("import", done, batch.row_count)

    def _apply_chunk(
        self, batch: ImportBatch, job_id: int, actor: Actor, *, per_row: bool
    ) -> int | None:
        """Apply the next pending rows; the number of rows applied so far, None when none is
        left."""
        with self.unit_of_work() as uow:
            pending = uow.imports.rows(batch.id, pending=True, limit=self.chunk_size)
        if not pending:
            return None
        groups = [[row] for row in pending] if per_row else [pending]
        for group in groups:
            try:
                self._apply_rows(batch, job_id, actor, group)
            except Exception as exc:
                if not per_row:
                    raise
                with self.unit_of_work(write=True) as uow:
                    error = job_error(exc)
                    uow.imports.update_row(
                        group[0].id, action=FAILED, error=error, applied_at=utc_now()
                    )
        with self.unit_of_work(write=True) as uow:
            done = sum(uow.imports.count_actions(batch.id).values())
            uow.jobs.update(job_id, done=done, heartbeat_at=utc_now())
        return done

    def _apply_rows(
        self, batch: ImportBatch, job_id: int, actor: Actor, rows: list[ImportRow]
    ) -> None:
        with self.unit_of_work(write=True) as uow:
            applier = RowApplier(
                uow,
                self.customers,
                batch,
                actor,
                batch.on_duplicate or "skip",
                batch.reason,
                job_id,
            )
            for row in rows:
                # Re-read: a crashed run's retry must not apply a row twice.
                current = uow.imports.row(batch.id, row.row_number)
                if current is None or current.action is not None:
                    continue
                uow.imports.update_row(row.id, **applier.apply(current), applied_at=utc_now())

    def _finish(self, batch_id: int, job_id: int, actor: Actor) -> ImportResult:
        now = utc_now()
        with self.unit_of_work(write=True) as uow:
            counts = uow.imports.count_actions(batch_id)
            result = {action: counts.get(action, 0) for action in ACTIONS}
            uow.imports.update_batch(batch_id, status="done", result=result, finished_at=now)
            uow.jobs.update(
                job_id,
                status="succeeded",
                result={"batch_id": batch_id, **result},
                done=sum(result.values()),
                finished_at=now,
                heartbeat_at=now,
                stage=None,
            )
            batch = load_batch(uow, batch_id)
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "import.run",
                    "import_batch",
                    str(batch_id),
                    after={
                        "file_name": batch.file_name,
                        "sha256": batch.sha256,
                        "on_duplicate": batch.on_duplicate,
                        "result": result,
                    },
                    reason=batch.reason,
                )
            )
            failed = [
                row for row in uow.imports.rows(batch_id, applied=True) if row.action == FAILED
            ][:_FAILED_SHOWN]
        return ImportResult(batch, failed)

    def _fail(self, job_id: int, exc: Exception) -> None:
        error = job_error(exc)
        try:
            with self.unit_of_work(write=True) as uow:
                now = utc_now()
                uow.jobs.update(
                    job_id, status="failed", error=error, finished_at=now, heartbeat_at=now
                )
        except ZhengmingError:
            pass  # the database is gone: the stale heartbeat will tell the next run


def refuse_start(uow: UnitOfWork, batch: ImportBatch, mode: str) -> None:
    """Refuse to run a batch that is not previewed, or is running, or resumes in another mode."""
    if batch.status not in ("previewed", "running"):
        raise InvalidStateError(
            f"导入批次状态为 {batch.status}，不能运行 / the batch is {batch.status}",
            details={"batch_id": batch.id, "status": batch.status},
        )
    if batch.status == "running":
        refuse_running(uow, batch)
        if batch.on_duplicate != mode:
            raise InvalidStateError(
                f"该批次以 {batch.on_duplicate} 方式开始，请用同一方式继续 / resume the "
                f"batch in the mode it started with: {batch.on_duplicate}",
                details={"batch_id": batch.id, "on_duplicate": batch.on_duplicate},
            )


def refuse_running(uow: UnitOfWork, batch: ImportBatch) -> None:
    """Refuse a batch whose job is running with a fresh heartbeat (mark a stale one failed)."""
    job = uow.jobs.get(batch.job_id) if batch.job_id is not None else None
    if job is None or job.status != "running":
        return
    if abandon_if_stale(uow, job, stale_after=STALE_AFTER):
        return
    raise InvalidStateError(
        "该批次正在导入 / the batch is being imported right now",
        details={"batch_id": batch.id, "job_id": job.id},
    )


def load_batch(uow: UnitOfWork, batch_id: int) -> ImportBatch:
    """The batch, or NotFoundError."""
    batch = uow.imports.batch(batch_id)
    if batch is None:
        raise NotFoundError(
            f"导入批次不存在 / no such import batch: {batch_id}", details={"batch_id": batch_id}
        )
    return batch
