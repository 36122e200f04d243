"""A record as the matcher sees it: an analysed name and the identifiers that came with it.

Identifiers arrive as whatever a spreadsheet holds; the normalizers here give each the one form
comparisons use (a birth date as YYYYMMDD, codes without spaces or dashes, folded addresses).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from zhengming.domain.names import NameAnalysis
from zhengming.domain.names.normalize import fold_for_key

_DATE = re.compile(r"(\d{4})\D{0,3}(\d{1,2})\D{0,3}(\d{1,2})")
_NOT_CODE = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """An analysed name plus normalized identifiers (E.164 phone, lower-case e-mail, ...).

    The USCC lives on the analysis (``analysis.uscc``) because the name's rules check it.
    """

    analysis: NameAnalysis
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    birth_date: str | None = None
    address: str | None = None
    postcode: str | None = None


def normalize_code(value: str | None) -> str | None:
    """An ID number or postcode: letters and digits only, upper case (110105-1949 → 1101051949)."""
    if not value:
        return None
    code = _NOT_CODE.sub("", unicodedata.normalize("NFKC", value).upper())
    return code or None


def normalize_birth_date(value: str | None) -> str | None:
    """A date as YYYYMMDD: 1956-4-9, 1956年4月9日, 19560409 and 1956/04/09 are one date.

    Example:
        >>> normalize_birth_date("1956年4月9日"), normalize_birth_date("19560409")
        ('19560409', '19560409')
    """
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.search(text)
    if match:
        year, month, day = match.groups()
        return f"{year}{int(month):02d}{int(day):02d}"
    digits = re.sub(r"\D", "", text)
    return digits or None


def normalize_address(value: str | None) -> str | None:
    """An address folded for comparison: simplified, case-folded, no spaces or punctuation."""
    if not value:
        return None
    return fold_for_key(value) or None
