"""``zhengming users``: accounts for the web UI (passwords hashed with argon2)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from zhengming.domain.customer import AccessScope
from zhengming.entrypoints.cli.options import DbOption, JsonOption, open_services
from zhengming.entrypoints.cli.output import out, print_json, reporting, text
from zhengming.services.users import Role

app = typer.Typer(help="Users of the web UI: add accounts.")


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")] = Role.SALES,
    scope: Annotated[
        AccessScope, typer.Option("--scope", help="Which customers the user sees: own, team, all.")
    ] = AccessScope.OWN,
    team: Annotated[str | None, typer.Option("--team", help="The user's sales team.")] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Name shown in the UI.")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from stdin instead of asking."),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user; the password is asked for twice (never given on the command line)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password / 密码", hide_input=True, confirmation_prompt=True)
    with reporting(as_json=as_json), open_services(db) as services:
        user = services.users.add_user(
            username, password, role=role, scope=scope, team=team, display_name=display_name
        )
    if as_json:
        print_json({"username": user.username, "role": role.value, "scope": scope.value})
    else:
        out.print(f"added {text(user.username)} ({role.value}, sees {scope.value})")
