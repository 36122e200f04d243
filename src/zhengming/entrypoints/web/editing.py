"""Editing a customer's fields, with optimistic locking.

The form carries the version it was opened at. When someone saved the customer in between, the
service refuses (``VersionConflictError``) and the page says who changed it and when, keeps what
the user typed on screen, and offers to reload the current version.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from zhengming.domain.customer import Customer, CustomerType
from zhengming.entrypoints.web import labels
from zhengming.entrypoints.web.forms import (
    EditForm,
    field_errors,
    service_error_field,
    service_message,
)
from zhengming.entrypoints.web.i18n import N_
from zhengming.entrypoints.web.rendering import (
    EditingUser,
    flash,
    language,
    redirect,
    render,
    web_state,
)
from zhengming.errors import (
    DuplicateCustomerError,
    InvalidInputError,
    InvalidStateError,
    VersionConflictError,
)
from zhengming.services.users import User

router = APIRouter()


@router.get("/customers/{ref}/edit", name="edit_customer", response_class=HTMLResponse)
def edit_customer(request: Request, ref: str, user: EditingUser) -> Response:
    customer = web_state(request).services.customers.get(ref, actor=user.actor)
    return _edit_page(request, user, customer, form_for(customer))


@router.post("/customers/{ref}/edit", name="save_customer", response_class=HTMLResponse)
def save_customer(
    request: Request, ref: str, user: EditingUser, form: Annotated[EditForm, Form()]
) -> Response:
    services = web_state(request).services
    t = language(request)
    customer = services.customers.get(ref, actor=user.actor)
    version = form.expected_version()
    if version is None:
        errors = {"form": t.gettext(N_("The form is incomplete: reload the page."))}
        return _edit_page(request, user, customer, form, errors, 422)
    try:
        command = form.command()
    except ValidationError as exc:
        return _edit_page(request, user, customer, form, field_errors(exc, t), 422)
    try:
        saved = services.customers.update(
            customer.customer_no, command, expected_version=version, actor=user.actor
        )
    except VersionConflictError as exc:
        return _edit_page(request, user, customer, form, status_code=409, conflict=exc.details)
    except (DuplicateCustomerError, InvalidStateError, InvalidInputError) as exc:
        field = service_error_field(exc, set(EditForm.model_fields))
        if isinstance(exc, DuplicateCustomerError):
            field = "uscc"
        errors = {field: service_message(exc, t.lang)}
        status = 422 if isinstance(exc, InvalidInputError) else 409
        return _edit_page(request, user, customer, form, errors, status)
    flash(request, N_("Changes to %(no)s saved."), no=saved.customer_no)
    return redirect(request, "customer", ref=saved.customer_no)


def form_for(customer: Customer) -> EditForm:
    """The edit form filled with the customer as stored."""
    return EditForm(
        version=str(customer.version),
        uscc=customer.uscc or "",
        type=customer.type.value,
        industry=customer.industry or "",
        region_code=customer.region_code or "",
        size=customer.size or "",
        owner=customer.owner or "",
        team=customer.team or "",
        source=customer.source or "",
        tags="，".join(customer.tags),
    )


def _edit_page(
    request: Request,
    user: User,
    customer: Customer,
    form: EditForm,
    errors: dict[str, Markup] | None = None,
    status_code: int = 200,
    *,
    conflict: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        "customers/edit.html",
        status_code=status_code,
        user=user,
        customer=customer,
        form=form,
        errors=errors or {},
        conflict=conflict,
        types=[member.value for member in CustomerType],
        labels=labels,
    )
