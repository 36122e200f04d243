"""The one clock: every stored timestamp is naive UTC, so both databases compare them alike."""

from __future__ import annotations

import datetime


def utc_now() -> datetime.datetime:
    """Now, as the naive UTC timestamp every table stores."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
