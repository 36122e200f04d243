"""Candidate pairs for a batch dedupe: blocking joins run in SQL on DuckDB.

The blocking values (domain/matching/blocking.py) are loaded as one long table
``(record, rule, side, value)``; a self-join on ``(rule, value)`` yields the pairs of symmetric
rules (both sides) and of cross rules (query side meets target side), skipping blocks larger than
``max_block_size``. The SQL stays dialect-neutral so the Spark executor (spark_candidates.py)
runs the same statement on the same table.
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
    FROM {table}
    GROUP BY rule, value
    HAVING count(*) FILTER (WHERE side <> 1) <= {max_block_size}
),
kept AS (SELECT * FROM {table} JOIN blocks USING (rule, value)),
-- An oversized block of a strong key (the same name key or credit code) is linked as a star,
-- every member to the first, instead of being skipped: exact duplicates always meet.
hubs AS (
    SELECT rule, value, min(record) AS hub
    FROM {table}
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
    FROM {table} AS blocking JOIN hubs USING (rule, value)
    WHERE blocking.side = 0
)
SELECT DISTINCT least(x, y) AS left_record, greatest(x, y) AS right_record
FROM pairs
WHERE x <> y
ORDER BY left_record, right_record
"""


def _rule_ids(rules: Sequence[str]) -> dict[str, int]:
    return {rule: index for index, rule in enumerate(rules)}


def blocking_table(
    values: Sequence[Sequence[BlockingValue]], *, rules: Sequence[str]
) -> dict[str, np.ndarray]:
    """The long table ``(record, rule, side, value)`` every engine joins, as column arrays.

    Rules become their position in ``rules``; values of other rules and empty values are left
    out. Both engines start from this one table, so they block on exactly the same values.
    """
    rule_ids = _rule_ids(rules)
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
    return {
        "record": np.asarray(records, dtype=np.int64),
        "rule": np.asarray(rule_column, dtype=np.int16),
        "side": np.asarray(sides, dtype=np.int8),
        "value": np.asarray(key_values, dtype=object),
    }


def candidate_sql(*, rules: Sequence[str], max_block_size: int, table: str = "blocking") -> str:
    """:data:`CANDIDATE_SQL` for these rules and block size, over ``table``, as both engines run it.

    ``table`` must be a plain identifier: it is written into the statement as it is.
    """
    rule_ids = _rule_ids(rules)
    star_rules = ", ".join(str(rule_ids[rule]) for rule in STAR_RULES if rule in rule_ids) or "-1"
    return CANDIDATE_SQL.format(
        max_block_size=int(max_block_size), star_rules=star_rules, table=table
    )


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
    blocking = blocking_table(values, rules=rules)
    empty = np.empty(0, dtype=np.int64)
    if not len(blocking["record"]):
        return empty, empty
    connection = duckdb.connect()
    try:
        if threads:
            connection.execute(f"SET threads = {int(threads)}")
        connection.register("blocking", blocking)
        sql = candidate_sql(rules=rules, max_block_size=max_block_size)
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
