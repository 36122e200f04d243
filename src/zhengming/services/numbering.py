"""Customer numbers (客户编号) from a configurable pattern, e.g. ``C{yyyy}{mm}-{seq:06d}``.

The sequence is one database counter incremented inside the registering transaction, so numbers
are unique even when the pattern's date part changes; the unique index on the number is the
last line of defence.
"""

from __future__ import annotations

import datetime


def format_customer_number(pattern: str, sequence: int, today: datetime.date) -> str:
    """The customer number for ``sequence`` registered on ``today``.

    Example:
        >>> format_customer_number("C{yyyy}{mm}-{seq:06d}", 123, datetime.date(2026, 11, 23))
        'C202611-000123'
    """
    return pattern.format(
        yyyy=f"{today.year:04d}",
        yy=f"{today.year % 100:02d}",
        mm=f"{today.month:02d}",
        dd=f"{today.day:02d}",
        seq=sequence,
    )
