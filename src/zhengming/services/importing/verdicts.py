"""The preview's verdict on each row: against the stored customers, and against the file itself.

A row is judged in this order: ``invalid`` (it has an error problem); ``update`` (it carries the
customer number or the credit code of a stored customer); ``duplicate`` or ``uncertain`` (the
real-time check's best candidate decides ``same`` or ``likely``); otherwise ``new``. Then the
file is deduplicated by the batch executor: in every cluster of valid rows, the first row is the
representative and keeps its verdict, every later row becomes ``duplicate_in_file`` of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhengming.batch.dedupe import deduplicate
from zhengming.batch.tables import InputTable
from zhengming.domain.customer import Actor, Customer
from zhengming.domain.matching import Decision
from zhengming.errors import NotFoundError
from zhengming.services.customers import CustomerService
from zhengming.services.duplicates import find_duplicates
from zhengming.services.importing.records import ImportRecord
from zhengming.services.ports import UnitOfWork

NEW, UPDATE, DUPLICATE, UNCERTAIN = "new", "update", "duplicate", "uncertain"
DUPLICATE_IN_FILE, INVALID = "duplicate_in_file", "invalid"
#: Every verdict, in the order the totals list them.
VERDICTS = (NEW, UPDATE, DUPLICATE, UNCERTAIN, DUPLICATE_IN_FILE, INVALID)
#: Candidates kept as evidence per row.
_CANDIDATES = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    """A row's verdict against the stored customers."""

    verdict: str
    matched_customer_id: int | None = None
    decision: str | None = None
    probability: float | None = None
    evidence: dict[str, Any] | None = None

    def columns(self) -> dict[str, Any]:
        """The ``import_row`` columns this verdict fills."""
        return {
            "verdict": self.verdict,
            "matched_customer_id": self.matched_customer_id,
            "decision": self.decision,
            "probability": self.probability,
            "evidence": self.evidence,
        }


def judge(
    uow: UnitOfWork, record: ImportRecord, *, customers: CustomerService, actor: Actor
) -> Verdict:
    """The row's verdict against the stored customers (read-only)."""
    if record.invalid:
        return Verdict(INVALID)
    if record.customer_no:
        numbered = _by_number(uow, customers, record.customer_no)
        if numbered is not None:
            return Verdict(
                UPDATE,
                numbered.id,
                evidence=_shown(numbered, actor, by="customer_no"),
            )
    candidates = find_duplicates(
        uow.customers,
        record.match_record(),
        actor=actor,
        settings=customers.match_settings,
        analyze=customers.analyze,
        limit=_CANDIDATES,
    )
    if not candidates:
        return Verdict(NEW)
    by_code = next((c for c in candidates if record.uscc and c.customer.uscc == record.uscc), None)
    best = by_code or candidates[0]
    evidence = {**best.to_dict(), "by": "uscc" if by_code else "match"}
    verdict = {Decision.SAME: DUPLICATE, Decision.LIKELY: UNCERTAIN}.get(best.decision, NEW)
    if by_code:
        verdict = UPDATE
    return Verdict(
        verdict,
        best.customer.id if verdict != NEW else None,
        best.decision.value,
        round(best.result.probability, 6),
        evidence,
    )


def representatives(
    records: Mapping[int, ImportRecord], *, customers: CustomerService
) -> dict[int, int]:
    """Row number -> the row it duplicates, for every valid row that is not first of its
    cluster (the batch executor's clusters of the valid rows)."""
    valid = {number: record for number, record in records.items() if not record.invalid}
    if len(valid) < 2:
        return {}
    numbers = sorted(valid)
    chosen = [valid[number] for number in numbers]
    table = InputTable(
        ids=[str(number) for number in numbers],
        names=[record.name or "" for record in chosen],
        columns={
            "uscc": [record.uscc for record in chosen],
            "phone": [record.phone for record in chosen],
            "email": [record.email for record in chosen],
        },
    )
    result = deduplicate(
        table,
        roles={"uscc": "uscc", "phone": "phone", "email": "email"},
        settings=customers.match_settings,
        threads=1,
    )
    first: dict[str, int] = {}
    following: dict[int, int] = {}
    for number in numbers:  # in file order: the first row of a cluster is its representative
        label = result.clusters[str(number)]
        if label in first:
            following[number] = first[label]
        else:
            first[label] = number
    return following


def _by_number(uow: UnitOfWork, customers: CustomerService, number: str) -> Customer | None:
    # Only a real customer number: "000123" in a file is never taken as the id 123.
    customer_id = uow.customers.id_by_number(number)
    if customer_id is None:
        return None
    try:
        return customers.resolve(uow, customer_id, follow=True)
    except NotFoundError:
        return None


def _shown(customer: Customer, actor: Actor, *, by: str) -> dict[str, Any]:
    shown: dict[str, Any] = {"customer_no": customer.customer_no, "owner": customer.owner, "by": by}
    if actor.can_see(owner=customer.owner, team=customer.team):
        shown.update(id=customer.id, name=customer.name, status=customer.status.value)
    return shown
