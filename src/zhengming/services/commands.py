"""What callers send to the services: validated, typed, unknown fields refused.

The REST API uses these models as request bodies, the CLI builds them from its options, so every
front door gets the same validation and the same error codes.
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from zhengming.domain.customer import CustomerType, NameType

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
NameText = Annotated[str, StringConstraints(max_length=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AliasInput(_Command):
    """Another name of the customer: 简称, English name, brand, or a dated former name."""

    name: NameText
    type: NameType = NameType.SHORT
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


class ContactInput(_Command):
    name: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None
    title: ShortText | None = None


class CustomerCreate(_Command):
    """A customer to register. ``name`` is the registered full name (or a person's name)."""

    name: NameText
    uscc: ShortText | None = Field(default=None, description="统一社会信用代码")
    aliases: list[AliasInput] = Field(default_factory=list, max_length=50)
    contacts: list[ContactInput] = Field(default_factory=list, max_length=50)
    type: CustomerType = CustomerType.PROSPECT
    industry: ShortText | None = Field(default=None, description="GB/T 4754 code")
    region_code: ShortText | None = Field(
        default=None, description="GB/T 2260 code; parsed from the name when omitted"
    )
    size: ShortText | None = None
    owner: ShortText | None = Field(default=None, description="default: the registering user")
    team: ShortText | None = None
    source: ShortText | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=50)
    #: Required to register despite ``likely`` duplicates; stored in the audit log.
    confirm_reason: Reason | None = None


class CustomerUpdate(_Command):
    """Fields to change; omitted fields stay as they are. Names change through rename/aliases."""

    uscc: ShortText | None = None
    type: CustomerType | None = None
    industry: ShortText | None = None
    region_code: ShortText | None = None
    size: ShortText | None = None
    owner: ShortText | None = None
    team: ShortText | None = None
    source: ShortText | None = None
    tags: list[ShortText] | None = Field(default=None, max_length=50)
    last_verified_at: datetime.datetime | None = None


class RenameInput(_Command):
    """A new registered name; the old one becomes a former name (曾用名) ending on ``effective``."""

    name: NameText
    effective: datetime.date | None = Field(default=None, description="default: today")
    reason: Reason | None = None


class DuplicateQuery(_Command):
    """What the real-time duplicate check looks for."""

    name: NameText
    uscc: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None
    limit: int = Field(default=10, ge=1, le=50)


class LinkKind(StrEnum):
    """How two customers that stay separate are related."""

    BRANCH_OF = "branch_of"  # 分支机构 of a head office
    SAME_GROUP = "same_group"  # members of one group (集团)
    ACQUIRED_BY = "acquired_by"  # 被收购
    ABSORBED_BY = "absorbed_by"  # 吸收合并: merged into another company (a legal act)


class LinkInput(_Command):
    """``customer`` is related to ``related_to`` as ``kind`` (e.g. branch_of its head office)."""

    related_to: ShortText = Field(description="customer number of the other customer")
    kind: LinkKind
    effective_date: datetime.date | None = None
    note: Reason | None = None


class ReviewAction(StrEnum):
    MERGE = "merge"
    NOT_DUPLICATE = "not_duplicate"
    RELATED = "related"


class ReviewDecision(_Command):
    """A reviewer's decision on a duplicate cluster.

    ``merge`` merges ``customers`` (default: every member) into ``survivor`` (default: by the
    survivorship rules), taking fields as ``take`` says; ``not_duplicate`` is remembered until one
    of the records changes its names or credit code; ``related`` links every other member to
    ``related_to`` as ``kind``.
    """

    action: ReviewAction
    customers: list[ShortText] | None = Field(default=None, min_length=2, max_length=100)
    survivor: ShortText | None = None
    take: dict[str, ShortText] = Field(default_factory=dict)
    versions: dict[str, int] = Field(default_factory=dict)
    kind: LinkKind | None = None
    related_to: ShortText | None = None
    reason: Reason | None = None
    override_reason: Reason | None = None
