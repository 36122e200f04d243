"""Merging duplicate customers into one, and undoing it.

A merge is planned by the domain (``domain.merging``: survivor, values, guards) and applied here
in one transaction: the merged records become tombstones that redirect to the survivor, their
names become the survivor's aliases (registered names as former names), their contacts, tags and
links move to the survivor. A merge event keeps the records exactly as they were and every change
the merge made, so undo restores them; a later change to the survivor is kept and reported, never
silently overwritten.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zhengming.domain.customer import Actor, Customer, CustomerStatus
from zhengming.domain.merging import DEFAULT_MERGE_LIMIT, MergePlan, plan_merge
from zhengming.domain.merging.survivorship import MERGED_FIELDS
from zhengming.domain.names.normalize import fold_for_key
from zhengming.errors import (
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
)
from zhengming.services.clock import utc_now
from zhengming.services.customers import (
    CustomerService,
    require_visible,
    version_conflict,
    write_versioned,
)
from zhengming.services.ports import AuditEntry, UnitOfWork
from zhengming.services.ports import UnitOfWorkFactory as Factory

#: Pair statuses a merge settles (pending and reopened pairs among the merged records).
_OPEN_PAIRS = ("pending",)


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a merge did: the event to undo it with, the survivor and the tombstones."""

    merge_id: int
    survivor: Customer
    merged: tuple[Customer, ...]
    plan: MergePlan

    def to_dict(self) -> dict[str, Any]:
        return {
            "merge_id": self.merge_id,
            "survivor": self.survivor.to_dict(),
            "merged": [customer.to_dict() for customer in self.merged],
            "plan": self.plan.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undo restored, and the survivor's later changes it kept instead (conflicts)."""

    merge_id: int
    survivor: Customer
    restored: tuple[Customer, ...]
    conflicts: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "merge_id": self.merge_id,
            "survivor": self.survivor.to_dict(),
            "restored": [customer.to_dict() for customer in self.restored],
            "conflicts": list(self.conflicts),
        }


@dataclass
class MergeService:
    """Plan, apply and undo merges."""

    unit_of_work: Factory
    customers: CustomerService
    limit: int = DEFAULT_MERGE_LIMIT

    def preview(
        self,
        refs: Sequence[str | int],
        *,
        actor: Actor,
        survivor: str | int | None = None,
        take: Mapping[str, str | int] | None = None,
        override_reason: str | None = None,
    ) -> MergePlan:
        """The plan a merge of ``refs`` would follow; nothing is written."""
        with self.unit_of_work() as uow:
            records = self._records(uow, refs, actor)
            return self._plan(records, actor, survivor, take, override_reason)

    def merge(
        self,
        refs: Sequence[str | int],
        *,
        actor: Actor,
        survivor: str | int | None = None,
        take: Mapping[str, str | int] | None = None,
        versions: Mapping[str, int] | None = None,
        reason: str | None = None,
        override_reason: str | None = None,
    ) -> MergeResult:
        """Merge the records ``refs`` (customer numbers or ids) into one.

        Args:
            survivor: the record to keep; by the survivorship rules when omitted.
            take: per field, the record whose value the survivor keeps.
            versions: customer number -> the version the caller planned with; a record changed
                since is refused (``customer.version_conflict``).
            override_reason: lets an administrator merge two different valid credit codes.
        """
        with self.unit_of_work(write=True) as uow:
            records = self._records(uow, refs, actor)
            for record in records:
                expected = (versions or {}).get(record.customer_no)
                if expected is not None and expected != record.version:
                    raise version_conflict(uow, record, expected)
            plan = self._plan(records, actor, survivor, take, override_reason)
            merge_id = self._apply(uow, plan, records, actor, reason)
            survivor_after = self.customers.reindex(uow, plan.survivor_id)
            merged_after = tuple(
                self.customers.reindex(uow, merged_id) for merged_id in plan.merged_ids
            )
        return MergeResult(merge_id, survivor_after, merged_after, plan)

    def undo(self, merge_id: int, *, actor: Actor, reason: str | None = None) -> UndoResult:
        """Restore every record and link of merge ``merge_id`` as it was before the merge."""
        with self.unit_of_work(write=True) as uow:
            event = uow.merges.get(merge_id)
            if event is None:
                raise NotFoundError(
                    f"合并记录不存在 / no such merge: {merge_id}", details={"merge_id": merge_id}
                )
            if event.undone_at is not None:
                raise InvalidStateError(
                    "该合并已撤销 / this merge was already undone",
                    details={"merge_id": merge_id, "undone_by": event.undone_by},
                )
            survivor = uow.customers.get(event.survivor_id)
            assert survivor is not None  # nothing is ever deleted
            if survivor.status is CustomerStatus.MERGED:
                raise InvalidStateError(
                    "保留记录后来又被合并了，请先撤销那次合并 / the survivor was merged again "
                    "since; undo that merge first",
                    details={"merge_id": merge_id, "merged_into": survivor.merged_into},
                )
            require_visible(actor, survivor)
            for merged_id in event.merged_ids:
                tombstone = uow.customers.get(merged_id)
                assert tombstone is not None
                if tombstone.merged_into != survivor.id:
                    raise InvalidStateError(
                        "被合并的记录已不再指向保留记录 / a merged record no longer points to "
                        "the survivor",
                        details={"merge_id": merge_id, "customer_no": tombstone.customer_no},
                    )
            conflicts = self._revert(uow, event.snapshot, event.changes, survivor)
            now = utc_now()
            uow.merges.update(
                merge_id,
                undone_at=now,
                undone_by=actor.username,
                undo_report={"conflicts": conflicts, "reason": reason},
            )
            survivor_after = self.customers.reindex(uow, survivor.id)
            restored = tuple(
                self.customers.reindex(uow, merged_id) for merged_id in event.merged_ids
            )
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "customer.unmerge",
                    "customer",
                    survivor.customer_no,
                    before={"merge_id": merge_id},
                    after={
                        "restored": [c.customer_no for c in restored],
                        "conflicts": conflicts,
                    },
                    reason=reason,
                )
            )
        return UndoResult(merge_id, survivor_after, restored, tuple(conflicts))

    def get(self, merge_id: int, *, actor: Actor) -> dict[str, Any]:
        """A merge event as the API shows it (the snapshot included)."""
        with self.unit_of_work() as uow:
            event = uow.merges.get(merge_id)
            if event is None:
                raise NotFoundError(
                    f"合并记录不存在 / no such merge: {merge_id}", details={"merge_id": merge_id}
                )
            survivor = uow.customers.get(event.survivor_id)
            assert survivor is not None
            require_visible(actor, survivor)
            return _event_dict(event, survivor)

    def history(self, ref: str | int, *, actor: Actor) -> list[dict[str, Any]]:
        """The merges a customer survived, newest first (for undo from its history)."""
        with self.unit_of_work() as uow:
            customer = self.customers.resolve(uow, ref, follow=True)
            require_visible(actor, customer)
            return [_event_dict(e, customer) for e in uow.merges.for_customer(customer.id)]

    # -- internals -------------------------------------------------------------------------

    def _records(self, uow: UnitOfWork, refs: Sequence[str | int], actor: Actor) -> list[Customer]:
        records = [self.customers.resolve(uow, ref, follow=False) for ref in refs]
        for record in records:
            require_visible(actor, record)
        return records

    def _plan(
        self,
        records: Sequence[Customer],
        actor: Actor,
        survivor: str | int | None,
        take: Mapping[str, str | int] | None,
        override_reason: str | None,
    ) -> MergePlan:
        if override_reason and not actor.admin:
            raise PermissionDeniedError(
                "只有管理员可以强制合并 / only an administrator may override a merge guard",
                details={"username": actor.username},
            )
        by_ref = {**{c.customer_no: c.id for c in records}, **{str(c.id): c.id for c in records}}
        unknown = [f for f in (take or {}) if f not in MERGED_FIELDS]
        if unknown:
            raise InvalidInputError(
                f"不能选择这些字段 / these fields cannot be chosen: {', '.join(unknown)}",
                details={"fields": unknown, "allowed": list(MERGED_FIELDS)},
            )

        def record_id(ref: str | int) -> int:
            found = by_ref.get(str(ref))
            if found is None:
                raise InvalidInputError(
                    f"{ref} 不在合并范围内 / {ref} is not among the records being merged",
                    details={"customer": str(ref)},
                )
            return found

        return plan_merge(
            records,
            survivor_id=record_id(survivor) if survivor is not None else None,
            overrides={f: record_id(ref) for f, ref in (take or {}).items()},
            limit=self.limit,
            override_reason=override_reason,
        )

    def _apply(
        self,
        uow: UnitOfWork,
        plan: MergePlan,
        records: Sequence[Customer],
        actor: Actor,
        reason: str | None,
    ) -> int:
        by_id = {c.id: c for c in records}
        survivor = by_id[plan.survivor_id]
        snapshot: dict[str, Any] = {
            "customers": {str(c.id): _snapshot(c) for c in records},
            "links": [_link_dict(link) for c in records for link in uow.links.of(c.id)],
        }
        changes: dict[str, Any] = {
            "fields": {},
            "names_added": [],
            "contacts_moved": [],
            "tags_added": [],
            "links": [],
            "pairs": [],
        }
        # Tombstones first: the survivor may take a merged record's credit code, which must
        # leave the live records before it can arrive (one live customer per code).
        for merged_id in plan.merged_ids:
            record = by_id[merged_id]
            tombstone = {"status": CustomerStatus.MERGED.value, "merged_into": survivor.id}
            write_versioned(uow, record, tombstone)
            for person in record.contacts:
                assert person.id is not None
                uow.customers.move_contact(person.id, survivor.id)
                changes["contacts_moved"].append([person.id, merged_id])
            uow.customers.set_tags(merged_id, [])
        tags = list(survivor.tags)
        for merged_id in plan.merged_ids:
            tags.extend(t for t in by_id[merged_id].tags if t not in tags)
        changes["tags_added"] = [t for t in tags if t not in survivor.tags]
        uow.customers.set_tags(survivor.id, tags)
        for name in plan.new_names:
            name_id = uow.customers.add_name(survivor.id, name, folded=fold_for_key(name.name))
            changes["names_added"].append(name_id)
        values: dict[str, Any] = {}
        for field_name, (value, _source) in plan.values.items():
            before = _column(getattr(survivor, field_name))
            after = _column(value)
            if before != after:
                values[field_name] = after
                changes["fields"][field_name] = {
                    "before": _json(before),
                    "after": _json(after),
                }
        write_versioned(uow, survivor, values)
        merged = set(plan.merged_ids)
        for link in snapshot["links"]:
            ends = []
            for column in ("customer_id", "related_id"):
                end = link[column]
                if end in merged:
                    uow.links.update(link["id"], **{column: survivor.id})
                    changes["links"].append([link["id"], column, end])
                    end = survivor.id
                ends.append(end)
            if ends[0] == ends[1] and link["ended_at"] is None:
                # A link between two records that are now one customer ends with the merge.
                uow.links.update(link["id"], ended_at=utc_now())
                changes["links"].append([link["id"], "ended_at", None])
        members = {survivor.id} | merged
        for pair in uow.duplicates.pairs(customer_ids=sorted(members)):
            if pair.status not in _OPEN_PAIRS:
                continue
            inside = pair.customer_a in members and pair.customer_b in members
            status = "merged" if inside else "gone"
            uow.duplicates.update_pair(pair.id, status=status, decided_by=actor.username)
            changes["pairs"].append([pair.id, pair.status, pair.decided_by])
        merge_id = uow.merges.add(
            {
                "survivor_id": survivor.id,
                "merged_ids": list(plan.merged_ids),
                "plan": plan.to_dict(),
                "snapshot": snapshot,
                "changes": changes,
                "actor": actor.username,
                "reason": reason,
                "created_at": utc_now(),
            }
        )
        uow.audit.append(
            AuditEntry(
                actor.username,
                "customer.merge",
                "customer",
                survivor.customer_no,
                before={"customers": [by_id[i].customer_no for i in plan.merged_ids]},
                after={"merge_id": merge_id, "fields": changes["fields"]},
                reason=reason or plan.override_reason,
            )
        )
        for merged_id in plan.merged_ids:
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "customer.merged_into",
                    "customer",
                    by_id[merged_id].customer_no,
                    after={"merged_into": survivor.customer_no, "merge_id": merge_id},
                    reason=reason,
                )
            )
        return merge_id

    def _revert(
        self,
        uow: UnitOfWork,
        snapshot: dict[str, Any],
        changes: dict[str, Any],
        survivor: Customer,
    ) -> list[dict[str, Any]]:
        conflicts: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        for field_name, change in changes["fields"].items():
            current = _json(_column(getattr(survivor, field_name)))
            if current == change["after"]:
                values[field_name] = _from_json(field_name, change["before"])
            else:
                # Changed again after the merge: the newer value stays, and undo says so.
                conflicts.append(
                    {
                        "field": field_name,
                        "before_merge": change["before"],
                        "set_by_merge": change["after"],
                        "current": current,
                    }
                )
        write_versioned(uow, survivor, values)
        present = {name.id for name in survivor.names}
        for name_id in changes["names_added"]:
            if name_id in present:
                uow.customers.delete_name(name_id)
        contacts_now = {person.id for person in survivor.contacts}
        for contact_id, owner_id in changes["contacts_moved"]:
            if contact_id in contacts_now:
                uow.customers.move_contact(contact_id, owner_id)
            else:
                conflicts.append({"contact_id": contact_id, "problem": "removed since the merge"})
        added = set(changes["tags_added"])
        uow.customers.set_tags(survivor.id, [t for t in survivor.tags if t not in added])
        for link_id, column, old in reversed(changes["links"]):
            uow.links.update(link_id, **{column: old})
        for pair_id, status, decided_by in changes["pairs"]:
            uow.duplicates.update_pair(pair_id, status=status, decided_by=decided_by)
        for customer_id, record in snapshot["customers"].items():
            if int(customer_id) == survivor.id:
                continue
            current = uow.customers.get(int(customer_id))
            assert current is not None
            uow.customers.set_tags(current.id, record["tags"])
            restored = {"status": record["status"], "merged_into": record["merged_into"]}
            write_versioned(uow, current, restored)
        return conflicts


def _snapshot(customer: Customer) -> dict[str, Any]:
    data = customer.to_dict()
    data["tags"] = list(customer.tags)
    return data


def _link_dict(link: Any) -> dict[str, Any]:
    return {
        "id": link.id,
        "customer_id": link.customer_id,
        "related_id": link.related_id,
        "kind": link.kind,
        "ended_at": link.ended_at.isoformat() if link.ended_at else None,
    }


def _event_dict(event: Any, survivor: Customer) -> dict[str, Any]:
    return {
        "id": event.id,
        "survivor": survivor.customer_no,
        "merged": [
            record["customer_no"]
            for key, record in event.snapshot["customers"].items()
            if int(key) in event.merged_ids
        ],
        "plan": event.plan,
        "changes": event.changes,
        "actor": event.actor,
        "reason": event.reason,
        "created_at": event.created_at.isoformat(),
        "undone_at": event.undone_at.isoformat() if event.undone_at else None,
        "undone_by": event.undone_by,
        "undo_report": event.undo_report,
    }


def _column(value: Any) -> Any:
    """A customer attribute as its column stores it (enums by value)."""
    return getattr(value, "value", value)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def _from_json(field_name: str, value: Any) -> Any:
    if field_name == "last_verified_at" and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value
