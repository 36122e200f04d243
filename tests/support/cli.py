"""Running the ``zhengming`` CLI in tests, as a user would, against a ``--db`` URL."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from zhengming.entrypoints.cli import app

runner = CliRunner()


def run(db: str, *args: str, code: int = 0) -> Any:
    """Run ``zhengming ARGS --db DB --json``, check the exit code, return the parsed JSON."""
    result = runner.invoke(app, [*args, "--db", db, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def show(db: str, *args: str, code: int = 0) -> str:
    """Run ``zhengming ARGS --db DB`` for people; its stdout."""
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == code, result.output
    return result.stdout
