"""Options several commands share, and what they open: settings, services, validated input.

Every command that touches the database takes ``--db URL``; without it the settings decide
(``ZHENGMING_DATABASE_URL``, else the SQLite file in the data directory). The command line acts
as :data:`~zhengming.domain.customer.SYSTEM`, the operator of the installation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from zhengming.bootstrap import Services, build_services
from zhengming.errors import InvalidInputError, SettingsError
from zhengming.settings import Settings

Model = TypeVar("Model", bound=BaseModel)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of problem messages: zh or en.")]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Naming-rule settings (JSON file).", dir_okay=False),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL (SQLAlchemy), e.g. sqlite:///zhengming.db or "
        "postgresql+psycopg://user@host/db. Default: ZHENGMING_DATABASE_URL, else the SQLite "
        "file in the data directory.",
        show_default=False,
    ),
]


def load_settings(db: str | None = None) -> Settings:
    """The installation's settings from the environment, with ``--db`` taking precedence."""
    try:
        return Settings(database_url=db) if db else Settings()
    except ValidationError as exc:
        raise SettingsError(
            f"设置无效 / invalid settings: {_first_error(exc)}",
            details={"errors": json.loads(exc.json(include_url=False))},
        ) from exc


@contextmanager
def open_services(db: str | None, *, upgrade: bool = True) -> Iterator[Services]:
    """The services on the chosen database, closed when the command ends.

    ``upgrade`` applies pending migrations first, as every front door does (bootstrap's
    default): a new installation works from its first command.
    """
    services = build_services(load_settings(db), upgrade=upgrade)
    try:
        yield services
    finally:
        services.close()


def command_input(model: type[Model], **fields: Any) -> Model:
    """A service command built from options; invalid values are the error ``input.invalid``."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInputError(
            f"输入无效 / invalid input: {_first_error(exc)}",
            details={"errors": json.loads(exc.json(include_url=False))},
        ) from exc


def _first_error(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])
