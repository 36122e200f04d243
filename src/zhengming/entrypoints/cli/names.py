"""Commands on names alone, no database: ``normalize`` and ``match``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import zhengming
from zhengming.domain.names import NameAnalysis, RuleSettings
from zhengming.entrypoints.cli.options import JsonOption, LangOption, RulesOption
from zhengming.entrypoints.cli.output import (
    EXIT_OK,
    EXIT_UNUSABLE_INPUT,
    out,
    print_json,
    reporting,
    text,
)
from zhengming.settings import load_settings_file


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
    with reporting(as_json=as_json):
        settings = _load_rules(rules)
        if name == "-":
            unusable = False
            for line in sys.stdin:
                analysis = zhengming.normalize(line.rstrip("\r\n"), uscc=uscc, rules=settings)
                unusable = unusable or not analysis.usable
                print_json(analysis.to_dict(lang=lang))
            raise typer.Exit(EXIT_UNUSABLE_INPUT if unusable else EXIT_OK)
        analysis = zhengming.normalize(name, uscc=uscc, rules=settings)
    if as_json:
        print_json(analysis.to_dict(lang=lang))
    else:
        _show_analysis(analysis, lang)
    raise typer.Exit(EXIT_OK if analysis.usable else EXIT_UNUSABLE_INPUT)


def match(
    name_a: Annotated[str, typer.Argument(help="The first name.")],
    name_b: Annotated[str, typer.Argument(help="The second name.")],
    as_json: JsonOption = False,
) -> None:
    """Decide whether two names are the same customer, with the evidence.

    Decisions: same, likely, related (branch and head office), different. Exits with 2 when
    either name is unusable.
    """
    with reporting(as_json=as_json):
        a, b = zhengming.normalize(name_a), zhengming.normalize(name_b)
        result = zhengming.match(a, b)
    if as_json:
        print_json(result.to_dict())
    else:
        out.print(f"[bold]{result.decision.value}[/bold]  probability {result.probability:.4f}")
        table = Table("comparison", "level", "weight")
        for item in result.evidence:
            table.add_row(item.comparison, item.level, f"{item.weight:+.1f}")
        out.print(table)
    raise typer.Exit(EXIT_OK if a.usable and b.usable else EXIT_UNUSABLE_INPUT)


def _load_rules(path: Path | None) -> RuleSettings | None:
    return None if path is None else load_settings_file(path, RuleSettings, "rules file")


def _show_analysis(analysis: NameAnalysis, lang: str) -> None:
    data = analysis.to_dict(lang=lang)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("input", text(repr(analysis.input)))
    table.add_row("standard name", text(data["standard_name"]))
    table.add_row("kind", data["kind"])
    for key, value in data["parts"].items():
        if value:
            table.add_row(key.replace("_", " "), text(value))
    table.add_row("name key", text(data["name_key"]))
    out.print(table)
    for problem in data["problems"]:
        out.print(problem_line(problem))


def problem_line(problem: dict[str, str | None]) -> str:
    """A naming-rule problem as one coloured line: severity, code, message, suggestion."""
    colour = {"error": "red", "warning": "yellow", "info": "cyan"}[str(problem["severity"])]
    line = (
        f"[{colour}]{problem['severity']}[/{colour}] {problem['code']}: {text(problem['message'])}"
    )
    if problem["suggestion"]:
        line += f"  → {text(problem['suggestion'])}"
    return line


# What `zhengming demo --show-pipeline` runs through the pipeline and the matcher.
PIPELINE_NAMES = (
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
PIPELINE_PAIRS = (
    ("北京字节跳动科技有限公司", "字節跳動（北京）科技有限公司"),
    ("北京字节跳动科技有限公司", "北京字节跳动网络技术有限公司"),
    ("上海浦东发展银行股份有限公司", "浦发银行"),
    ("深圳市全新好股份有限公司", "SHENZHEN Quanxinhao CO., LTD."),
    ("北京字节跳动科技有限公司", "北京字节跳动科技有限公司上海分公司"),
)


def show_pipeline() -> None:
    """The name pipeline and the matcher on real company names, as two tables."""
    table = Table("input", "standard name", "kind", "region", "字号", "industry", "legal form")
    for name in PIPELINE_NAMES:
        data = zhengming.normalize(name).to_dict()
        parts = data["parts"]
        table.add_row(
            text(name),
            text(data["standard_name"]),
            data["kind"],
            *(text(parts[key] or "") for key in ("region", "trade_name", "industry", "legal_form")),
        )
    out.print(table)
    pairs = Table("name A", "name B", "decision", "probability", "why")
    for a, b in PIPELINE_PAIRS:
        result = zhengming.match(a, b)
        why = ", ".join(f"{e.comparison}={e.level}" for e in result.evidence if e.weight)
        pairs.add_row(text(a), text(b), result.decision.value, f"{result.probability:.3f}", why)
    out.print(pairs)
