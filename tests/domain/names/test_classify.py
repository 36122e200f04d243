from __future__ import annotations

import pytest

from zhengming.domain.names.classify import NameKind, classify_name


@pytest.mark.parametrize(
    ("name", "kind", "title", "person"),
    [
        ("北京字节跳动科技有限公司", "company", None, None),
        ("字节跳动", "company", None, None),
        ("万科", "company", None, None),
        ("张伟", "individual", None, "张伟"),
        ("欧阳娜娜", "individual", None, "欧阳娜娜"),
        ("李建国", "individual", None, "李建国"),
        ("约翰·史密斯", "individual", None, "约翰·史密斯"),
        ("王总", "unknown", "总", None),
        ("李经理", "unknown", "经理", None),
        ("张先生", "unknown", "先生", None),
        ("刘老板", "unknown", "老板", None),
        ("陈姐", "unknown", "姐", None),
        ("欧阳总", "unknown", "总", None),
        ("小李", "unknown", "小", None),
        ("老王", "unknown", "老", None),
        ("张三先生", "individual", "先生", "张三"),
        ("John Smith", "individual", None, "John Smith"),
        ("Mr. Wang", "individual", "mr", "Mr. Wang"),
        ("Agilent Technologies, Inc.", "company", None, None),
        ("12345", "unknown", None, None),
    ],
)
def test_classify(name: str, kind: str, title: str | None, person: str | None) -> None:
    result = classify_name(name)
    assert (result.kind, result.title, result.person_name) == (NameKind(kind), title, person)
