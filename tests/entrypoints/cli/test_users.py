"""``zhengming users add``: an account the web UI can log in with."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from zhengming.bootstrap import build_services
from zhengming.entrypoints.cli import app
from zhengming.settings import Settings

runner = CliRunner()


def test_added_users_can_log_in_with_their_password(db: str) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "add",
            "zhang.wei",
            "--role",
            "manager",
            "--scope",
            "team",
            "--team",
            "华北",
            "--password-stdin",
            "--db",
            db,
            "--json",
        ],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "username": "zhang.wei",
        "role": "manager",
        "scope": "team",
    }
    services = build_services(Settings(database_url=db))
    try:
        actor = services.users.authenticate("zhang.wei", "correct horse battery")
    finally:
        services.close()
    assert (actor.username, actor.scope.value, actor.team) == ("zhang.wei", "team", "华北")


def test_a_taken_username_and_a_short_password_are_refused(db: str) -> None:
    args = ["users", "add", "li.na", "--password-stdin", "--db", db, "--json"]
    assert runner.invoke(app, args, input="long enough password\n").exit_code == 0
    taken = runner.invoke(app, args, input="long enough password\n")
    assert taken.exit_code == 1
    assert json.loads(taken.output)["code"] == "conflict"
    short = runner.invoke(
        app, ["users", "add", "wang", "--password-stdin", "--db", db, "--json"], input="x\n"
    )
    assert short.exit_code == 2
    assert json.loads(short.output)["code"] == "input.invalid"
