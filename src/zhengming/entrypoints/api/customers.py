"""``/api/v1/customers``: register, read, list, change, rename, aliases, archive, recycle bin.

Each route parses its input, makes one ``CustomerService`` call and returns the result's
``to_dict()``; access checks, validation and the audit trail are the service's. Every answer that
carries one customer has its version as ``ETag``; changes send it back as ``If-Match``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Query, Request, Response

from zhengming.domain.customer import Customer, CustomerStatus
from zhengming.entrypoints.api.deps import (
    CurrentActor,
    ExpectedVersion,
    RequiredVersion,
    ServicesDep,
    etag,
)
from zhengming.entrypoints.api.errors import error_responses
from zhengming.entrypoints.api.schemas import (
    CustomerPublic,
    CustomerQuery,
    CustomersPublic,
    HistoryPublic,
    RegistrationPublic,
    StatusChange,
)
from zhengming.services.commands import AliasInput, CustomerCreate, CustomerUpdate, RenameInput

router = APIRouter(
    prefix="/customers",
    tags=["customers"],
    responses=error_responses(
        {
            403: "`access.denied`: the record belongs to another user",
            413: "`input.too_large`",
            422: "`input.invalid`",
        }
    ),
)

CustomerRef = Annotated[
    str, Path(min_length=1, max_length=64, description="customer number (C202611-000001) or id")
]
_NOT_FOUND = {404: "`not_found`"}
_INVALID = {422: "`input.invalid`"}
_CHANGE = {
    **_NOT_FOUND,
    409: "`customer.version_conflict` (details: changed_by, changed_at), "
    "`customer.invalid_state` (archived, deleted or merged)",
    **_INVALID,
}
_STATUS_CHANGE = {
    **_NOT_FOUND,
    409: "`customer.invalid_state` (not allowed from the current status), "
    "`customer.version_conflict`",
    **_INVALID,
}


@router.post(
    "",
    status_code=201,
    response_model=RegistrationPublic,
    response_model_exclude_unset=True,
    summary="Register a customer (with the duplicate check)",
    responses=error_responses(
        {
            409: "`customer.duplicate` (details: customer_no, owner), "
            "`customer.possible_duplicate` (send confirm_reason to register anyway)",
            422: "`name.rule_violation` (details: problems, suggestion), `identifier.invalid`, "
            "`input.invalid`",
        }
    ),
)
def register_customer(
    data: CustomerCreate,
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    registration = services.customers.register(data, actor=actor)
    _describe(response, registration.customer)
    location = request.url_for("read_customer", ref=registration.customer.customer_no)
    response.headers["Location"] = str(location)
    return registration.to_dict()


@router.get(
    "",
    response_model=CustomersPublic,
    summary="List customers (filters, order, pages)",
    responses=error_responses(_INVALID),
)
def list_customers(
    query: Annotated[CustomerQuery, Query()], services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    page = services.customers.list(
        actor=actor,
        filters=query.filters(),
        sort=query.sort,
        page=query.page,
        page_size=query.page_size,
    )
    return page.to_dict()


@router.get(
    "/{ref}",
    response_model=CustomerPublic,
    summary="Read a customer (a merged record answers with its survivor)",
    responses=error_responses(_NOT_FOUND),
)
def read_customer(
    ref: CustomerRef,
    services: ServicesDep,
    actor: CurrentActor,
    request: Request,
    response: Response,
) -> dict[str, Any]:
    customer = services.customers.get(ref, actor=actor)
    if ref not in (customer.customer_no, str(customer.id)):
        # A tombstone answered with its survivor: say where the survivor really lives.
        parent = request.url.path.rsplit("/", 1)[0]
        response.headers["Content-Location"] = f"{parent}/{quote(customer.customer_no)}"
    return _describe(response, customer)


@router.patch(
    "/{ref}",
    response_model=CustomerPublic,
    summary="Change fields of a customer (needs If-Match)",
    responses=error_responses(
        {
            **_CHANGE,
            409: _CHANGE[409] + ", `customer.duplicate` (the credit code is another's)",
            422: "`input.invalid`, `identifier.invalid`",
            428: "`precondition.required`: If-Match is missing",
        }
    ),
)
def update_customer(
    ref: CustomerRef,
    changes: CustomerUpdate,
    version: RequiredVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
) -> dict[str, Any]:
    customer = services.customers.update(ref, changes, expected_version=version, actor=actor)
    return _describe(response, customer)


@router.delete(
    "/{ref}",
    response_model=CustomerPublic,
    summary="Move a customer to the recycle bin (status deleted; restorable)",
    responses=error_responses(_STATUS_CHANGE),
)
def delete_customer(
    ref: CustomerRef,
    services: ServicesDep,
    actor: CurrentActor,
    version: ExpectedVersion,
    response: Response,
    reason: Annotated[
        str | None, Query(max_length=1000, description="kept in the audit log")
    ] = None,
) -> dict[str, Any]:
    customer = services.customers.set_status(
        ref, CustomerStatus.DELETED, actor=actor, reason=reason, expected_version=version
    )
    return _describe(response, customer)


@router.post(
    "/{ref}/rename",
    response_model=CustomerPublic,
    summary="Rename a customer; the old name becomes a former name (曾用名)",
    responses=error_responses(
        {
            **_CHANGE,
            409: _CHANGE[409] + ", `customer.duplicate` (another customer has the new name)",
            422: "`name.rule_violation`, `input.invalid`",
            428: "`precondition.required`: If-Match is missing",
        }
    ),
)
def rename_customer(
    ref: CustomerRef,
    data: RenameInput,
    version: RequiredVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
) -> dict[str, Any]:
    customer = services.customers.rename(ref, data, expected_version=version, actor=actor)
    return _describe(response, customer)


@router.post(
    "/{ref}/names",
    status_code=201,
    response_model=CustomerPublic,
    summary="Add a short, English, brand or former name",
    responses=error_responses({**_CHANGE, 422: "`name.rule_violation`, `input.invalid`"}),
)
def add_name(
    ref: CustomerRef,
    alias: AliasInput,
    version: ExpectedVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
) -> dict[str, Any]:
    customer = services.customers.add_alias(ref, alias, actor=actor, expected_version=version)
    return _describe(response, customer)


@router.delete(
    "/{ref}/names/{name_id}",
    response_model=CustomerPublic,
    summary="Remove a name (the registered name can only be renamed)",
    responses=error_responses(
        {**_CHANGE, 422: "`input.invalid` (e.g. the registered name cannot be removed)"}
    ),
)
def remove_name(
    ref: CustomerRef,
    name_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    version: ExpectedVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
) -> dict[str, Any]:
    customer = services.customers.remove_alias(ref, name_id, actor=actor, expected_version=version)
    return _describe(response, customer)


@router.post(
    "/{ref}/archive",
    response_model=CustomerPublic,
    summary="Archive a customer (kept, found by the duplicate check, not listed by default)",
    responses=error_responses(_STATUS_CHANGE),
)
def archive_customer(
    ref: CustomerRef,
    version: ExpectedVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
    change: Annotated[StatusChange | None, Body()] = None,
) -> dict[str, Any]:
    customer = services.customers.set_status(
        ref,
        CustomerStatus.ARCHIVED,
        actor=actor,
        reason=change.reason if change else None,
        expected_version=version,
    )
    return _describe(response, customer)


@router.post(
    "/{ref}/restore",
    response_model=CustomerPublic,
    summary="Restore an archived customer or one in the recycle bin",
    responses=error_responses(_STATUS_CHANGE),
)
def restore_customer(
    ref: CustomerRef,
    version: ExpectedVersion,
    services: ServicesDep,
    actor: CurrentActor,
    response: Response,
    change: Annotated[StatusChange | None, Body()] = None,
) -> dict[str, Any]:
    customer = services.customers.set_status(
        ref,
        CustomerStatus.ACTIVE,
        actor=actor,
        reason=change.reason if change else None,
        expected_version=version,
    )
    return _describe(response, customer)


@router.get(
    "/{ref}/history",
    response_model=HistoryPublic,
    summary="The audit trail of a customer, oldest first",
    responses=error_responses(_NOT_FOUND),
)
def customer_history(
    ref: CustomerRef, services: ServicesDep, actor: CurrentActor
) -> dict[str, Any]:
    return {"items": services.customers.history(ref, actor=actor)}


def _describe(response: Response, customer: Customer) -> dict[str, Any]:
    """The customer as the answer's body, its version as the answer's ETag."""
    response.headers["ETag"] = etag(customer.version)
    return customer.to_dict()
