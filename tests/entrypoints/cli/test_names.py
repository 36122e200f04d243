"""normalize and match: names alone, no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhengming.entrypoints.cli import app

runner = CliRunner()


def test_normalize_json_shape() -> None:
    result = runner.invoke(app, ["normalize", "字節跳動(北京)科技有限公司", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"input", "standard_name", "kind", "parts", "name_key", "problems"}
    assert {"region", "trade_name", "industry", "legal_form", "branch"} <= set(data["parts"])
    assert data["standard_name"] == "字节跳动（北京）科技有限公司"
    assert all(set(p) == {"code", "severity", "message", "suggestion"} for p in data["problems"])


@pytest.mark.parametrize("name", ["", "   ", "😀😀", "公" * 10_000])
def test_unusable_names_exit_2_without_traceback(name: str) -> None:
    result = runner.invoke(app, ["normalize", name, "--json"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert json.loads(result.stdout)["problems"][0]["severity"] == "error"


@pytest.mark.parametrize("name", ["王总", "<script>alert(1)</script>", "Robert'); DROP TABLE x;--"])
def test_odd_but_usable_names_exit_0(name: str) -> None:
    result = runner.invoke(app, ["normalize", name, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["problems"]


def test_normalize_reads_stdin_as_json_lines() -> None:
    result = runner.invoke(
        app, ["normalize", "-", "--json"], input="王总\n北京字节跳动科技有限公司\n"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["unknown", "company"]
    assert result.exit_code == 0


def test_stdin_with_an_unusable_line_exits_2() -> None:
    result = runner.invoke(app, ["normalize", "-"], input="北京字节跳动科技有限公司\n\n")
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2


def test_english_messages() -> None:
    result = runner.invoke(app, ["normalize", "王总", "--json", "--lang", "en"])
    assert "form of address" in json.loads(result.stdout)["problems"][0]["message"]


def test_match_json_shape_and_decision() -> None:
    result = runner.invoke(
        app, ["match", "北京字节跳动科技有限公司", "字节跳动（北京）科技有限公司", "--json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["decision"] == "same"
    assert set(data) == {"probability", "decision", "evidence"}


def test_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"disabled": ["name.traditional_characters"]}))
    result = runner.invoke(
        app, ["normalize", "字節跳動科技有限公司", "--json", "--rules", str(rules)]
    )
    codes = [p["code"] for p in json.loads(result.stdout)["problems"]]
    assert "name.traditional_characters" not in codes


def test_bad_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text('{"disabled": ["no.such.rule"]}')
    result = runner.invoke(app, ["normalize", "x", "--json", "--rules", str(rules)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["code"] == "settings.invalid"


def test_demo_shows_the_pipeline_without_a_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--show-pipeline"])
    assert result.exit_code == 0
    assert "浦东发展" in result.stdout
    assert not (tmp_path / "data").exists()  # the data directory was not even created


def test_python_dash_m_runs_the_cli_without_the_api_or_the_server() -> None:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "zhengming", "normalize", "王总", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["kind"] == "unknown"
    # -X importtime lists every module imported: front doors stay apart, startup stays light.
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
    assert "zhengming.entrypoints.cli" in imported
    assert not {m for m in imported if m.startswith(("zhengming.entrypoints.api", "uvicorn"))}
