"""``zhengming merge`` and ``zhengming unmerge``: merge duplicate customers, undo a merge.

Each command is one call of :class:`~zhengming.services.merging.MergeService` as the SYSTEM
actor (an administrator, so ``--override-reason`` is allowed); the service plans, guards,
writes the merge event and the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from zhengming.domain.customer import SYSTEM, Customer
from zhengming.domain.merging import MERGED_FIELDS
from zhengming.entrypoints.cli.options import DbOption, JsonOption, open_services
from zhengming.entrypoints.cli.output import out, print_json, reporting, text
from zhengming.errors import InvalidInputError
from zhengming.services.merging import MergeResult, UndoResult

ReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason", help="Why (kept in the merge event and the audit log).", show_default=False
    ),
]


def merge(
    refs: Annotated[
        list[str],
        typer.Argument(
            metavar="REF", help="Customer numbers (or ids) of the records to merge (2 or more)."
        ),
    ],
    survivor: Annotated[
        str | None,
        typer.Option(
            "--survivor",
            metavar="REF",
            help="The record to keep; default: chosen by the survivorship rules.",
            show_default=False,
        ),
    ] = None,
    take: Annotated[
        list[str] | None,
        typer.Option(
            "--take",
            metavar="FIELD=REF",
            help="Keep this field's value from that record. Repeatable. Fields: "
            + ", ".join(MERGED_FIELDS)
            + ".",
            show_default=False,
        ),
    ] = None,
    reason: ReasonOption = None,
    override_reason: Annotated[
        str | None,
        typer.Option(
            "--override-reason",
            help="Merge records with different valid credit codes anyway, for this reason.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Merge duplicate customers into one; undo with zhengming unmerge.

    The survivor keeps its number; the others become tombstones that redirect to it, their
    names become its aliases (a registered name as a former name), their contacts and tags move
    to it. Prints the merge id to undo it with. Refused with exit 1: different valid credit
    codes without --override-reason, a branch and its head office (merge.refused), a record
    already merged (customer.invalid_state). Exit 2: the same record twice, a single record,
    an unknown field in --take.
    """
    with reporting(as_json=as_json):
        choices = _parse_take(take or [])
        with open_services(db) as services:
            if dry_run:
                plan = services.merges.preview(
                    refs,
                    actor=SYSTEM,
                    survivor=survivor,
                    take=choices,
                    override_reason=override_reason,
                )
                # The plan names records by id; the table shows their numbers, survivor first.
                records = [
                    services.customers.get(customer_id, actor=SYSTEM)
                    for customer_id in (plan.survivor_id, *plan.merged_ids)
                ]
                _print_plan(plan.to_dict(), records, as_json=as_json)
                return
            result = services.merges.merge(
                refs,
                actor=SYSTEM,
                survivor=survivor,
                take=choices,
                reason=reason,
                override_reason=override_reason,
            )
    _print_merge(result, as_json=as_json)


def unmerge(
    merge_id: Annotated[
        int, typer.Argument(min=1, help="The merge to undo (printed by zhengming merge).")
    ],
    reason: ReasonOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo a merge: the merged records come back as they were.

    A change made to the survivor after the merge is kept, and listed as a conflict. Refused
    with exit 1: no such merge (not_found), already undone, or the survivor was merged again
    since (customer.invalid_state: undo that merge first).
    """
    with reporting(as_json=as_json), open_services(db) as services:
        result = services.merges.undo(merge_id, actor=SYSTEM, reason=reason)
    _print_undo(result, as_json=as_json)


def _parse_take(pairs: list[str]) -> dict[str, str]:
    """``--take FIELD=REF`` options as the service's ``take`` mapping."""
    chosen: dict[str, str] = {}
    for pair in pairs:
        field, sep, ref = pair.partition("=")
        if not sep or not field.strip() or not ref.strip():
            raise InvalidInputError(
                f"--take 的格式是 FIELD=REF / --take must be FIELD=REF, not {pair!r}",
                details={"option": "--take", "value": pair},
            )
        chosen[field.strip()] = ref.strip()
    return chosen


def _print_plan(plan: dict[str, Any], records: list[Customer], *, as_json: bool) -> None:
    if as_json:
        # The same shape as the REST API's preview: the plan and the records, survivor first.
        print_json({**plan, "records": [record.to_dict() for record in records]})
        return
    numbers = {record.id: record.customer_no for record in records}
    survivor, *merged = records
    out.print(
        f"[bold]dry run[/bold]: would merge {text(', '.join(r.customer_no for r in merged))} "
        f"into [bold]{text(survivor.customer_no)}[/bold] {text(survivor.name)}"
    )
    values = Table("field", "value", "from", title="the survivor's values")
    for field, chosen in plan["values"].items():
        source = chosen["from"]
        marker = "" if source == survivor.id else " *"
        values.add_row(field, text(chosen["value"]), text(numbers.get(source, source)) + marker)
    out.print(values)
    out.print("* taken from a merged record")
    if plan["new_names"]:
        names = Table("name", "type", title="names that become aliases")
        for name in plan["new_names"]:
            names.add_row(text(name["name"]), name["type"])
        out.print(names)
    if plan["override_reason"]:
        out.print(f"override: {text(plan['override_reason'])}")


def _print_merge(result: MergeResult, *, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    survivor = result.survivor
    merged = ", ".join(customer.customer_no for customer in result.merged)
    out.print(
        f"[green]merged[/green] {text(merged)} into [bold]{text(survivor.customer_no)}[/bold] "
        f"{text(survivor.name)}"
    )
    out.print(f"merge id {result.merge_id} (undo: zhengming unmerge {result.merge_id})")


def _print_undo(result: UndoResult, *, as_json: bool) -> None:
    if as_json:
        print_json(result.to_dict())
        return
    out.print(f"[green]undone[/green] merge {result.merge_id}; restored:")
    for customer in result.restored:
        out.print(f"  {text(customer.customer_no)} {text(customer.name)}: {customer.status.value}")
    field_conflicts = [c for c in result.conflicts if "field" in c]
    if field_conflicts:
        table = Table(
            "field",
            "before merge",
            "set by merge",
            "current (kept)",
            title=f"changed on {result.survivor.customer_no} since the merge, kept",
        )
        for conflict in field_conflicts:
            table.add_row(
                conflict["field"],
                text(conflict["before_merge"]),
                text(conflict["set_by_merge"]),
                text(conflict["current"]),
            )
        out.print(table)
    for conflict in result.conflicts:
        if "contact_id" in conflict:
            out.print(f"contact {conflict['contact_id']}: {text(conflict['problem'])}")
