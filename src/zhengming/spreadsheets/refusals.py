"""Why a file is refused: the stable ``details["reason"]`` of every ``DataFileError`` here.

The import service shows the message and may branch on the reason (offer "save as .xlsx" for
``html_table``); docs/reference/spreadsheets.md lists them and a test keeps the two identical.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from zhengming.errors import DataFileError


class Refusal(StrEnum):
    """The reasons a file cannot be read as a table."""

    EMPTY = "empty"
    UNREADABLE = "unreadable"
    HTML_TABLE = "html_table"
    NOT_A_SPREADSHEET = "not_a_spreadsheet"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    ZIP_BOMB = "zip_bomb"
    MALFORMED_CSV = "malformed_csv"
    TOO_MANY_ROWS = "too_many_rows"


def refuse(path: Path, reason: Refusal, message: str, **details: Any) -> DataFileError:
    """The error refusing ``path``; details name the file, never its directory (the server's)."""
    return DataFileError(message, details={"file": path.name, "reason": str(reason), **details})
