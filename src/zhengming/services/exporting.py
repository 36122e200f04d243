"""Exporting customers to CSV or XLSX, the way Chinese sales teams open them (issue 6).

Every customer the actor may see (record-level access, as the customer list applies it) and
the filters select becomes one row under Chinese headers (:data:`HEADER`), with its aliases,
contacts and tags joined by ``；``. Rows are read a page at a time in id order (keyset paging),
so an export of the whole base never holds more than one page; the spreadsheet writers stream
them to the file atomically and neutralise formulas. Each export is one audit entry ``export``
(who, which filters, how many rows).

Example:
    >>> from zhengming.services.exporting import HEADER
    >>> HEADER[:3]
    ('客户编号', '客户名称', '统一社会信用代码')
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zhengming.domain.customer import Actor, Customer, NameType
from zhengming.errors import InvalidInputError
from zhengming.services.customers import visible_filter
from zhengming.services.ports import AuditEntry, CustomerFilter
from zhengming.services.ports import UnitOfWorkFactory as Factory
from zhengming.spreadsheets import write_csv, write_xlsx

#: The columns of an export, in order. The import's header words read every one of them back.
HEADER: tuple[str, ...] = (
    "客户编号",
    "客户名称",
    "统一社会信用代码",
    "简称",
    "英文名",
    "曾用名",
    "客户类型",
    "行业",
    "地区",
    "规模",
    "负责人",
    "团队",
    "标签",
    "联系人",
    "电话",
    "邮箱",
    "状态",
    "创建时间",
    "更新时间",
)
#: Export formats, chosen by the file's suffix unless named.
FORMATS = ("csv", "xlsx")
#: CSV encodings: UTF-8 with a BOM (Excel needs the BOM to see UTF-8), or GBK for older Excel
#: and WPS set-ups (written as GB18030, its superset, so no character is refused).
ENCODINGS = ("utf-8-sig", "gbk")
#: Joins several values in one cell: the full-width semicolon never occurs inside a name.
SEPARATOR = "；"
SHEET_NAME = "客户"
#: The words the web UI shows (zh locale); the import reads the type words back.
TYPE_LABELS = {
    "prospect": "潜在客户",
    "customer": "成交客户",
    "vip": "重点客户",
    "partner": "合作伙伴",
}
STATUS_LABELS = {"active": "有效", "archived": "已归档", "deleted": "回收站", "merged": "已合并"}

Cells = list[str | None]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A finished export: where, in which format, and how many customers."""

    path: str
    format: str
    encoding: str | None
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.rows,
        }


@dataclass
class ExportService:
    """Writes the customers an actor may see to CSV or XLSX files, or streams them as rows."""

    unit_of_work: Factory
    #: Times are shown in the installation's time zone (stored in UTC).
    time_zone: datetime.tzinfo = datetime.UTC
    #: Customers read per query; memory follows this, not the size of the base.
    page_size: int = 1000

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        actor: Actor,
        filters: CustomerFilter | None = None,
        format: str | None = None,
        encoding: str = "utf-8-sig",
    ) -> ExportResult:
        """Write the customers ``actor`` may see and ``filters`` select to ``path``.

        The file appears only once complete (a failed export leaves nothing behind).

        Args:
            format: ``csv`` or ``xlsx``; default: the file's suffix.
            encoding: a CSV's encoding, ``utf-8-sig`` (default) or ``gbk``; ignored for XLSX.

        Raises:
            InvalidInputError: an unknown format or suffix, or an unknown encoding.
        """
        path = Path(path)
        chosen = export_format(path, format)
        used = check_encoding(encoding) if chosen == "csv" else None
        rows = self._rows(actor, filters)
        if used is not None:
            count = write_csv(path, HEADER, rows, encoding=used)
        else:
            count = write_xlsx(path, HEADER, rows, sheet_name=SHEET_NAME)
        self._record(actor, filters, count=count, format=chosen, encoding=used, complete=True)
        return ExportResult(str(path), chosen, used, count)

    def rows(
        self,
        *,
        actor: Actor,
        filters: CustomerFilter | None = None,
        format: str | None = None,
        encoding: str | None = None,
    ) -> Iterator[Cells]:
        """The export's rows (without the header, :data:`HEADER`), for streaming a response.

        Customers are read a page at a time as the rows are taken. The audit entry is written
        when the rows run out, or when the consumer stops early (a download cut off), then
        with ``complete: false`` and the rows sent so far.

        Args:
            format: what the rows are streamed as (``csv``), for the audit entry.
            encoding: the CSV's encoding, for the audit entry.
        """
        count, complete = 0, False
        try:
            for cells in self._rows(actor, filters):
                count += 1
                yield cells
            complete = True
        finally:
            self._record(
                actor, filters, count=count, format=format, encoding=encoding, complete=complete
            )

    def _rows(self, actor: Actor, filters: CustomerFilter | None) -> Iterator[Cells]:
        visible = visible_filter(filters or CustomerFilter(), actor)
        after_id = 0
        while True:
            # One short transaction per page: a long download never holds the database.
            with self.unit_of_work() as uow:
                ids = uow.customers.ids_after(visible, after_id=after_id, limit=self.page_size)
                customers = uow.customers.load(ids)
            if not customers:
                return
            for customer in customers:
                yield self.cells(customer)
            if len(ids) < self.page_size:
                return
            after_id = ids[-1]

    def cells(self, customer: Customer) -> Cells:
        """One customer as the export's row, in :data:`HEADER` order."""
        contacts = customer.contacts
        return [
            customer.customer_no,
            customer.name,
            customer.uscc,
            _joined(name.name for name in customer.names_of(NameType.SHORT)),
            _joined(name.name for name in customer.names_of(NameType.ENGLISH)),
            _joined(name.name for name in customer.names_of(NameType.FORMER)),
            TYPE_LABELS.get(customer.type.value, customer.type.value),
            customer.industry,
            customer.region_code,
            customer.size,
            customer.owner,
            customer.team,
            _joined(customer.tags),
            _joined(contact.name for contact in contacts),
            _joined(contact.phone for contact in contacts),
            _joined(contact.email for contact in contacts),
            STATUS_LABELS.get(customer.status.value, customer.status.value),
            self._time(customer.created_at),
            self._time(customer.updated_at),
        ]

    def _time(self, value: datetime.datetime | None) -> str | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return aware.astimezone(self.time_zone).strftime("%Y-%m-%d %H:%M:%S")

    def _record(
        self,
        actor: Actor,
        filters: CustomerFilter | None,
        *,
        count: int,
        format: str | None,
        encoding: str | None,
        complete: bool,
    ) -> None:
        with self.unit_of_work(write=True) as uow:
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "export",
                    "customer",
                    None,
                    after={
                        "filters": describe_filters(filters or CustomerFilter()),
                        "count": count,
                        "format": format,
                        "encoding": encoding,
                        "complete": complete,
                    },
                )
            )


def export_format(path: Path, format: str | None) -> str:
    """The format named, else the one the suffix names.

    Raises:
        InvalidInputError: an unknown format, or no format and a suffix other than .csv or .xlsx.
    """
    chosen = (format or path.suffix.removeprefix(".")).lower()
    if chosen not in FORMATS:
        raise InvalidInputError(
            f"导出格式须为 csv 或 xlsx / export to .csv or .xlsx, not {chosen or path.name!r}",
            details={"format": chosen, "formats": list(FORMATS)},
        )
    return chosen


def check_encoding(encoding: str) -> str:
    """The CSV encoding if it is one of :data:`ENCODINGS`.

    Raises:
        InvalidInputError: any other encoding.
    """
    if encoding.lower() not in ENCODINGS:
        raise InvalidInputError(
            f"导出编码须为 utf-8-sig 或 gbk / unsupported export encoding: {encoding}",
            details={"encoding": encoding, "encodings": list(ENCODINGS)},
        )
    return encoding.lower()


def describe_filters(filters: CustomerFilter) -> dict[str, Any]:
    """The filters the user chose, as the audit log keeps them (access limits left out)."""
    return {
        name: list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
        for name, value in asdict(filters).items()
        if value is not None and not name.startswith("visible_")
    }


def _joined(values: Iterable[str | None]) -> str | None:
    kept = [value for value in values if value]
    return SEPARATOR.join(kept) if kept else None
