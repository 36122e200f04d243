"""Match settings: the whole match model as data, saved as JSON with every batch run.

One :class:`MatchSettings` drives the real-time check and the batch executors alike, so a
decision made while a rep types is the decision the nightly scan makes. Settings are *described*
here and *run* by the executors (Splink's split between SettingsCreator and the linker).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhengming.domain.matching.blocking import BLOCKING_RULES
from zhengming.domain.matching.comparisons import LEVELS


def _default_weights() -> dict[str, dict[str, float]]:
    """log2 Bayes factors per comparison level, set from the structure of Chinese names and
    calibrated on bench/dedup_accuracy.py (same core and homophones cluster even with the
    region or legal form dropped; abbreviations and English names stay `likely` for review)."""
    return {
        "uscc": {"equal": 24.0, "missing": 0.0, "conflict": -30.0},
        "name": {
            "exact": 14.0,
            "same_key": 13.0,
            "same_core": 12.0,
            "same_pinyin": 11.0,
            "abbreviation": 10.0,
            "english_pinyin": 9.0,
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
        "contact": {
            "phone_and_email": 12.0,
            "phone": 8.0,
            "email": 8.0,
            "missing": 0.0,
            "different": -1.0,
        },
        "id_number": {"equal": 12.0, "close": 6.0, "missing": 0.0, "different": -8.0},
        "birth_date": {"equal": 7.0, "close": 3.0, "missing": 0.0, "different": -6.0},
        "address": {"equal": 5.0, "similar": 3.0, "missing": 0.0, "different": -2.0},
        "postcode": {"equal": 3.0, "missing": 0.0, "different": -2.0},
    }


class MatchSettings(BaseModel):
    """The match model: weights per comparison level, prior, thresholds, blocking, clustering.

    Example:
        >>> settings = MatchSettings()
        >>> MatchSettings.model_validate_json(settings.model_dump_json()) == settings
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prior_weight: float = Field(default=-8.0, description="log2 prior odds that two records match")
    same_threshold: float = Field(default=0.99, gt=0, lt=1, description="probability for `same`")
    likely_threshold: float = Field(
        default=0.80, gt=0, lt=1, description="probability for `likely`"
    )
    weights: dict[str, dict[str, float]] = Field(default_factory=_default_weights)
    blocking_rules: tuple[str, ...] = Field(
        default=BLOCKING_RULES, description="rules that make a pair a candidate (any of them)"
    )
    max_block_size: int = Field(
        default=100,
        ge=2,
        description="blocks larger than this are skipped for that key (a common 字号 such as "
        "中国 or 华为 proves little); other keys still compare their members",
    )
    cluster_threshold: float = Field(
        default=0.9, gt=0, lt=1, description="probability at which two records join one cluster"
    )
    chain_threshold: float = Field(
        default=0.99, gt=0, lt=1, description="edges that keep a too-large cluster together"
    )
    max_cluster_size: int = Field(default=200, ge=2, description="larger clusters are re-split")
    person_name_weight_cap: float = Field(
        default=6.0,
        description="most a name can prove when both records are individuals: many people share "
        "a name (张伟), so a phone, e-mail or ID number must agree too",
    )
    person_name_weight_floor: float = Field(
        default=-6.0,
        description="least a name can count when both records are individuals: names are typed "
        "with typos and nicknames, so identifiers that agree can outweigh a differing name",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        for comparison, levels in LEVELS.items():
            missing = set(levels) - set(self.weights.get(comparison, {}))
            if missing:
                raise ValueError(f"weights for {comparison} lack levels {sorted(missing)}")
        unknown = set(self.blocking_rules) - set(BLOCKING_RULES)
        if unknown:
            raise ValueError(f"unknown blocking rules {sorted(unknown)}")
        if self.likely_threshold > self.same_threshold:
            raise ValueError("likely_threshold must not exceed same_threshold")
        return self

    def save(self, path: Path) -> None:
        """Write the settings as indented JSON (kept beside every batch run's output)."""
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
