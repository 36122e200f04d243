"""``/api/v1/merges``: preview a merge of duplicate customers, apply it, read it, undo it.

A UI previews first (nothing is written), shows the records side by side with the values the
survivor will keep, then applies the merge with the versions it showed: a record changed in the
meantime is refused (409 ``customer.version_conflict``) instead of merged unseen. Planning,
guards, access checks and the audit trail are ``MergeService``'s; each route makes one call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from zhengming.entrypoints.api.deps import CurrentActor, ServicesDep
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import (
    MergeCreate,
    MergeEventPublic,
    MergeEventsPublic,
    MergePreviewPublic,
    MergeProposal,
    MergeResultPublic,
    MergeUndo,
    UndoResultPublic,
)

# No prefix: the survivor's merge history lives under /customers, next to its audit history.
router = APIRouter(
    tags=["merges"],
    responses=error_responses(
        {
            403: "`access.denied`: a record belongs to another user",
            413: "`input.too_large`",
            422: "`input.invalid`",
        }
    ),
)

MergeId = Annotated[int, Path(ge=1, le=2**63 - 1, description="id of the merge event")]
CustomerRef = Annotated[
    str, Path(min_length=1, max_length=64, description="customer number (C202611-000001) or id")
]
_PLAN_ERRORS = {
    403: "`access.denied`: a record belongs to another user, or override_reason without the "
    "admin role",
    404: "`not_found`: a customer",
    409: "`merge.refused` (details.reason: different_uscc, branch), `customer.invalid_state` "
    "(a record is already merged)",
    422: "`input.invalid` (the same record twice, fewer than 2 or more than merge_limit "
    "records, survivor or take naming a record not merged, an unknown field)",
}
_NO_MERGE = {404: "`not_found`: no such merge"}


@router.post(
    "/merges/preview",
    response_model=MergePreviewPublic,
    summary="Plan a merge without writing anything: survivor, values, new aliases, records",
    responses=error_responses(_PLAN_ERRORS),
)
def preview_merge(
    proposal: MergeProposal, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    plan = services.merges.preview(
        proposal.customers,
        actor=actor,
        survivor=proposal.survivor,
        take=proposal.take,
        override_reason=proposal.override_reason,
    )
    # The plan names records by id; the UI needs them whole. Survivor first, as it is shown.
    records = [
        services.customers.get(customer_id, actor=actor).to_dict()
        for customer_id in (plan.survivor_id, *plan.merged_ids)
    ]
    return {**plan.to_dict(), "records": records}


@router.post(
    "/merges",
    status_code=201,
    response_model=MergeResultPublic,
    summary="Merge duplicate customers into one (undoable)",
    responses=error_responses(
        {
            **_PLAN_ERRORS,
            409: _PLAN_ERRORS[409] + ", `customer.version_conflict` (a record changed since "
            "the versions given; details: changed_by, changed_at)",
        }
    ),
)
def create_merge(
    data: MergeCreate,
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    result = services.merges.merge(
        data.customers,
        actor=actor,
        survivor=data.survivor,
        take=data.take,
        versions=data.versions,
        reason=data.reason,
        override_reason=data.override_reason,
    )
    response.headers["Location"] = str(request.url_for("read_merge", merge_id=result.merge_id))
    return result.to_dict()


@router.get(
    "/merges/{merge_id}",
    response_model=MergeEventPublic,
    summary="A merge as recorded: plan, changes, and its undo if undone",
    responses=error_responses(_NO_MERGE),
)
def read_merge(merge_id: MergeId, services: ServicesDep, actor: CurrentActor) -> dict[str, Any]:
    return services.merges.get(merge_id, actor=actor)


@router.post(
    "/merges/{merge_id}/undo",
    response_model=UndoResultPublic,
    summary="Undo a merge: the records come back; the survivor's later changes are kept",
    responses=error_responses(
        {
            **_NO_MERGE,
            409: "`customer.invalid_state` (already undone, or the survivor was merged again "
            "since: undo that merge first), `customer.version_conflict`",
        }
    ),
)
def undo_merge(
    merge_id: MergeId,
    services: ServicesDep,
    actor: CurrentActor,
    undo: Annotated[MergeUndo | None, Body()] = None,
) -> dict[str, Any]:
    result = services.merges.undo(merge_id, actor=actor, reason=undo.reason if undo else None)
    return result.to_dict()


@router.get(
    "/customers/{ref}/merges",
    response_model=MergeEventsPublic,
    summary="The merges a customer survived, newest first",
    responses=error_responses({404: "`not_found`: no such customer"}),
)
def customer_merges(ref: CustomerRef, services: ServicesDep, actor: CurrentActor) -> dict[str, Any]:
    return {"items": services.merges.history(ref, actor=actor)}
