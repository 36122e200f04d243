"""zhengming (正名): one record per customer, under its right name.

The library's front door. ``normalize`` and ``match`` return the same data as the CLI's
``--json`` output, as typed objects with a ``to_dict()``::

    >>> import zhengming
    >>> zhengming.normalize("字節跳動(北京)科技有限公司").standard_name
    '字节跳动（北京）科技有限公司'
    >>> zhengming.match("北京字节跳动科技有限公司", "字节跳动（北京）科技有限公司").decision.value
    'same'
"""

from __future__ import annotations

from zhengming.domain.matching import Decision, MatchResult, MatchSettings, match_analyses
from zhengming.domain.names import NameAnalysis, NameKind, RuleSettings, analyze_name
from zhengming.errors import ZhengmingError

__version__ = "0.1.0.dev0"
__all__ = [
    "Decision",
    "MatchResult",
    "MatchSettings",
    "NameAnalysis",
    "NameKind",
    "RuleSettings",
    "ZhengmingError",
    "__version__",
    "match",
    "normalize",
]


def normalize(
    name: str, *, uscc: str | None = None, rules: RuleSettings | None = None
) -> NameAnalysis:
    """Standardize, classify, parse and check one customer name (see ``zhengming normalize``).

    Args:
        name: the name as typed.
        uscc: the customer's 统一社会信用代码, checked and compared with the name's region.
        rules: naming-rule settings (defaults when omitted).
    """
    return analyze_name(name, uscc=uscc, settings=rules)


def match(
    a: str | NameAnalysis,
    b: str | NameAnalysis,
    *,
    uscc_a: str | None = None,
    uscc_b: str | None = None,
    settings: MatchSettings | None = None,
) -> MatchResult:
    """Whether two names are the same customer: probability, decision and evidence."""
    left = a if isinstance(a, NameAnalysis) else analyze_name(a, uscc=uscc_a)
    right = b if isinstance(b, NameAnalysis) else analyze_name(b, uscc=uscc_b)
    return match_analyses(left, right, settings=settings)
