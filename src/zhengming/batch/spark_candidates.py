"""Candidate pairs on Spark: the blocking joins of candidates.py, run by a Spark session.

Spark runs the very statement DuckDB runs (:data:`~zhengming.batch.candidates.CANDIDATE_SQL`)
on the very same long table (:func:`~zhengming.batch.candidates.blocking_table`), so both engines
find the same pairs by construction; tests/batch/test_spark_engine.py checks that they do.

What scales out, and what does not: only the self-join of the blocking table, the step whose
cost grows with block sizes and pair counts, runs on Spark. Name analysis, blocking values,
scoring and clustering stay in the driver process, exactly as with DuckDB (analysing names in
Python UDFs would ship every lexicon to every worker and gain nothing on one machine), and the
driver still holds every record and every candidate pair. The table travels to Spark, and the
pairs back, as Parquet files that DuckDB writes and reads: millions of rows never pass through
Py4J one by one. The files live in a temporary directory of the driver, so a cluster session
needs that directory on storage its executors share; a local session (``local[*]``, the
default) has no such need.

pyspark is optional (``pip install 'zhengming[spark]'``) and imported only when a Spark run
starts: importing :mod:`zhengming.batch` never imports it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from zhengming.batch.candidates import blocking_table, candidate_sql
from zhengming.domain.matching.blocking import BlockingValue
from zhengming.errors import BatchError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL_HINT = "pip install 'zhengming[spark]'"
_LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")


def check_spark_engine() -> None:
    """Fail in a moment, before any name is analysed, when a Spark run cannot start.

    Raises:
        BatchError: pyspark cannot be imported, or no session runs and no Java is found
            (``JAVA_HOME`` or ``java`` on the PATH, as Spark's launcher looks for it).
    """
    _import_pyspark()
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession() is not None
    if not running and not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise BatchError(
            "Spark 需要 Java 17 或更高版本 / Spark needs Java 17 or later: none found",
            details={"engine": "spark", "stage": "session"},
        )


def _import_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise BatchError(
            f"未安装 Spark 引擎 / the Spark engine is not installed: {INSTALL_HINT}",
            details={"engine": "spark", "install": INSTALL_HINT},
        ) from exc


def start_session(*, threads: int | None = None, java_options: Sequence[str] = ()) -> SparkSession:
    """The Spark session a dedupe runs on: the caller's own if one is active, else a local one.

    A session the caller already started (a cluster one too) is used as it is. Otherwise a local
    session starts with the UI off, Spark bound to the loopback address (a dedupe needs no
    network), few shuffle partitions (the defaults suit clusters, not one machine) and
    error-only logging; it stays up for later runs in this process, since starting the JVM
    costs seconds.

    Args:
        threads: local cores to use (None: all of them).
        java_options: extra options for the driver JVM, e.g. ``-XX:TieredStopAtLevel=1`` for
            short test runs; ignored when a session is already running.

    Raises:
        BatchError: pyspark is missing, or Spark cannot start (no Java 17 or later).
    """
    _import_pyspark()
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    try:
        return SparkSession.active()
    except PySparkRuntimeError:
        pass  # no session yet: start a local one below
    cores = int(threads) if threads else (os.cpu_count() or 1)
    # Spark picks the address of the first network interface unless told otherwise, and warns
    # when the host name resolves to loopback; SPARK_LOCAL_IP is read only when the JVM starts.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    options = " ".join((f"-Dlog4j2.configurationFile={_LOG_CONFIG.as_uri()}", *java_options))
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("zhengming-dedupe")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.driver.extraJavaOptions", options)
    )
    try:
        return builder.getOrCreate()
    except Exception as exc:  # pyspark and py4j raise several unrelated types here
        raise BatchError(
            f"无法启动 Spark（需要 Java 17 或更高版本）/ cannot start Spark (Java 17+ needed): {exc}",
            details={"engine": "spark", "stage": "session"},
        ) from exc


def spark_candidate_pairs(
    values: Sequence[Sequence[BlockingValue]],
    *,
    rules: Sequence[str],
    max_block_size: int,
    session: SparkSession | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of record positions (left < right), sorted, exactly as ``candidate_pairs`` finds them.

    Args:
        values: per record, its blocking values (rule, side, value).
        rules: the blocking rules to use; values of other rules are ignored.
        max_block_size: a block with more members (or cross targets) than this is skipped.
        session: the Spark session to run on (None: :func:`start_session`).
        threads: local cores, when a local session has to be started.

    Raises:
        BatchError: Spark is missing, cannot start, or the join fails.
    """
    blocking = blocking_table(values, rules=rules)
    empty = np.empty(0, dtype=np.int64)
    if not len(blocking["record"]):
        return empty, empty
    spark = session or start_session(threads=threads)
    with tempfile.TemporaryDirectory(prefix="zhengming-spark-") as work:
        source, target = Path(work) / "blocking.parquet", Path(work) / "pairs"
        _write_parquet(blocking, source)
        _run_join(spark, source, target, rules=rules, max_block_size=max_block_size)
        return _read_pairs(target)


def _write_parquet(blocking: dict[str, np.ndarray], path: Path) -> None:
    connection = duckdb.connect()
    try:
        connection.register("blocking", blocking)
        connection.execute(f"COPY blocking TO {_quote(path)} (FORMAT parquet)")
    except duckdb.Error as exc:
        raise BatchError(
            f"分块比较失败 / blocking failed: {exc}", details={"stage": "blocking"}
        ) from exc
    finally:
        connection.close()


def _run_join(
    spark: SparkSession, source: Path, target: Path, *, rules: Sequence[str], max_block_size: int
) -> None:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    # The caller's session may be shared: a view name of its own, dropped afterwards, leaves
    # the session's views and settings as they were.
    view = f"zhengming_blocking_{uuid.uuid4().hex}"
    sql = candidate_sql(rules=rules, max_block_size=max_block_size, table=view)
    try:
        spark.read.parquet(str(source)).createOrReplaceTempView(view)
        try:
            spark.sql(sql).write.parquet(str(target))
        finally:
            spark.catalog.dropTempView(view)
    except (PySparkException, Py4JError) as exc:
        raise BatchError(
            f"分块比较失败（Spark）/ blocking failed on Spark: {exc}",
            details={"stage": "blocking", "engine": "spark"},
        ) from exc


def _read_pairs(target: Path) -> tuple[np.ndarray, np.ndarray]:
    """The pairs Spark wrote, in the order DuckDB gives them (Spark writes one file per task)."""
    if not any(target.glob("*.parquet")):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    connection = duckdb.connect()
    try:
        result = connection.execute(
            "SELECT left_record, right_record "
            f"FROM read_parquet({_quote(target / '*.parquet')}) "
            "ORDER BY left_record, right_record"
        ).fetchnumpy()
    except duckdb.Error as exc:
        raise BatchError(
            f"分块比较失败 / blocking failed: {exc}", details={"stage": "blocking"}
        ) from exc
    finally:
        connection.close()
    left = np.asarray(result["left_record"], dtype=np.int64)
    right = np.asarray(result["right_record"], dtype=np.int64)
    return left, right


def _quote(path: Path) -> str:
    """A path as a SQL string literal (temporary directories may hold any character)."""
    return "'" + str(path).replace("'", "''") + "'"
