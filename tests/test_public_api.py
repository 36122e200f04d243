from __future__ import annotations

import zhengming
import zhengming.domain.names as names


def test_all_is_honest() -> None:
    for module in (zhengming, names):
        assert sorted(module.__all__) == sorted(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), name


def test_library_returns_the_cli_data() -> None:
    analysis = zhengming.normalize("北京字节跳动科技有限公司")
    assert analysis.to_dict()["parts"]["trade_name"] == "字节跳动"
    assert (
        zhengming.match(analysis, "字节跳动（北京）科技有限公司").decision
        is zhengming.Decision.SAME
    )


def test_non_text_input_is_a_zhengming_error() -> None:
    import pytest

    with pytest.raises(zhengming.ZhengmingError) as info:
        zhengming.normalize(123)  # type: ignore[arg-type]
    assert info.value.code == "input.invalid"
