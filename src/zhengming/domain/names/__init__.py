"""The name pipeline: standard names, kinds, parts, naming-rule problems and match keys."""

from zhengming.domain.names.analysis import NameAnalysis, analyze_name
from zhengming.domain.names.classify import NameKind
from zhengming.domain.names.keys import MatchKeys
from zhengming.domain.names.parse import NameParts
from zhengming.domain.names.rules import Problem, RuleSettings, Severity

__all__ = [
    "MatchKeys",
    "NameAnalysis",
    "NameKind",
    "NameParts",
    "Problem",
    "RuleSettings",
    "Severity",
    "analyze_name",
]
