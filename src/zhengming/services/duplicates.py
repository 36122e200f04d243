"""The real-time duplicate check (查重): candidates from the stored keys, scored by the matcher.

Used while a name is typed, on save, on import and through the API. Candidates come from
indexed key lookups only (never a scan), so the check stays fast at millions of customers; every
candidate is then scored by the same model the batch dedupe uses, name by name (legal, short,
English, brand and former names), and the best-scoring name explains the match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import Actor, Customer, CustomerName, CustomerStatus
from zhengming.domain.matching import (
    Decision,
    MatchRecord,
    MatchResult,
    MatchSettings,
    match_records,
)
from zhengming.domain.matching.comparisons import may_shorten_or_resemble
from zhengming.domain.names import NameAnalysis, RuleSettings, analyze_name
from zhengming.errors import InvalidInputError
from zhengming.services.commands import DuplicateQuery
from zhengming.services.indexing import STRONG_RULES, probes_for
from zhengming.services.ports import CustomerStore

#: Stored keys read per lookup; a larger block is a very common 字号 and proves little.
KEYS_PER_PROBE = 200
#: The blocking rule of short forms (domain/matching/blocking.py).
ABBREVIATION_RULE = "abbreviation"
#: Customers scored per check, the ones sharing the most keys with the query first.
MAX_SCORED = 60
_ANALYSIS_CACHE = 50_000

Analyzer = Callable[[str, str | None], NameAnalysis]


def cached_analyzer(rules: RuleSettings | None = None) -> Analyzer:
    """``analyze_name`` with a bounded cache: stored names are analysed again on every check."""

    @lru_cache(maxsize=_ANALYSIS_CACHE)
    def analyze(name: str, uscc: str | None) -> NameAnalysis:
        return analyze_name(name, uscc=uscc, settings=rules)

    return analyze


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """One stored customer that may be the one being checked."""

    customer: Customer
    matched_name: CustomerName
    result: MatchResult
    visible: bool

    @property
    def decision(self) -> Decision:
        return self.result.decision

    def to_dict(self) -> dict[str, Any]:
        """What the caller may see: everything, or only number and owner for hidden records."""
        public: dict[str, Any] = {
            "customer_no": self.customer.customer_no,
            "owner": self.customer.owner,
            "decision": self.result.decision.value,
            "probability": round(self.result.probability, 6),
            "visible": self.visible,
        }
        if not self.visible:
            return public
        return {
            **public,
            "id": self.customer.id,
            "name": self.customer.name,
            "status": self.customer.status.value,
            "team": self.customer.team,
            "uscc": self.customer.uscc,
            "matched_name": self.matched_name.to_dict(),
            "evidence": [evidence.to_dict() for evidence in self.result.evidence],
        }


def query_record(query: DuplicateQuery, analyze: Analyzer) -> MatchRecord:
    """The query as a match record; identifiers are normalized, invalid ones refused."""
    uscc = identifiers.validate_uscc(query.uscc) if query.uscc else None
    analysis = analyze(query.name, uscc)
    if not analysis.usable:
        raise InvalidInputError(
            "名称无法用于查重 / the name cannot be checked",
            details={"problems": [problem.to_dict() for problem in analysis.problems]},
        )
    return MatchRecord(
        analysis,
        phone=identifiers.phone_key(query.phone) if query.phone else None,
        email=identifiers.validate_email(query.email) if query.email else None,
    )


def find_duplicates(
    store: CustomerStore,
    record: MatchRecord,
    *,
    actor: Actor,
    settings: MatchSettings,
    analyze: Analyzer,
    limit: int = 10,
    exclude: Iterable[int] = (),
) -> list[DuplicateCandidate]:
    """Stored customers that may be ``record``, best first; ``different`` ones are left out.

    Archived and recycle-bin customers are included (they are still the same company); merged
    tombstones are not (their names live on as aliases of the survivor).
    """
    excluded = set(exclude)
    hits = store.find_keys(probes_for(record), limit=KEYS_PER_PROBE)
    strength: Counter[int] = Counter()
    hit_names: dict[int, set[int]] = {}
    # A short query's abbreviation keys are broad (the 字号's first characters): a customer met
    # only through them is scored only if one of its names passes a cheap test that every
    # abbreviation or similar name passes (no other name level can come from those keys).
    short_core = None if record.analysis.parts.legal_form else record.analysis.keys.core
    met_otherwise: set[int] = set()
    passed: set[int] = set()
    for hit in hits:
        if hit.customer_id in excluded:
            continue
        strength[hit.customer_id] += 10 if hit.rule in STRONG_RULES else 1
        if hit.name_id is not None:
            hit_names.setdefault(hit.customer_id, set()).add(hit.name_id)
        if short_core is None:
            continue
        if hit.rule != ABBREVIATION_RULE:
            met_otherwise.add(hit.customer_id)
        elif hit.folded is not None and may_shorten_or_resemble(short_core, hit.folded):
            passed.add(hit.customer_id)
    if short_core is not None:
        for customer_id in [c for c in strength if c not in met_otherwise and c not in passed]:
            del strength[customer_id]
    chosen = [customer_id for customer_id, _ in strength.most_common(MAX_SCORED)]
    candidates: list[DuplicateCandidate] = []
    wants_contacts = bool(record.phone or record.email)
    for customer in store.load(chosen, contacts=wants_contacts, tags=False):
        if customer.status is CustomerStatus.MERGED:
            continue
        best = _best_name(record, customer, hit_names.get(customer.id, set()), settings, analyze)
        if best is None:
            continue
        if record.analysis.uscc and record.analysis.uscc == customer.uscc:
            # One valid credit code is one legal entity, however different the names look.
            best = (best[0], replace(best[1], decision=Decision.SAME))
        if best[1].decision is Decision.DIFFERENT:
            continue
        visible = actor.can_see(owner=customer.owner, team=customer.team)
        candidates.append(DuplicateCandidate(customer, best[0], best[1], visible))
    candidates.sort(key=lambda c: (-c.result.probability, c.customer.customer_no))
    return candidates[:limit]


def _best_name(
    record: MatchRecord,
    customer: Customer,
    hit_names: set[int],
    settings: MatchSettings,
    analyze: Analyzer,
) -> tuple[CustomerName, MatchResult] | None:
    # Contacts are stored normalized (E.164 phones, compact e-mails), as the query's are.
    phones = [c.phone for c in customer.contacts if c.phone]
    emails = [c.email for c in customer.contacts if c.email]
    phone = record.phone if record.phone in phones else (phones[0] if phones else None)
    email = record.email if record.email in emails else (emails[0] if emails else None)
    best: tuple[CustomerName, MatchResult] | None = None
    for name in customer.names:
        # The legal name always competes; other names only when a key pointed at them.
        if name.type.value != "legal" and name.id not in hit_names:
            continue
        stored = MatchRecord(analyze(name.name, customer.uscc), phone=phone, email=email)
        result = match_records(record, stored, settings=settings)
        if best is None or result.probability > best[1].probability:
            best = (name, result)
    return best
