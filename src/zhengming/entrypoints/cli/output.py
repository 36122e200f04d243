"""What every command prints: JSON or Rich text on stdout, errors and progress on stderr.

Library errors end a command here, once: exit code 2 for unusable input
(:class:`~zhengming.errors.InvalidInputError` and below), 1 for everything else, and with
``--json`` the error's ``{code, message, details}`` object on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import MofNCompleteColumn, TaskID
from rich.progress import Progress as RichProgress
from rich.table import Table

from zhengming.errors import InvalidInputError, ZhengmingError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_UNUSABLE_INPUT = 2

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

#: ``progress(stage, done, total)``: how the library reports long work (batch dedupe, demo).
ProgressCallback = Callable[[str, int, int], None]


def print_json(data: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (Chinese kept readable)."""
    print(json.dumps(data, ensure_ascii=False))


def text(value: object) -> str:
    """A value shown inside Rich markup: ``None`` as a dash, brackets escaped (names are data)."""
    return "—" if value is None or value == "" else escape(str(value))


def fail(error: ZhengmingError, *, as_json: bool) -> NoReturn:
    """End the command with the error: its JSON, or its code and message on stderr."""
    code = EXIT_UNUSABLE_INPUT if isinstance(error, InvalidInputError) else EXIT_FAILURE
    if as_json:
        print_json(error.to_dict())
    else:
        err.print(f"[red]error[/red] {error.code}: {text(error.message)}")
        candidates = error.details.get("candidates")
        if isinstance(candidates, list) and candidates:
            err.print(candidate_table(candidates))
    raise typer.Exit(code)


@contextmanager
def reporting(*, as_json: bool) -> Iterator[None]:
    """Turn a library error raised inside the block into the command's exit (see :func:`fail`)."""
    try:
        yield
    except ZhengmingError as error:
        fail(error, as_json=as_json)


def candidate_table(candidates: list[dict[str, Any]]) -> Table:
    """Duplicate candidates as the check returns them (``DuplicateCandidate.to_dict()``).

    Numbers never wrap; names fold onto more lines in a narrow terminal; one line per piece of
    evidence.
    """
    table = Table()
    for header in ("decision", "probability", "customer no", "owner"):
        table.add_column(header, no_wrap=True)
    for header in ("name", "matched name"):
        table.add_column(header, overflow="fold", ratio=1)
    table.add_column("evidence", no_wrap=True)
    for item in candidates:
        matched = item.get("matched_name") or {}
        name = matched.get("name")
        evidence = "\n".join(
            f"{e['comparison']}={e['level']}" for e in item.get("evidence", []) if e["weight"]
        )
        table.add_row(
            item["decision"],
            f"{item['probability']:.3f}",
            text(item["customer_no"]),
            text(item["owner"]) if item["owner"] else "公海",
            text(item.get("name", "(hidden)")),
            f"{text(name)} ({matched['type']})" if name else "—",
            text(evidence),
        )
    return table


@contextmanager
def progress_bar(*, quiet: bool, counts: bool = False) -> Iterator[ProgressCallback | None]:
    """A Rich progress bar on stderr, one task per stage (none when quiet or not a terminal).

    ``counts`` also shows ``done/total`` (records, not only a percentage).
    """
    if quiet or not err.is_terminal:
        yield None
        return
    columns = [*RichProgress.get_default_columns(), MofNCompleteColumn()] if counts else []
    with RichProgress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
