"""The import use cases: preview a file, run a previewed batch as a job (``running``), revert a
run (``reverting``)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhengming.domain.customer import Actor
from zhengming.errors import ColumnNotFoundError, InvalidInputError, InvalidStateError
from zhengming.services.clock import utc_now
from zhengming.services.customers import CustomerService
from zhengming.services.importing.records import ImportRecord, problem, read_record
from zhengming.services.importing.reverting import revert_rows
from zhengming.services.importing.running import (
    MIN_REASON,
    ImportResult,
    ImportRunner,
    Progress,
    load_batch,
    refuse_running,
)
from zhengming.services.importing.verdicts import (
    DUPLICATE_IN_FILE,
    VERDICTS,
    Verdict,
    judge,
    representatives,
)
from zhengming.services.paging import Page
from zhengming.services.ports import AuditEntry, ImportBatch, ImportRow, Job
from zhengming.services.ports import UnitOfWorkFactory as Factory
from zhengming.spreadsheets import FIELD_ALIASES, HeaderMapping, map_headers, open_table

#: Rows a preview returns (all of them are stored; ``rows()`` pages through them).
PREVIEW_ROWS = 200


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """A previewed (stored, not yet run) batch: its verdict totals and its first rows."""

    batch: ImportBatch
    header: list[str]
    rows: list[ImportRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.id,
            "batch": self.batch.to_dict(),
            "header": self.header,
            "totals": self.batch.totals,
            "rows": [row.to_dict() for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class RevertResult:
    batch_id: int
    archived: list[str]
    restored: list[str]
    conflicts: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "archived": self.archived,
            "restored": self.restored,
            "conflicts": self.conflicts,
        }


@dataclass
class ImportService:
    """Imports spreadsheets of customers: every row gets a verdict before anything is written."""

    unit_of_work: Factory
    customers: CustomerService
    #: Rows applied per transaction.
    chunk_size: int = 200

    # -- preview ---------------------------------------------------------------------------

    def preview(
        self,
        path: str | os.PathLike[str],
        *,
        actor: Actor,
        encoding: str | None = None,
        sheet: str | None = None,
        mapping: Mapping[str, Any] | None = None,
        file_name: str | None = None,
    ) -> ImportPreview:
        """Read the file, judge every row and store the verdicts as a ``previewed`` batch.

        Args:
            mapping: field -> column (header text or 0-based index, None to leave the field
                out), overriding the automatic header mapping; a saved
                ``HeaderMapping.to_dict()`` is accepted too (its ``headers`` are used).
            file_name: the name to store (an upload's original name); default: the path's.

        Raises:
            ColumnNotFoundError: no column maps to the customer name (``details.header`` lists
                the headers found), or the mapping names a column the file lacks.
            DataFileError: the file cannot be read (empty, corrupt, a zip bomb...).
        """
        path = Path(path)
        with open_table(path, encoding=encoding, sheet=sheet) as table:
            columns = map_headers(table.header, overrides=_overrides(mapping))
            _require_name(columns)
            by_column = {index: name for name, index in columns.columns.items()}
            read: dict[int, tuple[dict[str, str | None], ImportRecord]] = {}
            for row in table:
                cells = columns.record(row.cells)
                # A problem in a mapped cell loses data the row needs; elsewhere it loses nothing.
                cell_problems = [
                    problem(
                        str(p.code),
                        p.message,
                        field=by_column.get(p.column) if p.column is not None else None,
                        severity="error" if p.column in by_column else "warning",
                    )
                    for p in row.problems
                ]
                record = read_record(
                    cells, analyze=self.customers.analyze, cell_problems=cell_problems
                )
                read[row.number] = (cells, record)
            info = {
                "format": table.format.value,
                "encoding": table.encoding,
                "sheet": table.sheet,
                "header_row": table.header_row,
            }
        records = {number: record for number, (_, record) in read.items()}
        with self.unit_of_work() as uow:
            verdicts = {
                number: judge(uow, record, customers=self.customers, actor=actor)
                for number, record in records.items()
            }
        following = representatives(records, customers=self.customers)
        rows = []
        for number, (cells, record) in read.items():
            verdict = verdicts[number]
            if number in following:
                verdict = Verdict(
                    DUPLICATE_IN_FILE, verdict.matched_customer_id, evidence=verdict.evidence
                )
            rows.append(
                {
                    "row_number": number,
                    **verdict.columns(),
                    "duplicate_of_row": following.get(number),
                    "standard_name": record.analysis.standard_name if record.analysis else None,
                    "problems": list(record.problems),
                    "data": {name: value for name, value in cells.items() if value is not None},
                }
            )
        totals = dict.fromkeys(VERDICTS, 0)
        for row_values in rows:
            totals[row_values["verdict"]] += 1
        with self.unit_of_work(write=True) as uow:
            batch_id = uow.imports.add_batch(
                {
                    "status": "previewed",
                    "file_name": (file_name or path.name)[:255],
                    "sha256": _sha256(path),
                    **info,
                    "mapping": columns.to_dict(),
                    "row_count": len(rows),
                    "totals": totals,
                    "created_by": actor.username,
                    "created_at": utc_now(),
                }
            )
            uow.imports.add_rows(batch_id, rows)
            batch = uow.imports.batch(batch_id)
            shown = uow.imports.rows(batch_id, limit=PREVIEW_ROWS)
        assert batch is not None
        return ImportPreview(batch, list(columns.header), shown)

    # -- read ------------------------------------------------------------------------------

    def batch(self, batch_id: int) -> ImportBatch:
        with self.unit_of_work() as uow:
            return load_batch(uow, batch_id)

    def rows(self, batch_id: int, *, after_row: int = 0, limit: int = 100) -> list[ImportRow]:
        """The batch's rows in file order, after the file row ``after_row``."""
        with self.unit_of_work() as uow:
            load_batch(uow, batch_id)
            return uow.imports.rows(batch_id, after_row=after_row, limit=limit)

    def row_page(self, batch_id: int, *, page: int = 1, page_size: int = 50) -> Page[ImportRow]:
        """One page of the batch's rows in file order (``total``: the batch's data rows)."""
        page, page_size = max(page, 1), min(max(page_size, 1), 500)
        with self.unit_of_work() as uow:
            batch = load_batch(uow, batch_id)
            rows = uow.imports.rows(batch_id, offset=(page - 1) * page_size, limit=page_size)
        return Page(rows, batch.row_count, page, page_size)

    # -- run -------------------------------------------------------------------------------

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
        """Apply a previewed batch, chunk by chunk, as an ``import`` job.

        ``on_duplicate`` says what happens to rows that match stored customers: ``skip`` them,
        ``update`` the customers (empty fields, names, contact, tags), register ``uncertain``
        rows and send them to the ``review`` queue, or ``create`` them anyway (needs
        ``reason``). Every row is applied once: a run that stopped half-way (status
        ``running``) is resumed by running the batch again, in the same mode. ``job_id`` is
        a job queued by :meth:`create_job` for this batch, which the run then reports in (if
        the run is refused, the job is marked failed with the error); default: a new job.

        Raises:
            InvalidInputError: an unknown mode, or ``create`` without a reason.
            NotFoundError: no such batch.
            InvalidStateError: the batch is done or reverted, is being run right now, or was
                started in another mode.
            BatchError: the run failed (the job records why; run again to resume).
        """
        runner = ImportRunner(self.unit_of_work, self.customers, chunk_size=self.chunk_size)
        return runner.run(
            batch_id,
            actor=actor,
            on_duplicate=on_duplicate,
            reason=reason,
            progress=progress,
            job_id=job_id,
        )

    def create_job(
        self, batch_id: int, *, actor: Actor, on_duplicate: str = "skip", reason: str | None = None
    ) -> Job:
        """A queued ``import`` job for a caller that runs the batch later (``run(job_id=...)``),
        such as the REST API answering at once: the run's options and the batch's state are
        checked now, so a refusal is the caller's answer rather than a failed job.

        Raises:
            InvalidInputError, NotFoundError, InvalidStateError: as :meth:`run`.
        """
        runner = ImportRunner(self.unit_of_work, self.customers, chunk_size=self.chunk_size)
        return runner.queue(batch_id, actor=actor, on_duplicate=on_duplicate, reason=reason)

    # -- revert ----------------------------------------------------------------------------

    def revert(self, batch_id: int, *, actor: Actor, reason: str) -> RevertResult:
        """Archive the customers the run created and restore the ones it updated, in one
        transaction; values changed since the run are kept and reported as conflicts.

        Raises:
            InvalidInputError: no reason.
            NotFoundError: no such batch.
            InvalidStateError: the batch was never run, is running right now, or was reverted.
        """
        reason = (reason or "").strip()
        if len(reason) < MIN_REASON:
            raise InvalidInputError(
                "撤销导入需要填写原因 / reverting an import needs a reason",
                details={"batch_id": batch_id},
            )
        with self.unit_of_work(write=True) as uow:
            uow.customers.lock_keys([f"import:{batch_id}"])
            batch = load_batch(uow, batch_id)
            if batch.status not in ("done", "running"):
                raise InvalidStateError(
                    f"导入批次状态为 {batch.status}，不能撤销 / the batch is {batch.status}",
                    details={"batch_id": batch.id, "status": batch.status},
                )
            refuse_running(uow, batch)
            rows = uow.imports.rows(batch.id, applied=True)
            report = revert_rows(uow, self.customers, rows, actor=actor, reason=reason)
            now = utc_now()
            uow.imports.update_batch(
                batch.id,
                status="reverted",
                reverted_by=actor.username,
                reverted_at=now,
                revert_report=report.to_dict(),
            )
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "import.revert",
                    "import_batch",
                    str(batch.id),
                    before={"status": batch.status, "result": batch.result},
                    after=report.to_dict(),
                    reason=reason,
                )
            )
        return RevertResult(batch.id, report.archived, report.restored, report.conflicts)


def _overrides(mapping: Mapping[str, Any] | None) -> dict[str, int | str | None] | None:
    """The user's mapping as ``map_headers`` overrides (a saved mapping gives its headers)."""
    if not mapping:
        return None
    headers = mapping.get("headers")
    chosen: Mapping[str, Any] = headers if isinstance(headers, Mapping) else mapping
    overrides: dict[str, int | str | None] = {}
    for name, target in chosen.items():
        if target is not None and not isinstance(target, str | int):
            raise InvalidInputError(
                "列映射的值必须是表头文字或列序号 / a mapping value must be a header or a column "
                "index",
                details={"field": name, "value": repr(target)},
            )
        overrides[str(name)] = target
    return overrides


def _require_name(columns: HeaderMapping) -> None:
    if "name" in columns.columns:
        return
    found = [text for text in columns.header if text]
    raise ColumnNotFoundError(
        "找不到客户名称列 / no column holds the customer name; found: " + ", ".join(found),
        details={
            "field": "name",
            "header": list(columns.header),
            "accepted": list(FIELD_ALIASES["name"][:8]),
        },
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
