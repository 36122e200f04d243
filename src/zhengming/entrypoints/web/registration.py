"""The new-customer form, with the live duplicate check and naming hints while typing.

While the user types, htmx posts the form (debounced) to ``/customers/check``, which answers
an HTML fragment: the naming-rule problems of the name with its standard form, and the stored
customers it may be, each with its owner and the reasons it matches. ``same`` blocks (the
customer exists: here is the link), ``likely`` asks for a reason. Submitting registers through
``CustomerService.register``, which checks again inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from zhengming.domain.customer import CustomerType
from zhengming.domain.matching import Decision
from zhengming.domain.names import NameAnalysis
from zhengming.domain.names.rules import Problem, Severity
from zhengming.entrypoints.web import labels
from zhengming.entrypoints.web.forms import (
    CustomerForm,
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
    InvalidIdentifierError,
    InvalidInputError,
    NamingRuleError,
    PossibleDuplicateError,
)
from zhengming.services.commands import DuplicateQuery
from zhengming.services.duplicates import DuplicateCandidate
from zhengming.services.users import User

router = APIRouter()
FormData = Annotated[CustomerForm, Form()]
#: Names longer than this are not checked live (the naming rules refuse them anyway).
_MAX_CHECKED = 1000


@dataclass
class LiveCheck:
    """What the live check found for the name being typed."""

    name: str = ""
    analysis: NameAnalysis | None = None
    suggestion: str | None = None
    candidates: list[DuplicateCandidate] = field(default_factory=list)
    #: Form field -> message, for identifiers the check could not use.
    identifier_errors: dict[str, Markup] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.analysis.problems if self.analysis else ()

    @property
    def same(self) -> list[DuplicateCandidate]:
        return [c for c in self.candidates if c.decision is Decision.SAME]

    @property
    def likely(self) -> list[DuplicateCandidate]:
        return [c for c in self.candidates if c.decision is Decision.LIKELY]

    @property
    def ran(self) -> bool:
        return self.analysis is not None


@router.get("/customers/new", name="new_customer", response_class=HTMLResponse)
def new_customer(request: Request, user: EditingUser) -> Response:
    return _form_page(request, user, CustomerForm(), LiveCheck())


@router.post("/customers/check", name="check_customer", response_class=HTMLResponse)
def check_customer(request: Request, user: EditingUser, form: FormData) -> Response:
    """The live check's fragment for the form as typed so far."""
    return render(
        request,
        "customers/_check.html",
        user=user,
        check=live_check(request, user, form),
        labels=labels,
        Severity=Severity,
    )


@router.post("/customers/new", name="register_customer", response_class=HTMLResponse)
def register_customer(request: Request, user: EditingUser, form: FormData) -> Response:
    t = language(request)
    try:
        command = form.command()
    except ValidationError as exc:
        errors = field_errors(exc, t, alias_fields=form.alias_fields())
        return _form_page(request, user, form, live_check(request, user, form), errors, 422)
    services = web_state(request).services
    try:
        registration = services.customers.register(command, actor=user.actor)
    except DuplicateCustomerError as exc:
        errors = {"name": t.gettext(N_("This customer is already registered."))}
        existing = str(exc.details.get("customer_no", ""))
        return _form_page(
            request,
            user,
            form,
            live_check(request, user, form),
            errors,
            409,
            existing=existing,
            existing_owner=exc.details.get("owner"),
        )
    except PossibleDuplicateError:
        errors = {
            "confirm_reason": t.gettext(
                N_(
                    "Possible duplicates were found. If this is a different customer, say why "
                    "(at least 2 characters)."
                )
            )
        }
        return _form_page(request, user, form, live_check(request, user, form), errors, 409)
    except (NamingRuleError, InvalidInputError) as exc:
        fields = set(CustomerForm.model_fields)
        target = "name" if isinstance(exc, NamingRuleError) else service_error_field(exc, fields)
        errors = {target: service_message(exc, t.lang)}
        return _form_page(request, user, form, live_check(request, user, form), errors, 422)
    customer = registration.customer
    flash(request, N_("Customer %(no)s registered."), no=customer.customer_no)
    for problem in registration.warnings:
        flash(
            request,
            N_("Note: %(message)s"),
            message=problem.message_en if t.lang == "en" else problem.message,
        )
    return redirect(request, "customer", ref=customer.customer_no)


def live_check(request: Request, user: User, form: CustomerForm) -> LiveCheck:
    """The naming hints and duplicate candidates for the form's name and identifiers."""
    name = form.name.strip()
    if not name or len(name) > _MAX_CHECKED:
        return LiveCheck(name)
    t = language(request)
    services = web_state(request).services
    check = LiveCheck(name)
    uscc = form.uscc.strip() or None
    check.analysis = services.customers.analyze(name, uscc)
    check.suggestion = _suggestion(check.analysis, form.name)
    if not check.analysis.usable:
        return check
    query = {
        "name": name,
        "uscc": uscc,
        "phone": form.contact_phone.strip() or None,
        "email": form.contact_email.strip() or None,
    }
    # An invalid phone or e-mail must not stop the name check: drop it and say so.
    for _attempt in range(4):
        try:
            check.candidates = services.customers.check(
                DuplicateQuery.model_validate(query), actor=user.actor
            )
            break
        except InvalidIdentifierError as exc:
            kind = str(exc.details.get("kind"))
            if query.get(kind) is None:
                break
            query[kind] = None
            fields = {"uscc": "uscc", "phone": "contact_phone", "email": "contact_email"}
            check.identifier_errors[fields[kind]] = service_message(exc, t.lang)
        except (InvalidInputError, ValidationError):
            break
    return check


def _suggestion(analysis: NameAnalysis, typed: str) -> str | None:
    """The standard form to offer, when it differs from what was typed."""
    errors = [p for p in analysis.problems if p.severity is Severity.ERROR]
    suggestion = next((p.suggestion for p in errors if p.suggestion), None)
    suggestion = suggestion or analysis.standard_name
    if suggestion and suggestion != typed.strip():
        return suggestion
    return None


def _form_page(
    request: Request,
    user: User,
    form: CustomerForm,
    check: LiveCheck,
    errors: dict[str, Markup] | None = None,
    status_code: int = 200,
    *,
    existing: str | None = None,
    existing_owner: object = None,
) -> Response:
    return render(
        request,
        "customers/new.html",
        status_code=status_code,
        user=user,
        form=form,
        check=check,
        errors=errors or {},
        existing=existing,
        existing_owner=existing_owner,
        types=[member.value for member in CustomerType],
        labels=labels,
        Severity=Severity,
    )
