"""``zhengming export``: customers out to CSV or XLSX, with Chinese headers.

One call of :meth:`~zhengming.services.exporting.ExportService.export` as the SYSTEM actor,
which sees every customer; the filters narrow the list as ``zhengming customers list`` does.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from zhengming.domain.customer import SYSTEM, CustomerStatus, CustomerType
from zhengming.entrypoints.cli.options import DbOption, JsonOption, open_services
from zhengming.entrypoints.cli.output import out, print_json, reporting, text
from zhengming.services.ports import CustomerFilter


class Encoding(StrEnum):
    """Encodings of an exported CSV."""

    UTF8_BOM = "utf-8-sig"
    GBK = "gbk"


class Format(StrEnum):
    """File formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"


def export(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The file to write: .csv or .xlsx (replaced only once complete).",
            dir_okay=False,
        ),
    ],
    status: Annotated[
        list[CustomerStatus] | None,
        typer.Option(
            "--status",
            help="Only customers with this status (default: active). Repeatable.",
            show_default=False,
        ),
    ] = None,
    customer_type: Annotated[
        CustomerType | None, typer.Option("--type", help="Only this relationship.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only customers with this tag.")] = None,
    file_format: Annotated[
        Format | None,
        typer.Option("--format", help="csv or xlsx; default: the file's suffix."),
    ] = None,
    encoding: Annotated[
        Encoding,
        typer.Option(
            "--encoding",
            help="A CSV's encoding: UTF-8 with a BOM (Excel opens it), or GBK for older Excel "
            "and WPS.",
        ),
    ] = Encoding.UTF8_BOM,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export customers to CSV or XLSX with Chinese headers (客户编号, 客户名称, ...).

    Aliases, contacts and tags are joined with "；" in their columns. Cells that a spreadsheet
    would run as a formula (starting with = + - @) get a leading "'". Customers are read a page
    at a time, so a large base exports in bounded memory. The export is audited (who, filters,
    how many). Exit 2: a file name that is neither .csv nor .xlsx without --format.
    """
    filters = CustomerFilter(
        status=tuple(s.value for s in status) if status else ("active",),
        type=customer_type.value if customer_type else None,
        owner=owner,
        team=team,
        tag=tag,
    )
    with reporting(as_json=as_json), open_services(db) as services:
        result = services.exports.export(
            path,
            actor=SYSTEM,
            filters=filters,
            format=file_format.value if file_format else None,
            encoding=encoding.value,
        )
    if as_json:
        print_json(result.to_dict())
        return
    encoded = f", {result.encoding}" if result.encoding else ""
    out.print(
        f"[green]exported[/green] {result.rows} customers to {text(result.path)} "
        f"({result.format}{encoded})"
    )
