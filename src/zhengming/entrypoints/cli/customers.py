"""``zhengming customers ...``: register, show, list, rename, archive and restore customers.

Each command is one call of :class:`~zhengming.services.customers.CustomerService` as the
SYSTEM actor; the service checks names, duplicates and versions, and writes the audit log.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from zhengming.domain.customer import SYSTEM, Customer, CustomerStatus, CustomerType, NameType
from zhengming.entrypoints.cli.names import problem_line
from zhengming.entrypoints.cli.options import (
    DbOption,
    JsonOption,
    LangOption,
    command_input,
    open_services,
)
from zhengming.entrypoints.cli.output import (
    candidate_table,
    out,
    print_json,
    reporting,
    text,
)
from zhengming.services.commands import CustomerCreate, RenameInput
from zhengming.services.ports import CustomerFilter

app = typer.Typer(
    help="Register, show, list, rename, archive and restore customers.", no_args_is_help=True
)

RefArgument = Annotated[
    str, typer.Argument(metavar="REF", help="Customer number (or id) of the customer.")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why (kept in the audit log).", show_default=False)
]


class Sort(StrEnum):
    """Orders of the customer list."""

    UPDATED = "updated"
    CREATED = "created"
    NAME = "name"
    CUSTOMER_NO = "customer_no"


class StatusFilter(StrEnum):
    """Statuses the list filters by; ``all`` includes merged tombstones."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    DELETED = "deleted"
    MERGED = "merged"
    ALL = "all"


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Registered full name (or a person's name).")],
    uscc: Annotated[str | None, typer.Option("--uscc", help="统一社会信用代码.")] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="A short name (简称). Repeatable.")
    ] = None,
    english: Annotated[str | None, typer.Option("--english", help="English name.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="A contact phone.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="A contact e-mail.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Owning user; default: system.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Owning team.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag. Repeatable.")] = None,
    customer_type: Annotated[
        CustomerType, typer.Option("--type", help="Sales relationship.")
    ] = CustomerType.PROSPECT,
    confirm_reason: Annotated[
        str | None,
        typer.Option(
            "--confirm-reason",
            help="Register despite likely duplicates, for this reason (kept in the audit log).",
        ),
    ] = None,
    lang: LangOption = "zh",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a customer: standardize the name, check for duplicates, save, audit.

    Prints the new customer number, naming-rule warnings and related customers (a branch, a
    head office). Refused with exit 1: an existing customer (customer.duplicate, naming its
    number and owner), or likely duplicates without --confirm-reason
    (customer.possible_duplicate). Exit 2: a name or identifier that breaks the rules.
    """
    aliases: list[dict[str, Any]] = [{"name": a, "type": NameType.SHORT} for a in alias or []]
    if english:
        aliases.append({"name": english, "type": NameType.ENGLISH})
    contacts = [{"phone": phone, "email": email}] if phone or email else []
    with reporting(as_json=as_json):
        data = command_input(
            CustomerCreate,
            name=name,
            uscc=uscc,
            aliases=aliases,
            contacts=contacts,
            type=customer_type,
            owner=owner,
            team=team,
            tags=tag or [],
            confirm_reason=confirm_reason,
            source="cli",
        )
        with open_services(db) as services:
            registration = services.customers.register(data, actor=SYSTEM)
    if as_json:
        print_json(registration.to_dict(lang=lang))
        return
    customer = registration.customer
    out.print(
        f"[green]registered[/green] [bold]{text(customer.customer_no)}[/bold] "
        f"{text(customer.name)}  (owner {text(customer.owner)})"
    )
    for problem in registration.warnings:
        out.print(problem_line(problem.to_dict(lang=lang)))
    if registration.candidates:
        out.print("similar customers:")
        out.print(candidate_table([c.to_dict() for c in registration.candidates]))


@app.command()
def show(ref: RefArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a customer: names with their history, parts, contacts, tags and the audit trail."""
    with reporting(as_json=as_json), open_services(db) as services:
        customer = services.customers.get(ref, actor=SYSTEM)
        history = services.customers.history(customer.customer_no, actor=SYSTEM)
    if as_json:
        print_json({"customer": customer.to_dict(), "history": history})
        return
    _show_customer(customer)
    if history:
        table = Table("at", "actor", "action", "reason", "changed", title="history")
        for entry in history:
            changed = ", ".join(sorted((entry["after"] or {}).keys() - {"updated_at", "version"}))
            if entry["action"] == "customer.register":
                changed = "(registered)"
            table.add_row(
                entry["at"][:19].replace("T", " "),
                text(entry["actor"]),
                entry["action"],
                text(entry["reason"]),
                text(changed),
            )
        out.print(table)


@app.command("list")
def list_customers(
    status: Annotated[
        StatusFilter, typer.Option("--status", help="Only customers with this status.")
    ] = StatusFilter.ACTIVE,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only customers with this tag.")] = None,
    customer_type: Annotated[
        CustomerType | None, typer.Option("--type", help="Only this relationship.")
    ] = None,
    sort: Annotated[Sort, typer.Option("--sort", help="Order.")] = Sort.UPDATED,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=200, help="Customers per page.")
    ] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List customers, one page at a time, with filters."""
    filters = CustomerFilter(
        status=None if status is StatusFilter.ALL else (status.value,),
        owner=owner,
        team=team,
        tag=tag,
        type=customer_type.value if customer_type else None,
    )
    with reporting(as_json=as_json), open_services(db) as services:
        result = services.customers.list(
            actor=SYSTEM, filters=filters, sort=sort.value, page=page, page_size=page_size
        )
    if as_json:
        print_json(result.to_dict())
        return
    table = Table()
    for header in ("customer no", "name", "status", "type", "owner", "team", "tags"):
        folds = header in ("name", "tags")
        table.add_column(header, overflow="fold" if folds else "ellipsis", no_wrap=not folds)
    for customer in result.items:
        table.add_row(
            text(customer.customer_no),
            text(customer.name),
            customer.status.value,
            customer.type.value,
            text(customer.owner),
            text(customer.team),
            text(", ".join(customer.tags)),
        )
    out.print(table)
    pages = max(1, -(-result.total // result.page_size))
    noun = "customer" if result.total == 1 else "customers"
    out.print(f"page {result.page} of {pages} ({result.total:,} {noun})")


@app.command()
def rename(
    ref: RefArgument,
    new_name: Annotated[str, typer.Argument(help="The new registered name.")],
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective", metavar="DATE", help="Date of the change (YYYY-MM-DD); default: today."
        ),
    ] = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a customer a new registered name; the old one stays as a dated former name (曾用名).

    Reads the customer's current version itself, so a change made meanwhile by someone else is
    refused (customer.version_conflict) rather than overwritten.
    """
    with reporting(as_json=as_json):
        data = command_input(RenameInput, name=new_name, effective=effective, reason=reason)
        with open_services(db) as services:
            current = services.customers.get(ref, actor=SYSTEM)
            customer = services.customers.rename(
                ref, data, expected_version=current.version, actor=SYSTEM
            )
    if as_json:
        print_json(customer.to_dict())
        return
    out.print(
        f"[green]renamed[/green] [bold]{text(customer.customer_no)}[/bold] "
        f"{text(current.name)} → {text(customer.name)}"
    )


@app.command()
def archive(
    ref: RefArgument, reason: ReasonOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Archive a customer: kept, still found by the duplicate check, no longer worked with."""
    _set_status(ref, CustomerStatus.ARCHIVED, reason=reason, db=db, as_json=as_json)


@app.command()
def restore(
    ref: RefArgument, reason: ReasonOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Restore an archived customer (or one from the recycle bin) to active."""
    _set_status(ref, CustomerStatus.ACTIVE, reason=reason, db=db, as_json=as_json)


def _set_status(
    ref: str, status: CustomerStatus, *, reason: str | None, db: str | None, as_json: bool
) -> None:
    with reporting(as_json=as_json), open_services(db) as services:
        customer = services.customers.set_status(ref, status, actor=SYSTEM, reason=reason)
    if as_json:
        print_json(customer.to_dict())
    else:
        out.print(f"{text(customer.customer_no)} {text(customer.name)}: {customer.status.value}")


def _show_customer(customer: Customer) -> None:
    summary = Table(show_header=False, box=None, padding=(0, 2))
    summary.add_row("customer no", f"[bold]{text(customer.customer_no)}[/bold]")
    summary.add_row("name", text(customer.name))
    summary.add_row("status", customer.status.value)
    summary.add_row("kind / type", f"{customer.kind} / {customer.type.value}")
    summary.add_row("credit code", text(customer.uscc))
    summary.add_row("owner / team", f"{text(customer.owner)} / {text(customer.team)}")
    parts = {
        "region code": customer.region_code,
        "字号": customer.trade_name,
        "industry": customer.industry_words,
        "legal form": customer.legal_form,
        "branch": customer.branch,
    }
    summary.add_row("parts", "  ".join(f"{k} {text(v)}" for k, v in parts.items() if v))
    summary.add_row("tags", text(", ".join(customer.tags)))
    summary.add_row("source", text(customer.source))
    summary.add_row(
        "version",
        f"{customer.version}  (created {customer.created_at:%Y-%m-%d %H:%M}, "
        f"updated {customer.updated_at:%Y-%m-%d %H:%M} UTC)",
    )
    out.print(summary)
    names = Table("name", "type", "valid from", "valid to", title="names")
    for name in customer.names:
        names.add_row(
            text(name.name),
            name.type.value,
            text(name.valid_from.isoformat() if name.valid_from else None),
            text(name.valid_to.isoformat() if name.valid_to else None),
        )
    out.print(names)
    if customer.contacts:
        contacts = Table("name", "phone", "e-mail", "title", title="contacts")
        for contact in customer.contacts:
            contacts.add_row(
                text(contact.name), text(contact.phone), text(contact.email), text(contact.title)
            )
        out.print(contacts)
