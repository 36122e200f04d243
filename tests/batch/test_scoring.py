"""The vectorized batch scorer must be the same model as the real-time matcher."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengming.batch.scoring import COMPARISONS, DECISIONS, score_pairs
from zhengming.domain.matching import LEVELS, MatchRecord, MatchSettings, match_records
from zhengming.domain.matching.records import normalize_address
from zhengming.domain.names import analyze_name

NAMES = [
    "北京字节跳动科技有限公司",
    "字节跳动（北京）科技有限公司",
    "北京字節跳動科技有限公司",
    "北京字节跳动网络技术有限公司",
    "北京字节跳东科技有限公司",
    "上海字节跳动科技有限公司",
    "字节跳动",
    "北京字节跳动科技",
    "上海浦东发展银行股份有限公司",
    "浦发银行",
    "平安银行股份有限公司",
    "平安银行",
    "深圳市全新好股份有限公司",
    "SHENZHEN Quanxinhao CO., LTD.",
    "Ping An Bank Co., Ltd.",
    "北京字节跳动科技有限公司上海分公司",
    "北京字节跳动科技有限公司广州分公司",
    "广东省深圳市南山区腾讯科技有限公司",
    "深圳市腾讯科技有限公司",
    "腾讯科技（深圳）有限公司",
    "中国平安保险（集团）股份有限公司",
    "深圳前海投资管理中心（有限合伙）",
    "张伟",
    "张伟",
    "王总",
    "",
    "😀",
    "万科A",
    "万科企业股份有限公司",
]
USCC = ["91110113MA01GHE6XA", "91110105MA01GHN16Q", None]
PHONES = ["+8613800138000", "+8613900139000", None]
EMAILS = ["a@bytedance.com", None]
IDS = ["1101051949", "1101051994", "1101051950", "5000000", None]
BIRTHS = ["19560409", "19560490", "19650409", "19560419", None]
ADDRESSES = ["北京市朝阳区建国路1号", "北京市朝阳区建国路11号", "上海市浦东新区世纪大道8号", None]
POSTCODES = ["100020", "200120", None]


def make_records(seed: int) -> list[MatchRecord]:
    rng = np.random.default_rng(seed)
    records = []
    for name in NAMES:
        uscc = USCC[rng.integers(len(USCC))] if rng.random() < 0.3 else None
        records.append(
            MatchRecord(
                analyze_name(name, uscc=uscc),
                phone=PHONES[rng.integers(len(PHONES))] if rng.random() < 0.3 else None,
                email=EMAILS[rng.integers(len(EMAILS))] if rng.random() < 0.2 else None,
                id_number=IDS[rng.integers(len(IDS))],
                birth_date=BIRTHS[rng.integers(len(BIRTHS))],
                address=normalize_address(ADDRESSES[rng.integers(len(ADDRESSES))]),
                postcode=POSTCODES[rng.integers(len(POSTCODES))],
            )
        )
    return records


def assert_same_model(records: list[MatchRecord], match_settings: MatchSettings) -> None:
    pairs = list(itertools.combinations(range(len(records)), 2))
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    scored = score_pairs(records, left, right, match_settings)
    for position, (a, b) in enumerate(pairs):
        expected = match_records(records[a], records[b], settings=match_settings)
        levels = {e.comparison: e.level for e in expected.evidence}
        weights = {e.comparison: e.weight for e in expected.evidence}
        got_levels = {c: LEVELS[c][scored.levels[c][position]] for c in COMPARISONS}
        got_weights = {c: float(scored.weights[c][position]) for c in COMPARISONS}
        context = (records[a].analysis.input, records[b].analysis.input)
        assert got_levels == levels, context
        assert got_weights == pytest.approx(weights), context
        assert scored.probability[position] == pytest.approx(expected.probability), context
        assert DECISIONS[scored.decision[position]] is expected.decision, context


def test_vectorized_scoring_equals_the_domain_model() -> None:
    assert_same_model(make_records(0), MatchSettings())


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=10_000))
def test_vectorized_scoring_equals_the_domain_model_with_random_identifiers(seed: int) -> None:
    assert_same_model(make_records(seed), MatchSettings())


def test_vectorized_scoring_follows_custom_settings() -> None:
    custom = MatchSettings(prior_weight=-4.0, same_threshold=0.95, person_name_weight_cap=2.0)
    assert_same_model(make_records(3), custom)
