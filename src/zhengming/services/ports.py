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


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...
    def history(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]: ...


class UnitOfWork(Protocol):
    """One transaction: committed when the block ends normally, rolled back otherwise."""

    @property
    def customers(self) -> CustomerStore: ...
    @property
    def audit(self) -> AuditLog: ...


UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]
"""``factory(write=True)`` opens a unit of work; writes take the dialect's write lock."""
