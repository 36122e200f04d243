"""Matching: are two customer names the same customer, and why."""

from zhengming.domain.matching.comparisons import LEVELS, Comparison, compare_all, is_person_pair
from zhengming.domain.matching.records import MatchRecord
from zhengming.domain.matching.scoring import Decision, Evidence, MatchResult, score
from zhengming.domain.matching.settings import MatchSettings
from zhengming.domain.names import NameAnalysis

__all__ = [
    "LEVELS",
    "Comparison",
    "Decision",
    "Evidence",
    "MatchRecord",
    "MatchResult",
    "MatchSettings",
    "match_analyses",
    "match_records",
]

_DEFAULT_SETTINGS = MatchSettings()


def match_records(
    a: MatchRecord, b: MatchRecord, *, settings: MatchSettings | None = None
) -> MatchResult:
    """Compare two records (names with their identifiers) and score the comparisons."""
    people = is_person_pair(a.analysis, b.analysis)
    return score(compare_all(a, b), settings or _DEFAULT_SETTINGS, individuals=people)


def match_analyses(
    a: NameAnalysis, b: NameAnalysis, *, settings: MatchSettings | None = None
) -> MatchResult:
    """Compare two analysed names and score the comparisons."""
    return match_records(MatchRecord(a), MatchRecord(b), settings=settings)
