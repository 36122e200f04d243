from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhengming
from zhengming.domain.matching import LEVELS, MatchRecord, MatchSettings, match_records
from zhengming.domain.matching.records import normalize_birth_date

HEAD = "北京字节跳动科技有限公司"


@pytest.mark.parametrize(
    ("a", "b", "decision", "name_level"),
    [
        (HEAD, "字节跳动（北京）科技有限公司", "same", "same_key"),
        (HEAD, "北京字節跳動科技有限公司", "same", "exact"),
        (HEAD, "北京 字节跳动 科技 有限公司", "same", "exact"),
        (HEAD, "北京字节跳动科技（有限公司）".replace("（有限公司）", "有限公司"), "same", "exact"),
        ("ＴＣＬ科技集团股份有限公司", "TCL科技集团股份有限公司", "same", "exact"),
        (HEAD, "北京字节跳动科技有限责任公司", "same", "same_key"),
        (HEAD, "北京市字节跳动科技股份有限公司", "same", "same_key"),
        (HEAD, "北京字节跳动网络技术有限公司", "different", "same_trade_name"),
        (HEAD, "上海字节跳动科技有限公司", "different", "same_core"),
        (HEAD, "北京字节跳东科技有限公司", "likely", "same_pinyin"),
        (HEAD, "字节跳动", "likely", "abbreviation"),
        ("上海浦东发展银行股份有限公司", "浦发银行", "likely", "abbreviation"),
        ("深圳市全新好股份有限公司", "SHENZHEN Quanxinhao CO., LTD.", "likely", "english_pinyin"),
        (HEAD, "北京字节跳动科技有限公司上海分公司", "related", "same_core"),
        (HEAD, "北京百度网讯科技有限公司", "different", "different"),
    ],
)
def test_match_table(a: str, b: str, decision: str, name_level: str) -> None:
    result = zhengming.match(a, b)
    levels = {e.comparison: e.level for e in result.evidence}
    assert (result.decision.value, levels["name"]) == (decision, name_level)


def test_different_valid_credit_codes_are_never_the_same() -> None:
    result = zhengming.match(HEAD, HEAD, uscc_a="91110113MA01GHE6XA", uscc_b="91110105MA01GHN16Q")
    assert result.decision.value == "different"


def test_same_credit_code_is_the_same_even_with_other_names() -> None:
    result = zhengming.match(
        HEAD, "字节跳动", uscc_a="91110113MA01GHE6XA", uscc_b="91110113MA01GHE6XA"
    )
    assert result.decision.value == "same"


def test_evidence_covers_every_comparison_with_known_levels() -> None:
    result = zhengming.match(HEAD, "字节跳动")
    for item in result.evidence:
        assert item.level in LEVELS[item.comparison]
        assert item.weight == MatchSettings().weights[item.comparison][item.level]


def test_to_dict_shape() -> None:
    data = zhengming.match(HEAD, "字节跳动").to_dict()
    assert set(data) == {"probability", "decision", "evidence"}
    assert all(set(e) == {"comparison", "level", "weight"} for e in data["evidence"])


NAMES = st.sampled_from(
    [
        HEAD,
        "字节跳动（北京）科技有限公司",
        "北京字节跳动网络技术有限公司",
        "字节跳动",
        "浦发银行",
        "上海浦东发展银行股份有限公司",
        "SHENZHEN Quanxinhao CO., LTD.",
        "深圳市全新好股份有限公司",
        "北京字节跳动科技有限公司上海分公司",
        "张伟",
        "王总",
        "",
    ]
)


@settings(max_examples=150)
@given(NAMES, NAMES)
def test_match_is_symmetric(a: str, b: str) -> None:
    assert zhengming.match(a, b).to_dict() == zhengming.match(b, a).to_dict()


@given(NAMES)
def test_probability_is_a_probability(a: str) -> None:
    assert 0.0 <= zhengming.match(a, HEAD).probability <= 1.0


def test_namesakes_are_not_the_same_person_on_name_alone() -> None:
    assert zhengming.match("张伟", "张伟").decision.value == "different"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1956-4-9", "19560409"),
        ("1956年4月9日", "19560409"),
        ("1956/04/09", "19560409"),
        ("19560409", "19560409"),
        ("", None),
    ],
)
def test_birth_dates_normalize(raw: str, expected: str | None) -> None:
    assert normalize_birth_date(raw) == expected


def test_people_match_on_name_and_identifiers() -> None:
    def person(name: str, **identifiers: str) -> MatchRecord:
        return MatchRecord(zhengming.normalize(name), **identifiers)

    a = person("张伟", id_number="1101051949", birth_date="19560409")
    same = person("张伟", id_number="1101051994", birth_date="19560409")  # one swap in the ID
    namesake = person("张伟", id_number="5000000", birth_date="19650409")
    assert match_records(a, same).decision.value == "same"
    assert match_records(a, namesake).decision.value == "different"
