"""The CLI under test never touches the user's data directory or the caller's database."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGMING_DATA_DIR", str(tmp_path / "data"))
    for name in ("ZHENGMING_DATABASE_URL", "ZHENGMING_DEMO_SIZE", "ZHENGMING_SHARED_DATA"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """``--db`` URL of an empty SQLite file."""
    return f"sqlite:///{tmp_path / 'cli.db'}"
