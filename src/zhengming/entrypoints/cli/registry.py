"""Finding customers in the database: ``check`` (the duplicate check) and ``search``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from zhengming.domain.customer import SYSTEM
from zhengming.entrypoints.cli.options import DbOption, JsonOption, command_input, open_services
from zhengming.entrypoints.cli.output import (
    candidate_table,
    out,
    print_json,
    reporting,
    text,
)
from zhengming.services.commands import DuplicateQuery


def check(
    name: Annotated[str, typer.Argument(help="The name to check, as a sales rep would type it.")],
    uscc: Annotated[str | None, typer.Option("--uscc", help="统一社会信用代码.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="A phone number.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="An e-mail address.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=50, help="Most candidates to show.")
    ] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check whether a customer is already registered: ranked candidates with the evidence.

    Every candidate has a decision (same, likely, related), a probability, its customer number,
    owner, name, the name of it that matched (legal, short, English, former) and the evidence.
    Archived customers are included. Exits with 0 whether or not candidates are found (a found
    duplicate is an answer, not a failure); 2 when the name or an identifier is unusable.
    """
    with reporting(as_json=as_json):
        query = command_input(
            DuplicateQuery, name=name, uscc=uscc, phone=phone, email=email, limit=limit
        )
        with open_services(db) as services:
            candidates = services.customers.check(query, actor=SYSTEM)
    found = [candidate.to_dict() for candidate in candidates]
    if as_json:
        print_json({"candidates": found})
    elif not found:
        out.print("[green]no duplicates found[/green]")
    else:
        out.print(candidate_table(found))


def search(
    query: Annotated[
        str,
        typer.Argument(
            help="Any name (full, short, English, former), pinyin or initials, customer number, "
            "credit code or phone."
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Most results.")] = 20,
    include_deleted: Annotated[
        bool, typer.Option("--include-deleted", help="Also find customers in the recycle bin.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find customers from one search box, strongest match first.

    The match column says how each was found: identifier, name, name_key, name_prefix, pinyin,
    pinyin_prefix or substring.
    """
    with reporting(as_json=as_json), open_services(db) as services:
        hits = services.search.search(
            query, actor=SYSTEM, limit=limit, include_inactive=include_deleted
        )
    items = [hit.to_dict() for hit in hits]
    if as_json:
        print_json({"query": query, "items": items})
        return
    if not items:
        out.print("no customers found")
        return
    table = Table()
    for header in ("customer no", "name", "status", "owner", "match", "matched name"):
        folds = header in ("name", "matched name")
        table.add_column(header, overflow="fold" if folds else "ellipsis", no_wrap=not folds)
    for item in items:
        matched = item.get("matched_name") or {}
        matched_text = f"{text(matched['name'])} ({matched['type']})" if matched else "—"
        table.add_row(
            text(item["customer_no"]),
            text(item.get("name", "(hidden)")),
            item.get("status", "—"),
            text(item["owner"]),
            item["match"],
            matched_text,
        )
    out.print(table)
