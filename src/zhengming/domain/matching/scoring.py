"""Scoring: comparison levels -> match weights -> a probability, a decision and the evidence.

Weights are Fellegi–Sunter log2 Bayes factors, log2(m/u), added to a prior. The default weights
below are set by hand from the structure of Chinese company names; the matching issue replaces
them with weights estimated on data (EM, term-frequency adjusted) through the same settings
object, so callers do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zhengming.domain.matching.comparisons import Comparison


class Decision(StrEnum):
    """What a match means for the registry."""

    SAME = "same"  # the same customer: block a new registration
    LIKELY = "likely"  # probably the same: ask for a reason before saving
    RELATED = "related"  # a branch of, or the head office of: link, never merge
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Weights per comparison level, the prior and the decision thresholds."""

    prior_weight: float = -8.0
    same_threshold: float = 0.99
    likely_threshold: float = 0.80
    weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "uscc": {"equal": 24.0, "missing": 0.0, "conflict": -30.0},
            "name": {
                "exact": 14.0,
                "same_key": 13.0,
                "same_core": 10.0,
                "same_pinyin": 9.0,
                "abbreviation": 10.0,
                "english_pinyin": 10.0,
                "similar": 5.0,
                "same_trade_name": 3.0,
                "different": -14.0,
            },
            "region": {"equal": 2.0, "compatible": 0.5, "missing": 0.0, "conflict": -8.0},
            "legal_form": {"equal": 1.0, "compatible": 0.0, "missing": 0.0, "conflict": -4.0},
            "branch": {
                "none": 0.0,
                "same_branch": 1.0,
                "head_and_branch": 0.0,
                "different_branches": -10.0,
            },
        }
    )


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


def score(comparisons: list[Comparison], settings: MatchSettings) -> MatchResult:
    """Add the weights of the levels reached, turn them into a probability and a decision."""
    evidence = tuple(
        Evidence(c.comparison, c.level, settings.weights[c.comparison][c.level])
        for c in comparisons
    )
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
