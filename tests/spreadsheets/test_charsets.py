from __future__ import annotations

import codecs

import pytest

from zhengming.errors import InvalidInputError
from zhengming.spreadsheets.charsets import detect_encoding, resolve_encoding

GBK_SAMPLES = [
    "名称\r\n张三\r\n",
    "客户名称\r\n华为\r\n",
    "电话,邮箱\r\n138,a@b.c\r\n",
    "客户名称,电话\r\n北京字节跳动科技有限公司,13800138000\r\n",
    "2024年客户名单,,\r\n客户名称,地区,行业\r\n深圳市腾讯计算机系统有限公司,广东省深圳市,互联网\r\n",
]


@pytest.mark.parametrize("text", GBK_SAMPLES)
def test_gbk_is_read_as_gb18030_even_from_short_samples(text: str) -> None:
    # Unrestricted, charset-normalizer calls several of these Korean, Big5 or UTF-16.
    assert detect_encoding(text.encode("gbk")) == "gb18030"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "客户".encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "客户".encode("utf-16-le"), "utf-16"),
        ("客户名称\n腾讯\n".encode(), "utf-8"),
        (b"name,phone\r\nACME,123\r\n", "utf-8"),
        (
            "公司名稱,地址\r\n鴻海精密工業股份有限公司,新北市土城區自由街2號\r\n".encode("big5"),
            "big5",
        ),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


def test_a_sample_cut_inside_a_character_is_still_utf8() -> None:
    data = ("客户名称\n" + "腾讯" * 100).encode()
    assert detect_encoding(data[:-1]) == "utf-8"


@pytest.mark.parametrize(
    ("name", "codec"),
    [("GBK", "gb18030"), ("gb2312", "gb18030"), ("cp936", "gb18030"), ("UTF8", "utf-8")],
)
def test_resolve_encoding(name: str, codec: str) -> None:
    assert resolve_encoding(name) == codec


def test_unknown_encoding_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError):
        resolve_encoding("klingon")
