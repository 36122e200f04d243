from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhengming.batch.candidates import candidate_pairs
from zhengming.batch.dedupe import deduplicate, resolve_column_roles
from zhengming.batch.scoring import DECISIONS
from zhengming.batch.tables import read_table
from zhengming.domain.matching.blocking import BlockingValue, Side
from zhengming.entrypoints.cli import app
from zhengming.errors import (
    BatchError,
    ColumnNotFoundError,
    DataFileError,
    DuplicateIdError,
    InvalidInputError,
)

runner = CliRunner()
ROWS = [
    ("1", "北京字节跳动科技有限公司", "", ""),
    ("2", "字节跳动（北京）科技有限公司", "", ""),
    ("3", "北京字節跳動科技有限公司", "", ""),
    ("4", "北京字节跳动网络技术有限公司", "", ""),
    ("5", "深圳市全新好股份有限公司", "", ""),
    ("6", "SHENZHEN Quanxinhao CO., LTD.", "", ""),
    ("7", "", "", ""),
    ("8", "张伟", "", "13800138000"),
    ("9", "张伟", "", "+86 138 0013 8000"),
    ("12", "张伟", "", ""),
    ("13", "北京字节跳动科技有限公司上海分公司", "", ""),
    ("10", "东方普拉特（北京）建筑设计有限公司", "91110113MA01GHE6XA", ""),
    ("11", "东方普拉特(北京)建筑设计有限公司", "91110105MA01GHN16Q", ""),
]


def write_csv(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in.csv", ROWS, ("id", "name", "统一社会信用代码", "电话"))


def clusters_of(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row["cluster_id"] for row in csv.DictReader(handle)}


def test_dedupe_clusters_variants_and_keeps_siblings_apart(sample: Path) -> None:
    table = read_table(
        sample, id_column="id", name_column="name", columns=("统一社会信用代码", "电话")
    )
    _, roles = resolve_column_roles(["统一社会信用代码", "电话"])
    result = deduplicate(table, roles=roles)
    clusters = result.clusters
    assert clusters["1"] == clusters["2"] == clusters["3"] == "1"
    assert clusters["4"] == "4"  # 网络技术: another legal entity
    # An English name meets its Chinese name through the 字号's pinyin: on that evidence alone
    # the pair is `likely`, and the English name, an alias, joins its one matching customer.
    assert clusters["5"] == clusters["6"]
    ids = result.ids
    decisions = {
        (ids[a], ids[b]): DECISIONS[d].value
        for a, b, d in zip(
            result.pairs.left.tolist(),
            result.pairs.right.tolist(),
            result.pairs.decision.tolist(),
            strict=True,
        )
    }
    assert decisions[("5", "6")] == "likely"
    assert clusters["7"] == "7"  # an empty name is its own row
    assert clusters["8"] == clusters["9"]  # same person: same name and mobile number
    assert clusters["12"] == "12"  # a namesake without a matching identifier stays apart
    assert clusters["13"] == "13"  # a branch is related to its head office, never merged
    assert clusters["10"] != clusters["11"]  # two different valid credit codes never merge
    assert result.candidate_pairs >= 5


def test_cli_writes_output_pairs_and_settings(sample: Path, tmp_path: Path) -> None:
    out, pairs = tmp_path / "out.csv", tmp_path / "pairs.csv"
    args = ["dedupe", str(sample), "--id-column", "id", "--name-column", "name"]
    args += ["--column", "uscc=统一社会信用代码", "--column", "phone=电话"]
    args += ["--output", str(out), "--pairs", str(pairs), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["rows"] == len(ROWS)
    assert list(clusters_of(out)) == [row[0] for row in ROWS]
    with pairs.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["id_a", "id_b", "probability", "decision", "evidence"]
    assert json.loads((tmp_path / "out.settings.json").read_text())["prior_weight"] < 0


def test_output_is_deterministic(sample: Path, tmp_path: Path) -> None:
    reversed_input = write_csv(tmp_path / "rev.csv", ROWS[::-1], ("id", "name", "c", "p"))
    first = deduplicate(read_table(sample, id_column="id", name_column="name")).clusters
    second = deduplicate(read_table(reversed_input, id_column="id", name_column="name")).clusters
    assert first == second


@pytest.mark.parametrize("rows", [[], [("1", "北京字节跳动科技有限公司")]])
def test_zero_and_one_row_files(tmp_path: Path, rows: list[tuple[str, ...]]) -> None:
    path = write_csv(tmp_path / "in.csv", rows, ("id", "name"))
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        ["dedupe", str(path), "--id-column", "id", "--name-column", "name", "--output", str(out)],
    )
    assert result.exit_code == 0
    assert clusters_of(out) == {row[0]: row[0] for row in rows}


def test_missing_column(sample: Path) -> None:
    with pytest.raises(ColumnNotFoundError) as info:
        read_table(sample, id_column="id", name_column="公司名称")
    assert info.value.details["missing"] == ["公司名称"]


def test_duplicate_ids(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [("1", "甲"), ("1", "乙")], ("id", "name"))
    with pytest.raises(DuplicateIdError):
        read_table(path, id_column="id", name_column="name")


def test_empty_ids(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [("", "甲")], ("id", "name"))
    with pytest.raises(InvalidInputError):
        read_table(path, id_column="id", name_column="name")


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,name\n1,北京字节跳动科技有限公司\n".encode("gbk"))
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "dedupe",
            str(path),
            "--id-column",
            "id",
            "--name-column",
            "name",
            "--output",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["code"] == "data_file.invalid"
    assert not out.exists()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError):
        read_table(tmp_path / "nope.csv", id_column="id", name_column="name")


def test_unknown_column_role() -> None:
    with pytest.raises(InvalidInputError):
        resolve_column_roles(["fax=传真"])


def test_interrupted_write_leaves_no_output(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zhengming.batch.dedupe as dedupe_module

    def explode(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(dedupe_module.csv, "writer", explode)
    out = tmp_path / "out.csv"
    result = deduplicate(read_table(sample, id_column="id", name_column="name"))
    with pytest.raises(KeyboardInterrupt):
        dedupe_module.write_clusters(result, out)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.*"))


def test_excel_input(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编号", "客户名称"])
    sheet.append([1, "北京字节跳动科技有限公司"])
    sheet.append([2, "字节跳动（北京）科技有限公司"])
    path = tmp_path / "in.xlsx"
    workbook.save(path)
    table = read_table(path, id_column="编号", name_column="客户名称")
    assert table.ids == ["1", "2"]
    assert deduplicate(table).clusters == {"1": "1", "2": "1"}


def pairs_of(
    values: list[list[BlockingValue]], rules: tuple[str, ...], size: int
) -> list[tuple[int, int]]:
    left, right = candidate_pairs(values, rules=rules, max_block_size=size)
    return list(zip(left.tolist(), right.tolist(), strict=True))


def test_candidate_pairs_skip_oversized_blocks() -> None:
    same: list[BlockingValue] = [("core", Side.BOTH, "same")]
    pair: list[BlockingValue] = [("core", Side.BOTH, "pair")]
    values = [same] * 5 + [pair, pair]
    assert pairs_of(values, ("core",), 4) == [(5, 6)]
    assert len(pairs_of(values, ("core",), 10)) == 10 + 1
    assert pairs_of(values, ("name_key",), 10) == []


def test_cross_rules_pair_query_with_target_only() -> None:
    query: list[BlockingValue] = [("abbreviation", Side.QUERY, "浦行")]
    target: list[BlockingValue] = [("abbreviation", Side.TARGET, "浦行")]
    values = [target, query, target, query]
    assert pairs_of(values, ("abbreviation",), 10) == [(0, 1), (0, 3), (1, 2), (2, 3)]


def test_parallel_analysis_gives_the_same_clusters(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zhengming.batch.dedupe as dedupe_module

    table = read_table(sample, id_column="id", name_column="name")
    serial = deduplicate(table, workers=1).clusters
    monkeypatch.setattr(dedupe_module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(dedupe_module, "_CHUNK", 3)
    assert deduplicate(table, workers=2).clusters == serial


def test_bad_match_settings_are_a_clear_error(sample: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"prior_weight": "high"}')
    out = tmp_path / "out.csv"
    args = ["dedupe", str(sample), "--id-column", "id", "--name-column", "name"]
    result = runner.invoke(
        app, [*args, "--output", str(out), "--settings", str(settings), "--json"]
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["code"] == "settings.invalid"
    assert not out.exists()


def test_saved_settings_can_be_used_again(sample: Path, tmp_path: Path) -> None:
    args = ["dedupe", str(sample), "--id-column", "id", "--name-column", "name"]
    first = runner.invoke(app, [*args, "--output", str(tmp_path / "a.csv")])
    assert first.exit_code == 0
    saved = tmp_path / "a.settings.json"
    second = runner.invoke(
        app, [*args, "--output", str(tmp_path / "b.csv"), "--settings", str(saved)]
    )
    assert second.exit_code == 0
    assert clusters_of(tmp_path / "a.csv") == clusters_of(tmp_path / "b.csv")


def test_output_files_follow_the_umask(sample: Path, tmp_path: Path) -> None:
    import os
    import stat

    out = tmp_path / "out.csv"
    args = [
        "dedupe",
        str(sample),
        "--id-column",
        "id",
        "--name-column",
        "name",
        "--output",
        str(out),
    ]
    previous = os.umask(0o022)
    try:
        assert runner.invoke(app, args).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_oversized_blocks_of_strong_keys_are_linked_as_a_star() -> None:
    same: list[BlockingValue] = [("name_key", Side.BOTH, "k")]
    pairs = pairs_of([same] * 6, ("name_key",), 3)
    assert pairs == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]


def test_analysis_restores_the_garbage_collector() -> None:
    import gc

    from zhengming.batch.dedupe import analyse_distinct

    assert gc.isenabled()
    analyse_distinct([("北京字节跳动科技有限公司", None)], workers=1)
    assert gc.isenabled()
    gc.disable()
    try:
        analyse_distinct([("北京字节跳动科技有限公司", None)], workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


# The engine checks below need no Spark, so they live here and run without the `spark` extra;
# the agreement of the two engines is tested in test_spark_engine.py.


def test_unknown_engine_is_a_clear_error(sample: Path) -> None:
    table = read_table(sample, id_column="id", name_column="name")
    with pytest.raises(InvalidInputError) as info:
        deduplicate(table, engine="postgres")
    assert info.value.details["engines"] == ["duckdb", "spark"]


def test_missing_pyspark_fails_before_any_work(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes `import pyspark` fail
    stages: list[str] = []
    table = read_table(sample, id_column="id", name_column="name")
    with pytest.raises(BatchError) as info:
        deduplicate(table, engine="spark", progress=lambda stage, *_: stages.append(stage))
    assert "pip install 'zhengming[spark]'" in info.value.message
    assert stages == []


def test_importing_the_batch_package_does_not_import_pyspark() -> None:
    code = "import sys, zhengming.batch.dedupe; sys.exit('pyspark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
