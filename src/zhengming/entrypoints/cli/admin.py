"""Running an installation: ``db upgrade``, ``db current``, ``serve`` and ``demo``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from zhengming.entrypoints.cli.names import show_pipeline
from zhengming.entrypoints.cli.options import DbOption, JsonOption, load_settings, open_services
from zhengming.entrypoints.cli.output import err, out, print_json, progress_bar, reporting, text
from zhengming.services.demo import DemoLoad, DemoSource, load_demo

#: The server (REST API + web UI), named by import string so the CLI never imports the other
#: front doors.
SERVER_FACTORY = "zhengming.entrypoints.server:create_server"

db_app = typer.Typer(help="The database schema: apply migrations, show the revision.")


@db_app.command()
def upgrade(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Apply pending migrations (safe to repeat) and print the database's revision."""
    with reporting(as_json=as_json), open_services(db, upgrade=False) as services:
        before = services.database.current_revision()
        services.database.upgrade()
        revision = services.database.current_revision()
        url = services.settings.resolved_database_url
    if as_json:
        print_json({"database": _masked(url), "from": before, "revision": revision})
    elif before == revision:
        out.print(f"{text(_masked(url))}: already at revision {text(revision)}")
    elif before is None:
        out.print(f"{text(_masked(url))}: created, at revision {text(revision)}")
    else:
        out.print(
            f"{text(_masked(url))}: upgraded from {text(before)} to revision {text(revision)}"
        )


@db_app.command()
def current(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print the database's revision and the newest one this version of zhengming knows."""
    with reporting(as_json=as_json), open_services(db, upgrade=False) as services:
        revision = services.database.current_revision()
        head = services.database.head_revision()
        url = services.settings.resolved_database_url
    if as_json:
        data = {"database": _masked(url), "revision": revision, "head": head}
        print_json({**data, "up_to_date": revision == head})
    elif revision == head:
        out.print(f"{text(_masked(url))}: revision {text(revision)} (up to date)")
    else:
        out.print(
            f"{text(_masked(url))}: revision {text(revision or 'none (empty)')}, newest "
            f"{text(head)}: run zhengming db upgrade"
        )


def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to listen on; default: ZHENGMING_HOST or 127.0.0.1."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="Port to listen on; default: ZHENGMING_PORT or 8000."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the web UI and the REST API (OpenAPI at /openapi.json) until stopped with Ctrl+C.

    Pending migrations are applied first. On the first start, an `admin` account is created and
    its password printed once (also kept in the data directory as initial_admin_password).
    """
    with reporting(as_json=False):
        settings = load_settings(db)
    if db:
        # The server builds its own settings from the environment in its worker: hand --db over.
        os.environ["ZHENGMING_DATABASE_URL"] = db
    import uvicorn  # only here: the other commands start without loading the server

    uvicorn.run(
        SERVER_FACTORY, factory=True, host=host or settings.host, port=port or settings.port
    )


def demo(
    size: Annotated[
        int | None,
        typer.Option(
            "--size", min=0, help="Companies to load; default: ZHENGMING_DEMO_SIZE or 3000."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Load even when the database has customers.")
    ] = False,
    source: Annotated[
        DemoSource,
        typer.Option(
            "--source",
            help="listed: real listed companies from the development data (../shared/data); "
            "synthetic: invented companies from the shipped word list; auto: listed when "
            "the development data is there.",
        ),
    ] = DemoSource.AUTO,
    shared_data: Annotated[
        Path | None,
        typer.Option(
            "--shared-data",
            envvar="ZHENGMING_SHARED_DATA",
            file_okay=False,
            help="The development data folder; default: shared/data beside the checkout.",
        ),
    ] = None,
    show_pipeline_only: Annotated[
        bool,
        typer.Option(
            "--show-pipeline",
            help="Only show the name pipeline and the matcher on a few real names (no database).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load demo customers, so that search and the duplicate check have something to find.

    Loads once: when the database already has customers it says so and loads nothing (use
    --force). Every company is registered like any other, so the duplicate check applies;
    companies it refuses are skipped and counted. A progress bar goes to stderr.
    """
    if show_pipeline_only:
        show_pipeline()
        return
    with (
        reporting(as_json=as_json),
        open_services(db) as services,
        progress_bar(quiet=as_json) as progress,
    ):
        result = load_demo(
            services.customers,
            size=services.settings.demo_size if size is None else size,
            source=source,
            shared_data=shared_data,
            force=force,
            progress=progress,
        )
    if as_json:
        print_json(result.to_dict())
    else:
        _report_demo(result)


def _report_demo(result: DemoLoad) -> None:
    if result.skipped:
        err.print(
            f"the database already has {result.existing:,} customers: no demo data loaded "
            "(zhengming demo --force loads it anyway)"
        )
        return
    what = "real listed companies" if result.source == "listed" else "invented companies"
    skipped = [
        f"{count:,} {reason}"
        for count, reason in (
            (result.duplicates, "duplicates"),
            (result.possible_duplicates, "possible duplicates"),
            (result.rejected, "invalid names"),
        )
        if count
    ]
    out.print(
        f"loaded {result.added:,} of {result.requested:,} {what} in {result.seconds:.1f} s"
        + (f" (skipped: {', '.join(skipped)})" if skipped else "")
    )
    if result.source == "listed":
        out.print(
            "[dim]evaluation-only data read from ../shared/data; it is not part of the "
            "package[/dim]"
        )
    if result.examples:
        example = text(result.examples[0])
        out.print(f"try: zhengming search {example}   zhengming check {example}")


def _masked(url: str) -> str:
    """The database URL without its password."""
    return re.sub(r"(://[^/:@]+:)[^@/]*@", r"\1***@", url)
