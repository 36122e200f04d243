"""A record as the matcher sees it: an analysed name and the identifiers that came with it."""

from __future__ import annotations

from dataclasses import dataclass

from zhengming.domain.names import NameAnalysis


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """An analysed name plus normalized contact identifiers (E.164 phone, lower-case e-mail).

    The USCC lives on the analysis (``analysis.uscc``) because the name's rules check it.
    """

    analysis: NameAnalysis
    phone: str | None = None
    email: str | None = None
