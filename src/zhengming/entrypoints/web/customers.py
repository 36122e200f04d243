"""The customer list (one search box, filters, pages) and the customer page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhengming.domain.customer import Customer, CustomerName, CustomerType
from zhengming.entrypoints.web import labels
from zhengming.entrypoints.web.rendering import CurrentUser, path_for, render, web_state
from zhengming.errors import PermissionDeniedError
from zhengming.services.ports import CustomerFilter
from zhengming.services.users import User

router = APIRouter()
PAGE_SIZE = 20
#: Hits a search reads; they are filtered and paged here (the search has no offset).
SEARCH_LIMIT = 100
STATUSES: dict[str, tuple[str, ...]] = {
    "active": ("active",),
    "archived": ("archived",),
    "deleted": ("deleted",),
    "all": ("active", "archived", "deleted"),
}
SORTS = ("updated", "created", "name", "customer_no")
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the list: a customer, or only its number and owner when not visible."""

    customer: Customer
    visible: bool = True
    matched_name: CustomerName | None = None


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The list's query string, cleaned: unknown values fall back to the defaults."""

    q: str = ""
    status: str = "active"
    type: str = ""
    tag: str = ""
    sort: str = "updated"
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> ListQuery:
        def text(key: str) -> str:
            return str(params.get(key) or "").strip()[:_MAX_TEXT]

        page = text("page")
        return cls(
            q=text("q"),
            status=text("status") if text("status") in STATUSES else "active",
            type=text("type") if text("type") in labels.TYPE else "",
            tag=text("tag"),
            sort=text("sort") if text("sort") in SORTS else "updated",
            page=max(int(page), 1) if page.isdigit() and len(page) < 7 else 1,
        )

    def to_query(self, **changes: Any) -> dict[str, Any]:
        values = {
            "q": self.q,
            "status": self.status if self.status != "active" else "",
            "type": self.type,
            "tag": self.tag,
            "sort": self.sort if self.sort != "updated" else "",
            "page": self.page if self.page != 1 else "",
        }
        values.update(changes)
        return values


@router.get("/customers", name="customer_list", response_class=HTMLResponse)
def customer_list(request: Request, user: CurrentUser) -> Response:
    """All customers the user may see, or the hits of the search box, a page at a time."""
    query = ListQuery.parse(request.query_params)
    rows, total = _search(request, query, user) if query.q else _page(request, query, user)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    context: dict[str, Any] = {
        "query": query,
        "rows": rows,
        "total": total,
        "pages": pages,
        "page_links": _page_links(request, query, pages),
        "statuses": list(STATUSES),
        "types": [member.value for member in CustomerType],
        "sorts": SORTS,
        "labels": labels,
    }
    # The search box asks for the results only (htmx), the rest of the page stays.
    partial = request.headers.get("HX-Request") == "true" and (
        request.headers.get("HX-Target") == "results"
    )
    template = "customers/_results.html" if partial else "customers/list.html"
    return render(request, template, user=user, **context)


@router.get("/customers/{ref}", name="customer", response_class=HTMLResponse)
def customer_page(request: Request, ref: str, user: CurrentUser) -> Response:
    """Everything about one customer: names, parts, identifiers, contacts, tags, history."""
    services = web_state(request).services
    customer = services.customers.get(ref, actor=user.actor)
    if ref != customer.customer_no:
        # An id, or a merged customer's number: show the survivor under its own address.
        return RedirectResponse(
            path_for(request, "customer", ref=customer.customer_no), status_code=303
        )
    history = services.customers.history(customer.customer_no, actor=user.actor)
    return render(
        request,
        "customers/detail.html",
        user=user,
        customer=customer,
        history=[_history_entry(entry) for entry in reversed(history)],
        merges=services.merges.history(customer.customer_no, actor=user.actor),
        related=_related(request, user, customer),
        labels=labels,
    )


def _related(request: Request, user: User, customer: Customer) -> list[dict[str, Any]]:
    """The customer's current links, each seen from this customer's end.

    ``other`` is the customer at the other end; its name is left out when the user may not
    see that customer (as the list and the review queue show only number and owner).
    """
    services = web_state(request).services
    shown: list[dict[str, Any]] = []
    for link in services.links.of(customer.customer_no, actor=user.actor):
        outgoing = link["customer"]["customer_no"] == customer.customer_no
        other = dict(link["related_to"] if outgoing else link["customer"])
        try:
            services.customers.get(other["customer_no"], actor=user.actor)
        except PermissionDeniedError:
            other["name"] = None
        shown.append({**link, "outgoing": outgoing, "other": other})
    return shown


def _page(request: Request, query: ListQuery, user: User) -> tuple[list[Row], int]:
    filters = CustomerFilter(
        status=STATUSES[query.status], type=query.type or None, tag=query.tag or None
    )
    page = web_state(request).services.customers.list(
        actor=user.actor, filters=filters, sort=query.sort, page=query.page, page_size=PAGE_SIZE
    )
    return [Row(customer) for customer in page.items], page.total


def _search(request: Request, query: ListQuery, user: User) -> tuple[list[Row], int]:
    statuses = STATUSES[query.status]
    hits = web_state(request).services.search.search(
        query.q, actor=user.actor, limit=SEARCH_LIMIT, include_inactive="deleted" in statuses
    )
    rows: list[Row] = []
    for hit in hits:
        customer = hit.customer
        if customer.status.value not in statuses:
            continue
        if query.type or query.tag:
            # Filtering hidden customers by type or tag would tell what they are: leave them out.
            if not hit.visible or (query.type and customer.type.value != query.type):
                continue
            if query.tag and query.tag not in customer.tags:
                continue
        rows.append(Row(customer, hit.visible, hit.matched_name))
    start = (query.page - 1) * PAGE_SIZE
    return rows[start : start + PAGE_SIZE], len(rows)


def _page_links(request: Request, query: ListQuery, pages: int) -> list[tuple[int, str]]:
    """Links to the first, last and nearby pages (a gap is page 0)."""
    wanted = sorted({1, pages, *range(query.page - 2, query.page + 3)} & set(range(1, pages + 1)))
    links: list[tuple[int, str]] = []
    for number in wanted:
        if links and number - links[-1][0] > 1:
            links.append((0, ""))
        links.append((number, path_for(request, "customer_list", query.to_query(page=number))))
    return links


def _history_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry with its changes as (field, before, after) texts."""
    before, after = entry.get("before") or {}, entry.get("after") or {}
    changes: list[tuple[str, str, str]] = []
    if entry["action"] != "customer.register":
        for key in sorted(set(before) | set(after)):
            if key in ("updated_at", "version"):
                continue
            changes.append((key, _shown(before.get(key)), _shown(after.get(key))))
    return {**entry, "changes": changes}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return "、".join(text for text in (_shown(item) for item in value) if text)
    if isinstance(value, dict):
        if "name" in value and "type" in value:
            return str(value["name"])
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items() if _shown(v))
    return str(value)
