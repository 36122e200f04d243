"""One match model, two executors: the Spark engine gives the DuckDB engine's output, byte for byte.

Skipped without pyspark (the ``spark`` extra) or Java. One local Spark session serves the module;
its JVM runs the C1 compiler only, which starts faster and is all these small joins need.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from zhengming.batch import spark_candidates
from zhengming.batch.candidates import candidate_pairs
from zhengming.batch.dedupe import (
    DedupeResult,
    deduplicate,
    resolve_column_roles,
    write_clusters,
    write_pairs,
)
from zhengming.batch.spark_candidates import (
    check_spark_engine,
    spark_candidate_pairs,
    start_session,
)
from zhengming.batch.tables import InputTable
from zhengming.domain.matching import MatchSettings
from zhengming.domain.matching.blocking import BlockingValue, Side
from zhengming.errors import BatchError

pyspark_sql = pytest.importorskip("pyspark.sql")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 or later)", allow_module_level=True)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pyspark_sql.SparkSession]:
    # Listing the catalog creates Spark's warehouse folder, by default in the working directory.
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    options = ("-XX:TieredStopAtLevel=1", f"-Dspark.sql.warehouse.dir={warehouse}")
    session = start_session(threads=2, java_options=options)
    yield session
    session.stop()


# Variants of a few companies, siblings that must stay apart, a branch, short and English
# names, a homophone typo, persons with and without a shared phone, and two valid credit codes.
COMPANIES = [
    ("1", "北京字节跳动科技有限公司", "", "", ""),
    ("2", "字节跳动（北京）科技有限公司", "", "", ""),
    ("3", "北京字節跳動科技有限公司", "", "", ""),
    ("4", "北京字节跳东科技有限公司", "", "", ""),
    ("5", "北京字节跳动网络技术有限公司", "", "", ""),
    ("6", "北京字节跳动科技有限公司上海分公司", "", "", ""),
    ("7", "字节跳动", "", "", ""),
    ("8", "上海浦东发展银行股份有限公司", "", "", ""),
    ("9", "浦发银行", "", "", ""),
    ("10", "上海浦東發展銀行股份有限公司", "", "", "ir@spdb.com.cn"),
    ("11", "深圳市全新好股份有限公司", "", "", ""),
    ("12", "SHENZHEN Quanxinhao CO., LTD.", "", "", ""),
    ("13", "腾讯科技（深圳）有限公司", "", "0755-86013388", ""),
    ("14", "腾讯科技(深圳)有限公司", "", "075586013388", ""),
    ("15", "深圳市腾讯计算机系统有限公司", "", "", ""),
    ("16", "东方普拉特（北京）建筑设计有限公司", "91110113MA01GHE6XA", "", ""),
    ("17", "东方普拉特(北京)建筑设计有限公司", "91110105MA01GHN16Q", "", ""),
    ("18", "东方普拉特北京建筑设计有限公司", "", "", ""),
    ("19", "中国平安保险（集团）股份有限公司", "", "", "ir@pingan.com.cn"),
    ("20", "中国平安保险(集团)股份有限公司", "", "", "IR@pingan.com.cn"),
    ("21", "张伟", "", "13800138000", ""),
    ("22", "张伟", "", "+86 138 0013 8000", ""),
    ("23", "张伟", "", "", ""),
    ("24", "", "", "", ""),
    ("25", "ＴＣＬ科技集团股份有限公司", "", "", ""),
    ("26", "TCL科技集团股份有限公司", "", "", ""),
]
COLUMNS = ("统一社会信用代码", "电话", "邮箱")

#: (region, 字号, industry, legal form) of the companies the random file is built from.
BASES = [
    ("北京", "字节跳动", "科技", "有限公司"),
    ("上海", "浦东发展", "银行", "股份有限公司"),
    ("深圳", "腾讯", "科技", "有限公司"),
    ("深圳市", "全新好", "", "股份有限公司"),
    ("杭州", "阿里巴巴", "网络技术", "有限公司"),
    ("广州", "视源", "电子科技", "股份有限公司"),
    ("南京", "苏宁", "易购", "集团股份有限公司"),
    ("成都", "天府", "软件", "有限责任公司"),
    ("武汉", "光谷", "投资管理", "有限公司"),
    ("西安", "隆基", "绿能科技", "股份有限公司"),
]
TRADITIONAL = str.maketrans(
    "动发银软网络术电视苏宁绿资东腾讯广阳", "動發銀軟網絡術電視蘇寧綠資東騰訊廣陽"
)


def random_table(seed: int, rows: int = 200) -> InputTable:
    """Variants of a few companies: bracketed or dropped region, 繁体, spaces, no legal form,
    branches, exact repeats, and, for a few, a shared phone number."""
    rng = random.Random(seed)
    names: list[str] = []
    phones: list[str | None] = []
    for _ in range(rows):
        region, trade, industry, legal = rng.choice(BASES)
        name = rng.choice(
            [
                f"{region}{trade}{industry}{legal}",
                f"{trade}（{region}）{industry}{legal}",
                f"{trade}({region}){industry}{legal}",
                f"{trade}{industry}{legal}",
                f"{region}{trade}{industry}",
                f"{region}{trade}{industry}{legal}{rng.choice(['上海', '广州', '成都'])}分公司",
                f"{trade}",
                f"{region}{trade}{industry}{rng.choice(['有限公司', '股份有限公司'])}",
            ]
        )
        if rng.random() < 0.2:
            name = name.translate(TRADITIONAL)
        if rng.random() < 0.1:
            cut = rng.randrange(len(name) + 1)
            name = f"{name[:cut]} {name[cut:]}"
        names.append(name)
        phones.append(f"1380013{rng.randrange(10):04d}" if rng.random() < 0.15 else None)
    ids = [f"r{index:03d}" for index in range(rows)]
    return InputTable(ids, names, {"电话": phones})


def assert_same_output(
    table: InputTable, tmp_path: Path, *, roles: dict[str, str], settings: MatchSettings
) -> DedupeResult:
    duck = deduplicate(table, roles=roles, settings=settings)
    spark = deduplicate(table, roles=roles, settings=settings, engine="spark")
    assert spark.candidate_pairs == duck.candidate_pairs
    assert np.array_equal(spark.pairs.left, duck.pairs.left)
    assert np.array_equal(spark.pairs.right, duck.pairs.right)
    assert spark.clusters == duck.clusters
    for name, result in (("duckdb", duck), ("spark", spark)):
        write_clusters(result, tmp_path / f"{name}.csv")
        write_pairs(result, tmp_path / f"{name}_pairs.csv", include_different=True)
    for suffix in (".csv", "_pairs.csv"):
        duck_file = (tmp_path / f"duckdb{suffix}").read_bytes()
        assert (tmp_path / f"spark{suffix}").read_bytes() == duck_file
    return duck


# A block size of 2 makes most name blocks oversized: skipped, or linked as a star.
SETTINGS = [MatchSettings(), MatchSettings(max_block_size=2)]


@pytest.mark.usefixtures("spark")
@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "small_blocks"])
def test_handmade_file_gives_the_same_output(tmp_path: Path, settings: MatchSettings) -> None:
    ids, names, *extra = (list(column) for column in zip(*COMPANIES, strict=True))
    columns = {
        name: [value or None for value in values]
        for name, values in zip(COLUMNS, extra, strict=True)
    }
    _, roles = resolve_column_roles(list(COLUMNS))
    result = assert_same_output(
        InputTable(ids, names, columns), tmp_path, roles=roles, settings=settings
    )
    if settings.max_block_size == MatchSettings().max_block_size:
        # Not vacuous: the file has real duplicates, kept apart from their siblings.
        clusters = result.clusters
        assert clusters["1"] == clusters["2"] == clusters["3"]
        assert clusters["5"] != clusters["1"]
        assert clusters["16"] != clusters["17"]


@pytest.mark.usefixtures("spark")
@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "small_blocks"])
def test_random_variants_give_the_same_output(tmp_path: Path, settings: MatchSettings) -> None:
    table = random_table(seed=3)
    result = assert_same_output(table, tmp_path, roles={"phone": "电话"}, settings=settings)
    assert result.cluster_count < len(table) // 2


def test_candidate_pairs_are_the_same_on_both_engines(
    spark: pyspark_sql.SparkSession,
) -> None:
    """The edge cases of the join itself, in one Spark job: oversized blocks skipped, strong
    keys linked as a star, cross rules pairing a query with targets only, unknown rules."""
    both, query, target = Side.BOTH, Side.QUERY, Side.TARGET
    values: list[list[BlockingValue]] = (
        [[("core", both, "same")]] * 5
        + [[("core", both, "pair")]] * 2
        + [[("name_key", both, "k"), ("core", both, "k")]] * 6
        + [[("abbreviation", target, "浦行")], [("abbreviation", query, "浦行")]] * 2
        + [[("uscc", both, "")], [("phone", both, "138")], [("phone", both, "138")]]
    )
    rules = ("name_key", "core", "abbreviation")
    duck = candidate_pairs(values, rules=rules, max_block_size=3)
    on_spark = spark_candidate_pairs(values, rules=rules, max_block_size=3, session=spark)
    assert [a.tolist() for a in on_spark] == [a.tolist() for a in duck]
    pairs = list(zip(*(a.tolist() for a in duck), strict=True))
    star = [(7, other) for other in range(8, 13)]
    cross = [(13, 14), (13, 16), (14, 15), (15, 16)]
    assert pairs == [(5, 6), *star, *cross]
    assert spark.catalog.listTables() == []  # the caller's session keeps no view of ours


def test_nothing_to_block_needs_no_spark_job(spark: pyspark_sql.SparkSession) -> None:
    left, right = spark_candidate_pairs([[], []], rules=("core",), max_block_size=10)
    assert len(left) == len(right) == 0


def test_missing_java_is_found_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    session_class = pyspark_sql.SparkSession
    monkeypatch.setattr(session_class, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark_candidates.shutil, "which", lambda name: None)
    with pytest.raises(BatchError, match="Java 17"):
        check_spark_engine()
