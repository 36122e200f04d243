"""``/api/v1/health``: is the service up, and is its database at the newest migration?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from zhengming.entrypoints.api.deps import ServicesDep
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    summary="Liveness and database revision (503 when the database needs `zhengming db upgrade`)",
    responses={
        503: {"model": HealthPublic, "description": "the database schema is outdated"},
        **error_responses({500: "`zhengming.error`: the database cannot be reached"}),
    },
)
def health(services: ServicesDep, response: Response) -> dict[str, Any]:
    database = services.database
    revision, head = database.current_revision(), database.head_revision()
    current = revision == head
    if not current:
        # Load balancers look at the status: an outdated schema must not take traffic.
        response.status_code = 503
    return {
        "status": "ok" if current else "outdated",
        "database": {"revision": revision, "head": head, "current": current},
    }
