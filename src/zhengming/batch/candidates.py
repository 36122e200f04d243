"""Candidate pairs for a batch dedupe: blocking joins run in SQL on DuckDB.

The blocking values (domain/matching/blocking.py) are loaded as one long table
``(record, rule, side, value)``; a self-join on ``(rule, value)`` yields the pairs of symmetric
rules (both sides) and of cross rules (query side meets target side), skipping blocks larger than
``max_block_size``. The SQL stays dialect-neutral so
the Spark executor can run the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np

from zhengming.domain.matching.blocking import BlockingValue
from zhengming.errors import BatchError

#: Rules whose oversized blocks are linked as a star rather than skipped.
STAR_RULES = ("name_key", "uscc")

CANDIDATE_SQL = """
WITH blocks AS (
    -- a block is too large when its symmetric members, or its cross targets, are too many
    SELECT rule, value
    FROM blocking
    GROUP BY rule, value
    HAVING count(*) FILTER (WHERE side <> 1) <= {max_block_size}
),
kept AS (SELECT * FROM blocking JOIN blocks USING (rule, value)),
-- An oversized block of a strong key (the same name key or credit code) is linked as a star,
-- every member to the first, instead of being skipped: exact duplicates always meet.
hubs AS (
    SELECT rule, value, min(record) AS hub
    FROM blocking
    WHERE side = 0 AND rule IN ({star_rules})
    GROUP BY rule, value
    HAVING count(*) > {max_block_size}
),
pairs AS (
    SELECT a.record AS x, b.record AS y
    FROM kept AS a JOIN kept AS b
      ON a.rule = b.rule AND a.value = b.value
    WHERE (a.side = 0 AND b.side = 0 AND a.record < b.record)
       OR (a.side = 1 AND b.side = 2)
    UNION ALL
    SELECT hubs.hub AS x, blocking.record AS y
    FROM blocking JOIN hubs USING (rule, value)
    WHERE blocking.side = 0
)
SELECT DISTINCT least(x, y) AS left_record, greatest(x, y) AS right_record
FROM pairs
WHERE x <> y
ORDER BY left_record, right_record
"""


def candidate_pairs(
    values: Sequence[Sequence[BlockingValue]],
    *,
    rules: Sequence[str],
    max_block_size: int,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of record positions (left < right) that some blocking rule brings together.

    Args:
        values: per record, its blocking values (rule, side, value).
        rules: the blocking rules to use; values of other rules are ignored.
        max_block_size: a block with more members (or cross targets) than this is skipped.
        threads: DuckDB worker threads (None: DuckDB's default, all cores).
    """
    rule_ids = {rule: index for index, rule in enumerate(rules)}
    records: list[int] = []
    rule_column: list[int] = []
    sides: list[int] = []
    key_values: list[str] = []
    for record, record_values in enumerate(values):
        for rule, side, value in record_values:
            rule_id = rule_ids.get(rule)
            if rule_id is not None and value:
                records.append(record)
                rule_column.append(rule_id)
                sides.append(int(side))
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
            "rule": np.asarray(rule_column, dtype=np.int16),
            "side": np.asarray(sides, dtype=np.int8),
            "value": np.asarray(key_values, dtype=object),
        }
        connection.register("blocking", blocking)
        star_rules = (
            ", ".join(str(rule_ids[rule]) for rule in STAR_RULES if rule in rule_ids) or "-1"
        )
        sql = CANDIDATE_SQL.format(max_block_size=int(max_block_size), star_rules=star_rules)
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
