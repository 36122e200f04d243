"""What the services need from storage, declared as Protocols (DESIGN.md §2).

Services depend on these declarations, never on SQLAlchemy; ``zhengming.storage`` implements them
and ``zhengming.bootstrap`` wires the two together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from zhengming.domain.customer import Contact, Customer, CustomerName


@dataclass(frozen=True, slots=True)
class StoredKey:
    """One match key of a customer, as stored; ``name_index`` points into the names saved with it."""

    rule: str
    side: int
    value: str
    name_id: int | None = None


@dataclass(frozen=True, slots=True)
class KeyProbe:
    """A lookup: stored keys with this rule, side and value."""

    rule: str
    side: int
    value: str


@dataclass(frozen=True, slots=True)
class KeyHit:
    """A stored key a probe met; ``folded`` is its name through ``fold_for_key`` (if a name's)."""

    customer_id: int
    name_id: int | None
    rule: str
    folded: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    """Filters of the customer list; ``None`` leaves a field unfiltered."""

    status: Sequence[str] | None = ("active",)
    type: str | None = None
    industry: str | None = None
    region_code: str | None = None
    owner: str | None = None
    team: str | None = None
    tag: str | None = None
    #: Record-level access: only customers of these owners / this team (None: everyone).
    visible_owner: str | None = None
    visible_team: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    at: datetime.datetime | None = None


@dataclass(slots=True)
class NewCustomer:
    """The columns of a customer row about to be inserted."""

    customer_no: str
    kind: str
    name: str
    name_key: str
    values: dict[str, Any] = field(default_factory=dict)


class CustomerStore(Protocol):
    """Customers, their names, keys, contacts and tags."""

    def lock_keys(self, keys: Iterable[str]) -> None: ...
    def next_value(self, counter: str) -> int: ...
    def add(self, new: NewCustomer, *, now: datetime.datetime, actor: str) -> int: ...
    def add_name(self, customer_id: int, name: CustomerName, *, folded: str) -> int: ...
    def update_name(self, name_id: int, **values: Any) -> None: ...
    def delete_name(self, name_id: int) -> None: ...
    def replace_keys(self, customer_id: int, keys: Iterable[StoredKey]) -> None: ...
    def add_contact(self, customer_id: int, contact: Contact) -> int: ...
    def set_tags(self, customer_id: int, tags: Iterable[str]) -> None: ...
    def get(self, customer_id: int) -> Customer | None: ...
    def id_by_number(self, customer_no: str) -> int | None: ...
    def load(
        self, customer_ids: Sequence[int], *, contacts: bool = True, tags: bool = True
    ) -> list[Customer]: ...
    def update(
        self, customer_id: int, *, expected_version: int, values: dict[str, Any]
    ) -> bool: ...
    def find_keys(self, probes: Sequence[KeyProbe], *, limit: int) -> list[KeyHit]: ...
    def find_by_name(self, folded: str, *, limit: int) -> list[int]: ...
    def find_by_prefix(self, prefix: str, *, limit: int) -> list[int]: ...
    def find_by_substring(self, text: str, *, limit: int) -> list[int]: ...
    def find_by_key_prefix(self, rule: str, prefix: str, *, limit: int) -> list[int]: ...
    def page(
        self, filters: CustomerFilter, *, sort: str, offset: int, limit: int
    ) -> tuple[list[Customer], int]: ...
    def ids_after(self, filters: CustomerFilter, *, after_id: int, limit: int) -> list[int]: ...
    def move_contact(self, contact_id: int, customer_id: int) -> None: ...
    def scan_names(self, statuses: Sequence[str]) -> list[ScanName]: ...
    def changed_since(self, since: datetime.datetime, statuses: Sequence[str]) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class ScanName:
    """One name of a live customer, as the whole-base scan reads it."""

    customer_id: int
    name_id: int
    name: str
    type: str
    uscc: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class StoredPair:
    """A scored pair of customers as stored (``customer_a < customer_b``)."""

    id: int
    customer_a: int
    customer_b: int
    cluster_id: int | None
    status: str
    probability: float
    decision: str
    evidence: list[dict[str, Any]]
    name_a: str | None
    name_b: str | None
    fingerprint_a: str
    fingerprint_b: str
    found_at: datetime.datetime
    decided_by: str | None = None
    decided_at: datetime.datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoredCluster:
    id: int
    status: str
    probability: float
    size: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    decided_by: str | None = None
    decided_at: datetime.datetime | None = None
    reason: str | None = None


class DuplicateStore(Protocol):
    """Scored pairs, the clusters they form, and the review decisions on them."""

    def pairs(
        self,
        *,
        statuses: Sequence[str] | None = None,
        customer_ids: Sequence[int] | None = None,
        cluster_id: int | None = None,
    ) -> list[StoredPair]: ...
    def add_pair(self, values: dict[str, Any]) -> int: ...
    def update_pair(self, pair_id: int, **values: Any) -> None: ...
    def add_cluster(self, values: dict[str, Any]) -> int: ...
    def update_cluster(self, cluster_id: int, **values: Any) -> None: ...
    def cluster(self, cluster_id: int) -> StoredCluster | None: ...
    def clusters(
        self, *, status: str | None, min_probability: float, offset: int, limit: int
    ) -> tuple[list[StoredCluster], int]: ...


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    stage: str | None
    done: int
    total: int | None
    created_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    heartbeat_at: datetime.datetime | None

    def to_dict(self) -> dict[str, Any]:
        def when(value: datetime.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "params": self.params,
            "result": self.result,
            "error": self.error,
            "progress": {"stage": self.stage, "done": self.done, "total": self.total},
            "created_by": self.created_by,
            "created_at": when(self.created_at),
            "started_at": when(self.started_at),
            "finished_at": when(self.finished_at),
        }


class JobStore(Protocol):
    def add(self, values: dict[str, Any]) -> int: ...
    def update(self, job_id: int, **values: Any) -> None: ...
    def get(self, job_id: int) -> Job | None: ...
    def latest(self, kind: str, *, statuses: Sequence[str]) -> Job | None: ...


@dataclass(frozen=True, slots=True)
class StoredMerge:
    id: int
    survivor_id: int
    merged_ids: list[int]
    plan: dict[str, Any]
    snapshot: dict[str, Any]
    changes: dict[str, Any]
    actor: str
    reason: str | None
    created_at: datetime.datetime
    undone_at: datetime.datetime | None
    undone_by: str | None
    undo_report: dict[str, Any] | None


class MergeStore(Protocol):
    def add(self, values: dict[str, Any]) -> int: ...
    def get(self, merge_id: int) -> StoredMerge | None: ...
    def update(self, merge_id: int, **values: Any) -> None: ...
    def for_customer(self, customer_id: int) -> list[StoredMerge]: ...


@dataclass(frozen=True, slots=True)
class StoredLink:
    id: int
    customer_id: int
    related_id: int
    kind: str
    effective_date: datetime.date | None
    note: str | None
    created_by: str | None
    created_at: datetime.datetime
    ended_at: datetime.datetime | None


class LinkStore(Protocol):
    def add(self, values: dict[str, Any]) -> int: ...
    def of(self, customer_id: int, *, include_ended: bool = False) -> list[StoredLink]: ...
    def get(self, link_id: int) -> StoredLink | None: ...
    def update(self, link_id: int, **values: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """One imported file: how it was read and mapped, its verdict totals and its run."""

    id: int
    status: str
    file_name: str
    sha256: str
    format: str
    encoding: str | None
    sheet: str | None
    header_row: int | None
    mapping: dict[str, Any]
    row_count: int
    totals: dict[str, int]
    created_by: str
    created_at: datetime.datetime
    on_duplicate: str | None = None
    reason: str | None = None
    job_id: int | None = None
    result: dict[str, int] | None = None
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    reverted_by: str | None = None
    reverted_at: datetime.datetime | None = None
    revert_report: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        def when(value: datetime.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "status": self.status,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "format": self.format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "row_count": self.row_count,
            "totals": self.totals,
            "on_duplicate": self.on_duplicate,
            "reason": self.reason,
            "job_id": self.job_id,
            "result": self.result,
            "created_by": self.created_by,
            "created_at": when(self.created_at),
            "started_at": when(self.started_at),
            "finished_at": when(self.finished_at),
            "reverted_by": self.reverted_by,
            "reverted_at": when(self.reverted_at),
            "revert_report": self.revert_report,
        }


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data row of an imported file: its verdict at preview, and what the run did with it.

    ``data`` is the row's mapped cells (field -> text); ``evidence`` the best stored match
    (``DuplicateCandidate.to_dict()`` and ``by``: customer_no, uscc or match); ``changes`` what
    the run changed on an existing customer, so a revert can restore it.
    """

    id: int
    batch_id: int
    row_number: int
    verdict: str
    data: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)
    standard_name: str | None = None
    matched_customer_id: int | None = None
    duplicate_of_row: int | None = None
    decision: str | None = None
    probability: float | None = None
    evidence: dict[str, Any] | None = None
    action: str | None = None
    customer_id: int | None = None
    changes: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    applied_at: datetime.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row_number,
            "verdict": self.verdict,
            "standard_name": self.standard_name,
            "matched_customer_id": self.matched_customer_id,
            "duplicate_of_row": self.duplicate_of_row,
            "decision": self.decision,
            "probability": self.probability,
            "evidence": self.evidence,
            "problems": self.problems,
            "data": self.data,
            "action": self.action,
            "customer_id": self.customer_id,
            "changes": self.changes,
            "error": self.error,
        }


class ImportStore(Protocol):
    """Import batches and their rows (DESIGN.md §5 ``import_batch``)."""

    def add_batch(self, values: dict[str, Any]) -> int: ...
    def batch(self, batch_id: int) -> ImportBatch | None: ...
    def update_batch(self, batch_id: int, **values: Any) -> None: ...
    def add_rows(self, batch_id: int, rows: Sequence[dict[str, Any]]) -> None: ...
    def rows(
        self,
        batch_id: int,
        *,
        pending: bool = False,
        applied: bool = False,
        after_row: int = 0,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[ImportRow]: ...
    def row(self, batch_id: int, row_number: int) -> ImportRow | None: ...
    def update_row(self, row_id: int, **values: Any) -> None: ...
    def count_actions(self, batch_id: int) -> dict[str, int]: ...
    def remove_contact(self, contact_id: int) -> None:
        """Delete a contact an import added (its revert); nothing else deletes contacts."""
        ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...
    def history(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]: ...


class UnitOfWork(Protocol):
    """One transaction: committed when the block ends normally, rolled back otherwise."""

    @property
    def customers(self) -> CustomerStore: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def duplicates(self) -> DuplicateStore: ...
    @property
    def jobs(self) -> JobStore: ...
    @property
    def merges(self) -> MergeStore: ...
    @property
    def links(self) -> LinkStore: ...
    @property
    def imports(self) -> ImportStore: ...


UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]
"""``factory(write=True)`` opens a unit of work; writes take the dialect's write lock."""
