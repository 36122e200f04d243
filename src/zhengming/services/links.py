"""Related customers that stay separate records: branches, group members, acquisitions.

A branch and its head office, or a company acquired by (or absorbed into) another, are
different customers with their own history; a link records how they relate, from an effective
date, and ending a link keeps it (``ended_at``) rather than deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhengming.domain.customer import Actor, Customer
from zhengming.errors import InvalidInputError, NotFoundError
from zhengming.services.clock import utc_now
from zhengming.services.commands import LinkInput
from zhengming.services.customers import CustomerService, require_visible
from zhengming.services.ports import AuditEntry, StoredLink, UnitOfWork
from zhengming.services.ports import UnitOfWorkFactory as Factory


@dataclass
class LinkService:
    unit_of_work: Factory
    customers: CustomerService

    def add(self, ref: str | int, link: LinkInput, *, actor: Actor) -> dict[str, Any]:
        """Record that customer ``ref`` is ``link.kind`` of ``link.related_to``."""
        with self.unit_of_work(write=True) as uow:
            customer = self.customers.resolve(uow, ref, follow=True)
            related = self.customers.resolve(uow, link.related_to, follow=True)
            require_visible(actor, customer)
            require_visible(actor, related)
            if customer.id == related.id:
                raise InvalidInputError(
                    "客户不能与自己关联 / a customer cannot be related to itself",
                    details={"customer_no": customer.customer_no},
                )
            for existing in uow.links.of(customer.id):
                if existing.related_id == related.id and existing.kind == link.kind.value:
                    return _link_dict(existing, {customer.id: customer, related.id: related})
            link_id = uow.links.add(
                {
                    "customer_id": customer.id,
                    "related_id": related.id,
                    "kind": link.kind.value,
                    "effective_date": link.effective_date,
                    "note": link.note,
                    "created_by": actor.username,
                    "created_at": utc_now(),
                }
            )
            uow.audit.append(
                AuditEntry(
                    actor.username,
                    "customer.link",
                    "customer",
                    customer.customer_no,
                    after={"kind": link.kind.value, "related_to": related.customer_no},
                    reason=link.note,
                )
            )
            stored = uow.links.get(link_id)
            assert stored is not None
            return _link_dict(stored, {customer.id: customer, related.id: related})

    def of(
        self, ref: str | int, *, actor: Actor, include_ended: bool = False
    ) -> list[dict[str, Any]]:
        """The customer's links in both directions (a head office sees its branches)."""
        with self.unit_of_work() as uow:
            customer = self.customers.resolve(uow, ref, follow=True)
            require_visible(actor, customer)
            links = uow.links.of(customer.id, include_ended=include_ended)
            return [_link_dict(link, self._ends(uow, link)) for link in links]

    def end(self, link_id: int, *, actor: Actor) -> dict[str, Any]:
        """End a link from now on; it stays in the customer's history."""
        with self.unit_of_work(write=True) as uow:
            link = uow.links.get(link_id)
            if link is None:
                raise NotFoundError(
                    f"关联不存在 / no such link: {link_id}", details={"link_id": link_id}
                )
            ends = self._ends(uow, link)
            for customer in ends.values():
                require_visible(actor, customer)
            if link.ended_at is None:
                uow.links.update(link_id, ended_at=utc_now())
                uow.audit.append(
                    AuditEntry(
                        actor.username,
                        "customer.unlink",
                        "customer",
                        ends[link.customer_id].customer_no,
                        before={"kind": link.kind, "related_to": ends[link.related_id].customer_no},
                    )
                )
            stored = uow.links.get(link_id)
            assert stored is not None
            return _link_dict(stored, ends)

    def _ends(self, uow: UnitOfWork, link: StoredLink) -> dict[int, Customer]:
        found = uow.customers.load([link.customer_id, link.related_id], tags=False)
        return {c.id: c for c in found}


def _link_dict(link: StoredLink, customers: dict[int, Customer]) -> dict[str, Any]:
    def describe(customer_id: int) -> dict[str, Any]:
        customer = customers[customer_id]
        return {"customer_no": customer.customer_no, "name": customer.name}

    return {
        "id": link.id,
        "customer": describe(link.customer_id),
        "kind": link.kind,
        "related_to": describe(link.related_id),
        "effective_date": link.effective_date.isoformat() if link.effective_date else None,
        "note": link.note,
        "created_by": link.created_by,
        "created_at": link.created_at.isoformat(),
        "ended_at": link.ended_at.isoformat() if link.ended_at else None,
    }
