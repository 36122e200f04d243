"""The duplicate scan and its review queue: ``scan``, ``review ...``, ``link``, ``links``, ``unlink``.

``scan`` runs a whole-base scan in this process (a progress bar on stderr) and records it as a
job like a scan the server runs; ``review`` pages through the clusters it found and decides
them (merge, not a duplicate, related); ``link`` records how two customers that stay separate
are related. Each command is one call of the scan, review or link service as the SYSTEM actor.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from zhengming.domain.customer import SYSTEM
from zhengming.domain.names.regions import default_index
from zhengming.entrypoints.cli.options import DbOption, JsonOption, command_input, open_services
from zhengming.entrypoints.cli.output import out, print_json, progress_bar, reporting, text
from zhengming.errors import InvalidInputError
from zhengming.services.commands import LinkInput, LinkKind, ReviewAction, ReviewDecision

app = typer.Typer(
    help="The duplicate review queue: list the clusters a scan found, show one, decide it.",
    no_args_is_help=True,
)

ClusterArgument = Annotated[
    int, typer.Argument(min=1, metavar="CLUSTER_ID", help="The cluster (from review list).")
]
RefArgument = Annotated[
    str, typer.Argument(metavar="NO", help="Customer number (or id) of the customer.")
]
#: Rows of the side-by-side view: label -> how to read it from a member's ``to_dict()``.
_ROWS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "credit code": ("uscc",),
    "region": ("parts", "region_code"),
    "字号": ("parts", "trade_name"),
    "industry": ("industry",),
    "type": ("type",),
    "size": ("size",),
    "owner": ("owner",),
    "team": ("team",),
    "source": ("source",),
    "status": ("status",),
    "created": ("created_at",),
}


class ClusterStatusFilter(StrEnum):
    """Statuses the review list filters by."""

    PENDING = "pending"
    MERGED = "merged"
    NOT_DUPLICATE = "not_duplicate"
    RELATED = "related"
    SUPERSEDED = "superseded"
    ALL = "all"


def scan(
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Compare every customer with every other; default: only those created or "
            "changed since the last successful scan (a full scan when there was none).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scan the whole base for duplicates and update the review queue.

    Decisions already made are kept: a pair decided "not a duplicate" (or related) is proposed
    again only when one of the records changed its names or credit code. With the setting
    scan_auto_merge, identity-certain pairs are merged. Refused with exit 1 while another scan
    is running (customer.invalid_state).
    """
    with (
        reporting(as_json=as_json),
        open_services(db) as services,
        progress_bar(quiet=as_json, counts=True) as progress,
    ):
        report = services.scans.run(actor=SYSTEM, full=full, progress=progress)
    result = report.to_dict()
    if as_json:
        print_json(result)
        return
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("job", str(result["job_id"]))
    table.add_row("mode", result["mode"])
    table.add_row("customers scanned", f"{result['customers']:,}")
    table.add_row("pairs found", f"{result['pairs_found']:,}")
    for key in ("new", "reopened", "remembered", "gone"):
        table.add_row(f"  {key}", f"{result[key]:,}")
    table.add_row("clusters to review", f"[bold]{result['clusters']:,}[/bold]")
    if result["auto_merged"]:
        table.add_row("auto-merged", ", ".join(map(str, result["auto_merged"])))
    seconds = sum(result["seconds"].values())
    table.add_row("seconds", f"{seconds:.1f}")
    out.print(table)
    if result["clusters"]:
        out.print("next: zhengming review list")


@app.command("list")
def list_clusters(
    status: Annotated[
        ClusterStatusFilter, typer.Option("--status", help="Only clusters with this status.")
    ] = ClusterStatusFilter.PENDING,
    min_probability: Annotated[
        float,
        typer.Option(
            "--min-probability", min=0.0, max=1.0, help="Only clusters at least this probable."
        ),
    ] = 0.0,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=200, help="Clusters per page.")
    ] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List clusters of probable duplicates, most probable first."""
    with reporting(as_json=as_json), open_services(db) as services:
        result = services.review.clusters(
            actor=SYSTEM,
            status=None if status is ClusterStatusFilter.ALL else status.value,
            min_probability=min_probability,
            page=page,
            page_size=page_size,
        )
    found = result.to_dict()
    if as_json:
        print_json(found)
        return
    if not found["items"]:
        out.print(f"no {'' if status is ClusterStatusFilter.ALL else status.value + ' '}clusters")
        return
    table = Table()
    for header in ("cluster", "probability", "size", "status"):
        table.add_column(header, no_wrap=True)
    table.add_column("customer no", no_wrap=True)
    table.add_column("name", overflow="fold", ratio=1)
    for cluster in found["items"]:
        members = cluster["members"]
        table.add_row(
            str(cluster["id"]),
            f"{cluster['probability']:.3f}",
            str(cluster["size"]),
            cluster["status"],
            "\n".join(text(m["customer_no"]) for m in members),
            "\n".join(text(m.get("name", "(hidden)")) for m in members),
            end_section=True,
        )
    out.print(table)
    pages = max(1, -(-found["total"] // found["page_size"]))
    noun = "cluster" if found["total"] == 1 else "clusters"
    out.print(f"page {found['page']} of {pages} ({found['total']:,} {noun})")


@app.command()
def show(cluster_id: ClusterArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a cluster: members side by side (differences highlighted) and the pairs' evidence."""
    with reporting(as_json=as_json), open_services(db) as services:
        view = services.review.cluster(cluster_id, actor=SYSTEM).to_dict()
    if as_json:
        print_json(view)
        return
    out.print(
        f"cluster [bold]{view['id']}[/bold]: {view['status']}, probability "
        f"{view['probability']:.3f}, {view['size']} customers"
        + (f", decided by {text(view['decided_by'])}" if view["decided_by"] else "")
        + (f" ({text(view['reason'])})" if view["reason"] else "")
    )
    out.print(_side_by_side(view["members"]))
    pairs = Table(title="pairs")
    for header in ("customers", "probability", "decision", "status"):
        pairs.add_column(header, no_wrap=True)
    pairs.add_column("names", overflow="fold", ratio=1)
    pairs.add_column("evidence", no_wrap=True)
    for pair in view["pairs"]:
        evidence = [
            f"{e['comparison']}={e['level']} ({e['weight']:+.2f})"
            for e in pair["evidence"]
            if e["weight"]
        ]
        pairs.add_row(
            "\n".join(text(number) for number in pair["customers"]),
            f"{pair['probability']:.3f}",
            pair["decision"],
            pair["status"],
            "\n".join(text(name) for name in pair["names"] or ["(hidden)"]),
            "\n".join(text(line) for line in evidence) or "—",
            end_section=True,
        )
    out.print(pairs)


@app.command()
def decide(
    cluster_id: ClusterArgument,
    merge: Annotated[
        bool, typer.Option("--merge", help="They are one customer: merge them (undoable).")
    ] = False,
    not_duplicate: Annotated[
        bool,
        typer.Option(
            "--not-duplicate",
            help="They are different customers: remembered until one changes its names or "
            "credit code.",
        ),
    ] = False,
    related: Annotated[
        LinkKind | None,
        typer.Option(
            "--related",
            metavar="KIND",
            help="They stay separate but are related: link the others to --related-to as KIND "
            "(branch_of, same_group, acquired_by, absorbed_by).",
            show_default=False,
        ),
    ] = None,
    related_to: Annotated[
        str | None,
        typer.Option(
            "--related-to", metavar="NO", help="With --related: the member the others relate to."
        ),
    ] = None,
    survivor: Annotated[
        str | None,
        typer.Option(
            "--survivor",
            metavar="NO",
            help="With --merge: the record to keep; default: by the survivorship rules.",
        ),
    ] = None,
    customer: Annotated[
        list[str] | None,
        typer.Option(
            "--customer",
            metavar="NO",
            help="Decide for these members only (2 or more); default: every member. Repeatable.",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept in the audit log).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide a cluster: --merge, --not-duplicate, or --related KIND --related-to NO.

    Refused with exit 1: the cluster was already decided or a member was merged
    (customer.invalid_state), a merge guard (merge.refused: different valid credit codes, a
    branch and its head office). Exit 2: not exactly one decision, --related without
    --related-to, a customer not in the cluster.
    """
    with reporting(as_json=as_json):
        chosen = [
            action
            for action, given in (
                (ReviewAction.MERGE, merge),
                (ReviewAction.NOT_DUPLICATE, not_duplicate),
                (ReviewAction.RELATED, related is not None),
            )
            if given
        ]
        if len(chosen) != 1:
            raise InvalidInputError(
                "请给出一个决定 / give exactly one of --merge, --not-duplicate, --related KIND",
                details={"given": [action.value for action in chosen]},
            )
        decision = command_input(
            ReviewDecision,
            action=chosen[0],
            customers=customer or None,
            survivor=survivor,
            kind=related,
            related_to=related_to,
            reason=reason,
        )
        with open_services(db) as services:
            outcome = services.review.decide(cluster_id, decision, actor=SYSTEM)
    if as_json:
        print_json(outcome)
        return
    cluster = outcome["cluster"]
    out.print(f"cluster {cluster['id']}: [green]{cluster['status']}[/green]")
    if "merge" in outcome:
        result = outcome["merge"]
        merge_id = result["merge_id"]
        merged = ", ".join(c["customer_no"] for c in result["merged"])
        out.print(
            f"merged {text(merged)} into [bold]{text(result['survivor']['customer_no'])}[/bold] "
            f"{text(result['survivor']['name'])}; merge id {merge_id} "
            f"(undo: zhengming unmerge {merge_id})"
        )
    elif decision.action is ReviewAction.NOT_DUPLICATE:
        out.print("remembered until one of them changes its names or credit code")
    else:
        out.print(f"linked to {text(related_to)} as {decision.kind}: zhengming links {related_to}")


def link(
    ref: RefArgument,
    to: Annotated[str, typer.Option("--to", metavar="NO", help="The customer it is related to.")],
    kind: Annotated[
        LinkKind,
        typer.Option(
            "--kind", help="How: NO is a branch_of, same_group as, acquired_by, absorbed_by --to."
        ),
    ],
    effective: Annotated[
        str | None,
        typer.Option("--effective", metavar="DATE", help="Since when (YYYY-MM-DD)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A note (kept in the audit log).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Link two customers that stay separate records (branch, group, acquisition).

    NO is KIND of --to: a branch of its head office, in the same group, acquired by or absorbed
    into it. Linking the same pair as the same kind again changes nothing. Exit 2: a customer related
    to itself, a malformed date.
    """
    with reporting(as_json=as_json):
        data = command_input(
            LinkInput, related_to=to, kind=kind, effective_date=effective, note=note
        )
        with open_services(db) as services:
            created = services.links.add(ref, data, actor=SYSTEM)
    if as_json:
        print_json(created)
        return
    out.print(f"[green]linked[/green] {_link_line(created)}")


def links(
    ref: RefArgument,
    include_ended: Annotated[
        bool, typer.Option("--include-ended", help="Also links that were ended.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a customer's links in both directions (a head office lists its branches)."""
    with reporting(as_json=as_json), open_services(db) as services:
        found = services.links.of(ref, actor=SYSTEM, include_ended=include_ended)
    if as_json:
        print_json({"items": found})
        return
    if not found:
        out.print("no links")
        return
    table = Table()
    for header in ("link", "kind"):
        table.add_column(header, no_wrap=True)
    for header in ("customer", "related to"):
        table.add_column(header, overflow="fold", ratio=2)
    table.add_column("since", no_wrap=True)
    table.add_column("note", overflow="fold", ratio=1)
    for item in found:
        since = text(item["effective_date"])
        if item["ended_at"]:
            since += f"\nended {item['ended_at'][:10]}"
        table.add_row(
            str(item["id"]),
            item["kind"],
            f"{text(item['customer']['customer_no'])}\n{text(item['customer']['name'])}",
            f"{text(item['related_to']['customer_no'])}\n{text(item['related_to']['name'])}",
            since,
            text(item["note"]),
        )
    out.print(table)


def unlink(
    link_id: Annotated[int, typer.Argument(min=1, help="The link to end (from links).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """End a link from now on; it stays in the customers' history (links --include-ended)."""
    with reporting(as_json=as_json), open_services(db) as services:
        ended = services.links.end(link_id, actor=SYSTEM)
    if as_json:
        print_json(ended)
        return
    out.print(f"[green]ended[/green] {_link_line(ended)}")


def _link_line(item: dict[str, Any]) -> str:
    return (
        f"link {item['id']}: {text(item['customer']['customer_no'])} {item['kind']} "
        f"{text(item['related_to']['customer_no'])} {text(item['related_to']['name'])}"
    )


def _side_by_side(members: list[dict[str, Any]]) -> Table:
    """One column per member, one row per field; values that differ between the visible
    members are highlighted."""
    table = Table(title="members")
    table.add_column("", style="bold", no_wrap=True)
    # A member the reviewer may not see is a number and an owner only (whom to ask).
    visible = [bool(m.get("visible", True)) for m in members]
    for member, seen in zip(members, visible, strict=True):
        header = text(member["customer_no"])
        if seen:
            table.add_column(header, overflow="fold", ratio=1)
        else:
            table.add_column(f"{header}\n(hidden; owner {text(member['owner'])})")
    for label, path in _ROWS.items():
        values = [
            _display(label, _field(m, path)) if seen else None
            for m, seen in zip(members, visible, strict=True)
        ]
        differs = len({v for v, seen in zip(values, visible, strict=True) if seen}) > 1
        cells = [
            ("" if not seen else f"[bold yellow]{text(v)}[/bold yellow]" if differs else text(v))
            for v, seen in zip(values, visible, strict=True)
        ]
        table.add_row(label, *cells)
    aliases = [
        "\n".join(f"{text(n['name'])} ({n['type']})" for n in m["names"] if n["name"] != m["name"])
        or "—"
        if seen
        else ""
        for m, seen in zip(members, visible, strict=True)
    ]
    table.add_row("other names", *aliases)
    return table


def _field(member: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = member
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _display(label: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if label == "region":
        region = default_index().get(str(value))
        return f"{value} {region.name}" if region else str(value)
    if label == "created":
        return str(value)[:10]
    return str(value)
