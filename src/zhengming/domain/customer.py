"""The customer: one real company or person, under its registered name and every other name.

These are plain value objects. Services build them, storage persists them, front doors show them;
none of them does I/O. A customer is never hard-deleted: it is archived, moved to the recycle bin,
or becomes a tombstone that points at the survivor of a merge.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CustomerStatus(StrEnum):
    """Where a customer is in its life; only ``active`` customers are worked with day to day."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    MERGED = "merged"  # a tombstone: ``merged_into`` names the survivor
    DELETED = "deleted"  # in the recycle bin; restorable


class CustomerType(StrEnum):
    """The sales relationship (客户类型)."""

    PROSPECT = "prospect"
    CUSTOMER = "customer"
    VIP = "vip"
    PARTNER = "partner"


class NameType(StrEnum):
    """The kinds of name a customer goes by (名称类型)."""

    LEGAL = "legal"  # the registered full name; exactly one is current
    SHORT = "short"  # 简称
    ENGLISH = "english"
    BRAND = "brand"
    FORMER = "former"  # 曾用名, with the dates it was in use


class AccessScope(StrEnum):
    """Which customers a user may see and change (record-level access)."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: every service takes one, so access is checked in one place."""

    username: str
    scope: AccessScope = AccessScope.OWN
    team: str | None = None
    user_id: int | None = None
    #: Administrators may override merge guards (two different credit codes), with a reason.
    admin: bool = False

    def can_see(self, *, owner: str | None, team: str | None) -> bool:
        """Whether a customer owned by ``owner`` in ``team`` is visible to this actor.

        Unowned customers (the customer pool, 公海) are visible to everyone.
        """
        if self.scope is AccessScope.ALL or owner is None or owner == self.username:
            return True
        return self.scope is AccessScope.TEAM and team is not None and team == self.team


#: The actor for the command line and jobs run by the operator of the installation.
SYSTEM = Actor(username="system", scope=AccessScope.ALL, admin=True)


@dataclass(frozen=True, slots=True)
class CustomerName:
    """One name of a customer, with the dates it was valid (``None``: open-ended)."""

    name: str
    type: NameType
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type.value,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


@dataclass(frozen=True, slots=True)
class Contact:
    """A person to talk to at a customer (minimal until the contacts feature lands)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    title: str | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class Customer:
    """A stored customer with its names, contacts and tags."""

    id: int
    customer_no: str
    kind: str
    name: str
    name_key: str
    status: CustomerStatus
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    uscc: str | None = None
    region_code: str | None = None
    trade_name: str | None = None
    industry_words: str | None = None
    legal_form: str | None = None
    branch: str | None = None
    type: CustomerType = CustomerType.PROSPECT
    industry: str | None = None
    size: str | None = None
    owner: str | None = None
    team: str | None = None
    source: str | None = None
    merged_into: int | None = None
    last_verified_at: datetime.datetime | None = None
    names: tuple[CustomerName, ...] = ()
    contacts: tuple[Contact, ...] = ()
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def names_of(self, name_type: NameType) -> list[CustomerName]:
        return [name for name in self.names if name.type is name_type]

    def to_dict(self) -> dict[str, Any]:
        """The customer as the REST API and ``--json`` show it."""
        return {
            "id": self.id,
            "customer_no": self.customer_no,
            "kind": self.kind,
            "name": self.name,
            "name_key": self.name_key,
            "uscc": self.uscc,
            "status": self.status.value,
            "merged_into": self.merged_into,
            "parts": {
                "region_code": self.region_code,
                "trade_name": self.trade_name,
                "industry": self.industry_words,
                "legal_form": self.legal_form,
                "branch": self.branch,
            },
            "type": self.type.value,
            "industry": self.industry,
            "size": self.size,
            "owner": self.owner,
            "team": self.team,
            "source": self.source,
            "version": self.version,
            "last_verified_at": _iso(self.last_verified_at),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "names": [name.to_dict() for name in self.names],
            "contacts": [contact.to_dict() for contact in self.contacts],
            "tags": list(self.tags),
        }


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None
