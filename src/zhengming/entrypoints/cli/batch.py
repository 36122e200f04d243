"""Batch commands on files, no database: ``dedupe``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zhengming.batch.dedupe import deduplicate, resolve_column_roles, write_clusters, write_pairs
from zhengming.batch.tables import read_table
from zhengming.domain.matching import MatchSettings
from zhengming.entrypoints.cli.options import JsonOption
from zhengming.entrypoints.cli.output import err, print_json, progress_bar, reporting, text
from zhengming.settings import load_settings_file


def dedupe(
    input_file: Annotated[
        Path, typer.Argument(help="CSV (UTF-8) or Excel file to deduplicate.", dir_okay=False)
    ],
    id_column: Annotated[str, typer.Option("--id-column", help="Column with unique row ids.")],
    name_column: Annotated[str, typer.Option("--name-column", help="Column with the names.")],
    output: Annotated[
        Path, typer.Option("--output", help="Where to write id,cluster_id.", dir_okay=False)
    ],
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="Extra column to use: uscc=COL, phone=COL, email=COL, or a column whose "
            "name says its role (统一社会信用代码, 电话, 邮箱 ...). Repeatable.",
        ),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option("--pairs", help="Also write scored pairs with evidence.", dir_okay=False),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Batch engine: duckdb (embedded) or spark (local Spark session; needs the "
            "spark extra and Java 17+).",
        ),
    ] = "duckdb",
    settings_file: Annotated[
        Path | None,
        typer.Option("--settings", help="Match settings (JSON) to use.", dir_okay=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Find duplicate rows in a file: every row gets a cluster id (same id = same customer).

    Writes OUTPUT (id,cluster_id), optionally PAIRS (id_a,id_b,probability,decision,evidence),
    and OUTPUT's settings as JSON beside it. A progress bar goes to stderr.
    """
    with reporting(as_json=as_json):
        settings = _load_match_settings(settings_file)
        columns, roles = resolve_column_roles(column or [])
        table = read_table(
            input_file, id_column=id_column, name_column=name_column, columns=columns
        )
        with progress_bar(quiet=as_json) as progress:
            result = deduplicate(
                table, roles=roles, settings=settings, progress=progress, engine=engine
            )
        write_clusters(result, output)
        if pairs is not None:
            write_pairs(result, pairs)
        settings.save(output.with_name(output.stem + ".settings.json"))
    summary = {
        "rows": len(result.ids),
        "distinct_names": result.distinct_names,
        "candidate_pairs": result.candidate_pairs,
        "clusters": result.cluster_count,
        "seconds": {stage: round(value, 3) for stage, value in result.seconds.items()},
        "output": str(output),
    }
    if as_json:
        print_json(summary)
    else:
        err.print(
            f"{summary['rows']:,} rows → {summary['clusters']:,} customers "
            f"({summary['candidate_pairs']:,} candidate pairs) → {text(output)}"
        )


def _load_match_settings(path: Path | None) -> MatchSettings:
    return (
        MatchSettings()
        if path is None
        else load_settings_file(path, MatchSettings, "match settings")
    )
