"""``/api/v1/duplicates``: the real-time duplicate check (查重) a form calls while a name is typed.

Candidates the caller may not see show only their number and owner (the service decides), so a
sales rep learns whom to ask without seeing another's customer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from zhengming.entrypoints.api.deps import CurrentActor, ServicesDep
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import CandidatesPublic
from zhengming.services.commands import DuplicateQuery

router = APIRouter(
    prefix="/duplicates", tags=["duplicates"], responses=error_responses({413: "`input.too_large`"})
)


@router.post(
    "/check",
    response_model=CandidatesPublic,
    response_model_exclude_unset=True,
    summary="Stored customers that may be the one described (best first)",
    responses=error_responses({422: "`input.invalid`, `identifier.invalid`"}),
)
def check_duplicates(
    query: DuplicateQuery, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    candidates = services.customers.check(query, actor=actor)
    return {"candidates": [candidate.to_dict() for candidate in candidates]}
