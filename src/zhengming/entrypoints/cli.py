"""The ``zhengming`` command line: a thin adapter over the library.

Each command parses its arguments, makes one library call and prints the result (a Rich table
for people, ``--json`` for programs). Library errors become exit code 2 (bad input) or 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import TaskID
from rich.table import Table

import zhengming
from zhengming.batch.dedupe import (
    Progress,
    deduplicate,
    resolve_column_roles,
    write_clusters,
    write_pairs,
)
from zhengming.batch.tables import read_table
from zhengming.domain.matching import MatchSettings
from zhengming.domain.names import NameAnalysis, RuleSettings
from zhengming.errors import InvalidInputError, ZhengmingError
from zhengming.settings import load_settings_file

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_UNUSABLE_INPUT = 2

app = typer.Typer(
    name="zhengming",
    help="正名 zhengming: standardize, parse and match customer names.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of problem messages: zh or en.")]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Naming-rule settings (JSON file).", dir_okay=False),
]


def _fail(error: ZhengmingError, *, as_json: bool) -> NoReturn:
    code = EXIT_UNUSABLE_INPUT if isinstance(error, InvalidInputError) else EXIT_FAILURE
    if as_json:
        print(json.dumps(error.to_dict(), ensure_ascii=False))
    else:
        _err.print(f"[red]error[/red] {error.code}: {error.message}")
    raise typer.Exit(code)


def _load_rules(path: Path | None) -> RuleSettings | None:
    return None if path is None else load_settings_file(path, RuleSettings, "rules file")


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _show_analysis(analysis: NameAnalysis, lang: str) -> None:
    data = analysis.to_dict(lang=lang)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("input", repr(analysis.input))
    table.add_row("standard name", data["standard_name"] or "—")
    table.add_row("kind", data["kind"])
    for key, value in data["parts"].items():
        if value:
            table.add_row(key.replace("_", " "), str(value))
    table.add_row("name key", data["name_key"])
    _out.print(table)
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for problem in data["problems"]:
        colour = colours[problem["severity"]]
        line = f"[{colour}]{problem['severity']}[/{colour}] {problem['code']}: {problem['message']}"
        if problem["suggestion"]:
            line += f"  → {problem['suggestion']}"
        _out.print(line)


@app.command()
def normalize(
    name: Annotated[str, typer.Argument(help="The name, or - to read one name per line.")],
    uscc: Annotated[
        str | None, typer.Option("--uscc", help="统一社会信用代码 to check with the name.")
    ] = None,
    as_json: JsonOption = False,
    lang: LangOption = "zh",
    rules: RulesOption = None,
) -> None:
    """Standardize a name: standard form, kind, parts, match key and naming-rule problems.

    Exits with 2 when a name is unusable (empty, only symbols, too long), else 0.
    """
    try:
        settings = _load_rules(rules)
        if name == "-":
            unusable = False
            for line in sys.stdin:
                analysis = zhengming.normalize(line.rstrip("\r\n"), uscc=uscc, rules=settings)
                unusable = unusable or not analysis.usable
                _print_json(analysis.to_dict(lang=lang))
            raise typer.Exit(EXIT_UNUSABLE_INPUT if unusable else EXIT_OK)
        analysis = zhengming.normalize(name, uscc=uscc, rules=settings)
    except ZhengmingError as error:
        _fail(error, as_json=as_json)
    if as_json:
        _print_json(analysis.to_dict(lang=lang))
    else:
        _show_analysis(analysis, lang)
    raise typer.Exit(EXIT_OK if analysis.usable else EXIT_UNUSABLE_INPUT)


@app.command()
def match(
    name_a: Annotated[str, typer.Argument(help="The first name.")],
    name_b: Annotated[str, typer.Argument(help="The second name.")],
    as_json: JsonOption = False,
) -> None:
    """Decide whether two names are the same customer, with the evidence.

    Decisions: same, likely, related (branch and head office), different. Exits with 2 when
    either name is unusable.
    """
    try:
        a, b = zhengming.normalize(name_a), zhengming.normalize(name_b)
        result = zhengming.match(a, b)
    except ZhengmingError as error:
        _fail(error, as_json=as_json)
    if as_json:
        _print_json(result.to_dict())
    else:
        _out.print(f"[bold]{result.decision.value}[/bold]  probability {result.probability:.4f}")
        table = Table("comparison", "level", "weight")
        for item in result.evidence:
            table.add_row(item.comparison, item.level, f"{item.weight:+.1f}")
        _out.print(table)
    raise typer.Exit(EXIT_OK if a.usable and b.usable else EXIT_UNUSABLE_INPUT)


@app.command()
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
        str, typer.Option("--engine", help="Batch engine: duckdb (embedded).")
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
    try:
        if engine != "duckdb":
            raise InvalidInputError(
                f"不支持的引擎 / unsupported engine: {engine}", details={"engines": ["duckdb"]}
            )
        settings = _load_match_settings(settings_file)
        columns, roles = resolve_column_roles(column or [])
        table = read_table(
            input_file, id_column=id_column, name_column=name_column, columns=columns
        )
        with _progress_bar(quiet=as_json) as progress:
            result = deduplicate(table, roles=roles, settings=settings, progress=progress)
        write_clusters(result, output)
        if pairs is not None:
            write_pairs(result, pairs)
        settings.save(output.with_name(output.stem + ".settings.json"))
    except ZhengmingError as error:
        _fail(error, as_json=as_json)
    summary = {
        "rows": len(result.ids),
        "distinct_names": result.distinct_names,
        "candidate_pairs": result.candidate_pairs,
        "clusters": result.cluster_count,
        "seconds": {stage: round(value, 3) for stage, value in result.seconds.items()},
        "output": str(output),
    }
    if as_json:
        _print_json(summary)
    else:
        _err.print(
            f"{summary['rows']:,} rows → {summary['clusters']:,} customers "
            f"({summary['candidate_pairs']:,} candidate pairs) → {output}"
        )


def _load_match_settings(path: Path | None) -> MatchSettings:
    return (
        MatchSettings()
        if path is None
        else load_settings_file(path, MatchSettings, "match settings")
    )


@contextmanager
def _progress_bar(*, quiet: bool) -> Iterator[Progress | None]:
    """A Rich progress bar on stderr with one task per stage (none when not a terminal)."""
    if quiet or not _err.is_terminal:
        yield None
        return
    with RichProgress(console=_err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


DEMO_NAMES = (
    "北京字节跳动科技有限公司",
    "字節跳動(北京)科技有限公司",
    "上海浦东发展银行股份有限公司",
    "中国平安保险【集团】股份有限公司",
    "泽库县骏马之声文化影视有限公司西宁分公司",
    "ＴＣＬ科技集团股份有限公司",
    "SHENZHEN Quanxinhao CO.,LTD.",
    "王总",
    "字节跳动",
)
DEMO_PAIRS = (
    ("北京字节跳动科技有限公司", "字節跳動（北京）科技有限公司"),
    ("北京字节跳动科技有限公司", "北京字节跳动网络技术有限公司"),
    ("上海浦东发展银行股份有限公司", "浦发银行"),
    ("深圳市全新好股份有限公司", "SHENZHEN Quanxinhao CO., LTD."),
    ("北京字节跳动科技有限公司", "北京字节跳动科技有限公司上海分公司"),
)


@app.command()
def demo() -> None:
    """Show the name pipeline and the matcher on real company names."""
    table = Table("input", "standard name", "kind", "region", "字号", "industry", "legal form")
    for name in DEMO_NAMES:
        data = zhengming.normalize(name).to_dict()
        parts = data["parts"]
        table.add_row(
            name,
            data["standard_name"],
            data["kind"],
            *(parts[key] or "" for key in ("region", "trade_name", "industry", "legal_form")),
        )
    _out.print(table)
    pairs = Table("name A", "name B", "decision", "probability", "why")
    for a, b in DEMO_PAIRS:
        result = zhengming.match(a, b)
        why = ", ".join(f"{e.comparison}={e.level}" for e in result.evidence if e.weight)
        pairs.add_row(a, b, result.decision.value, f"{result.probability:.3f}", why)
    _out.print(pairs)


def main() -> None:
    """Console-script entry point."""
    app()
