"""The duplicate scan and its review queue: ``/scans``, ``/jobs``, ``/duplicates/clusters``, links.

A scan is a job: ``POST /scans`` queues it and answers 202 at once with the job, which then runs
in the background (one scan at a time: a second one is refused with 409 while the first is
queued or running); ``GET /jobs/{id}`` shows its progress and, when it ends, its report or
error. Reviewers page through the clusters it found, most probable first, and decide each one:
merge, not a duplicate (remembered), or related (the records are linked and stay separate).
Links between related customers are also made and ended directly. Each route makes one service
call; access checks, validation and the audit trail are the services'.

The answer models live here rather than in ``schemas.py``: only these routes answer with them.
"""

from __future__ import annotations

import datetime
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from zhengming.bootstrap import Services
from zhengming.domain.customer import Actor
from zhengming.entrypoints.api.deps import CurrentActor, ServicesDep, current_actor
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import CustomerPublic, EvidencePublic, MergeResultPublic
from zhengming.errors import NotFoundError
from zhengming.services.commands import LinkInput, LinkKind, ReviewDecision

logger = logging.getLogger("zhengming.api")

router = APIRouter(responses=error_responses({413: "`input.too_large`", 422: "`input.invalid`"}))

CustomerRef = Annotated[
    str, Path(min_length=1, max_length=64, description="customer number (C202611-000001) or id")
]
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="id of the job")]
ClusterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="id of the duplicate cluster")]
LinkId = Annotated[int, Path(ge=1, le=2**63 - 1, description="id of the link")]
ClusterStatus = Literal["pending", "merged", "not_duplicate", "related", "superseded", "all"]

_DENIED = {403: "`access.denied`: a record belongs to another user"}


# --- request and answer shapes --------------------------------------------------------------


class ScanRequest(BaseModel):
    """What kind of scan to run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full: bool = Field(
        default=False,
        description="compare every customer with every other (batch executor); default: only "
        "those created or changed since the last successful scan (a full scan when none has)",
    )


class JobProgressPublic(BaseModel):
    stage: str | None = Field(description="the step running: analyse, score (full), compare")
    done: int
    total: int | None


class JobPublic(BaseModel):
    """A background job (a scan): queued, running, succeeded or failed."""

    id: int
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    params: dict[str, Any]
    result: dict[str, Any] | None = Field(description="the scan report once it succeeded")
    error: dict[str, Any] | None = Field(description="{code, message} once it failed")
    progress: JobProgressPublic
    created_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


class HiddenMemberPublic(BaseModel):
    """A member the caller may not see: its number and owner only (whom to ask)."""

    customer_no: str
    owner: str | None
    visible: Literal[False]


class ClusterPairPublic(BaseModel):
    """One pair of members a scan found, and why; names and evidence only if both are visible."""

    customers: list[str | None] = Field(description="the two customer numbers")
    names: list[str] | None = Field(description="the names that matched")
    probability: float
    decision: str = Field(description="the scorer's decision: same or likely")
    status: str = Field(description="pending, merged, not_duplicate, related or gone")
    evidence: list[EvidencePublic]


class ClusterPublic(BaseModel):
    """A group of probable duplicates: the members side by side, what differs, pair evidence."""

    id: int
    status: str
    probability: float = Field(description="the most probable pair's probability")
    size: int
    created_at: datetime.datetime
    decided_by: str | None
    reason: str | None
    members: list[CustomerPublic | HiddenMemberPublic]
    differences: dict[str, list[Any]] = Field(
        description="field -> the visible members' values (in member order) where they differ"
    )
    pairs: list[ClusterPairPublic]


class ClustersPublic(BaseModel):
    """One page of the review queue."""

    items: list[ClusterPublic]
    total: int
    page: int
    page_size: int


class ClusterQuery(BaseModel):
    """Filters and page of the review queue."""

    status: ClusterStatus = "pending"
    min_probability: float = Field(default=0.0, ge=0.0, le=1.0)
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=200)


class DecisionPublic(BaseModel):
    """The cluster after the decision, and the merge when the decision was to merge."""

    cluster: ClusterPublic
    merge: MergeResultPublic | None = None


class LinkEndPublic(BaseModel):
    customer_no: str
    name: str


class LinkPublic(BaseModel):
    """``customer`` is ``kind`` of ``related_to`` (e.g. a branch_of its head office)."""

    id: int
    customer: LinkEndPublic
    kind: LinkKind
    related_to: LinkEndPublic
    effective_date: datetime.date | None
    note: str | None
    created_by: str | None
    created_at: datetime.datetime
    ended_at: datetime.datetime | None = Field(description="set once the link is ended (kept)")


class LinksPublic(BaseModel):
    items: list[LinkPublic]


# --- scans and jobs -------------------------------------------------------------------------


@router.post(
    "/scans",
    status_code=202,
    response_model=JobPublic,
    tags=["duplicates"],
    summary="Start a whole-base duplicate scan in the background; answers its job",
    responses=error_responses(
        {409: "`customer.invalid_state`: a scan is already queued or running (details: job_id)"}
    ),
)
def start_scan(
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    scan: Annotated[ScanRequest | None, Body()] = None,
) -> dict[str, Any]:
    full = scan.full if scan else False
    job_id = services.scans.create_job(actor=actor, full=full)
    background.add_task(_run_scan, services, job_id, actor=actor, full=full)
    response.headers["Location"] = str(request.url_for("read_job", job_id=job_id))
    return _job(services, job_id)


@router.get(
    "/jobs/{job_id}",
    response_model=JobPublic,
    tags=["jobs"],
    summary="A job's status and progress; its result or error once it ended",
    dependencies=[Depends(current_actor)],
    responses=error_responses({404: "`not_found`: no such job"}),
)
def read_job(job_id: JobId, services: ServicesDep) -> dict[str, Any]:
    return _job(services, job_id)


def _run_scan(services: Services, job_id: int, *, actor: Actor, full: bool) -> None:
    """Run the queued scan after the answer was sent. The service records a failure in the
    job, so the error is only logged here: there is no caller left to answer."""
    try:
        # ``full`` again: running a queued job reads the mode from its arguments, not the job.
        services.scans.run(job_id=job_id, actor=actor, full=full)
    except Exception:
        logger.exception("scan job %s failed", job_id)


def _job(services: Services, job_id: int) -> dict[str, Any]:
    job = services.scans.job(job_id)
    if job is None:
        raise NotFoundError(f"任务不存在 / no such job: {job_id}", details={"job_id": job_id})
    return job.to_dict()


# --- the review queue -----------------------------------------------------------------------

_NO_CLUSTER = {404: "`not_found`: no such duplicate cluster"}


@router.get(
    "/duplicates/clusters",
    response_model=ClustersPublic,
    tags=["duplicates"],
    summary="The review queue: clusters of probable duplicates, most probable first",
)
def list_clusters(
    query: Annotated[ClusterQuery, Query()], services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    page = services.review.clusters(
        actor=actor,
        status=None if query.status == "all" else query.status,
        min_probability=query.min_probability,
        page=query.page,
        page_size=query.page_size,
    )
    return page.to_dict()


@router.get(
    "/duplicates/clusters/{cluster_id}",
    response_model=ClusterPublic,
    tags=["duplicates"],
    summary="A cluster: members side by side, their differences and the pairs' evidence",
    responses=error_responses(_NO_CLUSTER),
)
def read_cluster(
    cluster_id: ClusterId, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    return services.review.cluster(cluster_id, actor=actor).to_dict()


@router.post(
    "/duplicates/clusters/{cluster_id}/decision",
    response_model=DecisionPublic,
    response_model_exclude_unset=True,
    tags=["duplicates"],
    summary="Decide a cluster: merge, not_duplicate (remembered) or related (linked)",
    responses=error_responses(
        {
            **_DENIED,
            **_NO_CLUSTER,
            409: "`customer.invalid_state` (the cluster was already decided, or a member was "
            "merged), `merge.refused`, `customer.version_conflict`",
            422: "`input.invalid` (related without kind or related_to, a customer not in the "
            "cluster)",
        }
    ),
)
def decide_cluster(
    cluster_id: ClusterId, decision: ReviewDecision, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    return services.review.decide(cluster_id, decision, actor=actor)


# --- links between related customers --------------------------------------------------------


@router.get(
    "/customers/{ref}/links",
    response_model=LinksPublic,
    tags=["links"],
    summary="The customer's links in both directions (a head office sees its branches)",
    responses=error_responses({**_DENIED, 404: "`not_found`: no such customer"}),
)
def customer_links(
    ref: CustomerRef,
    services: ServicesDep,
    actor: CurrentActor,
    include_ended: Annotated[bool, Query(description="also links that were ended")] = False,
) -> dict[str, Any]:
    return {"items": services.links.of(ref, actor=actor, include_ended=include_ended)}


@router.post(
    "/customers/{ref}/links",
    status_code=201,
    response_model=LinkPublic,
    tags=["links"],
    summary="Link the customer to another as kind (branch_of, same_group, acquired_by, ...)",
    responses=error_responses(
        {
            **_DENIED,
            404: "`not_found`: the customer or related_to",
            422: "`input.invalid` (a customer related to itself, an unknown kind)",
        }
    ),
)
def add_link(
    ref: CustomerRef, link: LinkInput, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    return services.links.add(ref, link, actor=actor)


@router.post(
    "/links/{link_id}/end",
    response_model=LinkPublic,
    tags=["links"],
    summary="End a link from now on (it stays in the history)",
    responses=error_responses({**_DENIED, 404: "`not_found`: no such link"}),
)
def end_link(link_id: LinkId, services: ServicesDep, actor: CurrentActor) -> dict[str, Any]:
    return services.links.end(link_id, actor=actor)
