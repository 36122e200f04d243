"""The duplicate review queue: the clusters a scan found, side by side, and the reviewer's decision.

``/review`` lists the pending clusters, most probable first; an administrator or a manager may
start a scan from there. ``/review/{id}`` shows the members in columns, the fields that differ
highlighted, and the evidence of each pair, with three decisions, each its own form:

* **merge**: the survivor and, for every field that differs, whose value it keeps (preset to
  the survivorship plan of ``MergeService.preview``);
* **not a duplicate**, with a reason (later scans remember it);
* **related**: the members are linked to one of them (a branch of, the same group as ...).

A refused decision (different credit codes, a record changed since the page was opened, a
cluster someone else decided) is shown next to its form, with the user's choices kept. A
reviewer who may not see every member sees only the hidden ones' numbers and owners, and the
forms are disabled. Undoing a merge starts from the customer page (``POST /merges/{id}/undo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData

from zhengming.domain.customer import Customer
from zhengming.domain.merging import MERGED_FIELDS, MergePlan
from zhengming.entrypoints.web import labels
from zhengming.entrypoints.web.comparison import comparison_rows, members_of
from zhengming.entrypoints.web.forms import service_message
from zhengming.entrypoints.web.i18n import N_, Translator
from zhengming.entrypoints.web.rendering import (
    CurrentUser,
    EditingUser,
    flash,
    language,
    localized,
    path_for,
    redirect,
    render,
    web_state,
)
from zhengming.errors import (
    BatchError,
    InvalidInputError,
    InvalidStateError,
    MergeRefusedError,
    PermissionDeniedError,
    VersionConflictError,
    ZhengmingError,
)
from zhengming.services.commands import LinkKind, ReviewAction, ReviewDecision
from zhengming.services.users import Role, User

router = APIRouter()
PAGE_SIZE = 20
#: Roles that may start a scan from the queue (it reads the whole base).
SCANNING_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
#: What a refused decision may be: shown on the page next to its form, not as an error page.
_REFUSALS = (
    MergeRefusedError,
    VersionConflictError,
    InvalidStateError,
    InvalidInputError,
    PermissionDeniedError,
)
_MAX_TEXT = 2000
ClusterId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MergeId = Annotated[int, Path(ge=1, le=2**63 - 1)]


async def posted_form(request: Request) -> FormData:
    """The posted form as sent (the merge form's fields depend on the cluster's members)."""
    # Starlette caches the parsed form: the CSRF check read it already.
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


@dataclass(frozen=True, slots=True)
class Choices:
    """What the reviewer chose on the page: the plan's defaults, then what was posted."""

    survivor: str = ""
    take: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    #: The form that was posted (merge, not_duplicate, related), whose reason is ``reason``.
    action: str = ""
    reason: str = ""
    override_reason: str = ""
    kind: str = ""
    related_to: str = ""

    @classmethod
    def posted(cls, form: FormData, action: ReviewAction) -> Choices:
        def text(key: str) -> str:
            value = form.get(key)
            return value.strip()[:_MAX_TEXT] if isinstance(value, str) else ""

        versions: dict[str, int] = {}
        for item in form.getlist("version"):
            number, _, version = str(item).rpartition(":")
            if number and version.isdigit() and len(version) < 19:
                versions[number] = int(version)
        return cls(
            survivor=text("survivor"),
            take={name: text(f"take_{name}") for name in MERGED_FIELDS if text(f"take_{name}")},
            versions=versions,
            action=action.value,
            reason=text("reason"),
            override_reason=text("override_reason"),
            kind=text("kind"),
            related_to=text("related_to"),
        )

    def over(self, defaults: Choices) -> Choices:
        """These choices, with the defaults where the posted form said nothing."""
        if self.action != ReviewAction.MERGE:
            return replace(defaults, **{k: getattr(self, k) for k in _NON_MERGE})
        return replace(
            self,
            survivor=self.survivor or defaults.survivor,
            take={**defaults.take, **self.take},
        )


_NON_MERGE = ("action", "reason", "kind", "related_to")


# --- the queue ------------------------------------------------------------------------------


@router.get("/review", name="review_list", response_class=HTMLResponse)
def review_list(request: Request, user: CurrentUser, page: str = "") -> Response:
    """The pending clusters, most probable first, a page at a time."""
    return _list_page(request, user, _page_number(page))


@router.post("/review/scan", name="run_scan", response_class=HTMLResponse)
def run_scan(request: Request, user: CurrentUser) -> Response:
    """Scan now (incremental; full when no scan ran yet), then show the queue."""
    if user.role not in SCANNING_ROLES:
        raise PermissionDeniedError(
            "只有管理员和经理可以启动扫描 / only administrators and managers may start a scan",
            details={"username": user.username, "role": user.role.value},
        )
    t = language(request)
    try:
        # Run in the request for now: a scan of a team's base takes seconds, and the reviewer
        # wants its clusters next. (The REST API runs scans as background jobs.)
        report = web_state(request).services.scans.run(actor=user.actor)
    except (InvalidStateError, BatchError) as exc:
        message = service_message(exc, t.lang)
        return _list_page(request, user, 1, message=message, status_code=exc.http_status)
    flash(
        request,
        N_(
            "Scan finished: %(customers)s customers compared, %(pairs)s probable duplicates "
            "found, %(clusters)s groups waiting for review."
        ),
        customers=str(report.customers),
        pairs=str(report.pairs_found),
        clusters=str(report.clusters),
    )
    return redirect(request, "review_list")


def _list_page(
    request: Request,
    user: User,
    page: int,
    *,
    message: Markup | None = None,
    status_code: int = 200,
) -> Response:
    found = web_state(request).services.review.clusters(
        actor=user.actor, page=page, page_size=PAGE_SIZE
    )
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    clusters = [(view, members_of(view, user)) for view in found.items]
    return render(
        request,
        "review/list.html",
        status_code=status_code,
        user=user,
        clusters=clusters,
        total=found.total,
        page=page,
        page_links=_page_links(request, page, pages),
        can_scan=user.role in SCANNING_ROLES,
        message=message,
    )


def _page_number(text: str) -> int:
    return max(int(text), 1) if text.isdigit() and len(text) < 7 else 1


def _page_links(request: Request, page: int, pages: int) -> list[tuple[int, str]]:
    """Links to the first, last and nearby pages (a gap is page 0)."""
    wanted = sorted({1, pages, *range(page - 2, page + 3)} & set(range(1, pages + 1)))
    links: list[tuple[int, str]] = []
    for number in wanted:
        if links and number - links[-1][0] > 1:
            links.append((0, ""))
        query = {"page": number} if number > 1 else None
        links.append((number, path_for(request, "review_list", query)))
    return links


# --- one cluster ----------------------------------------------------------------------------


@router.get("/review/{cluster_id}", name="review_cluster", response_class=HTMLResponse)
def review_cluster(request: Request, cluster_id: ClusterId, user: CurrentUser) -> Response:
    return _cluster_page(request, user, cluster_id)


@router.post("/review/{cluster_id}/merge", name="merge_cluster", response_class=HTMLResponse)
def merge_cluster(
    request: Request, cluster_id: ClusterId, user: EditingUser, form: PostedForm
) -> Response:
    """Merge every member into the chosen survivor, taking the chosen values."""
    choices = Choices.posted(form, ReviewAction.MERGE)
    decision = _decision(
        action=ReviewAction.MERGE,
        survivor=choices.survivor or None,
        take=choices.take,
        versions=choices.versions,
        reason=choices.reason or None,
        override_reason=choices.override_reason or None,
    )
    return _decide(request, user, cluster_id, decision, choices)


@router.post(
    "/review/{cluster_id}/not-duplicate", name="dismiss_cluster", response_class=HTMLResponse
)
def dismiss_cluster(
    request: Request, cluster_id: ClusterId, user: EditingUser, form: PostedForm
) -> Response:
    """Not duplicates: remembered by later scans while the names and credit codes stay."""
    choices = Choices.posted(form, ReviewAction.NOT_DUPLICATE)
    # A reason is required here: it is what a later reviewer reads when the pair comes back.
    decision = _decision(action=ReviewAction.NOT_DUPLICATE, reason=choices.reason)
    return _decide(request, user, cluster_id, decision, choices)


@router.post("/review/{cluster_id}/related", name="relate_cluster", response_class=HTMLResponse)
def relate_cluster(
    request: Request, cluster_id: ClusterId, user: EditingUser, form: PostedForm
) -> Response:
    """Related, not the same: every other member is linked to the chosen one."""
    choices = Choices.posted(form, ReviewAction.RELATED)
    if choices.kind not in set(LinkKind) or not choices.related_to:
        message = language(request).gettext(
            N_("Choose the relation and the record the others are linked to.")
        )
        return _cluster_page(request, user, cluster_id, choices, message, 422)
    decision = _decision(
        action=ReviewAction.RELATED,
        kind=choices.kind,
        related_to=choices.related_to or None,
        reason=choices.reason or None,
    )
    return _decide(request, user, cluster_id, decision, choices)


def _decision(**values: Any) -> ReviewDecision | ValidationError:
    try:
        return ReviewDecision.model_validate(values)
    except ValidationError as exc:
        return exc


def _decide(
    request: Request,
    user: User,
    cluster_id: int,
    decision: ReviewDecision | ValidationError,
    choices: Choices,
) -> Response:
    t = language(request)
    if isinstance(decision, ValidationError):
        message = _invalid(decision, t)
        return _cluster_page(request, user, cluster_id, choices, message, 422)
    services = web_state(request).services
    try:
        outcome = services.review.decide(cluster_id, decision, actor=user.actor)
    except _REFUSALS as exc:
        message = _refusal(exc, t)
        return _cluster_page(request, user, cluster_id, choices, message, exc.http_status)
    if decision.action is ReviewAction.MERGE:
        merge = outcome["merge"]
        survivor = merge["survivor"]["customer_no"]
        flash(
            request,
            N_("Merged %(merged)s into %(survivor)s. The merge can be undone below."),
            merged="、".join(c["customer_no"] for c in merge["merged"]),
            survivor=survivor,
        )
        return redirect(request, "customer", ref=survivor)
    done = {
        ReviewAction.NOT_DUPLICATE: N_("Group %(id)s: marked as not duplicates."),
        ReviewAction.RELATED: N_("Group %(id)s: the customers are linked as related."),
    }
    flash(request, done[decision.action], id=str(cluster_id))
    return redirect(request, "review_list")


def _invalid(exc: ValidationError, t: Translator) -> Markup:
    fields = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    if fields & {"reason", "override_reason"}:
        return t.gettext(N_("A reason needs 2 to 1000 characters."))
    return t.gettext(N_("The choices are incomplete: reload the page."))


def _refusal(exc: ZhengmingError, t: Translator) -> Markup:
    """A refused decision in the user's words."""
    if isinstance(exc, VersionConflictError):
        return t.gettext(
            N_(
                "Not merged: %(no)s was changed by %(who)s after you opened this page. The "
                "page now shows its current values; check your choices and merge again."
            ),
            no=str(exc.details.get("customer_no", "")),
            who=str(exc.details.get("changed_by") or "—"),
        )
    prefixes: dict[type[ZhengmingError], str] = {
        MergeRefusedError: N_("Not merged: %(message)s"),
        InvalidStateError: N_("Not decided: %(message)s"),
    }
    prefix = prefixes.get(type(exc), N_("Refused: %(message)s"))
    return t.gettext(prefix, message=service_message(exc, t.lang))


def _cluster_page(
    request: Request,
    user: User,
    cluster_id: int,
    posted: Choices | None = None,
    message: Markup | None = None,
    status_code: int = 200,
) -> Response:
    services = web_state(request).services
    t = language(request)
    view = services.review.cluster(cluster_id, actor=user.actor)
    members = members_of(view, user)
    pending = view.cluster.status == "pending"
    all_visible = all(member.visible for member in members)
    plan: MergePlan | None = None
    preview_refusal: Markup | None = None
    if pending and all_visible and user.role.can_edit_customers:
        try:
            plan = services.merges.preview([c.customer_no for c in view.members], actor=user.actor)
        except ZhengmingError as exc:
            # Say so before the reviewer tries: a merge of these records would be refused.
            preview_refusal = t.gettext(
                N_("Merging these records would be refused: %(message)s"),
                message=service_message(exc, t.lang),
            )
    defaults = _defaults(view.members, plan)
    choices = posted.over(defaults) if posted else defaults
    # The versions on the page are those of the values it shows: after a version conflict the
    # page shows the current values, so merging again from it is what the reviewer sees.
    choices = replace(choices, versions={c.customer_no: c.version for c in view.members})
    return render(
        request,
        "review/cluster.html",
        status_code=status_code,
        user=user,
        view=view,
        members=members,
        rows=comparison_rows(members),
        pairs=view.to_dict()["pairs"],
        choices=choices,
        pending=pending,
        can_decide=pending and user.role.can_edit_customers,
        all_visible=all_visible,
        message=message,
        preview_refusal=preview_refusal,
        link_kinds=[kind.value for kind in LinkKind],
        labels=labels,
    )


def _defaults(members: Sequence[Customer], plan: MergePlan | None) -> Choices:
    """The survivorship plan's choices (the first member's when there is no plan)."""
    numbers = {c.id: c.customer_no for c in members}
    if plan is None:
        first = members[0].customer_no if members else ""
        return Choices(survivor=first, take=dict.fromkeys(MERGED_FIELDS, first))
    return Choices(
        survivor=numbers[plan.survivor_id],
        take={name: numbers[source] for name, (_, source) in plan.values.items()},
    )


# --- undo -----------------------------------------------------------------------------------


@router.post("/merges/{merge_id}/undo", name="undo_merge", response_class=HTMLResponse)
def undo_merge(request: Request, merge_id: MergeId, user: EditingUser) -> Response:
    """Undo a merge from the survivor's page; the merged customers come back as they were."""
    services = web_state(request).services
    t = language(request)
    event = services.merges.get(merge_id, actor=user.actor)
    try:
        result = services.merges.undo(merge_id, actor=user.actor)
    except (InvalidStateError, PermissionDeniedError) as exc:
        flash(request, N_("Not undone: %(message)s"), message=localized(exc.message, t.lang))
        return redirect(request, "customer", ref=str(event["survivor"]))
    flash(
        request,
        N_("Merge undone: %(restored)s are separate customers again."),
        restored="、".join(c.customer_no for c in result.restored),
    )
    for conflict in result.conflicts:
        if "field" in conflict:
            # Changed on the survivor after the merge: the newer value stays (never lost).
            flash(
                request,
                N_(
                    "%(field)s was changed after the merge and keeps its current value "
                    "“%(current)s” (before the merge: “%(before)s”)."
                ),
                field=str(t.gettext(labels.FIELD.get(conflict["field"], conflict["field"]))),
                current=str(conflict.get("current") or "—"),
                before=str(conflict.get("before_merge") or "—"),
            )
        else:
            flash(request, N_("A contact removed after the merge could not be given back."))
    return redirect(request, "customer", ref=result.survivor.customer_no)
