"""The duplicate review queue: clusters a scan found, their evidence, and the reviewer's decision.

Decisions: **merge** (through :class:`~zhengming.services.merging.MergeService`), **not a
duplicate** (remembered with the records' fingerprints, so a later scan proposes the pair again
only when one of them changes its names or credit code), or **related** (a branch of, the same
group as, acquired by: the records are linked and stay separate).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zhengming.domain.customer import Actor, Customer, NameType
from zhengming.domain.merging.survivorship import MERGED_FIELDS
from zhengming.errors import InvalidInputError, InvalidStateError, NotFoundError
from zhengming.services.clock import utc_now
from zhengming.services.commands import LinkInput, ReviewAction, ReviewDecision
from zhengming.services.customers import CustomerService, require_visible
from zhengming.services.links import LinkService
from zhengming.services.merging import MergeService
from zhengming.services.paging import Page
from zhengming.services.ports import AuditEntry, StoredCluster, StoredPair, UnitOfWork
from zhengming.services.ports import UnitOfWorkFactory as Factory
from zhengming.services.scanning import fingerprint

#: Statuses of the queue's clusters, as the list filters them.
CLUSTER_STATUSES = ("pending", "merged", "not_duplicate", "related", "superseded")
#: What a side-by-side view compares (besides the names).
_COMPARED = ("name", *MERGED_FIELDS)


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A cluster as a reviewer sees it: members side by side, differences, pair evidence."""

    cluster: StoredCluster
    members: tuple[Customer, ...]
    pairs: tuple[StoredPair, ...]
    actor: Actor

    def to_dict(self) -> dict[str, Any]:
        numbers = {c.id: c.customer_no for c in self.members}
        visible = {c.id for c in self.members if self.actor.can_see(owner=c.owner, team=c.team)}
        return {
            "id": self.cluster.id,
            "status": self.cluster.status,
            "probability": round(self.cluster.probability, 6),
            "size": self.cluster.size,
            "created_at": self.cluster.created_at.isoformat(),
            "decided_by": self.cluster.decided_by,
            "reason": self.cluster.reason,
            "members": [
                c.to_dict()
                if c.id in visible
                else {"customer_no": c.customer_no, "owner": c.owner, "visible": False}
                for c in self.members
            ],
            "differences": _differences([c for c in self.members if c.id in visible]),
            "pairs": [
                {
                    "customers": [numbers.get(p.customer_a), numbers.get(p.customer_b)],
                    "names": [p.name_a, p.name_b]
                    if {p.customer_a, p.customer_b} <= visible
                    else None,
                    "probability": round(p.probability, 6),
                    "decision": p.decision,
                    "status": p.status,
                    "evidence": p.evidence if {p.customer_a, p.customer_b} <= visible else [],
                }
                for p in self.pairs
            ],
        }


ClusterPage = Page[ClusterView]


@dataclass
class ReviewService:
    unit_of_work: Factory
    customers: CustomerService
    merges: MergeService
    links: LinkService

    def clusters(
        self,
        *,
        actor: Actor,
        status: str | None = "pending",
        min_probability: float = 0.0,
        page: int = 1,
        page_size: int = 20,
    ) -> ClusterPage:
        """Clusters by confidence (most probable first)."""
        if status is not None and status not in CLUSTER_STATUSES:
            raise InvalidInputError(
                f"未知的状态 / unknown status: {status}",
                details={"status": status, "allowed": list(CLUSTER_STATUSES)},
            )
        if page < 1 or not 1 <= page_size <= 200:
            raise InvalidInputError(
                "页码或每页条数无效 / invalid page or page size",
                details={"page": page, "page_size": page_size},
            )
        with self.unit_of_work() as uow:
            found, total = uow.duplicates.clusters(
                status=status,
                min_probability=min_probability,
                offset=(page - 1) * page_size,
                limit=page_size,
            )
            items = [self._view(uow, cluster, actor) for cluster in found]
        return Page(items, total, page, page_size)

    def cluster(self, cluster_id: int, *, actor: Actor) -> ClusterView:
        with self.unit_of_work() as uow:
            return self._view(uow, self._cluster(uow, cluster_id), actor)

    def decide(self, cluster_id: int, decision: ReviewDecision, *, actor: Actor) -> dict[str, Any]:
        """Apply a reviewer's decision; returns the cluster after it (and the merge, if any)."""
        with self.unit_of_work() as uow:
            view = self._view(uow, self._cluster(uow, cluster_id), actor)
        if view.cluster.status != "pending":
            raise InvalidStateError(
                f"该重复组已处理（{view.cluster.status}）/ this cluster was already decided",
                details={"cluster_id": cluster_id, "status": view.cluster.status},
            )
        for member in view.members:
            require_visible(actor, member)
        chosen = self._chosen(view, decision.customers)
        outcome: dict[str, Any] = {}
        if decision.action is ReviewAction.MERGE:
            result = self.merges.merge(
                [c.customer_no for c in chosen],
                actor=actor,
                survivor=decision.survivor,
                take=decision.take,
                versions=decision.versions,
                reason=decision.reason,
                override_reason=decision.override_reason,
            )
            outcome["merge"] = result.to_dict()
        elif decision.action is ReviewAction.RELATED:
            if decision.kind is None or decision.related_to is None:
                raise InvalidInputError(
                    "关联需要 kind 和 related_to / related needs kind and related_to",
                    details={"kind": decision.kind, "related_to": decision.related_to},
                )
            head = next((c for c in chosen if c.customer_no == decision.related_to), None)
            if head is None:
                raise InvalidInputError(
                    "related_to 必须是组内的客户 / related_to must be a member",
                    details={"related_to": decision.related_to},
                )
            for member in chosen:
                if member.id != head.id:
                    self.links.add(
                        member.customer_no,
                        LinkInput(
                            related_to=head.customer_no, kind=decision.kind, note=decision.reason
                        ),
                        actor=actor,
                    )
        with self.unit_of_work(write=True) as uow:
            self._settle(uow, cluster_id, decision, {c.id for c in chosen}, actor)
            after = self._view(uow, self._cluster(uow, cluster_id), actor)
        return {**outcome, "cluster": after.to_dict()}

    # -- internals -------------------------------------------------------------------------

    def _cluster(self, uow: UnitOfWork, cluster_id: int) -> StoredCluster:
        cluster = uow.duplicates.cluster(cluster_id)
        if cluster is None:
            raise NotFoundError(
                f"重复组不存在 / no such duplicate cluster: {cluster_id}",
                details={"cluster_id": cluster_id},
            )
        return cluster

    def _view(self, uow: UnitOfWork, cluster: StoredCluster, actor: Actor) -> ClusterView:
        pairs = uow.duplicates.pairs(cluster_id=cluster.id)
        ids = sorted({c for p in pairs for c in (p.customer_a, p.customer_b)})
        members = uow.customers.load(ids, tags=False)
        return ClusterView(cluster, tuple(members), tuple(pairs), actor)

    def _chosen(self, view: ClusterView, refs: list[str] | None) -> list[Customer]:
        if refs is None:
            return list(view.members)
        by_number = {c.customer_no: c for c in view.members}
        missing = [ref for ref in refs if ref not in by_number]
        if missing:
            raise InvalidInputError(
                "这些客户不在该重复组中 / these customers are not in the cluster",
                details={"customers": missing},
            )
        return [by_number[ref] for ref in dict.fromkeys(refs)]

    def _settle(
        self,
        uow: UnitOfWork,
        cluster_id: int,
        decision: ReviewDecision,
        chosen: set[int],
        actor: Actor,
    ) -> None:
        now = utc_now()
        status = {
            ReviewAction.MERGE: "merged",
            ReviewAction.NOT_DUPLICATE: "not_duplicate",
            ReviewAction.RELATED: "related",
        }[decision.action]
        current = {c.id: c for c in uow.customers.load(sorted(chosen), contacts=False, tags=False)}
        for pair in uow.duplicates.pairs(cluster_id=cluster_id):
            if pair.status != "pending" or not {pair.customer_a, pair.customer_b} <= chosen:
                continue
            values: dict[str, Any] = {
                "status": status,
                "decided_by": actor.username,
                "decided_at": now,
                "reason": decision.reason,
            }
            if status != "merged":
                # Remember what the records looked like: a change to either reopens the pair.
                values["fingerprint_a"] = fingerprint(current[pair.customer_a])
                values["fingerprint_b"] = fingerprint(current[pair.customer_b])
            uow.duplicates.update_pair(pair.id, **values)
        remaining = [
            p for p in uow.duplicates.pairs(cluster_id=cluster_id) if p.status == "pending"
        ]
        if not remaining:
            uow.duplicates.update_cluster(
                cluster_id,
                status=status,
                decided_by=actor.username,
                decided_at=now,
                reason=decision.reason,
                updated_at=now,
            )
        uow.audit.append(
            AuditEntry(
                actor.username,
                f"duplicate.{status}",
                "duplicate_cluster",
                str(cluster_id),
                after={"customers": sorted(c.customer_no for c in current.values())},
                reason=decision.reason,
            )
        )


def field_value(customer: Customer, name: str) -> Any:
    """A customer's value of a compared field, as reviewers compare it (enums by value);
    ``aliases`` is every name but the current registered one."""
    if name == "aliases":
        return tuple(
            (n.name, n.type.value)
            for n in customer.names
            if not (n.type is NameType.LEGAL and n.name == customer.name)
        )
    value = getattr(customer, name)
    return getattr(value, "value", value)


def values_differ(values: Iterable[Any]) -> bool:
    """Whether the members' values of one field are not all equal (what a reviewer must see)."""
    return len({repr(value) for value in values}) > 1


def _differences(members: list[Customer]) -> dict[str, list[Any]]:
    """Fields whose values differ between the members (in member order), for highlighting."""
    differing: dict[str, list[Any]] = {}
    for name in _COMPARED:
        values = [field_value(c, name) for c in members]
        if values_differ(values):
            differing[name] = [
                v.isoformat() if isinstance(v, datetime.datetime) else v for v in values
            ]
    return differing
