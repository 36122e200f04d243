"""Candidate pairs for a batch dedupe: blocking joins run in SQL on DuckDB.

The blocking values (domain/matching/blocking.py) are loaded as one long table
``(record, key, value)``; a self-join on ``(key, value)`` yields every pair that shares a value,
skipping blocks larger than ``max_block_size`` for that key. The SQL stays dialect-neutral so
the Spark executor can run the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np

from zhengming.errors import BatchError

CANDIDATE_SQL = """
WITH blocks AS (
    SELECT key, value
    FROM blocking
    GROUP BY key, value
    HAVING count(*) BETWEEN 2 AND {max_block_size}
)
SELECT DISTINCT a.record AS left_record, b.record AS right_record
FROM blocking AS a
JOIN blocks USING (key, value)
JOIN blocking AS b ON a.key = b.key AND a.value = b.value AND a.record < b.record
ORDER BY left_record, right_record
"""


def candidate_pairs(
    values: Sequence[dict[str, str | None]],
    *,
    keys: Sequence[str],
    max_block_size: int,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of record positions (left < right) that share a value of any blocking key.

    Args:
        values: per record, its blocking values (None where a key does not apply).
        keys: the blocking keys to use.
        max_block_size: blocks with more records than this are skipped for that key.
        threads: DuckDB worker threads (None: DuckDB's default, all cores).
    """
    records: list[int] = []
    key_ids: list[int] = []
    key_values: list[str] = []
    for record, record_values in enumerate(values):
        for key_id, key in enumerate(keys):
            value = record_values.get(key)
            if value:
                records.append(record)
                key_ids.append(key_id)
                key_values.append(value)
    empty = np.empty(0, dtype=np.int64)
    if not records:
        return empty, empty
    connection = duckdb.connect()
    try:
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        blocking = {
            "record": np.asarray(records, dtype=np.int64),
            "key": np.asarray(key_ids, dtype=np.int16),
            "value": np.asarray(key_values, dtype=object),
        }
        connection.register("blocking", blocking)
        sql = CANDIDATE_SQL.format(max_block_size=int(max_block_size))
        result = connection.execute(sql).fetchnumpy()
    except duckdb.Error as exc:
        raise BatchError(
            f"分块比较失败 / blocking failed: {exc}", details={"stage": "blocking"}
        ) from exc
    finally:
        connection.close()
    left = np.asarray(result["left_record"], dtype=np.int64)
    right = np.asarray(result["right_record"], dtype=np.int64)
    return left, right
