"""The ``zhengming`` command line: a thin adapter over the library.

Each command parses its arguments, makes one library call and prints the result (a Rich table
for people, ``--json`` for programs). Library errors become exit code 2 (bad input) or 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

import zhengming
from zhengming.domain.names import NameAnalysis, RuleSettings
from zhengming.errors import InvalidInputError, SettingsError, ZhengmingError

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
    if path is None:
        return None
    try:
        return RuleSettings.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise SettingsError(
            f"无法读取规则文件 / cannot read rules file: {path}", details={"path": str(path)}
        ) from exc
    except ValidationError as exc:
        raise SettingsError(
            f"规则文件无效 / invalid rules file: {path}",
            details={"path": str(path), "errors": json.loads(exc.json())},
        ) from exc


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
