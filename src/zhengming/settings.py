"""Installation settings, read from the environment (prefix ``ZHENGMING_``) or passed in code.

Nothing is read at import time: ``Settings()`` reads the environment when called, and
``zhengming.bootstrap`` builds the services from one ``Settings`` object.

Example:
    ``ZHENGMING_DATABASE_URL=postgresql+psycopg://crm@db/zhengming zhengming serve``
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

import platformdirs
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhengming.errors import SettingsError

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)

#: Placeholders a customer-number pattern may use.
NUMBER_FIELDS = ("{yyyy}", "{yy}", "{mm}", "{dd}", "{seq}")
_SEQ = re.compile(r"\{seq(?::0?(\d+)d)?\}")


def default_data_dir() -> Path:
    """Where the embedded database and backups live (platformdirs' user data directory)."""
    return Path(platformdirs.user_data_dir("zhengming", appauthor=False))


class Settings(BaseSettings):
    """Every setting of an installation; see docs/reference/settings.md."""

    model_config = SettingsConfigDict(env_prefix="ZHENGMING_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default_factory=default_data_dir, description="数据目录 / data directory"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite file zhengming.db in the data directory",
    )
    customer_number_pattern: str = Field(
        default="C{yyyy}{mm}-{seq:06d}",
        description="客户编号格式 / customer number pattern: {yyyy} {yy} {mm} {dd} {seq:0Nd}",
    )
    host: str = Field(default="127.0.0.1", description="address `serve` listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="port `serve` listens on")
    rules_file: Path | None = Field(default=None, description="naming-rule settings JSON")
    match_settings_file: Path | None = Field(default=None, description="MatchSettings JSON")
    demo_size: int = Field(default=3000, ge=0, description="companies `demo` loads")
    merge_limit: int = Field(default=10, ge=2, le=100, description="most records one merge joins")
    scan_time: str = Field(
        default="02:00",
        pattern=r"^(|([01]\d|2[0-3]):[0-5]\d)$",
        description="local time (HH:MM) of the nightly duplicate scan `serve` runs; empty: none",
    )
    scan_auto_merge: bool = Field(
        default=False,
        description="let scans merge identity-certain duplicates (same valid credit code, or "
        "the same full name and region)",
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1024, description="largest API body")
    max_upload_bytes: int = Field(
        default=100_000_000,
        ge=1024,
        description="largest file upload (POST /api/v1/imports); larger files answer 413",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="signs web sessions; default: a random key kept in data_dir/secret_key",
    )
    secure_cookies: bool = Field(
        default=False, description="send the session cookie over https only (behind TLS)"
    )
    time_zone: str = Field(default="Asia/Shanghai", description="time zone pages show times in")
    trust_user_header: bool = Field(
        default=False,
        description="take the acting user from X-Zhengming-User/-Team/-Scope headers set by an "
        "authenticating reverse proxy (never enable without one)",
    )

    @field_validator("customer_number_pattern")
    @classmethod
    def _has_sequence(cls, pattern: str) -> str:
        if not _SEQ.search(pattern):
            raise ValueError("the customer number pattern needs a {seq} or {seq:06d} placeholder")
        rest = _SEQ.sub("", pattern)
        for placeholder in NUMBER_FIELDS:
            rest = rest.replace(placeholder, "")
        if "{" in rest or "}" in rest:
            raise ValueError(f"unknown placeholder in customer number pattern: {pattern}")
        return pattern

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'zhengming.db'}"


def load_settings_file(path: Path, model: type[SettingsModel], what: str) -> SettingsModel:
    """A settings model from a JSON file; unreadable or invalid files are SettingsErrors."""
    try:
        return model.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise SettingsError(
            f"无法读取设置文件 / cannot read {what}: {path}", details={"path": str(path)}
        ) from exc
    except ValidationError as exc:
        raise SettingsError(
            f"设置文件无效 / invalid {what}: {path}",
            details={"path": str(path), "errors": json.loads(exc.json())},
        ) from exc
