"""Import batches and their rows: the :class:`~zhengming.services.ports.ImportStore`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from zhengming.services.ports import ImportBatch, ImportRow
from zhengming.storage.rows import inserted_id
from zhengming.storage.tables import contact, import_batch, import_row

#: Rows per INSERT statement when a preview stores its rows.
_INSERT_CHUNK = 1_000


class SqlImportStore:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_batch(self, values: dict[str, Any]) -> int:
        return inserted_id(self._db.execute(import_batch.insert().values(values)))

    def batch(self, batch_id: int) -> ImportBatch | None:
        row = (
            self._db.execute(sa.select(import_batch).where(import_batch.c.id == batch_id))
            .mappings()
            .first()
        )
        return _batch(row) if row is not None else None

    def update_batch(self, batch_id: int, **values: Any) -> None:
        self._db.execute(import_batch.update().where(import_batch.c.id == batch_id).values(values))

    def add_rows(self, batch_id: int, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = [{**row, "batch_id": batch_id} for row in rows[start : start + _INSERT_CHUNK]]
            self._db.execute(import_row.insert(), chunk)

    def rows(
        self,
        batch_id: int,
        *,
        pending: bool = False,
        applied: bool = False,
        after_row: int = 0,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ImportRow]:
        """Rows in file order after ``after_row`` (then ``offset`` skipped); only unapplied
        (``pending``) or applied ones."""
        query = (
            sa.select(import_row)
            .where(import_row.c.batch_id == batch_id, import_row.c.row_number > after_row)
            .order_by(import_row.c.row_number)
        )
        if pending:
            query = query.where(import_row.c.action.is_(None))
        if applied:
            query = query.where(import_row.c.action.is_not(None))
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_row(row) for row in self._db.execute(query).mappings()]

    def row(self, batch_id: int, row_number: int) -> ImportRow | None:
        found = (
            self._db.execute(
                sa.select(import_row).where(
                    import_row.c.batch_id == batch_id, import_row.c.row_number == row_number
                )
            )
            .mappings()
            .first()
        )
        return _row(found) if found is not None else None

    def update_row(self, row_id: int, **values: Any) -> None:
        self._db.execute(import_row.update().where(import_row.c.id == row_id).values(values))

    def count_actions(self, batch_id: int) -> dict[str, int]:
        """Applied rows per action (unapplied rows are left out)."""
        query = (
            sa.select(import_row.c.action, sa.func.count())
            .where(import_row.c.batch_id == batch_id, import_row.c.action.is_not(None))
            .group_by(import_row.c.action)
        )
        return {str(action): int(count) for action, count in self._db.execute(query)}

    def remove_contact(self, contact_id: int) -> None:
        self._db.execute(contact.delete().where(contact.c.id == contact_id))


def _batch(row: RowMapping) -> ImportBatch:
    return ImportBatch(
        id=row["id"],
        status=row["status"],
        file_name=row["file_name"],
        sha256=row["sha256"],
        format=row["format"],
        encoding=row["encoding"],
        sheet=row["sheet"],
        header_row=row["header_row"],
        mapping=row["mapping"] or {},
        row_count=row["row_count"],
        totals=row["totals"] or {},
        created_by=row["created_by"],
        created_at=row["created_at"],
        on_duplicate=row["on_duplicate"],
        reason=row["reason"],
        job_id=row["job_id"],
        result=row["result"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        reverted_by=row["reverted_by"],
        reverted_at=row["reverted_at"],
        revert_report=row["revert_report"],
    )


def _row(row: RowMapping) -> ImportRow:
    return ImportRow(
        id=row["id"],
        batch_id=row["batch_id"],
        row_number=row["row_number"],
        verdict=row["verdict"],
        data=row["data"] or {},
        problems=list(row["problems"] or []),
        standard_name=row["standard_name"],
        matched_customer_id=row["matched_customer_id"],
        duplicate_of_row=row["duplicate_of_row"],
        decision=row["decision"],
        probability=row["probability"],
        evidence=row["evidence"],
        action=row["action"],
        customer_id=row["customer_id"],
        changes=row["changes"],
        error=row["error"],
        applied_at=row["applied_at"],
    )
