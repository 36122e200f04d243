"""The shapes the API answers with (and the few request bodies only the API has).

Request bodies that every front door shares (``CustomerCreate``, ``CustomerUpdate``, ...) live in
``zhengming.services.commands``. The ``*Public`` models here mirror the ``to_dict()`` of the
service results field by field: routes return those dicts, FastAPI checks them against these
models, and the OpenAPI document shows them.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from zhengming.domain.customer import CustomerStatus, CustomerType, NameType
from zhengming.domain.matching import Decision
from zhengming.domain.merging import MERGED_FIELDS
from zhengming.domain.names.rules import Severity
from zhengming.services.commands import Reason, ShortText
from zhengming.services.ports import CustomerFilter

ListedStatus = Literal["active", "archived", "deleted"]
Sort = Literal["updated", "created", "name", "customer_no"]
#: A customer named in a request body: its number (C202611-000001) or id.
CustomerRefText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]


class NamePublic(BaseModel):
    id: int | None
    name: str
    type: NameType
    valid_from: datetime.date | None
    valid_to: datetime.date | None


class ContactPublic(BaseModel):
    id: int | None
    name: str | None
    phone: str | None
    email: str | None
    title: str | None


class PartsPublic(BaseModel):
    """The parts parsed from a company name."""

    region_code: str | None = Field(description="GB/T 2260 行政区划代码")
    trade_name: str | None = Field(description="字号")
    industry: str | None = Field(description="行业或经营特点")
    legal_form: str | None = Field(description="组织形式")
    branch: str | None = Field(description="分支机构")


class CustomerPublic(BaseModel):
    """A customer; ``version`` is also its ETag."""

    id: int
    customer_no: str
    kind: str
    name: str
    name_key: str
    uscc: str | None = Field(description="统一社会信用代码")
    status: CustomerStatus
    merged_into: int | None
    parts: PartsPublic
    type: CustomerType
    industry: str | None
    size: str | None
    owner: str | None
    team: str | None
    source: str | None
    version: int
    last_verified_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    names: list[NamePublic]
    contacts: list[ContactPublic]
    tags: list[str]


class CustomersPublic(BaseModel):
    """One page of customers."""

    items: list[CustomerPublic]
    total: int
    page: int
    page_size: int


class ProblemPublic(BaseModel):
    """A naming-rule problem (docs/reference/naming-rules.md)."""

    code: str
    severity: Severity
    message: str
    suggestion: str | None


class EvidencePublic(BaseModel):
    comparison: str
    level: str
    weight: float


class CandidatePublic(BaseModel):
    """A stored customer that may be the one checked.

    Records the caller may not see show only ``customer_no``, ``owner``, the decision and
    ``visible: false``; the other fields are then absent.
    """

    customer_no: str
    owner: str | None
    decision: Decision
    probability: float
    visible: bool
    id: int | None = None
    name: str | None = None
    status: CustomerStatus | None = None
    team: str | None = None
    uscc: str | None = None
    matched_name: NamePublic | None = None
    evidence: list[EvidencePublic] | None = None


class CandidatesPublic(BaseModel):
    candidates: list[CandidatePublic]


class RegistrationPublic(BaseModel):
    """A registered customer, the naming warnings it was saved with, and near misses."""

    customer: CustomerPublic
    warnings: list[ProblemPublic]
    candidates: list[CandidatePublic]


class SearchHitPublic(BaseModel):
    """A customer found by the search box; hidden records show only number and owner."""

    customer_no: str
    owner: str | None
    visible: bool
    match: str = Field(description="how it matched: identifier, name, name_key, pinyin, ...")
    id: int | None = None
    name: str | None = None
    status: CustomerStatus | None = None
    uscc: str | None = None
    team: str | None = None
    type: CustomerType | None = None
    matched_name: NamePublic | None = None


class SearchHitsPublic(BaseModel):
    items: list[SearchHitPublic]


class HistoryEntryPublic(BaseModel):
    """One audit-log entry: who did what, the fields before and after."""

    id: int
    at: datetime.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class HistoryPublic(BaseModel):
    items: list[HistoryEntryPublic]


class DatabaseHealth(BaseModel):
    revision: str | None = Field(description="the database's migration revision")
    head: str | None = Field(description="the newest revision this version of zhengming knows")
    current: bool


class HealthPublic(BaseModel):
    status: Literal["ok", "outdated"]
    database: DatabaseHealth


class StatusChange(BaseModel):
    """Why a customer is archived or restored (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason | None = None


class CustomerQuery(BaseModel):
    """Filters, order and page of the customer list."""

    status: list[ListedStatus] = Field(
        default_factory=lambda: list[ListedStatus](["active"]),
        description="repeat for several",
        max_length=3,
    )
    type: CustomerType | None = None
    industry: ShortText | None = None
    region_code: str | None = Field(
        default=None, max_length=6, description="GB/T 2260; 440000 includes its cities"
    )
    owner: ShortText | None = None
    team: ShortText | None = None
    tag: ShortText | None = None
    sort: Sort = "updated"
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=200)

    def filters(self) -> CustomerFilter:
        return CustomerFilter(
            status=tuple(self.status),
            type=self.type.value if self.type else None,
            industry=self.industry,
            region_code=self.region_code,
            owner=self.owner,
            team=self.team,
            tag=self.tag,
        )


# --- merges ---------------------------------------------------------------------------------


class MergeProposal(BaseModel):
    """The records to merge and the user's choices; what ``POST /merges/preview`` plans."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customers: list[CustomerRefText] = Field(
        min_length=2, max_length=100, description="customer numbers (or ids) to merge into one"
    )
    survivor: CustomerRefText | None = Field(
        default=None, description="the record to keep; by the survivorship rules when omitted"
    )
    take: dict[str, CustomerRefText] = Field(
        default_factory=dict,
        max_length=len(MERGED_FIELDS),
        description="field -> the record whose value the survivor keeps; fields: "
        + ", ".join(MERGED_FIELDS),
    )
    override_reason: Reason | None = Field(
        default=None,
        description="administrators only: merge records with different valid credit codes",
    )


class MergeCreate(MergeProposal):
    """A merge to apply: the proposal, the versions it was previewed with, and why."""

    versions: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        max_length=100,
        description="customer number -> the version previewed; a record changed since is "
        "refused with 409 customer.version_conflict",
    )
    reason: Reason | None = Field(default=None, description="kept in the merge event and audit log")

    @model_validator(mode="after")
    def _versions_name_merged_records(self) -> MergeCreate:
        # The service matches versions by customer number: a key it cannot match would be
        # ignored silently, and the merge would then overwrite a change it was meant to catch.
        stray = sorted(set(self.versions) - set(self.customers))
        if stray:
            raise ValueError(
                "versions must be keyed by the customer numbers listed in customers: "
                + ", ".join(stray)
            )
        return self


class MergeUndo(BaseModel):
    """Why a merge is undone (kept in the merge event and the audit log)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason | None = None


class PlanValuePublic(BaseModel):
    """The value a field of the survivor will have, and the id of the record it comes from."""

    model_config = ConfigDict(populate_by_name=True)

    value: Any
    from_: int = Field(alias="from", description="id of the record the value comes from")


class MergePlanPublic(BaseModel):
    """What a merge does (``MergePlan.to_dict()``); versions are keyed by customer id."""

    survivor_id: int
    merged_ids: list[int]
    values: dict[str, PlanValuePublic]
    new_names: list[NamePublic] = Field(description="names the survivor gains as aliases")
    versions: dict[str, int]
    override_reason: str | None


class MergePreviewPublic(MergePlanPublic):
    """The plan, and the records involved (survivor first) to show side by side."""

    records: list[CustomerPublic]


class MergeResultPublic(BaseModel):
    """A merge done: its id (to undo it with), the survivor, the tombstones and the plan."""

    merge_id: int
    survivor: CustomerPublic
    merged: list[CustomerPublic]
    plan: MergePlanPublic


class UndoResultPublic(BaseModel):
    """A merge undone: the records restored, and the survivor's later changes kept instead."""

    merge_id: int
    survivor: CustomerPublic
    restored: list[CustomerPublic]
    conflicts: list[dict[str, Any]] = Field(
        description="{field, before_merge, set_by_merge, current}: changed since the merge, "
        "kept; {contact_id, problem}: a moved contact removed since"
    )


class MergeEventPublic(BaseModel):
    """A merge as recorded: the plan, every change it made, and its undo if undone."""

    id: int
    survivor: str = Field(description="customer number of the survivor")
    merged: list[str] = Field(description="customer numbers of the merged records")
    plan: MergePlanPublic
    changes: dict[str, Any]
    actor: str
    reason: str | None
    created_at: datetime.datetime
    undone_at: datetime.datetime | None
    undone_by: str | None
    undo_report: dict[str, Any] | None


class MergeEventsPublic(BaseModel):
    items: list[MergeEventPublic]
