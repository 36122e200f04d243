"""How fast a 100,000-row spreadsheet is imported with dedup against 1,000,000 stored customers.

**Stored customers**: the population of ``_population.py`` in the SQLite file that
``realtime_check.py`` builds and caches under ``bench/out/realtime/`` (built here when missing).
An import writes, so every run copies that file (and its ``-wal``/``-shm``) to
``bench/out/import/scratch.sqlite`` first; the copy is timed apart and the cached file is never
opened for writing.

**The file** (``_import_data.py``): an XLSX with Chinese headers, 30% stored customers as users
type them, 5% duplicates within the file, 3% invalid rows, the rest new companies; its truth says
what each row is.

**zhengming**, through the service API as the CLI and the web use it, in a child process of its
own (so its peak memory is the import's, not this script's): ``build_services`` on the copy
(migrations applied), ``services.imports.preview(path, actor=SYSTEM)`` (read, check and judge
every row, store the verdicts), then ``services.imports.run(batch_id, actor=SYSTEM,
on_duplicate="skip")`` (create the new rows, skip the rest). Seconds and rows/s of each step and
of the import (preview + run), peak RSS (``getrusage``), verdict totals and actions, and the
verdicts against the truth. Then a cProfile of the preview of the file's first 2,000 rows, in
another child on a fresh copy (``--profile-run`` profiles the measured run as well).

**Peer**: what a developer would write first: an exact match on a normalized name (``_peers.py``:
NFKC, 繁->简, case, brackets and punctuation, legal-form suffixes), a dict of the stored names
joined with the file's rows (read with pandas and calamine): a row whose key is a stored name's
is a duplicate of it, else of an earlier row with the same key, else new.

Run from the repository root::

    .venv/bin/python bench/import_speed.py --rows 10000 --customers 100000   # small, minutes
    .venv/bin/python bench/import_speed.py                     # 100,000 rows vs 1,000,000
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import zhengming
from _data import SharedDataNotFoundError, load_registrations
from _dedup_eval import _HomophoneTable
from _import_data import (
    DUPLICATE_IN_FILE,
    EXISTING,
    INVALID,
    KINDS,
    NEW,
    PROFILE_ROWS,
    VARIANTS,
    ImportFile,
    build_import_file,
    read_truth,
)
from _import_eval import Scored, read_verdicts, run_peer, score, standard_name
from _machine import cpu_model, version_of
from _population import FULL_SIZE, NameMaker, build_population, registration_parts, sqlite_store
from realtime_check import analysis_speed, markdown_table

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = BENCH / "out" / "import"
REALTIME_DIR = BENCH / "out" / "realtime"
FULL_ROWS = 100_000
#: Issue 6, deliverable 7: 100,000 rows against 1,000,000 customers.
TARGET_SECONDS = 30.0


# --- the measured import (child process) ------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _services(database: Path) -> Any:
    from zhengming.bootstrap import build_services
    from zhengming.settings import Settings

    return build_services(Settings(database_url=f"sqlite:///{database}", data_dir=database.parent))


def measure_import(database: Path, xlsx: Path, *, profile_run: bool) -> dict[str, Any]:
    """Preview and run ``xlsx`` on ``database``; what the parent reports (JSON-ready).

    ``profile_run``: profile the run (its seconds then include the profiler's overhead).
    """
    from zhengming.domain.customer import SYSTEM

    out: dict[str, Any] = {}
    start = time.perf_counter()
    services = _services(database)
    out["open_seconds"] = time.perf_counter() - start
    out["open_peak_mb"] = _peak_mb()
    try:
        start = time.perf_counter()
        preview = services.imports.preview(xlsx, actor=SYSTEM)
        out["preview_seconds"] = time.perf_counter() - start
        out["preview_peak_mb"] = _peak_mb()
        out["batch_id"] = preview.batch.id
        out["rows"] = preview.batch.row_count
        out["totals"] = preview.batch.totals

        def progress(_stage: str, done: int, total: int) -> None:
            print(f"\r  run: {done:,} / {total:,} rows", end="", file=sys.stderr, flush=True)

        profiler = cProfile.Profile() if profile_run else None
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = services.imports.run(
            preview.batch.id, actor=SYSTEM, on_duplicate="skip", progress=progress
        )
        if profiler is not None:
            profiler.disable()
            out["run_profile"] = _top(profiler)
        print(file=sys.stderr)
        out["run_seconds"] = time.perf_counter() - start
        out["run_peak_mb"] = _peak_mb()
        out["status"] = result.batch.status
        out["actions"] = result.batch.result
        out["failed"] = [row.to_dict() for row in result.failed[:5]]
    finally:
        services.close()
    return out


def profile_preview(database: Path, xlsx: Path) -> dict[str, Any]:
    """cProfile of one preview of ``xlsx`` on ``database`` (a fresh copy, as the measured one).

    The name lexicons are loaded first: every process pays that once, and in a 2,000-row
    profile it would hide what each row costs.
    """
    from zhengming.domain.customer import SYSTEM

    services = _services(database)
    try:
        services.customers.analyze("北京字节跳动科技有限公司", None)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        services.imports.preview(xlsx, actor=SYSTEM)
        profiler.disable()
        seconds = time.perf_counter() - start
    finally:
        services.close()
    return {"profile": _top(profiler), "profile_seconds": seconds}


def _top(profiler: cProfile.Profile) -> str:
    """The top 15 functions by own time, then by cumulative time."""
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(15)
    return buffer.getvalue()


# --- the scratch copy ------------------------------------------------------------------------


def copy_database(source: Path, target: Path) -> float:
    """Copy ``source`` (and its -wal/-shm) over ``target``; the seconds it took."""
    start = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return time.perf_counter() - start


# --- report -----------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds else "—"


def report_header(args: argparse.Namespace, made: ImportFile, store_note: str) -> str:
    dists = ("sqlalchemy", "openpyxl", "python-calamine", "pandas", "opencc")
    counts = ", ".join(f"{kind} {made.counts.get(kind, 0):,}" for kind in KINDS)
    how = "reused" if made.reused else f"written in {made.seconds:,.0f} s"
    return "\n".join(
        [
            "# zhengming import speed",
            "",
            f"- run: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.platform()}; CPU {cpu_model()}, {os.cpu_count()} logical "
            f"cores; load average at start {os.getloadavg()[0]:.1f}",
            f"- python {platform.python_version()}; zhengming {zhengming.__version__}; "
            + ", ".join(f"{d} {version_of(d)}" for d in dists),
            f"- stored: {args.customers:,} customers, {store_note}",
            f"- file: {made.xlsx.name} ({made.xlsx.stat().st_size / 1e6:.1f} MB, {how}), "
            f"{args.rows:,} rows: {counts}; seed {args.seed}",
            f"- CPU gauge: `analyze_name` took {analysis_speed():.0f} µs per name at the start",
        ]
    )


def report_steps(result: Mapping[str, Any], copy_seconds: float, rows: int) -> str:
    preview, run = result["preview_seconds"], result["run_seconds"]
    header = ["step", "seconds", "rows/s", "peak RSS MB", "note"]
    table = [
        ["copy the stored database", f"{copy_seconds:.1f}", "—", "—", "setup, not the import"],
        [
            "open (build_services, migrations)",
            f"{result['open_seconds']:.1f}",
            "—",
            f"{result['open_peak_mb']:,.0f}",
            "setup, not the import",
        ],
        [
            "read + preview",
            f"{preview:.1f}",
            _rate(rows, preview),
            f"{result['preview_peak_mb']:,.0f}",
            "read, check, judge, store verdicts",
        ],
        [
            "run (on_duplicate=skip)",
            f"{run:.1f}",
            _rate(rows, run),
            f"{result['run_peak_mb']:,.0f}",
            "create new rows, skip the rest",
        ],
        [
            "**import (preview + run)**",
            f"**{preview + run:.1f}**",
            f"**{_rate(rows, preview + run)}**",
            f"{result['run_peak_mb']:,.0f}",
            "",
        ],
    ]
    return markdown_table(header, table)


def report_scores(runs: Sequence[Scored], rows_by_kind: Mapping[str, int]) -> str:
    header = ["rows", "n", *(f"{run.tool}: correct" for run in runs), "what else (zhengming)"]
    table = []
    labels = {
        EXISTING: "existing customer → duplicate/update of it",
        DUPLICATE_IN_FILE: "duplicate in file → of its source row (or its stored customer)",
        INVALID: "invalid → invalid",
        NEW: "new → new",
    }
    for kind in KINDS:
        n = rows_by_kind.get(kind, 0)
        cells = [labels[kind], f"{n:,}"]
        for run in runs:
            counts = run.by_kind.get(kind, Counter())
            cells.append(f"{counts['correct'] / n:.1%}" if n else "—")
        others = runs[0].by_kind.get(kind, Counter())
        cells.append(
            ", ".join(
                f"{what} {count:,}" for what, count in others.most_common() if what != "correct"
            )
            or "—"
        )
        table.append(cells)
    return markdown_table(header, table)


def report_consequences(runs: Sequence[Scored]) -> str:
    """What a ``skip`` run makes of the errors: rows created twice, rows not created."""
    lines = []
    for run in runs:
        twice = sum(
            run.by_kind.get(kind, Counter())[f"judged {NEW}"]
            for kind in (EXISTING, DUPLICATE_IN_FILE)
        )
        new = run.by_kind.get(NEW, Counter())
        lost = sum(new.values()) - new["correct"]
        lines.append(
            f"- {run.tool}: a skip run creates {twice:,} customers a second time (existing or "
            f"in-file duplicates judged new) and leaves out {lost:,} new companies (judged "
            "matched, duplicate or invalid)"
        )
    return "\n".join(lines)


def report_variants(runs: Sequence[Scored]) -> str:
    header = ["existing, typed as", "n", *(run.tool for run in runs)]
    table = []
    for variant in VARIANTS:
        first = runs[0].by_variant.get(variant, Counter())
        n = sum(first.values())
        cells = [variant, f"{n:,}"]
        for run in runs:
            counts = run.by_variant.get(variant, Counter())
            right = counts["correct"]
            uncertain = counts["uncertain, right customer"]
            text = f"{right / n:.1%}" if n else "—"
            if uncertain:
                text += f" (+{uncertain / n:.1%} uncertain)"
            cells.append(text)
        table.append(cells)
    return markdown_table(header, table)


def report_target(total: float, args: argparse.Namespace) -> str:
    full = args.rows == FULL_ROWS and args.customers == FULL_SIZE
    if full:
        return (
            f"- {FULL_ROWS:,} rows against {FULL_SIZE:,} customers: {total:,.1f} s "
            f"(≤ {TARGET_SECONDS:.0f} s): {_met(total <= TARGET_SECONDS)}"
        )
    scaled = total * FULL_ROWS / args.rows
    return (
        f"- this run: {args.rows:,} rows against {args.customers:,} customers in {total:,.1f} s. "
        f"**Extrapolated** (not measured) to {FULL_ROWS:,} rows at the same rows/s: "
        f"{scaled:,.0f} s (target ≤ {TARGET_SECONDS:.0f} s: {_met(scaled <= TARGET_SECONDS)})"
        + ("" if args.customers == FULL_SIZE else "; with fewer stored customers than 1,000,000")
    )


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help="rows in the spreadsheet")
    parser.add_argument("--customers", type=int, default=FULL_SIZE, help="stored customers")
    parser.add_argument("--skip-peer", action="store_true", help="zhengming only")
    parser.add_argument("--skip-profile", action="store_true", help="no cProfile of the preview")
    parser.add_argument(
        "--profile-run", action="store_true", help="cProfile the run too (slows it down)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes building a database")
    parser.add_argument("--seed", type=int, default=2025, help="seed of every random choice")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="files and copy")
    # The child process: measure one import (or profile one preview), write the figures as JSON.
    parser.add_argument("--measure", nargs=3, metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--profile-preview", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 100 or args.customers < 1000:
        parser.error("--rows must be at least 100 and --customers at least 1000")
    return args


def in_child(database: Path, xlsx: Path, out_dir: Path, *options: str) -> Any:
    """This script with ``--measure`` (and ``options``) in a child process; its figures."""
    result_path = out_dir / "result.json"
    result_path.unlink(missing_ok=True)
    command = [
        sys.executable, __file__, "--measure", str(database), str(xlsx), str(result_path),
        *options,
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=BENCH.parent)
    return json.loads(result_path.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        database, xlsx, result = (Path(p) for p in args.measure)
        if args.profile_preview:
            figures = profile_preview(database, xlsx)
        else:
            figures = measure_import(database, xlsx, profile_run=args.profile_run)
        result.write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
        return 0
    out_dir: Path = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        registrations = load_registrations()
    except SharedDataNotFoundError as exc:
        print(f"import_speed: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    parts = registration_parts(registrations, REALTIME_DIR)
    maker = NameMaker(parts)
    population = build_population(registrations, maker, args.customers, seed=args.seed)
    store = sqlite_store(population, REALTIME_DIR, seed=args.seed, workers=args.workers)
    cached = Path(store.url.removeprefix("sqlite:///"))
    made = build_import_file(
        population,
        maker,
        lambda: _HomophoneTable(r.name for r in registrations),
        args.rows,
        seed=args.seed,
        out_dir=out_dir,
    )
    how = "reused" if store.cached else "built"
    note = f"{how} {cached.name} (bulk load then: {store.load_seconds:,.0f} s)"
    print(report_header(args, made, note), flush=True)

    scratch = out_dir / "scratch.sqlite"
    copy_seconds = copy_database(cached, scratch)
    print(f"copied to {scratch} in {copy_seconds:.1f} s; importing ...", file=sys.stderr)
    options = ["--profile-run"] if args.profile_run else []
    result = in_child(scratch, made.xlsx, out_dir, *options)
    total = result["preview_seconds"] + result["run_seconds"]
    print("\n## zhengming (service API: preview, then run with on_duplicate=skip)\n")
    print(report_steps(result, copy_seconds, result["rows"]))
    totals = ", ".join(f"{k} {v:,}" for k, v in result["totals"].items())
    actions = ", ".join(f"{k} {v:,}" for k, v in (result["actions"] or {}).items())
    print(f"\n- verdicts: {totals}\n- run: {result['status']}; {actions}")
    if result["failed"]:
        print(f"- first failed rows: {result['failed']}")

    truths = read_truth(made.truth_path)
    verdicts = read_verdicts(scratch, result["batch_id"])
    runs = [score("zhengming", truths, verdicts, stored_as=standard_name)]
    if not args.skip_profile:
        # On a fresh copy: after the run, the slice's new companies are stored customers.
        print("profiling the preview ...", file=sys.stderr, flush=True)
        copy_database(cached, scratch)
        result |= in_child(scratch, made.profile_xlsx, out_dir, "--profile-preview")
    peer = None
    if not args.skip_peer:
        print("running the peer ...", file=sys.stderr, flush=True)
        peer = run_peer(population.names, made.xlsx)
        runs.append(score("exact normalized name", truths, peer.judged))
    rows_by_kind = Counter(t.kind for t in truths)
    print("\n## Verdicts against the truth\n")
    print(report_scores(runs, rows_by_kind))
    print("\n" + report_consequences(runs))
    print("\n### Existing customers by how they were typed (found: duplicate/update of it)\n")
    print(report_variants(runs))
    if peer is not None:
        print(
            f"\nPeer (exact match on the `_peers.py` normalized name, dict join): "
            f"{peer.seconds:,.1f} s = read the XLSX with pandas/calamine {peer.read_seconds:.1f} s"
            f" + normalize and index the {len(population.names):,} stored names "
            f"{peer.index_seconds:.1f} s + normalize and join the {len(truths):,} rows "
            f"{peer.match_seconds:.1f} s ({_rate(len(truths), peer.match_seconds)} rows/s); "
            f"{peer.ambiguous:,} rows hit a key several stored names share (the first is taken)."
            " It checks nothing: invalid rows are judged new or matched."
        )
    print("\n## Target (issue 6)\n")
    print(report_target(total, args))
    if "run_profile" in result:
        print("\n## Profile of the run (its seconds above include the profiler)\n\n```")
        print(result["run_profile"].strip())
        print("```")
    if "profile" in result:
        print(
            f"\n## Profile of the preview of the first {min(PROFILE_ROWS, args.rows):,} rows "
            f"({result['profile_seconds']:.1f} s under the profiler, lexicons loaded before)"
            "\n\n```"
        )
        print(result["profile"].strip())
        print("```")
    print(f"\n(whole run: {time.perf_counter() - started:,.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
