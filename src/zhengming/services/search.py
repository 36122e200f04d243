"""Finding customers from one search box: any name, number, credit code, phone or pinyin.

A sales rep types whatever they remember: 字节, 字節跳動, ByteDance, zjtd, a former name, C202611-0001,
91110000..., 138 0013 8000. Each kind of query has its own indexed lookup; results are ranked by
how strongly they matched (an exact number beats a name prefix, which beats a substring), and
only then by status and name. Lookups by substring scan the names table, so they run only when
the indexed ones found too little.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from zhengming.domain import identifiers
from zhengming.domain.customer import Actor, Customer, CustomerName, CustomerStatus
from zhengming.domain.matching import MatchRecord
from zhengming.domain.names.normalize import fold_for_key
from zhengming.services.duplicates import Analyzer
from zhengming.services.indexing import INITIALS, PINYIN, probes_for
from zhengming.services.ports import CustomerStore, KeyProbe
from zhengming.services.ports import UnitOfWorkFactory as Factory

_LATIN = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"[A-Za-z0-9-]{4,40}")
_MAX_QUERY = 200


class Strength(IntEnum):
    """How a customer matched the query; higher ranks first."""

    SUBSTRING = 10
    PINYIN_PREFIX = 20
    PINYIN = 30
    NAME_PREFIX = 40
    NAME_KEY = 50
    NAME = 60
    IDENTIFIER = 70


@dataclass(frozen=True, slots=True)
class SearchHit:
    customer: Customer
    strength: Strength
    matched_name: CustomerName | None
    visible: bool

    def to_dict(self) -> dict[str, Any]:
        public: dict[str, Any] = {
            "customer_no": self.customer.customer_no,
            "owner": self.customer.owner,
            "visible": self.visible,
            "match": self.strength.name.lower(),
        }
        if not self.visible:
            return public
        return {
            **public,
            "id": self.customer.id,
            "name": self.customer.name,
            "status": self.customer.status.value,
            "uscc": self.customer.uscc,
            "team": self.customer.team,
            "type": self.customer.type.value,
            "matched_name": self.matched_name.to_dict() if self.matched_name else None,
        }


class SearchService:
    """Ranked search over every name kind and identifier."""

    def __init__(self, unit_of_work: Factory, *, analyze: Analyzer) -> None:
        self._unit_of_work = unit_of_work
        self._analyze = analyze

    def search(
        self, query: str, *, actor: Actor, limit: int = 20, include_inactive: bool = False
    ) -> list[SearchHit]:
        """Customers matching ``query``, strongest first (at most ``limit``)."""
        text = query.strip()[:_MAX_QUERY]
        if not text:
            return []
        limit = min(max(limit, 1), 100)
        with self._unit_of_work() as uow:
            found = _lookups(uow.customers, text, self._analyze, want=limit)
            customers = uow.customers.load(list(found))
        hits: list[SearchHit] = []
        folded = fold_for_key(text)
        for customer in customers:
            if customer.status is CustomerStatus.MERGED:
                continue
            if not include_inactive and customer.status is CustomerStatus.DELETED:
                continue
            visible = actor.can_see(owner=customer.owner, team=customer.team)
            hits.append(
                SearchHit(customer, found[customer.id], _matched_name(customer, folded), visible)
            )
        hits.sort(
            key=lambda hit: (
                -hit.strength,
                hit.customer.status is not CustomerStatus.ACTIVE,
                len(hit.customer.name),
                hit.customer.customer_no,
            )
        )
        return hits[:limit]


def _lookups(
    store: CustomerStore, text: str, analyze: Analyzer, *, want: int
) -> dict[int, Strength]:
    found: dict[int, Strength] = {}

    def add(ids: Iterable[int], strength: Strength) -> None:
        for customer_id in ids:
            if found.get(customer_id, 0) < strength:
                found[customer_id] = strength

    budget = want * 3
    compact = re.sub(r"[\s-]", "", text)
    if _NUMBER.fullmatch(text):
        number = store.id_by_number(text.upper())
        add([number] if number is not None else [], Strength.IDENTIFIER)
        if len(compact) == 18:
            add(_uscc_ids(store, compact.upper()), Strength.IDENTIFIER)
    if compact.lstrip("+").isdigit() and identifiers.is_valid_phone(text):
        probe = [("phone", identifiers.phone_key(text))]
        add(_key_ids(store, probe, budget), Strength.IDENTIFIER)
    folded = fold_for_key(text)
    if not folded:
        return found
    add(store.find_by_prefix(folded, limit=budget), Strength.NAME_PREFIX)
    analysis = analyze(text, None)
    if analysis.usable:
        probes = [p for p in probes_for(MatchRecord(analysis)) if p.rule in _NAME_RULES]
        add((hit.customer_id for hit in store.find_keys(probes, limit=budget)), Strength.NAME_KEY)
    if _LATIN.fullmatch(folded):
        for rule in (INITIALS, PINYIN):
            add(_key_ids(store, [(rule, folded)], budget), Strength.PINYIN)
            add(store.find_by_key_prefix(rule, folded, limit=budget), Strength.PINYIN_PREFIX)
    # Exact names rank above prefixes (字节跳动 before 字节跳动网络 when both start with it).
    add(store.find_by_name(folded, limit=budget), Strength.NAME)
    if len(found) < want:
        add(store.find_by_substring(folded, limit=budget), Strength.SUBSTRING)
    return found


_NAME_RULES = ("name_key", "core", "trade_name", "abbreviation", "english", "homophone")


def _key_ids(store: CustomerStore, probes: list[tuple[str, str]], limit: int) -> list[int]:
    hits = store.find_keys([KeyProbe(rule, 0, value) for rule, value in probes], limit=limit)
    return [hit.customer_id for hit in hits]


def _uscc_ids(store: CustomerStore, uscc: str) -> list[int]:
    return _key_ids(store, [("uscc", uscc)], 10)


def _matched_name(customer: Customer, folded: str) -> CustomerName | None:
    """The customer's name the query found: exact, else containing it, else the legal name."""
    names = sorted(customer.names, key=lambda n: n.type.value != "legal")
    for test in (str.__eq__, str.startswith, str.__contains__):
        for name in names:
            if folded and test(fold_for_key(name.name), folded):
                return name
    return names[0] if names else None
