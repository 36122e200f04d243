"""``/api/v1/search``: one search box over every name, number, credit code, phone and pinyin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from zhengming.entrypoints.api.deps import CurrentActor, ServicesDep
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import SearchHitsPublic

router = APIRouter(tags=["search"])


@router.get(
    "/search",
    response_model=SearchHitsPublic,
    response_model_exclude_unset=True,
    summary="Find customers by any name, former name, number, credit code, phone or pinyin",
    responses=error_responses({422: "`input.invalid`"}),
)
def search_customers(
    q: Annotated[str, Query(min_length=1, max_length=200, description="what the user typed")],
    services: ServicesDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    include_inactive: Annotated[
        bool, Query(description="also customers in the recycle bin")
    ] = False,
) -> dict[str, Any]:
    hits = services.search.search(q, actor=actor, limit=limit, include_inactive=include_inactive)
    return {"items": [hit.to_dict() for hit in hits]}
