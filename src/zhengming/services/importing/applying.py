"""What a run does with one previewed row, inside the chunk's unit of work.

Each row gets one **action**, stored with it in the same transaction as its effect:

==================  ==========================================================================
``created``         registered as a new customer (``register``: naming rules, duplicate check)
``updated``         an existing customer's empty fields filled, names/contacts/tags added
``merged``          a ``duplicate_in_file`` row added to its representative's customer
``queued``          registered, and sent to the review queue with the customers it may duplicate
``skipped``         nothing written (invalid, a duplicate in skip mode, ...)
``failed``          refused at run time (the error is stored with the row)
==================  ==========================================================================

What an update changed (the values before and after, the names, contacts and tags it added) is
stored as the row's ``changes``, so that a revert restores exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from zhengming.domain.customer import Actor, Contact, Customer, CustomerName, CustomerStatus
from zhengming.domain.matching import Decision
from zhengming.domain.matching.blocking import Side
from zhengming.domain.names.normalize import fold_for_key
from zhengming.errors import (
    DuplicateCustomerError,
    PossibleDuplicateError,
    ZhengmingError,
)
from zhengming.services.clock import utc_now
from zhengming.services.customers import CustomerService, version_conflict
from zhengming.services.duplicates import DuplicateCandidate
from zhengming.services.importing.records import ImportRecord, alias_type, read_record
from zhengming.services.importing.verdicts import (
    DUPLICATE,
    DUPLICATE_IN_FILE,
    INVALID,
    UNCERTAIN,
    UPDATE,
)
from zhengming.services.ports import ImportBatch, ImportRow, KeyProbe, UnitOfWork
from zhengming.services.scanning import fingerprint

CREATED, UPDATED, MERGED, QUEUED, SKIPPED, FAILED = (
    "created",
    "updated",
    "merged",
    "queued",
    "skipped",
    "failed",
)
#: Every action, in the order results list them.
ACTIONS = (CREATED, UPDATED, MERGED, QUEUED, SKIPPED, FAILED)
#: What to do with rows that match stored customers.
MODES = ("skip", "update", "review", "create")


@dataclass
class RowApplier:
    """Applies rows of one batch in one unit of work, as ``actor``, in mode ``mode``."""

    uow: UnitOfWork
    customers: CustomerService
    batch: ImportBatch
    actor: Actor
    mode: str
    reason: str | None
    job_id: int | None

    def apply(self, row: ImportRow) -> dict[str, Any]:
        """The row's effect, written; returns the ``import_row`` columns that record it."""
        record = read_record(row.data, analyze=self.customers.analyze)
        if row.verdict == INVALID:
            return _outcome(SKIPPED)
        if row.verdict == DUPLICATE_IN_FILE:
            return self._follow(row, record)
        if row.verdict in (UPDATE, DUPLICATE):
            if self.mode == "update" and row.matched_customer_id is not None:
                return self.fill(row.matched_customer_id, record, action=UPDATED)
            return _outcome(SKIPPED, row.matched_customer_id)
        if row.verdict == UNCERTAIN:
            return self._uncertain(record)
        return self._register(record)

    # -- the actions -----------------------------------------------------------------------

    def _register(
        self, record: ImportRecord, *, confirm_reason: str | None = None
    ) -> dict[str, Any]:
        """Register the row; a duplicate found only now is handled as the mode says."""
        try:
            create = record.create(confirm_reason=confirm_reason, source=self._source)
            registration = self.customers.register_in(self.uow, create, actor=self.actor)
        except DuplicateCustomerError as exc:
            matched = self.uow.customers.id_by_number(str(exc.details.get("customer_no")))
            if self.mode == "update" and matched is not None:
                return self.fill(matched, record, action=UPDATED)
            return _outcome(SKIPPED, matched, error=exc.to_dict())
        except PossibleDuplicateError as exc:
            if confirm_reason is None and self.mode in ("review", "create"):
                return self._uncertain(record)
            return _outcome(SKIPPED, error=exc.to_dict())
        except ZhengmingError as exc:
            # Refused before its first write (register_in's promise): the chunk goes on.
            return _outcome(FAILED, error=exc.to_dict())
        except ValidationError as exc:
            return _outcome(FAILED, error={"code": "input.invalid", "message": str(exc)[:1000]})
        customer = registration.customer
        if confirm_reason is None or self.mode != "review":
            return _outcome(CREATED, customer.id)
        likely = [c for c in registration.candidates if c.decision is Decision.LIKELY]
        if not likely:
            return _outcome(CREATED, customer.id)
        pairs = [self._queue(customer, candidate) for candidate in likely]
        return _outcome(QUEUED, customer.id, changes={"pairs": pairs})

    def _uncertain(self, record: ImportRecord) -> dict[str, Any]:
        """A row that may be a stored customer: registered for review, created anyway with the
        run's reason, or skipped."""
        if self.mode == "review":
            reason = self.reason or (
                f"导入批次 {self.batch.id}，送复核 / import batch {self.batch.id}, sent to review"
            )
            return self._register(record, confirm_reason=reason)
        if self.mode == "create":
            return self._register(record, confirm_reason=self.reason)
        # No customer id: a merely likely match is not the customer this row's file
        # duplicates may join (see _follow); the match stays in matched_customer_id.
        return _outcome(SKIPPED)

    def _follow(self, row: ImportRow, record: ImportRecord) -> dict[str, Any]:
        """A duplicate in the file joins its representative's customer (as aliases and filled
        fields) when the run created that customer, or updates stored ones (update mode)."""
        assert row.duplicate_of_row is not None  # set with the verdict
        first = self.uow.imports.row(self.batch.id, row.duplicate_of_row)
        if first is None or first.customer_id is None:
            return _outcome(SKIPPED)
        created_here = first.action in (CREATED, QUEUED)
        if created_here or (self.mode == "update" and first.action in (UPDATED, SKIPPED)):
            return self.fill(first.customer_id, record, action=MERGED)
        return _outcome(SKIPPED, first.customer_id)

    def fill(self, customer_id: int, record: ImportRecord, *, action: str) -> dict[str, Any]:
        """Fill the customer's empty fields from the row and add its names, contact and tags."""
        uow = self.uow
        customer = self.customers.resolve(uow, customer_id, follow=True)
        if not self.actor.can_see(owner=customer.owner, team=customer.team):
            return _outcome(
                FAILED,
                customer.id,
                error={"code": "access.denied", "message": "无权修改该客户 / not your customer"},
            )
        if customer.status is not CustomerStatus.ACTIVE:
            return _outcome(
                SKIPPED,
                customer.id,
                error={
                    "code": "customer.invalid_state",
                    "message": f"客户状态为 {customer.status.value} / the customer is "
                    f"{customer.status.value}",
                },
            )
        fields = self._empty_fields(customer, record)
        names = self._new_names(customer, record)
        contact = _new_contact(customer, record)
        tags = [tag for tag in record.tags if tag not in customer.tags]
        if not (fields or names or contact or tags):
            return _outcome(SKIPPED if action == UPDATED else MERGED, customer.id)
        # The version check comes first: refused, nothing at all has been written.
        if not uow.customers.update(
            customer.id,
            expected_version=customer.version,
            values={name: change["after"] for name, change in fields.items()},
        ):
            return _outcome(
                FAILED,
                customer.id,
                error=version_conflict(uow, customer, customer.version).to_dict(),
            )
        changes: dict[str, Any] = {"fields": fields, "names": [], "contacts": []}
        for name in names:
            changes["names"].append(
                uow.customers.add_name(customer.id, name, folded=fold_for_key(name.name))
            )
        if contact is not None:
            changes["contacts"].append(uow.customers.add_contact(customer.id, contact))
        if tags:
            uow.customers.set_tags(customer.id, [*customer.tags, *tags])
            changes["tags"] = {"before": list(customer.tags), "after": [*customer.tags, *tags]}
        after = self.customers.reindex(uow, customer.id)
        self.customers.audit(
            uow, self.actor, "customer.update", customer, after, reason=self._audit_reason
        )
        return _outcome(action, customer.id, changes=changes)

    def _queue(self, customer: Customer, candidate: DuplicateCandidate) -> dict[str, Any]:
        """A pending pair of the new customer and a stored one, in the stored one's pending
        cluster if it has one (the review queue lists clusters)."""
        uow, now, other = self.uow, utc_now(), candidate.customer
        (a, name_a), (b, name_b) = sorted(
            [(customer, customer.name), (other, candidate.matched_name.name)],
            key=lambda item: item[0].id,
        )
        probability = candidate.result.probability
        pair_id = uow.duplicates.add_pair(
            {
                "customer_a": a.id,
                "customer_b": b.id,
                "status": "pending",
                "probability": probability,
                "decision": candidate.decision.value,
                "evidence": [e.to_dict() for e in candidate.result.evidence],
                "name_a": name_a,
                "name_b": name_b,
                "fingerprint_a": fingerprint(a),
                "fingerprint_b": fingerprint(b),
                "job_id": self.job_id,
                "found_at": now,
                "seen_at": now,
            }
        )
        pending = uow.duplicates.pairs(statuses=("pending",), customer_ids=[other.id])
        cluster = next(
            (
                found
                for pair in pending
                if pair.cluster_id is not None
                and (found := uow.duplicates.cluster(pair.cluster_id)) is not None
                and found.status == "pending"
            ),
            None,
        )
        if cluster is None:
            cluster_id = uow.duplicates.add_cluster(
                {
                    "status": "pending",
                    "probability": probability,
                    "size": 2,
                    "job_id": self.job_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        else:
            cluster_id = cluster.id
            uow.duplicates.update_cluster(
                cluster.id,
                size=cluster.size + 1,
                probability=max(cluster.probability, probability),
                updated_at=now,
            )
        uow.duplicates.update_pair(pair_id, cluster_id=cluster_id)
        return {"pair": pair_id, "cluster": cluster_id, "new_cluster": cluster is None}

    # -- internals -------------------------------------------------------------------------

    @property
    def _source(self) -> str:
        return f"导入 / import #{self.batch.id}"

    @property
    def _audit_reason(self) -> str:
        return f"导入批次 {self.batch.id} / import batch {self.batch.id}"

    def _empty_fields(self, customer: Customer, record: ImportRecord) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, value in record.fill_values().items():
            if getattr(customer, name):
                continue
            if name == "uscc" and self._uscc_taken(value, customer.id):
                continue  # one credit code, one legal entity: never given to a second customer
            fields[name] = {"before": getattr(customer, name), "after": value}
        return fields

    def _uscc_taken(self, uscc: str, customer_id: int) -> bool:
        store = self.uow.customers
        store.lock_keys([f"uscc:{uscc}"])
        hits = store.find_keys([KeyProbe("uscc", int(Side.BOTH), uscc)], limit=5)
        others = store.load(
            [hit.customer_id for hit in hits if hit.customer_id != customer_id],
            contacts=False,
            tags=False,
        )
        return any(other.status is not CustomerStatus.MERGED for other in others)

    def _new_names(self, customer: Customer, record: ImportRecord) -> list[CustomerName]:
        known = {name.name for name in customer.names}
        found: list[CustomerName] = []
        if record.analysis is not None:
            found.append(CustomerName(record.analysis.standard_name, alias_type(record.analysis)))
        for alias in record.aliases:
            standard = self.customers.analyze(alias.name, None).standard_name
            found.append(CustomerName(standard, alias.type))
        new: list[CustomerName] = []
        for name in found:
            if name.name not in known:
                known.add(name.name)
                new.append(name)
        return new


def _new_contact(customer: Customer, record: ImportRecord) -> Contact | None:
    """The row's contact, unless the customer has one with its phone, e-mail or (alone) name."""
    person = record.contact
    if person is None:
        return None
    for known in customer.contacts:
        if (record.phone and known.phone == record.phone) or (
            record.email and known.email == record.email
        ):
            return None
        if not (record.phone or record.email) and known.name == person.name:
            return None
    return Contact(name=person.name, phone=record.phone, email=record.email)


def _outcome(
    action: str,
    customer_id: int | None = None,
    *,
    changes: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {"action": action, "customer_id": customer_id, "changes": changes, "error": error}
