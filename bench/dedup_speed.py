"""How fast ``zhengming dedupe`` runs on a large file, beside Splink 5 on the same file.

The input (``_speed_data.py``): all 164,587 registrations of 2019, each its own entity, plus
typed variants of randomly chosen registration names, up to N rows (default 1,000,000). Files
are cached under ``bench/out/speed/`` per size and seed.

Both tools run as child processes, measured the same way: wall seconds around the child and
its peak resident memory (``/usr/bin/time -v``, "Maximum resident set size"; without it,
``getrusage(RUSAGE_CHILDREN)`` after the child exits).

- ``zhengming dedupe records.csv --id-column id --name-column name --output OUT --json``; its
  JSON summary gives rows, candidate pairs, clusters and seconds per stage.
- Splink 5 on DuckDB with the model of ``dedup_accuracy.py`` (``_peers.py``: the same features,
  comparisons, blocking rules and training), predicted and clustered at match probability 0.9;
  this script runs itself with ``--splink-child`` for it.

Both are scored against the truth with pairwise precision, recall and F1, counted from the
(cluster, entity) contingency table. The report is Markdown on stdout.

Run from the repository root::

    .venv/bin/python bench/dedup_speed.py                      # 1,000,000 records, both tools
    .venv/bin/python bench/dedup_speed.py --records 50000      # quick
    .venv/bin/python bench/dedup_speed.py --skip-splink
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import zhengming
from _data import SharedDataNotFoundError
from _machine import cpu_model, version_of
from _speed_data import FULL_SIZE, SpeedRecords, build_speed_records
from dedup_accuracy import PairScores, markdown_table, pairwise_scores

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out" / "speed"
GNU_TIME = Path("/usr/bin/time")
SPLINK_THRESHOLD = 0.9
TARGET_SECONDS = 15.0
TARGET_SPEEDUP = 2.0
TARGET_MEMORY_GB = 8.0
ZHENGMING_STAGES = ("analyse", "block", "score", "cluster")
SPLINK_STAGES = ("features", "training", "predict", "cluster")


@dataclass(slots=True)
class ChildRun:
    """One measured child process."""

    returncode: int | None = None
    seconds: float | None = None
    peak_kb: int | None = None
    peak_source: str = ""
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False


@dataclass(slots=True)
class ToolResult:
    """One line of the report."""

    tool: str
    run: ChildRun | None = None
    rows: int | None = None
    candidates: int | None = None
    clusters: int | None = None
    stages: dict[str, float] = field(default_factory=dict)
    scores: PairScores | None = None
    note: str = ""
    failed: bool = False


# --- measuring a child ---------------------------------------------------------------------


def run_measured(command: Sequence[str], *, timeout: float) -> ChildRun:
    """Run ``command`` in its own process group; wall seconds and peak RSS of the child.

    On timeout the whole group is killed (``/usr/bin/time`` and the tool below it).
    """
    result = ChildRun()
    with tempfile.NamedTemporaryFile(prefix="dedup_speed_", suffix=".time") as time_file:
        use_time = GNU_TIME.exists()
        full = [str(GNU_TIME), "-v", "-o", time_file.name, *command] if use_time else list(command)
        start = time.perf_counter()
        process = subprocess.Popen(
            full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            result.stdout, result.stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            result.stdout, result.stderr = process.communicate()
            result.timed_out = True
        result.seconds = time.perf_counter() - start
        result.returncode = process.returncode
        if use_time:
            report = Path(time_file.name).read_text(encoding="utf-8", errors="replace")
            found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
            if found:
                result.peak_kb = int(found.group(1))
                result.peak_source = "/usr/bin/time -v"
    if result.peak_kb is None and not result.timed_out:
        # The largest child this process has waited for so far, so a later child's figure is a
        # maximum over it and the earlier ones: the report says so.
        result.peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result.peak_source = "getrusage(RUSAGE_CHILDREN), max over children so far"
    return result


def _failure(run: ChildRun, timeout: float) -> str | None:
    if run.timed_out:
        return f"timed out after {timeout:.0f} s"
    if run.returncode != 0:
        tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-3:]
        return f"exit {run.returncode}: {' | '.join(tail)[:300]}"
    return None


# --- the tools -----------------------------------------------------------------------------


def run_zhengming(data: SpeedRecords, out_dir: Path, *, timeout: float) -> ToolResult:
    """``zhengming dedupe ... --json`` as a user would run it; its summary and its clusters."""
    output = out_dir / f"zhengming_{data.rows}.csv"
    output.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "zhengming", "dedupe", str(data.records_path),
        "--id-column", "id", "--name-column", "name", "--output", str(output), "--json",
    ]  # fmt: skip
    run = run_measured(command, timeout=timeout)
    result = ToolResult(tool="zhengming dedupe", run=run)
    failure = _failure(run, timeout)
    if failure is None and not output.exists():
        failure = "no OUT file written"
    if failure is not None:
        result.note, result.failed = failure, True
        return result
    summary = _last_json_object(run.stdout)
    if summary is None:
        result.note = "no JSON summary on stdout"
    else:
        result.rows = summary.get("rows")
        result.candidates = summary.get("candidate_pairs")
        result.clusters = summary.get("clusters")
        result.stages = {k: float(v) for k, v in summary.get("seconds", {}).items()}
        if "distinct_names" in summary:
            result.note = f"{summary['distinct_names']:,} distinct names"
    result.scores, problem = score_clusters(data, output, id_column="id")
    result.note = "; ".join(filter(None, [result.note, problem]))
    return result


def _last_json_object(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def run_splink_child(data: SpeedRecords, out_dir: Path, *, seed: int, timeout: float) -> ToolResult:
    """Splink in a child process (this script with ``--splink-child``), then its clusters."""
    output = out_dir / f"splink_{data.rows}.csv"
    summary_path = out_dir / f"splink_{data.rows}.json"
    for stale in (output, summary_path):
        stale.unlink(missing_ok=True)
    command = [
        sys.executable, str(Path(__file__).resolve()), "--splink-child",
        str(data.records_path), str(output), str(summary_path), "--seed", str(seed),
    ]  # fmt: skip
    run = run_measured(command, timeout=timeout)
    result = ToolResult(tool=f"splink {version_of('splink')} (duckdb)", run=run)
    failure = _failure(run, timeout)
    if failure is None and not summary_path.exists():
        failure = "no summary written"
    if failure is not None:
        result.note, result.failed = failure, True
        return result
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    if summary.get("error"):
        result.note, result.failed = f"could not run: {summary['error']}", True
        return result
    result.rows = summary["rows"]
    result.candidates = summary["candidate_pairs"]
    result.clusters = summary["clusters"]
    result.stages = summary["seconds"]
    result.note = (
        f"p ≥ {SPLINK_THRESHOLD}; {summary['predicted_pairs']:,} pairs predicted; "
        f"duckdb threads {summary['threads']}"
    )
    result.scores, problem = score_clusters(data, output, id_column="unique_id")
    result.note = "; ".join(filter(None, [result.note, problem]))
    return result


def splink_child(records: Path, output: Path, summary_path: Path, *, seed: int) -> int:
    """Train, predict and cluster with the accuracy peer's model; write clusters and figures.

    The training sequence is ``_peers.run_splink``'s, step for step, with a timer per stage:
    prior from exact-core pairs (recall 0.7), u by random sampling (5e6 pairs), EM per the
    peer's rules. Features come from ``_peers``' own normalization (``PeerNormalizer``).
    """
    import splink
    from splink import DuckDBAPI, Linker, block_on

    from _dedup_eval import EvalSet
    from _peers import PeerNormalizer, _splink_company_settings, _splink_tables

    logging.getLogger("splink").setLevel(logging.ERROR)
    seconds: dict[str, float] = {}
    summary: dict[str, Any] = {"splink": splink.__version__}
    try:
        start = time.perf_counter()
        frame = pd.read_csv(records, dtype=str, keep_default_na=False)
        evalset = EvalSet(key="speed", title="speed", frame=frame, style="cn_company")
        (table,) = _splink_tables(evalset, PeerNormalizer())
        seconds["features"] = time.perf_counter() - start

        start = time.perf_counter()
        settings, prior_rules, em_rules = _splink_company_settings("cn_company")
        db_api = DuckDBAPI()
        linker = Linker(
            db_api.register(table, dataset_display_name="records"), settings, log_level=None
        )
        linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
        for columns, max_pairs in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True, max_pairs=max_pairs
            )
        seconds["training"] = time.perf_counter() - start

        start = time.perf_counter()
        predictions = linker.inference.predict(
            threshold_match_probability=SPLINK_THRESHOLD, warning_mode="never"
        )
        seconds["predict"] = time.perf_counter() - start

        start = time.perf_counter()
        # SplinkDataFrame's methods carry no annotations.
        clusters: Any = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=SPLINK_THRESHOLD
        )
        clustered: pd.DataFrame = clusters.as_pandas_dataframe()
        clustered[["unique_id", "cluster_id"]].to_csv(output, index=False)
        seconds["cluster"] = time.perf_counter() - start

        # Not timed: how many comparisons the prediction blocking produced, and the set-up.
        counts = linker.blocking_analysis.count_comparisons_from_blocking_rules(
            record_sample_proportion=1.0
        )
        summary.update(
            rows=len(table),
            candidate_pairs=int(counts[-1]["cumulative_comparison_count"]),
            predicted_pairs=_scalar(predictions.as_duckdbpyrelation().aggregate("count(*)")),
            clusters=int(clustered["cluster_id"].nunique()),
            threads=_duckdb_threads(db_api),
            seconds=seconds,
        )
    except Exception as exc:  # the parent reports a peer's failure; it never stops the run
        summary["error"] = f"{type(exc).__name__}: {exc}"
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _scalar(relation: Any) -> int:
    rows = relation.fetchall()
    return int(rows[0][0]) if rows else 0


def _duckdb_threads(db_api: Any) -> str:
    try:
        return str(db_api._con.sql("select current_setting('threads')").fetchall()[0][0])
    except Exception:  # a private attribute: report what it could not read, never fail
        return "?"


# --- scoring -------------------------------------------------------------------------------


def score_clusters(
    data: SpeedRecords, clusters_path: Path, *, id_column: str
) -> tuple[PairScores | None, str]:
    """Pairwise scores of one tool's clusters; a row the tool lost is its own cluster."""
    truth = pd.read_csv(data.truth_path, dtype=str, keep_default_na=False)
    found = pd.read_csv(clusters_path, dtype=str, keep_default_na=False)
    mapping = pd.Series(found["cluster_id"].to_numpy(), index=found[id_column].to_numpy())
    if not mapping.index.is_unique:
        return None, "ids repeated in the output"
    labels = truth["id"].map(mapping)
    missing = int(labels.isna().sum())
    labels = labels.fillna("missing:" + truth["id"])
    note = f"{missing:,} ids missing from the output (singletons here)" if missing else ""
    return pairwise_scores(truth["entity"], labels), note


# --- report --------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _gb(kb: int | None) -> float | None:
    return None if kb is None else kb * 1024 / 1e9


def report_header(args: argparse.Namespace, data: SpeedRecords) -> str:
    memory = "?"
    try:
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        found = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
        memory = f"{int(found.group(1)) * 1024 / 1e9:.1f} GB" if found else "?"
    except OSError:
        pass
    dists = ("splink", "duckdb", "pandas", "numpy", "opencc", "pypinyin")
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in data.kinds.items())
    how = "reused (cached)" if data.reused else f"built in {data.seconds:.0f} s"
    return "\n".join(
        [
            "# zhengming dedup speed",
            "",
            f"- run: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.platform()}; CPU {cpu_model()}, {os.cpu_count()} logical cores, "
            f"{memory} RAM",
            f"- python {platform.python_version()}; zhengming {zhengming.__version__}; "
            + ", ".join(f"{d} {version_of(d)}" for d in dists),
            f"- input: `{_relative(data.records_path)}`, {data.rows:,} rows, "
            f"{data.entities:,} entities, seed {args.seed}; {how}",
            f"- rows per kind: {kinds}; {data.dropped:,} variants dropped (spelling of another "
            "entity)",
            f"- timeout per tool: {args.timeout:.0f} s"
            + ("; Splink skipped" if args.skip_splink else ""),
        ]
    )


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def report_table(data: SpeedRecords, results: Sequence[ToolResult]) -> str:
    header = [
        "tool", "records", "candidate pairs", "clusters", "seconds", "stages (s)",
        "peak memory (GB)", "precision", "recall", "F1", "note",
    ]  # fmt: skip
    rows = []
    for result in results:
        run = result.run or ChildRun()
        names = ZHENGMING_STAGES if result.tool.startswith("zhengming") else SPLINK_STAGES
        stages = ", ".join(
            f"{name} {result.stages[name]:.1f}" for name in names if name in result.stages
        )
        if result.stages and run.seconds is not None:
            # Interpreter start, imports, reading the CSV and writing OUT: whatever the
            # tool's own stage timers do not cover.
            stages += f", other {run.seconds - sum(result.stages.values()):.1f}"
        scores = result.scores
        rows.append(
            [
                result.tool,
                _count(result.rows if result.rows is not None else data.rows),
                _count(result.candidates),
                _count(result.clusters),
                "timed out" if run.timed_out else _fmt(run.seconds, 1),
                stages or "—",
                _fmt(_gb(run.peak_kb), 2),
                _fmt(scores.precision if scores else None, 4),
                _fmt(scores.recall if scores else None, 4),
                _fmt(scores.f1 if scores else None, 4),
                result.note,
            ]
        )
    return markdown_table(header, rows)


def report_targets(data: SpeedRecords, results: Sequence[ToolResult]) -> str:
    """The targets of issue 3, and where this run stands against each."""
    ours = next((r for r in results if r.tool.startswith("zhengming")), None)
    peer = next((r for r in results if r.tool.startswith("splink")), None)
    lines = [
        "## Targets (issue 3)",
        "",
        f"Stated for {FULL_SIZE:,} records on this 2-core machine: end to end ≤ "
        f"{TARGET_SECONDS:.0f} s, ≥ {TARGET_SPEEDUP:.0f}× faster than Splink on the same file "
        f"in the same run at equal or better F1, peak memory ≤ {TARGET_MEMORY_GB:.0f} GB.",
    ]
    if data.rows != FULL_SIZE:
        lines.append(f"This run has {data.rows:,} records: the figures below only point the way.")
    lines.append("")
    if ours is None or ours.run is None or ours.run.seconds is None or ours.failed:
        lines.append("- zhengming did not finish: no verdict.")
        return "\n".join(lines)
    seconds = ours.run.seconds
    if data.rows == FULL_SIZE:
        lines.append(f"- seconds: {seconds:.1f} (≤ {TARGET_SECONDS:.0f}): {_met(seconds <= 15)}")
    else:
        # Linear scaling is the optimistic case; blocking cost grows faster than the rows.
        projected = seconds * FULL_SIZE / data.rows
        lines.append(
            f"- seconds: {seconds:.1f}; scaled linearly to {FULL_SIZE:,} rows ≈ "
            f"{projected:,.0f} (target ≤ {TARGET_SECONDS:.0f})"
        )
    peak = _gb(ours.run.peak_kb)
    if peak is not None:
        lines.append(
            f"- peak memory: {peak:.2f} GB (≤ {TARGET_MEMORY_GB:.0f}): "
            f"{_met(peak <= TARGET_MEMORY_GB)}"
        )
    if peer is None or peer.failed or peer.run is None or peer.run.seconds is None:
        lines.append("- Splink: not run or did not finish: no speed-up or F1 comparison.")
        return "\n".join(lines)
    speedup = peer.run.seconds / seconds
    lines.append(
        f"- speed-up over Splink: {speedup:.2f}× (≥ {TARGET_SPEEDUP:.0f}×): "
        f"{_met(speedup >= TARGET_SPEEDUP)}"
    )
    if ours.scores and peer.scores:
        lines.append(
            f"- F1: zhengming {ours.scores.f1:.4f}, Splink {peer.scores.f1:.4f}: "
            f"{_met(ours.scores.f1 >= peer.scores.f1)}"
        )
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report_memory_method(results: Sequence[ToolResult]) -> str:
    sources = sorted({r.run.peak_source for r in results if r.run and r.run.peak_source})
    return (
        "Seconds: wall clock around the child process (interpreter start and file I/O "
        "included); stages are the tool's own timers, `other` the rest. Peak memory: maximum "
        f"resident set size of the child, from {' / '.join(sources) or '—'}; GB = 10⁹ bytes. "
        "Precision, recall and F1 are pairwise over all rows."
    )


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=FULL_SIZE, help="rows in the input file")
    parser.add_argument("--skip-splink", action="store_true", help="run zhengming only")
    parser.add_argument("--seed", type=int, default=2025, help="seed of every random choice")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per tool")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="generated files")
    # Internal: the Splink run, in a process of its own so its memory is measured alone.
    parser.add_argument(
        "--splink-child", nargs=3, metavar=("RECORDS", "OUT", "SUMMARY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.records < 1:
        parser.error("--records must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.splink_child:
        return splink_child(*(Path(p) for p in args.splink_child), seed=args.seed)
    out_dir: Path = args.out_dir
    try:
        data = build_speed_records(args.records, seed=args.seed, out_dir=out_dir)
    except SharedDataNotFoundError as exc:
        print(f"dedup_speed: {exc}", file=sys.stderr)
        return 2
    print(report_header(args, data), flush=True)
    results = [run_zhengming(data, out_dir, timeout=args.timeout)]
    if not args.skip_splink:
        results.append(run_splink_child(data, out_dir, seed=args.seed, timeout=args.timeout))
    print("\n" + report_table(data, results))
    print("\n" + report_memory_method(results))
    print("\n" + report_targets(data, results))
    return 1 if results[0].failed else 0


if __name__ == "__main__":
    sys.exit(main())
