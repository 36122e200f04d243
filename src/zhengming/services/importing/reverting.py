"""Undoing an import run: archive what it created, restore what it changed.

Nothing is deleted: a customer the run created is archived (its pending review pairs retired);
on a customer the run updated, each filled field goes back to its old value, and the names,
contact and tags the run added are removed, but only where the customer still holds the run's
value. A value someone changed since is kept and reported as a conflict, like undoing a merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zhengming.domain.customer import Actor, Customer, CustomerStatus
from zhengming.services.clock import utc_now
from zhengming.services.customers import CustomerService, write_versioned
from zhengming.services.importing.applying import CREATED, MERGED, QUEUED, UPDATED
from zhengming.services.ports import ImportRow, UnitOfWork


@dataclass
class RevertReport:
    """What a revert archived and restored, and what it left because it changed since."""

    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archived": self.archived,
            "restored": self.restored,
            "conflicts": self.conflicts,
        }


def revert_rows(
    uow: UnitOfWork,
    customers: CustomerService,
    rows: Sequence[ImportRow],
    *,
    actor: Actor,
    reason: str,
) -> RevertReport:
    """Undo the applied ``rows`` of one batch, last row first, in the caller's transaction."""
    report = RevertReport()
    created = {r.customer_id for r in rows if r.action in (CREATED, QUEUED) and r.customer_id}
    for row in sorted(rows, key=lambda r: r.row_number, reverse=True):
        if row.customer_id is None:
            continue
        if row.action in (CREATED, QUEUED):
            _retire_pairs(uow, row)
            _archive(uow, customers, row, actor=actor, reason=reason, report=report)
        elif row.action in (UPDATED, MERGED) and row.changes and row.customer_id not in created:
            # Changes to a customer the run created go with it when it is archived.
            _restore(uow, customers, row, actor=actor, reason=reason, report=report)
    return report


def _archive(
    uow: UnitOfWork,
    customers: CustomerService,
    row: ImportRow,
    *,
    actor: Actor,
    reason: str,
    report: RevertReport,
) -> None:
    assert row.customer_id is not None
    customer = uow.customers.get(row.customer_id)
    if customer is None:
        return
    if customer.status is CustomerStatus.MERGED:
        report.conflicts.append(
            _conflict(row, customer, "merged since the import: not archived (undo the merge)")
        )
        return
    if customer.status is not CustomerStatus.ACTIVE:
        return  # archived or in the recycle bin already: out of the way as it is
    write_versioned(uow, customer, {"status": CustomerStatus.ARCHIVED.value})
    after = customers.reindex(uow, customer.id)
    customers.audit(uow, actor, "customer.archive", customer, after, reason=reason)
    report.archived.append(customer.customer_no)


def _restore(
    uow: UnitOfWork,
    customers: CustomerService,
    row: ImportRow,
    *,
    actor: Actor,
    reason: str,
    report: RevertReport,
) -> None:
    assert row.customer_id is not None
    assert row.changes is not None
    customer = uow.customers.get(row.customer_id)
    if customer is None or customer.status is CustomerStatus.MERGED:
        if customer is not None:
            report.conflicts.append(
                _conflict(row, customer, "merged since the import: changes not restored")
            )
        return
    changes = row.changes
    values: dict[str, Any] = {}
    for name, change in changes.get("fields", {}).items():
        current = getattr(customer, name)
        if current == change["after"]:
            values[name] = change["before"]
        else:
            report.conflicts.append(
                {
                    **_conflict(row, customer, "changed since the import: kept"),
                    "field": name,
                    "imported": change["after"],
                    "current": current,
                }
            )
    present_names = {name.id for name in customer.names}
    for name_id in changes.get("names", []):
        if name_id in present_names:
            uow.customers.delete_name(name_id)
    present_contacts = {contact.id for contact in customer.contacts}
    for contact_id in changes.get("contacts", []):
        if contact_id in present_contacts:
            uow.imports.remove_contact(contact_id)
    tags = changes.get("tags")
    if tags is not None:
        if sorted(customer.tags) == sorted(tags["after"]):
            uow.customers.set_tags(customer.id, tags["before"])
        else:
            report.conflicts.append(
                {
                    **_conflict(row, customer, "tags changed since the import: kept"),
                    "field": "tags",
                    "imported": tags["after"],
                    "current": list(customer.tags),
                }
            )
    write_versioned(uow, customer, values)
    after = customers.reindex(uow, customer.id)
    customers.audit(uow, actor, "customer.update", customer, after, reason=reason)
    report.restored.append(customer.customer_no)


def _retire_pairs(uow: UnitOfWork, row: ImportRow) -> None:
    """The review pairs a ``queued`` row proposed leave the queue with its customer."""
    assert row.customer_id is not None
    now = utc_now()
    pending = {
        pair.id
        for pair in uow.duplicates.pairs(statuses=("pending",), customer_ids=[row.customer_id])
    }
    for queued in (row.changes or {}).get("pairs", []):
        if queued["pair"] not in pending:
            continue  # decided by a reviewer meanwhile: their decision stands
        uow.duplicates.update_pair(queued["pair"], status="gone", seen_at=now, cluster_id=None)
        cluster = uow.duplicates.cluster(queued["cluster"])
        if cluster is None or cluster.status != "pending":
            continue
        left = uow.duplicates.pairs(statuses=("pending",), cluster_id=cluster.id)
        if left:
            uow.duplicates.update_cluster(cluster.id, size=max(cluster.size - 1, 2), updated_at=now)
        else:
            uow.duplicates.update_cluster(cluster.id, status="superseded", updated_at=now)


def _conflict(row: ImportRow, customer: Customer, problem: str) -> dict[str, Any]:
    return {"row": row.row_number, "customer_no": customer.customer_no, "problem": problem}
