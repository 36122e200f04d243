from __future__ import annotations

import pytest
from pydantic import ValidationError

from zhengming.domain.names import RuleSettings, analyze_name
from zhengming.domain.names.rules import RULES, UNUSABLE_CODES


def codes(name: str, **kwargs: object) -> dict[str, str]:
    analysis = analyze_name(name, **kwargs)  # type: ignore[arg-type]
    return {problem.code: problem.severity.value for problem in analysis.problems}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京字节跳动科技有限公司", {}),
        ("", {"name.empty": "error"}),
        ("   \t ", {"name.empty": "error"}),
        ("😀🚀", {"name.only_symbols": "error"}),
        ("12345", {"name.no_letters": "error"}),
        ("公" * 150, {"name.too_long": "error"}),
        ("字", {"name.too_short": "error", "company.abbreviation_only": "warning"}),
        ("王总", {"individual.title_as_name": "error"}),
        ("张三先生", {"individual.title_in_name": "warning"}),
        ("字节跳动", {"company.abbreviation_only": "warning"}),
        ("北京字节跳动科技", {"company.legal_form_missing": "warning"}),
        (
            "字節跳動(北京)科技有限公司",
            {"name.bracket_style": "warning", "name.traditional_characters": "warning"},
        ),
        ("ＴＣＬ科技集团股份有限公司", {"name.full_width": "warning"}),
        (
            "<script>alert(1)</script>北京字节跳动科技有限公司",
            {"name.stray_symbols": "error", "name.bracket_style": "warning"},
        ),
        ("北京字节跳动科技有限公司'; DROP TABLE customer;--", {"name.stray_symbols": "error"}),
        ("北京\u0007字节跳动科技有限公司", {"name.control_characters": "warning"}),
        ("北京字节跳动科技有限公司🚀", {"name.emoji": "warning"}),
        ("Аpple Inc.", {"name.mixed_script": "warning"}),
    ],
)
def test_default_rules(name: str, expected: dict[str, str]) -> None:
    assert codes(name) == expected


def test_suggestion_is_the_standard_form() -> None:
    analysis = analyze_name("字節跳動(北京)科技有限公司")
    assert {p.suggestion for p in analysis.problems} == {"字节跳动（北京）科技有限公司"}


def test_stray_symbols_suggest_the_name_without_them() -> None:
    (problem,) = analyze_name("<b>某某科技有限公司</b>").problems
    assert problem.suggestion == "某某科技有限公司"


def test_messages_exist_in_both_languages() -> None:
    (problem,) = analyze_name("王总").problems
    assert "称呼" in problem.to_dict(lang="zh")["message"]
    assert "form of address" in problem.to_dict(lang="en")["message"]


def test_uscc_checks() -> None:
    assert codes("东方普拉特（北京）建筑设计有限公司", uscc="91110113MA01GHE6XA") == {}
    assert codes("上海普拉特建筑设计有限公司", uscc="91110113MA01GHE6XA") == {
        "uscc.region_mismatch": "warning"
    }
    assert codes("北京普拉特建筑设计有限公司", uscc="91110113MA01GHE6XB") == {
        "uscc.invalid": "error"
    }


def test_settings_disable_and_override() -> None:
    settings = RuleSettings(
        disabled=frozenset({"name.traditional_characters"}),
        severity={"name.bracket_style": "error"},  # type: ignore[dict-item]
    )
    assert codes("字節跳動(北京)科技有限公司", settings=settings) == {"name.bracket_style": "error"}


def test_settings_max_length() -> None:
    settings = RuleSettings(max_length=10)
    assert "name.too_long" in codes("北京字节跳动科技有限公司", settings=settings)


def test_settings_reject_unknown_codes_and_fields() -> None:
    with pytest.raises(ValidationError):
        RuleSettings(disabled=frozenset({"no.such.rule"}))
    with pytest.raises(ValidationError):
        RuleSettings.model_validate({"bogus": 1})


def test_unusable_codes_are_rules() -> None:
    assert set(RULES) >= UNUSABLE_CODES
    assert not analyze_name("").usable
    title_only = analyze_name("王总")
    assert title_only.usable
    assert title_only.blocked
