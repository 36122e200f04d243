"""Matching: are two customer names the same customer, and why."""

from zhengming.domain.matching.comparisons import LEVELS, Comparison, compare_all
from zhengming.domain.matching.scoring import (
    Decision,
    Evidence,
    MatchResult,
    MatchSettings,
    score,
)
from zhengming.domain.names import NameAnalysis

__all__ = [
    "LEVELS",
    "Comparison",
    "Decision",
    "Evidence",
    "MatchResult",
    "MatchSettings",
    "match_analyses",
]

_DEFAULT_SETTINGS = MatchSettings()


def match_analyses(
    a: NameAnalysis, b: NameAnalysis, *, settings: MatchSettings | None = None
) -> MatchResult:
    """Compare two analysed names and score the comparisons."""
    return score(compare_all(a, b), settings or _DEFAULT_SETTINGS)
