"""The ``zhengming`` command line: a thin adapter over the library.

Each command parses its arguments, makes one library call and prints the result (a Rich table
for people, ``--json`` for programs). Library errors become exit code 2 (bad input) or 1.

One module per group of commands: :mod:`.names` (normalize, match), :mod:`.batch` (dedupe),
:mod:`.registry` (check, search), :mod:`.imports` (import, import-run, import-revert),
:mod:`.exports` (export), :mod:`.merges` (merge, unmerge), :mod:`.review` (scan, the ``review``
group, link, links, unlink), :mod:`.customers` (the ``customers`` group), :mod:`.admin` (``db``,
serve, demo); :mod:`.options` and :mod:`.output` hold what they share.
"""

from __future__ import annotations

import typer

from zhengming.entrypoints.cli import (
    admin,
    batch,
    customers,
    exports,
    imports,
    merges,
    names,
    registry,
    review,
    users,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="zhengming",
    help="正名 zhengming: keep one record per customer, under its right name. Standardize, "
    "match and deduplicate names; register, check and search customers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Listed in this order by --help and in docs/reference/cli.md.
app.command()(names.normalize)
app.command()(names.match)
app.command()(batch.dedupe)
app.command()(registry.check)
app.command()(registry.search)
app.command("import")(imports.import_file)
app.command("import-run")(imports.import_run)
app.command("import-revert")(imports.import_revert)
app.command()(exports.export)
app.command()(merges.merge)
app.command()(merges.unmerge)
app.command()(review.scan)
app.add_typer(review.app, name="review")
app.command()(review.link)
app.command()(review.links)
app.command()(review.unlink)
app.add_typer(customers.app, name="customers")
app.add_typer(admin.db_app, name="db")
app.add_typer(users.app, name="users")
app.command()(admin.serve)
app.command()(admin.demo)


def main() -> None:
    """Console-script entry point."""
    app()
