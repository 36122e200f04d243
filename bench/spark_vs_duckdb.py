"""The two batch engines on one file: seconds per stage, and whether their output agrees.

``zhengming.batch.dedupe.deduplicate`` runs twice on the same rows and settings, once with
``engine="duckdb"`` and once with ``engine="spark"`` (a local session); a Spark run is then
repeated on the warm JVM, since a long-lived process (or a cluster) pays the JVM start once. Only
the blocking joins differ between engines, so the "block" column is the figure to compare; the
others are the shared Python stages, timed again on each run. Agreement is checked on the files
a user gets: ``id,cluster_id`` and every scored pair, compared byte for byte.

The input is the file of ``dedup_speed.py`` (``_speed_data.py``: 2019 registrations and typed
variants, cached under ``bench/out/speed/``), or any CSV with ``--input``. The report is
Markdown on stdout; the exit status is 1 when the engines disagree.

Run from the repository root (needs ``pip install -e '.[spark]'`` and Java 17+)::

    .venv/bin/python bench/spark_vs_duckdb.py                    # 50,000 records
    .venv/bin/python bench/spark_vs_duckdb.py --records 200000
    .venv/bin/python bench/spark_vs_duckdb.py --input my.csv --id-column id --name-column name
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from _data import SharedDataNotFoundError
from _machine import cpu_model, version_of
from _speed_data import build_speed_records
from zhengming.batch.dedupe import DedupeResult, deduplicate, write_clusters, write_pairs
from zhengming.batch.tables import read_table

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out" / "speed"
STAGES = ("analyse", "session", "block", "score", "cluster")


def output_files(result: DedupeResult, directory: Path, label: str) -> tuple[bytes, bytes]:
    """The bytes of the clusters file and of the pairs file (every pair, even `different`)."""
    clusters, pairs = directory / f"{label}.csv", directory / f"{label}_pairs.csv"
    write_clusters(result, clusters)
    write_pairs(result, pairs, include_different=True)
    return clusters.read_bytes(), pairs.read_bytes()


def row(label: str, result: DedupeResult, wall: float) -> str:
    stages = " | ".join(
        f"{result.seconds[stage]:.1f}" if stage in result.seconds else "—" for stage in STAGES
    )
    return (
        f"| {label} | {len(result.ids):,} | {result.candidate_pairs:,} | "
        f"{result.cluster_count:,} | {stages} | {wall:.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=50_000, help="rows of the generated file")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the generated file")
    parser.add_argument("--input", type=Path, help="a CSV to use instead of the generated file")
    parser.add_argument("--id-column", default="id")
    parser.add_argument("--name-column", default="name")
    parser.add_argument("--threads", type=int, help="DuckDB threads / local Spark cores")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="generated files")
    args = parser.parse_args()

    if args.input:
        path = args.input
    else:
        try:
            path = build_speed_records(
                args.records, seed=args.seed, out_dir=args.out_dir
            ).records_path
        except SharedDataNotFoundError as exc:
            print(f"spark_vs_duckdb: {exc}", file=sys.stderr)
            return 2
    table = read_table(path, id_column=args.id_column, name_column=args.name_column)
    runs: list[tuple[str, DedupeResult, float]] = []
    for label, engine in (("duckdb", "duckdb"), ("spark", "spark"), ("spark, warm", "spark")):
        started = time.perf_counter()
        result = deduplicate(table, engine=engine, threads=args.threads)
        runs.append((label, result, time.perf_counter() - started))

    with tempfile.TemporaryDirectory(prefix="spark_vs_duckdb_") as work:
        files = [
            output_files(result, Path(work), f"run{i}") for i, (_, result, _) in enumerate(runs)
        ]
    agree = all(other == files[0] for other in files[1:])

    print("# Spark vs DuckDB: the same dedupe on two engines\n")
    print(
        f"- machine: {platform.platform()}; CPU {cpu_model()}, {os.cpu_count()} logical cores; "
        f"python {platform.python_version()}, duckdb {version_of('duckdb')}, "
        f"pyspark {version_of('pyspark')}"
    )
    print(f"- input: `{path}`, {len(table):,} rows; threads {args.threads or 'all'}\n")
    print(
        "| engine | rows | candidate pairs | clusters | "
        + " | ".join(f"{stage} (s)" for stage in STAGES)
        + " | total (s) |"
    )
    print("|---|" + "---:|" * (4 + len(STAGES)))
    for label, result, wall in runs:
        print(row(label, result, wall))
    print(
        "\nOutput files (clusters, and every scored pair with evidence) "
        + ("identical on both engines." if agree else "DIFFER between engines.")
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
