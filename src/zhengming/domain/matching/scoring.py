"""Scoring: comparison levels -> match weights -> a probability, a decision and the evidence.

Weights are Fellegi–Sunter log2 Bayes factors, log2(m/u), added to a prior (see settings.py for
the defaults and how they are saved). A probability is 1 / (1 + 2^-(prior + sum of weights)).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zhengming.domain.matching.comparisons import Comparison
from zhengming.domain.matching.settings import MatchSettings


class Decision(StrEnum):
    """What a match means for the registry."""

    SAME = "same"  # the same customer: block a new registration
    LIKELY = "likely"  # probably the same: ask for a reason before saving
    RELATED = "related"  # a branch of, or the head office of: link, never merge
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One comparison's contribution to a match: its level and weight."""

    comparison: str
    level: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "level": self.level, "weight": self.weight}


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The verdict on a pair of names: probability, decision and why."""

    probability: float
    decision: Decision
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{probability, decision, evidence:[{comparison, level, weight}]}`` (DESIGN.md §6)."""
        return {
            "probability": round(self.probability, 6),
            "decision": self.decision.value,
            "evidence": [item.to_dict() for item in self.evidence],
        }


def score(
    comparisons: list[Comparison], settings: MatchSettings, *, individuals: bool = False
) -> MatchResult:
    """Add the weights of the levels reached, turn them into a probability and a decision.

    ``individuals``: both records are people, whose names prove less (see
    ``MatchSettings.person_name_weight_cap``).
    """

    def weight(comparison: Comparison) -> float:
        value = settings.weights[comparison.comparison][comparison.level]
        if individuals and comparison.comparison == "name":
            return max(
                min(value, settings.person_name_weight_cap), settings.person_name_weight_floor
            )
        return value

    evidence = tuple(Evidence(c.comparison, c.level, weight(c)) for c in comparisons)
    total = settings.prior_weight + sum(item.weight for item in evidence)
    probability = 1.0 / (1.0 + 2.0 ** (-total))
    levels = {item.comparison: item.level for item in evidence}
    name_agrees = levels.get("name") not in {"different", "same_trade_name", None}
    if levels.get("uscc") == "conflict":
        decision = Decision.DIFFERENT
    elif levels.get("branch") in {"head_and_branch", "different_branches"} and name_agrees:
        decision = Decision.RELATED
    elif probability >= settings.same_threshold:
        decision = Decision.SAME
    elif probability >= settings.likely_threshold:
        decision = Decision.LIKELY
    else:
        decision = Decision.DIFFERENT
    return MatchResult(probability, decision, evidence)
