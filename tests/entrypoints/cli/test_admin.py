"""Running an installation: db upgrade/current, serve, demo; and help for every command."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.core
from stdnum.cn import uscc

from tests.support.cli import run, runner
from zhengming.domain.names import lexicon
from zhengming.entrypoints.cli import app
from zhengming.services.demo import synthetic


def _command_paths(group: typer.core.TyperGroup, prefix: list[str]) -> list[list[str]]:
    ctx = typer.Context(group)
    paths: list[list[str]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append([*prefix, name])
        if isinstance(command, typer.core.TyperGroup):
            paths += _command_paths(command, [*prefix, name])
    return paths


def _all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    return _command_paths(root, [])


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert len(result.stdout.split()) > 10


def test_db_upgrade_and_current(db: str) -> None:
    before = run(db, "db", "current")
    assert before["revision"] is None
    assert before["up_to_date"] is False
    upgraded = run(db, "db", "upgrade")
    assert upgraded["from"] is None
    assert upgraded["revision"] == before["head"]
    assert run(db, "db", "upgrade")["from"] == upgraded["revision"]  # idempotent
    assert run(db, "db", "current")["up_to_date"] is True


@pytest.mark.parametrize("command", ["upgrade", "current"])
def test_an_unreachable_database_is_a_storage_error_without_the_password(command: str) -> None:
    url = "postgresql+psycopg://crm:secret@127.0.0.1:1/x?connect_timeout=2"
    result = runner.invoke(app, ["db", command, "--db", url, "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["code"] == "storage.failed"
    assert "secret" not in result.stdout


def test_serve_runs_the_server_factory_with_the_database(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append((args, kwargs)))
    # Set first so that monkeypatch restores the environment after the command changed it.
    monkeypatch.setenv("ZHENGMING_DATABASE_URL", "sqlite:///placeholder.db")
    result = runner.invoke(app, ["serve", "--port", "8765", "--db", db])
    assert result.exit_code == 0, result.output
    assert calls == [
        (
            ("zhengming.entrypoints.server:create_server",),
            {"factory": True, "host": "127.0.0.1", "port": 8765},
        )
    ]
    assert os.environ["ZHENGMING_DATABASE_URL"] == db


def test_demo_loads_invented_companies_once(db: str) -> None:
    loaded = run(db, "demo", "--source", "synthetic", "--size", "20")
    assert loaded["source"] == "synthetic"
    assert loaded["added"] + loaded["duplicates"] + loaded["possible_duplicates"] == 20
    assert loaded["added"] >= 19
    assert run(db, "customers", "list", "--tag", "demo")["total"] == loaded["added"]
    # The second run finds customers and loads nothing.
    again = run(db, "demo", "--source", "synthetic", "--size", "20")
    assert (again["skipped"], again["added"], again["existing"]) == (True, 0, loaded["added"])
    # --force loads anyway: the same seeded companies, now refused as duplicates.
    forced = run(db, "demo", "--source", "synthetic", "--size", "3", "--force")
    assert (forced["added"], forced["duplicates"]) == (0, 3)
    # What was loaded can be searched and checked, as the command suggests.
    example = loaded["examples"][0]
    assert run(db, "search", example)["items"][0]["matched_name"]["name"] == example
    assert run(db, "check", example)["candidates"][0]["decision"] in {"same", "likely"}


def test_demo_for_people_says_what_it_did(db: str) -> None:
    first = runner.invoke(app, ["demo", "--source", "synthetic", "--size", "3", "--db", db])
    assert first.exit_code == 0
    assert "loaded 3 of 3 invented companies" in first.stdout
    second = runner.invoke(app, ["demo", "--source", "synthetic", "--size", "3", "--db", db])
    assert second.exit_code == 0
    assert "already has 3 customers" in second.stderr


def test_demo_size_comes_from_the_settings(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGMING_DEMO_SIZE", "2")
    assert run(db, "demo", "--source", "synthetic")["requested"] == 2


def test_demo_listed_companies_need_the_development_data(db: str, tmp_path: Path) -> None:
    missing = run(db, "demo", "--source", "listed", "--shared-data", str(tmp_path), code=1)
    assert missing["code"] == "data_file.invalid"


@pytest.mark.shared_data
def test_demo_loads_real_listed_companies(db: str, shared_data: Path) -> None:
    loaded = run(
        db, "demo", "--source", "listed", "--size", "12", "--shared-data", str(shared_data)
    )
    assert loaded["source"] == "listed"
    assert loaded["added"] >= 10
    assert run(db, "search", "平安银行")["items"][0]["name"] == "平安银行股份有限公司"
    # 000004 was renamed: its former name finds it, with the date it had changed by.
    hit = run(db, "search", "深圳中国农大科技股份有限公司")["items"][0]
    assert hit["name"] == "深圳国华网安科技股份有限公司"
    assert hit["matched_name"]["type"] == "former"
    assert hit["matched_name"]["valid_to"]


def test_invented_companies_are_deterministic_and_well_formed() -> None:
    companies = synthetic.synthetic_companies(300)
    assert synthetic.synthetic_companies(30) == companies[:30]
    assert len({company.name for company in companies}) == 300
    assert all(company.uscc and uscc.is_valid(company.uscc) for company in companies)
    # The credit code's division code is the company's region.
    assert all(company.uscc and company.uscc[2:8] == company.region_code for company in companies)
    assert any("分公司" in company.name for company in companies)
    assert any(alias.type == "former" for company in companies for alias in company.aliases)


def test_the_shipped_word_list_and_its_attribution() -> None:
    words = synthetic.brand_words()
    assert 2500 <= len(words) <= 3500
    assert len(set(words)) == len(words)
    folder = Path(synthetic.__file__).resolve().parents[2] / "demo_data"
    assert "Apache-2.0" in (folder / "ATTRIBUTION.md").read_text(encoding="utf-8")
    # The industry words invented names use are the name pipeline's own.
    assert set(synthetic.INDUSTRIES) <= set(lexicon.industry_words())
    forms = {form for form, _class, _script in lexicon.legal_forms()}
    assert all(form in forms or form == "集团有限公司" for form, _ in synthetic.LEGAL_FORMS)
