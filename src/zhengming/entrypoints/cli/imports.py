"""``zhengming import``, ``import-run`` and ``import-revert``: customer spreadsheets in, safely.

``import`` previews a file (a verdict per row, stored as an import batch) and, unless
``--dry-run``, runs it at once with a progress bar; ``import-run`` runs a previewed batch later
or resumes one that stopped; ``import-revert`` undoes a run. Each is one call of
:class:`~zhengming.services.importing.ImportService` as the SYSTEM actor.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zhengming.domain.customer import SYSTEM
from zhengming.entrypoints.cli.options import DbOption, JsonOption, open_services
from zhengming.entrypoints.cli.output import out, print_json, progress_bar, reporting, text
from zhengming.errors import InvalidInputError
from zhengming.services.importing import (
    ACTIONS,
    VERDICTS,
    ImportPreview,
    ImportResult,
    check_run_options,
)
from zhengming.services.ports import ImportRow


class OnDuplicate(StrEnum):
    """What a run does with rows that match stored customers (see zhengming import --help)."""

    SKIP = "skip"
    UPDATE = "update"
    REVIEW = "review"
    CREATE = "create"


OnDuplicateOption = Annotated[
    OnDuplicate,
    typer.Option(
        "--on-duplicate",
        help="Rows matching stored customers: skip them; update the customers' empty fields "
        "(and add names, contact, tags); review: create uncertain rows and queue them for "
        "duplicate review; create uncertain rows anyway (needs --reason).",
    ),
]
ReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason",
        help="Why (required by --on-duplicate create; kept in the audit log).",
        show_default=False,
    ),
]
BatchArgument = Annotated[
    int, typer.Argument(min=1, metavar="BATCH_ID", help="The import batch (printed by import).")
]


def import_file(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="CSV (UTF-8 or GBK), XLSX, XLS or ODS file.", dir_okay=False
        ),
    ],
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Worksheet to read; default: the first one with data."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="A CSV's encoding (utf-8, gbk ...); default: detected."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            metavar="JSON_FILE",
            help='Header mapping: {"field": "header or column index"}, e.g. {"name": "单位", '
            '"phone": 3}, or a mapping saved from an earlier preview (its "headers").',
            dir_okay=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Preview only: verdicts, no customer changes.")
    ] = False,
    on_duplicate: OnDuplicateOption = OnDuplicate.SKIP,
    reason: ReasonOption = None,
    rows: Annotated[
        int, typer.Option("--rows", min=0, max=200, help="Rows of the preview to show.")
    ] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import customers from a spreadsheet: preview every row's verdict, then run.

    Verdicts: new; update (the row carries a stored customer's number or credit code);
    duplicate (the same customer is stored); uncertain (probably stored); duplicate_in_file
    (of an earlier row: imported as one customer); invalid (naming rules, credit code, phone,
    e-mail; with the suggested standard name). The preview is stored as an import batch; the
    run records what it did with each row and prints the batch id to revert it with
    (zhengming import-revert). Exit 2: no name column, an unreadable file, --on-duplicate create
    without --reason.
    """
    with reporting(as_json=as_json):
        check_run_options(on_duplicate.value, reason)
        overrides = _read_mapping(mapping) if mapping else None
        with open_services(db) as services:
            preview = services.imports.preview(
                path, actor=SYSTEM, encoding=encoding, sheet=sheet, mapping=overrides
            )
            if dry_run:
                _print_preview(preview, rows=rows, as_json=as_json)
                return
            if not as_json:
                _print_preview(preview, rows=rows, as_json=False)
            with progress_bar(quiet=as_json, counts=True) as progress:
                result = services.imports.run(
                    preview.batch.id,
                    actor=SYSTEM,
                    on_duplicate=on_duplicate.value,
                    reason=reason,
                    progress=progress,
                )
    if as_json:
        print_json({"preview": preview.to_dict(), "result": result.to_dict()})
        return
    _print_result(result)


def import_run(
    batch_id: BatchArgument,
    on_duplicate: OnDuplicateOption = OnDuplicate.SKIP,
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a previewed import batch, or resume one that stopped (in the mode it started with).

    Rows already applied are never applied again. Refused with exit 1 when the batch is done,
    reverted or running right now (customer.invalid_state).
    """
    with (
        reporting(as_json=as_json),
        open_services(db) as services,
        progress_bar(quiet=as_json, counts=True) as progress,
    ):
        result = services.imports.run(
            batch_id,
            actor=SYSTEM,
            on_duplicate=on_duplicate.value,
            reason=reason,
            progress=progress,
        )
    if as_json:
        print_json(result.to_dict())
        return
    _print_result(result)


def import_revert(
    batch_id: BatchArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept in the audit log).", show_default=False)
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo an import run: archive the customers it created, restore the ones it updated.

    Nothing is deleted. A value changed since the import is kept and listed as a conflict.
    Refused with exit 1 when the batch was never run or is already reverted.
    """
    with reporting(as_json=as_json), open_services(db) as services:
        result = services.imports.revert(batch_id, actor=SYSTEM, reason=reason)
    if as_json:
        print_json(result.to_dict())
        return
    out.print(
        f"[green]reverted[/green] import batch {result.batch_id}: "
        f"{len(result.archived)} archived, {len(result.restored)} restored"
    )
    for conflict in result.conflicts:
        field = f" {conflict['field']}" if "field" in conflict else ""
        out.print(
            f"  row {conflict['row']} {text(conflict['customer_no'])}{text(field)}: "
            f"{text(conflict['problem'])}"
        )


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(
            f"无法读取列映射文件 / cannot read the mapping file: {exc}",
            details={"mapping": str(path)},
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(
            "列映射必须是 JSON 对象 / the mapping must be a JSON object",
            details={"mapping": str(path)},
        )
    return data


def _print_preview(preview: ImportPreview, *, rows: int, as_json: bool) -> None:
    if as_json:
        print_json(preview.to_dict())
        return
    batch = preview.batch
    source = ", ".join(
        part
        for part in (batch.format, batch.encoding, f"sheet {batch.sheet}" if batch.sheet else "")
        if part
    )
    out.print(f"[bold]{text(batch.file_name)}[/bold] ({text(source)}): {batch.row_count} rows")
    shown = preview.rows[:rows]
    if shown:
        table = Table("row", "verdict")
        table.add_column("name", overflow="fold", ratio=1)
        table.add_column("match", overflow="fold")
        for row in shown:
            table.add_row(
                str(row.row_number),
                _VERDICT_STYLES.get(row.verdict, row.verdict),
                text(row.standard_name or row.data.get("name")),
                _match(row),
            )
        out.print(table)
        if batch.row_count > len(shown):
            out.print(f"… {batch.row_count - len(shown)} more rows")
    # Problems under the table, one per line: codes, messages and suggestions are long.
    for row in shown:
        for found in row.problems:
            suggestion = f" → {text(found['suggestion'])}" if found.get("suggestion") else ""
            style = _SEVERITY_STYLES.get(found["severity"], "default")
            out.print(
                f"row {row.row_number} [{style}]{text(found['code'])}[/{style}]: "
                f"{text(found['message'])}{suggestion}"
            )
    totals = "  ".join(f"{verdict} {batch.totals.get(verdict, 0)}" for verdict in VERDICTS)
    out.print(f"verdicts: {totals}")
    out.print(f"import batch {batch.id} ({batch.status})")


def _print_result(result: ImportResult) -> None:
    counts = result.batch.result or {}
    summary = "  ".join(f"{action} {counts.get(action, 0)}" for action in ACTIONS)
    out.print(f"[green]imported[/green] batch {result.batch.id}: {summary}")
    for row in result.failed[:20]:
        error = row.error or {}
        out.print(f"  row {row.row_number}: {text(error.get('code'))} {text(error.get('message'))}")
    out.print(f"undo: zhengming import-revert {result.batch.id} --reason TEXT")


def _match(row: ImportRow) -> str:
    if row.duplicate_of_row is not None:
        return f"row {row.duplicate_of_row}"
    if row.matched_customer_id is None or not row.evidence:
        return "—"
    return text(f"{row.evidence['customer_no']} ({row.evidence.get('by', 'match')})")


_SEVERITY_STYLES = {"error": "red", "warning": "yellow"}
_VERDICT_STYLES = {
    "new": "[green]new[/green]",
    "update": "[cyan]update[/cyan]",
    "duplicate": "[yellow]duplicate[/yellow]",
    "uncertain": "[magenta]uncertain[/magenta]",
    "duplicate_in_file": "[yellow]duplicate_in_file[/yellow]",
    "invalid": "[red]invalid[/red]",
}
