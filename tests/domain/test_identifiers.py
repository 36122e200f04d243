"""Tests for zhengming.domain.identifiers: tables for known values, Hypothesis for invariants."""

from __future__ import annotations

import doctest
import inspect
import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from zhengming.domain import identifiers as ids
from zhengming.errors import InvalidIdentifierError

# Real registrations (public records).
REAL_USCCS = [
    "91110113MA01GHE6XA",  # enterprise, 北京市顺义区
    "91110105MA01GHN16Q",  # enterprise, 北京市朝阳区
    "92500231MA608YRC4Y",  # 个体工商户, 重庆市垫江县
    "93220181MA1820DJ5U",  # 农民专业合作社, 吉林省九台区
]
# Check digits computed for the sample numbers of GB 11643 and python-stdnum.
VALID_RESIDENT_IDS = ["11010519491231002X", "360426199101010071", "44030519900101123X"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def reason_of(validate: Callable[[str], str], value: Any) -> str:
    with pytest.raises(InvalidIdentifierError) as info:
        validate(value)
    assert info.value.code == "identifier.invalid"
    reason: str = info.value.details["reason"]
    return reason


def with_check_digit(body: str) -> str:
    return body + stdnum_uscc.calc_check_digit(body)


# --- USCC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", REAL_USCCS)
def test_real_usccs_are_valid(value: str) -> None:
    assert ids.validate_uscc(value) == value
    assert ids.is_valid_uscc(value)
    assert ids.format_uscc(value) == value


@pytest.mark.parametrize(
    ("raw", "compact"),
    [
        ("91110113MA01GHE6XA", "91110113MA01GHE6XA"),
        (" 9111 0113 MA01 GHE6 XA ", "91110113MA01GHE6XA"),
        ("91110113-MA01GHE6-XA", "91110113MA01GHE6XA"),
        ("91110113ma01ghe6xa", "91110113MA01GHE6XA"),
        ("９１１１０１１３ＭＡ０１ＧＨＥ６ＸＡ", "91110113MA01GHE6XA"),
        ("91110113\u200bMA01GHE6XA\ufeff", "91110113MA01GHE6XA"),
        ("9111\u30000113－MA01GHE6XA", "91110113MA01GHE6XA"),
        ("", ""),
        ("not a number", "NOTANUMBER"),
    ],
)
def test_compact_uscc(raw: str, compact: str) -> None:
    assert ids.compact_uscc(raw) == compact


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91110113MA01GHE6XB", "checksum"),  # last character changed
        ("91110105MA01GHN16R", "checksum"),
        ("92500231MA608YRC4X", "checksum"),
        ("93220181MA1820DJ5V", "format"),  # V is not in the alphabet
        ("93220181MA1820DJ50", "checksum"),
        ("91110113MA01GHE6X", "length"),
        ("91110113MA01GHE6XAA", "length"),
        ("9111011AMA01GHE6XA", "format"),  # division code must be digits
        ("9A110113MA01GHE6XA", "format"),  # entity type must be a digit
        ("B1110113MA01GHE6XA", "format"),  # B is no registration authority
        ("91110113MI01GHE6XA", "format"),  # I is not in the alphabet
        ("", "empty"),
        ("  \t\u3000 ", "empty"),
    ],
)
def test_invalid_usccs_give_their_reason(value: str, reason: str) -> None:
    assert reason_of(ids.validate_uscc, value) == reason
    assert not ids.is_valid_uscc(value)


def test_letter_registration_authorities_are_accepted() -> None:
    # GB 32100 lets A (军队), N (农业) and Y (其他) register; python-stdnum 2.2 rejects them.
    for body in ("N2440305MA5F0K3L1", "Y1110000MA01ABCD1", "A1100000MA01ABCD1"):
        value = with_check_digit(body)
        assert ids.is_valid_uscc(value), value
        assert not stdnum_uscc.is_valid(value)
    assert ids.uscc_entity_category(with_check_digit("N2440305MA5F0K3L1")) == (
        "village_collective_economic_organisation"
    )


@pytest.mark.parametrize(
    ("value", "division", "category"),
    [
        ("91110113MA01GHE6XA", "110113", "enterprise"),
        ("91110105MA01GHN16Q", "110105", "enterprise"),
        ("92500231MA608YRC4Y", "500231", "individual_business"),
        ("93220181MA1820DJ5U", "220181", "farmers_cooperative"),
        (with_check_digit("51100000500000001"), "100000", "social_organisation"),
        (with_check_digit("52440300MJ0000001"), "440300", "private_non_enterprise_unit"),
        (with_check_digit("53110000MJ0000001"), "110000", "foundation"),
        (with_check_digit("94110000MA0000001"), "110000", "unknown"),
        (with_check_digit("01110000MA0000001"), "110000", "unknown"),
    ],
)
def test_uscc_parts(value: str, division: str, category: str) -> None:
    assert ids.uscc_division_code(value) == division
    assert ids.uscc_entity_category(value) == category


def test_uscc_parts_need_a_valid_uscc() -> None:
    assert reason_of(ids.uscc_division_code, "91110113MA01GHE6XB") == "checksum"
    assert reason_of(ids.uscc_entity_category, "911101") == "length"


def test_entity_categories_are_two_alphabet_characters() -> None:
    for code, category in ids.USCC_ENTITY_CATEGORIES.items():
        assert len(code) == 2
        assert set(code) <= set(USCC_ALPHABET)
        assert category.isidentifier()
        assert category != "unknown"


@pytest.mark.parametrize(
    ("region", "division", "matches"),
    [
        ("440305", "440305", True),  # county = county
        ("440305", "440306", False),
        ("440300", "440305", True),  # city name, county registration
        ("440300", "440400", False),
        ("440000", "440305", True),  # province name
        ("440000", "450305", False),
        ("440305", "440300", True),  # registered at the city above the county
        ("440305", "440000", True),  # registered at the province
        ("440305", "450000", False),
        ("110105", "110105", True),  # 直辖市 district
        ("110105", "110000", True),
        ("110105", "110100", True),  # 北京市市辖区 is province level
        ("110100", "110229", True),
        ("500231", "500100", True),
        ("110105", "120000", False),
        ("110105", "110108", False),
        ("100000", "440305", True),  # national name agrees with everything
        ("440305", "100000", True),  # as does a national registration
        ("441900", "441900", True),  # 东莞: a city without counties
    ],
)
def test_division_code_matches(region: str, division: str, matches: bool) -> None:
    assert ids.division_code_matches(region, division) is matches
    # Agreement does not depend on which side the code came from.
    assert ids.division_code_matches(division, region) is matches


@pytest.mark.parametrize("bad", ["", "44030", "4403050", "44030X", "４４０３０５", None, 440305])
def test_division_code_matches_rejects_malformed_codes(bad: Any) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        ids.division_code_matches(bad, "440305")
    assert info.value.details["kind"] == "division_code"
    with pytest.raises(InvalidIdentifierError):
        ids.division_code_matches("440305", bad)


# --- 居民身份证号码 -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_RESIDENT_IDS)
def test_valid_resident_ids(value: str) -> None:
    assert ids.validate_resident_id(value) == value
    assert ids.is_valid_resident_id(value.lower())
    assert ids.format_resident_id(f" {value[:6]}-{value[6:14]} {value[14:]} ") == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491231002", "length"),
        ("110105491231002", "length"),  # first-generation 15-digit numbers are not accepted
        ("11010519491231002Y", "format"),
        ("1101051949123100X2", "format"),
        ("11010519900230001X", "birth_date"),  # 30 February
        ("440305199013010015", "birth_date"),  # month 13
        ("110105209901010012", "birth_date"),  # in the future; python-stdnum accepts it
        ("999999199001010016", "region"),
        ("", "empty"),
    ],
)
def test_invalid_resident_ids_give_their_reason(value: str, reason: str) -> None:
    assert reason_of(ids.validate_resident_id, value) == reason
    assert not ids.is_valid_resident_id(value)


def test_resident_id_errors_never_show_the_whole_number() -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        ids.validate_resident_id("110105194912310021")
    assert info.value.details["value"] == "1101**********0021"
    assert "110105194912310021" not in json.dumps(info.value.to_dict())


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("11010519491231002x", "1101**********002X"),
        ("110105491231002", "1101*******1002"),
        ("1101051949", "**********"),
        ("", ""),
    ],
)
def test_mask_resident_id(value: str, masked: str) -> None:
    assert ids.mask_resident_id(value) == masked


# --- Phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key", "formatted"),
    [
        ("138 0013 8000", "+8613800138000", "+86 138 0013 8000"),
        ("+86 138-0013-8000", "+8613800138000", "+86 138 0013 8000"),
        ("0086 13800138000", "+8613800138000", "+86 138 0013 8000"),
        ("１３８００１３８０００", "+8613800138000", "+86 138 0013 8000"),
        ("＋８６ １３８ ００１３ ８０００", "+8613800138000", "+86 138 0013 8000"),
        ("010-6552 9988", "+861065529988", "+86 10 6552 9988"),
        ("(010) 65529988", "+861065529988", "+86 10 6552 9988"),
        ("（０１０）６５５２９９８８", "+861065529988", "+86 10 6552 9988"),
        ("0755-8888 8888", "+8675588888888", "+86 755 8888 8888"),
        ("400-810-8888", "+864008108888", "+86 400 810 8888"),
        ("+1 650 253 0000", "+16502530000", "+1 650-253-0000"),
        ("+852 2123 4567", "+85221234567", "+852 2123 4567"),
    ],
)
def test_valid_phones(raw: str, key: str, formatted: str) -> None:
    assert ids.phone_key(raw) == key
    assert ids.validate_phone(raw) == key
    assert ids.is_valid_phone(raw)
    assert ids.format_phone(raw) == formatted


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1380013800", "mobile_length"),  # 10 digits
        ("138001380001", "mobile_length"),  # 12 digits
        ("+86 1380013800", "mobile_length"),
        ("23800138000", "numbering_plan"),
        ("12345", "length"),
        ("010 6552 998", "numbering_plan"),
        ("+999 1234 5678", "country_code"),
        ("abc", "format"),
        ("+86", "format"),
        ("13800138000转123", "format"),
        ("", "empty"),
        ("1" * 300, "length"),
    ],
)
def test_invalid_phones_give_their_reason(value: str, reason: str) -> None:
    assert reason_of(ids.validate_phone, value) == reason
    assert not ids.is_valid_phone(value)


def test_phone_region_reads_national_numbers() -> None:
    assert ids.phone_key("2123 4567", region="HK") == "+85221234567"
    assert not ids.is_valid_phone("2123 4567")


def test_phone_key_drops_the_extension_format_keeps_it() -> None:
    assert ids.phone_key("+86 10 6552 9988 ext. 12") == "+861065529988"
    assert ids.format_phone("+86 10 6552 9988 ext. 12") == "+86 10 6552 9988 ext. 12"


# --- E-mail addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized", "domain"),
    [
        ("zhang.san@example.com", "zhang.san@example.com", "example.com"),
        ("Zhang.San@Example.COM", "Zhang.San@example.com", "example.com"),
        ("  li.si@qq.com\n", "li.si@qq.com", "qq.com"),
        ("ｗａｎｇ＠１６３.ｃｏｍ", "wang@163.com", "163.com"),
        ("user@例子.中国", "user@例子.中国", "例子.中国"),
        ("user@XN--FSQU00A.XN--FIQS8S", "user@例子.中国", "例子.中国"),
        ("用户@例子.广告", "用户@例子.广告", "例子.广告"),
    ],
)
def test_valid_emails(raw: str, normalized: str, domain: str) -> None:
    assert ids.validate_email(raw) == normalized
    assert ids.format_email(raw) == normalized
    assert ids.is_valid_email(raw)
    assert ids.email_domain(raw) == domain


@pytest.mark.parametrize(
    "value",
    [
        "plainaddress",
        "a@b",
        "a@localhost",
        "a@example.invalid",
        "a..b@example.com",
        "zhang san@example.com",
        '"a b"@example.com',
        "a@[192.0.2.1]",
        "Zhang San <zs@example.com>",
        "a@" + "x" * 300 + ".com",
    ],
)
def test_invalid_emails(value: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        ids.validate_email(value)
    assert info.value.details["reason"] == "format"
    assert info.value.details["explanation"]  # email-validator's own words
    assert not ids.is_valid_email(value)


def test_email_validation_makes_no_network_call(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert ids.email_domain("someone@no-such-domain-zhengming.cn") == "no-such-domain-zhengming.cn"


# --- Every identifier ---------------------------------------------------------------------------

KINDS: dict[str, tuple[Callable[[str], str], Callable[[str], str], Callable[[str], bool]]] = {
    "uscc": (ids.compact_uscc, ids.validate_uscc, ids.is_valid_uscc),
    "resident_id": (ids.compact_resident_id, ids.validate_resident_id, ids.is_valid_resident_id),
    "phone": (ids.compact_phone, ids.validate_phone, ids.is_valid_phone),
    "email": (ids.compact_email, ids.validate_email, ids.is_valid_email),
}
BAD_TEXT = [
    "",
    "   ",
    "\t\n\u3000",
    "9" * 10_000,
    "🙂",
    "👨‍👩‍👧 91110113MA01GHE6XA",
    "'; DROP TABLE customers; --",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "\x00",
    "统一社会信用代码",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", BAD_TEXT, ids=range(len(BAD_TEXT)))
def test_bad_text_is_rejected_with_details(kind: str, value: str) -> None:
    compact, validate, is_valid = KINDS[kind]
    assert isinstance(compact(value), str)
    assert not is_valid(value)
    with pytest.raises(InvalidIdentifierError) as info:
        validate(value)
    details = info.value.details
    assert details["kind"] == kind
    assert details["reason"]
    assert len(details["value"]) <= 65  # long junk is cut
    assert " / " in info.value.message  # Chinese, then English
    json.dumps(info.value.to_dict())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [None, 91110113, b"91110113MA01GHE6XA", ["x"]])
def test_non_strings_are_rejected(kind: str, value: Any) -> None:
    compact, validate, is_valid = KINDS[kind]
    assert not is_valid(value)
    for function in (compact, validate):
        with pytest.raises(InvalidIdentifierError) as info:
            function(value)
        assert info.value.details["reason"] == "type"
        assert info.value.details["kind"] == kind


# --- Properties ---------------------------------------------------------------------------------

fast = settings(max_examples=60, deadline=None)

COMPACTS = [ids.compact_uscc, ids.compact_resident_id, ids.compact_phone, ids.compact_email]


@st.composite
def valid_usccs(draw: st.DrawFn, authorities: str = "123456789ANY") -> str:
    body = (
        draw(st.sampled_from(authorities))
        + draw(st.sampled_from("0123456789"))
        + draw(st.text("0123456789", min_size=6, max_size=6))
        + draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    )
    return with_check_digit(body)


@fast
@given(text=st.text(), compact=st.sampled_from(COMPACTS))
def test_compact_is_idempotent_and_total(text: str, compact: Callable[[str], str]) -> None:
    once = compact(text)
    assert compact(once) == once


@fast
@given(text=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_compact_is_width_insensitive(text: str) -> None:
    full = text.translate(FULL_WIDTH)
    assert ids.compact_uscc(full) == ids.compact_uscc(text)
    assert ids.compact_phone(full) == ids.compact_phone(text)


@fast
@given(
    text=st.one_of(st.text(), st.sampled_from(REAL_USCCS + VALID_RESIDENT_IDS)),
    kind=st.sampled_from(sorted(KINDS)),
)
def test_is_valid_means_validate_does_not_raise(text: str, kind: str) -> None:
    _, validate, is_valid = KINDS[kind]
    try:
        canonical = validate(text)
    except InvalidIdentifierError:
        assert not is_valid(text)
    else:
        assert is_valid(text)
        assert validate(canonical) == canonical


@fast
@given(value=st.one_of(valid_usccs(), st.sampled_from(REAL_USCCS)), data=st.data())
def test_any_single_change_makes_a_uscc_invalid(value: str, data: st.DataObject) -> None:
    assert ids.is_valid_uscc(value)
    position = data.draw(st.integers(0, 16))
    other = data.draw(st.sampled_from(USCC_ALPHABET.replace(value[position], "")))
    changed = value[:position] + other + value[position + 1 :]
    assert not ids.is_valid_uscc(changed)


@fast
@given(value=st.sampled_from(VALID_RESIDENT_IDS), data=st.data())
def test_any_single_digit_change_makes_a_resident_id_invalid(
    value: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, 16))
    other = data.draw(st.sampled_from("0123456789".replace(value[position], "")))
    changed = value[:position] + other + value[position + 1 :]
    assert reason_of(ids.validate_resident_id, changed) == "checksum"


@fast
@given(
    value=st.one_of(
        valid_usccs(authorities="0123456789"),
        st.text(USCC_ALPHABET + "IOSVZ -", min_size=16, max_size=20),
    )
)
def test_uscc_agrees_with_python_stdnum_on_numeric_authorities(value: str) -> None:
    compact = ids.compact_uscc(value)
    assert ids.is_valid_uscc(value) == stdnum_uscc.is_valid(compact)


@fast
@given(
    number=st.text("0123456789", min_size=9, max_size=9).map(lambda rest: "13" + rest),
    style=st.sampled_from(
        [
            "{n}",
            "{n0} {n1} {n2}",
            "+86 {n0}-{n1}-{n2}",
            "0086{n}",
            "86 {n}",
            "(+86) {n0}.{n1}.{n2}",
        ]
    ),
    full_width=st.booleans(),
)
def test_phone_key_ignores_how_a_mobile_number_is_written(
    number: str, style: str, full_width: bool
) -> None:
    written = style.format(n=number, n0=number[:3], n1=number[3:7], n2=number[7:])
    if full_width:
        written = written.translate(FULL_WIDTH)
    key = ids.phone_key(written)
    assert key == "+86" + number
    assert ids.phone_key(key) == key


# --- The module itself --------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(ids, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 20
    assert result.failed == 0


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(ids).items()
        if not name.startswith("_")
        and ((inspect.isfunction(value) and value.__module__ == ids.__name__) or name.isupper())
    }
    assert public == set(ids.__all__)
    for name in ids.__all__:
        if not name.isupper():
            assert inspect.getdoc(getattr(ids, name)), name
