"""Customer identifiers: 统一社会信用代码, 居民身份证号码, phone numbers and e-mail addresses.

Each identifier has the four functions python-stdnum gives every number, suffixed with its name:

* ``compact_*`` returns the minimal form: NFKC (full-width to half-width), separators removed.
  It never raises on a string.
* ``validate_*`` returns the canonical form or raises
  :class:`~zhengming.errors.InvalidIdentifierError`, whose ``details`` are
  ``{"kind": ..., "reason": ..., "value": <compacted input>}``.
* ``is_valid_*`` answers ``True`` or ``False`` and never raises.
* ``format_*`` validates, then returns the form to show people.

The checks are thin wrappers over python-stdnum (``stdnum.cn.uscc``, ``stdnum.cn.ric``),
phonenumbers and email-validator. E-mail deliverability is never checked: this module does no I/O.

Example:
    >>> validate_uscc("91110113MA01GHE6XA")
    '91110113MA01GHE6XA'
    >>> phone_key("138 0013 8000")
    '+8613800138000'
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, Literal, NoReturn

import email_validator
import phonenumbers
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from zhengming.errors import InvalidIdentifierError

__all__ = [
    "USCC_ENTITY_CATEGORIES",
    "compact_email",
    "compact_phone",
    "compact_resident_id",
    "compact_uscc",
    "division_code_matches",
    "email_domain",
    "format_email",
    "format_phone",
    "format_resident_id",
    "format_uscc",
    "is_valid_email",
    "is_valid_phone",
    "is_valid_resident_id",
    "is_valid_uscc",
    "mask_resident_id",
    "phone_key",
    "uscc_division_code",
    "uscc_entity_category",
    "validate_email",
    "validate_phone",
    "validate_resident_id",
    "validate_uscc",
]

_Kind = Literal["uscc", "resident_id", "phone", "email", "division_code"]

_DIGITS: Final = frozenset("0123456789")
# GB 32100-2015: digits and capital letters except I, O, Z, S and V.
_USCC_ALPHABET: Final = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# Registration authorities written as letters (A 中央军委改革和编制办公室, N 农业, Y 其他).
# python-stdnum 2.2 wants the first 8 characters to be digits and so rejects these real codes;
# the check digit is computed the same way for them.
_USCC_LETTER_AUTHORITIES: Final = frozenset("ANY")

# GB 32100-2015 (with its amendments), 登记管理部门代码 (1st char) + 机构类别代码 (2nd char).
USCC_ENTITY_CATEGORIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "11": "government_agency",  # 机构编制: 机关
        "12": "public_institution",  # 事业单位
        "13": "mass_organisation",  # 中央编办直接管理机构编制的群众团体
        "19": "other_establishment",  # 机构编制: 其他
        "21": "foreign_news_agency",  # 外交: 外国常驻新闻机构
        "29": "other_foreign_affairs",
        "31": "law_firm",  # 司法行政: 律师执业机构
        "32": "notary_office",  # 公证处
        "33": "grassroots_legal_service",  # 基层法律服务所
        "34": "judicial_appraisal_institution",  # 司法鉴定机构
        "35": "arbitration_commission",  # 仲裁委员会
        "39": "other_judicial_administration",
        "41": "foreign_cultural_centre",  # 文化: 外国在华文化中心
        "49": "other_culture",
        "51": "social_organisation",  # 民政: 社会团体
        "52": "private_non_enterprise_unit",  # 民办非企业单位 (社会服务机构)
        "53": "foundation",  # 基金会
        "59": "other_civil_affairs",
        "61": "foreign_tourism_office",  # 旅游: 外国旅游部门常驻代表机构
        "62": "hk_macao_taiwan_tourism_office",  # 港澳台地区旅游部门常驻内地(大陆)代表机构
        "69": "other_tourism",
        "71": "religious_venue",  # 宗教: 宗教活动场所
        "72": "religious_school",  # 宗教院校
        "79": "other_religion",
        "81": "trade_union",  # 工会: 基层工会
        "89": "other_trade_union",
        "91": "enterprise",  # 工商: 企业
        "92": "individual_business",  # 个体工商户
        "93": "farmers_cooperative",  # 农民专业合作社
        "A1": "military_public_institution",  # 中央军委改革和编制办公室: 军队事业单位
        "A9": "other_military",
        "N1": "group_collective_economic_organisation",  # 农业: 组级集体经济组织
        "N2": "village_collective_economic_organisation",  # 村级集体经济组织
        "N3": "township_collective_economic_organisation",  # 乡镇级集体经济组织
        "N9": "other_agriculture",
        "Y1": "other",  # 其他登记管理部门
    }
)

# Direct-controlled municipalities (直辖市): their "city-level" codes 1101/1102, 5001/5002, ...
# only group districts and counties (市辖区/县), so they say no more than the province code.
_MUNICIPALITIES: Final = frozenset({"11", "12", "31", "50"})
_NATIONAL_DIVISION: Final = "100000"

# Characters users and spreadsheets put between the parts of a number (after NFKC).
_SEPARATORS: Final = re.compile(r"[\s\-\u2010-\u2015\u2212\u30FC]+")
_PHONE_SEPARATORS: Final = re.compile(r"[\s\-\u2010-\u2015\u2212\u30FC./()\[\]]+")
_CN_MOBILE: Final = re.compile(r"1[3-9]")

_LABELS: Final[Mapping[_Kind, tuple[str, str]]] = {
    "uscc": ("统一社会信用代码", "USCC"),
    "resident_id": ("居民身份证号码", "resident ID number"),
    "phone": ("电话号码", "phone number"),
    "email": ("电子邮件地址", "e-mail address"),
    "division_code": ("行政区划代码", "division code"),
}
_MESSAGES: Final[Mapping[tuple[_Kind, str], str]] = {
    ("uscc", "length"): "统一社会信用代码应为 18 位 / USCC must have 18 characters",
    ("uscc", "format"): "统一社会信用代码含有不允许的字符 / USCC has a character not allowed",
    ("uscc", "checksum"): "统一社会信用代码校验位错误 / USCC check digit is wrong",
    ("resident_id", "length"): "身份证号码应为 18 位 / resident ID must have 18 characters",
    ("resident_id", "format"): "身份证号码应为 17 位数字加数字或 X / not 17 digits + digit or X",
    ("resident_id", "checksum"): "身份证号码校验位错误 / resident ID check digit is wrong",
    ("resident_id", "birth_date"): "身份证号码出生日期无效 / resident ID birth date is not real",
    ("resident_id", "region"): "身份证号码地址码不存在 / resident ID region code is unknown",
    ("phone", "format"): "无法识别为电话号码 / not recognisable as a phone number",
    ("phone", "length"): "电话号码位数不对 / phone number has a wrong number of digits",
    ("phone", "mobile_length"): "手机号码应为 11 位 / China mobile numbers have 11 digits",
    ("phone", "country_code"): "国家或地区代码无效 / invalid country calling code",
    ("phone", "numbering_plan"): "号码不在号码分配方案内 / number is not in the numbering plan",
    ("email", "format"): "电子邮件地址格式错误 / e-mail address is malformed",
    ("division_code", "format"): "行政区划代码应为 6 位数字 / division code must be 6 digits",
}
# Long junk is cut in error details: they are logged and returned by the API.
_MAX_SHOWN: Final = 64


def _fail(kind: _Kind, reason: str, value: str | None, **extra: str) -> NoReturn:
    """Raise the one error of this module, with its documented details."""
    zh, en = _LABELS[kind]
    message = _MESSAGES.get((kind, reason))
    if message is None:  # the reasons every identifier shares
        message = {
            "type": f"{zh}必须是字符串 / {en} must be a string",
            "empty": f"{zh}为空 / {en} is empty",
        }[reason]
    shown = value
    if shown is not None:
        # A whole resident ID must not reach logs or screens, even a wrong one.
        shown = mask_resident_id(shown) if kind == "resident_id" else shown
        shown = shown if len(shown) <= _MAX_SHOWN else shown[:_MAX_SHOWN] + "…"
    details: dict[str, str | None] = {"kind": kind, "reason": reason, "value": shown, **extra}
    raise InvalidIdentifierError(message, details=details)


def _text(kind: _Kind, value: object) -> str:
    if not isinstance(value, str):
        _fail(kind, "type", None, type=type(value).__name__)
    return value


def _compact(value: str, separators: re.Pattern[str], *, upper: bool) -> str:
    # NFKC turns full-width digits, letters and punctuation into ASCII; the second pass
    # recomposes what removing separators joined, so compacting twice changes nothing.
    text = unicodedata.normalize("NFKC", value)
    if upper:
        text = text.upper()
    # Format characters (zero-width space, BOM) come along when numbers are copied from web pages.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", separators.sub("", text))


def _is_valid(validate: Callable[[str], str], value: str) -> bool:
    try:
        validate(value)
    except InvalidIdentifierError:
        return False
    return True


# --- 统一社会信用代码 (Unified Social Credit Code, GB 32100-2015) ---------------------------


def compact_uscc(uscc: str) -> str:
    """Return the USCC without spaces or hyphens, half-width and upper-case.

    Example:
        >>> compact_uscc("９１１１ 0113-ma01ghe6xa")
        '91110113MA01GHE6XA'
    """
    return _compact(_text("uscc", uscc), _SEPARATORS, upper=True)


def validate_uscc(uscc: str) -> str:
    """Check a USCC's length, characters and check digit; return its compact form.

    Raises:
        InvalidIdentifierError: ``reason`` is ``empty``, ``length``, ``format`` or ``checksum``.

    Example:
        >>> try:
        ...     validate_uscc("91110113MA01GHE6XB")
        ... except InvalidIdentifierError as exc:
        ...     exc.details
        {'kind': 'uscc', 'reason': 'checksum', 'value': '91110113MA01GHE6XB'}
    """
    value = compact_uscc(uscc)
    if not value:
        _fail("uscc", "empty", value)
    if len(value) != 18:
        _fail("uscc", "length", value)
    if (
        not (value[0] in _DIGITS or value[0] in _USCC_LETTER_AUTHORITIES)
        or not all(c in _DIGITS for c in value[1:8])
        or not all(c in _USCC_ALPHABET for c in value[8:])
    ):
        _fail("uscc", "format", value)
    if stdnum_uscc.calc_check_digit(value[:17]) != value[17]:
        _fail("uscc", "checksum", value)
    return value


def is_valid_uscc(uscc: str) -> bool:
    """Tell whether :func:`validate_uscc` accepts the value.

    Example:
        >>> is_valid_uscc("92500231MA608YRC4Y"), is_valid_uscc("92500231MA608YRC4X")
        (True, False)
    """
    return _is_valid(validate_uscc, uscc)


def format_uscc(uscc: str) -> str:
    """Return a valid USCC as it is printed on a business licence: 18 characters, no spaces.

    Example:
        >>> format_uscc("9111 0113 MA01 GHE6 XA")
        '91110113MA01GHE6XA'
    """
    return validate_uscc(uscc)


def uscc_division_code(uscc: str) -> str:
    """Return the 6-digit division code of the authority that registered a valid USCC.

    ``100000`` means a national authority; ``XX0000`` a province, ``XXXX00`` a city.

    Example:
        >>> uscc_division_code("91110113MA01GHE6XA")
        '110113'
    """
    return validate_uscc(uscc)[2:8]


def uscc_entity_category(uscc: str) -> str:
    """Return what kind of entity a valid USCC belongs to, or ``"unknown"``.

    The first two characters (registration authority + entity type) are looked up in
    :data:`USCC_ENTITY_CATEGORIES`.

    Example:
        >>> uscc_entity_category("92500231MA608YRC4Y")
        'individual_business'
    """
    return USCC_ENTITY_CATEGORIES.get(validate_uscc(uscc)[:2], "unknown")


def _division_prefix(code: str) -> str:
    """The significant digits of a division code: 0 (national), 2, 4 or 6."""
    if code == _NATIONAL_DIVISION:
        return ""
    if code.endswith("0000") or (code.endswith("00") and code[:2] in _MUNICIPALITIES):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def division_code_matches(region_code: str, division_code: str) -> bool:
    """Tell whether a region parsed from a name agrees with a USCC's registration division.

    Both codes are 6-digit GB/T 2260 codes whose trailing zeros give their level: ``XX0000`` a
    province, ``XXXX00`` a city, anything else a county. They agree when they are equal at the
    coarser of the two levels (first 2, 4 or 6 digits), so a company registered at a higher level
    than its name's region agrees when the higher-level prefix does. ``100000`` (national, 中国)
    agrees with everything, and the ``XX0100``/``XX0200`` codes of 直辖市 count as province level.

    Raises:
        InvalidIdentifierError: either code is not 6 ASCII digits (``kind`` ``division_code``).

    Example:
        >>> division_code_matches("440300", "440305"), division_code_matches("110105", "110000")
        (True, True)
        >>> division_code_matches("440305", "440306")
        False
    """
    for code in (_text("division_code", region_code), _text("division_code", division_code)):
        if len(code) != 6 or not all(c in _DIGITS for c in code):
            _fail("division_code", "format", code)
    region, division = _division_prefix(region_code), _division_prefix(division_code)
    level = min(len(region), len(division))
    return region[:level] == division[:level]


# --- 居民身份证号码 (resident identity card number, GB 11643-1999) ---------------------------


def compact_resident_id(resident_id: str) -> str:
    """Return the ID number without spaces or hyphens, half-width and upper-case.

    Example:
        >>> compact_resident_id("110105 19491231 002x")
        '11010519491231002X'
    """
    return _compact(_text("resident_id", resident_id), _SEPARATORS, upper=True)


def validate_resident_id(resident_id: str) -> str:
    """Check an 18-character ID number's check digit, birth date and region; return it compact.

    Raises:
        InvalidIdentifierError: ``reason`` is ``empty``, ``length``, ``format``, ``checksum``,
            ``birth_date`` (not a real date, or in the future) or ``region`` (an address code
            that did not exist). ``details["value"]`` is masked.

    Example:
        >>> validate_resident_id("11010519491231002x")
        '11010519491231002X'
    """
    value = compact_resident_id(resident_id)
    if not value:
        _fail("resident_id", "empty", value)
    if len(value) != 18:
        _fail("resident_id", "length", value)
    if not all(c in _DIGITS for c in value[:17]) or value[17] not in "0123456789X":
        _fail("resident_id", "format", value)
    if stdnum_ric.calc_check_digit(value) != value[17]:
        _fail("resident_id", "checksum", value)
    try:
        birth_date = stdnum_ric.get_birth_date(value)
    except ValidationError:
        _fail("resident_id", "birth_date", value)
    if birth_date > datetime.date.today():
        _fail("resident_id", "birth_date", value)
    try:
        stdnum_ric.get_birth_place(value)
    except ValidationError:
        _fail("resident_id", "region", value)
    return value


def is_valid_resident_id(resident_id: str) -> bool:
    """Tell whether :func:`validate_resident_id` accepts the value.

    Example:
        >>> is_valid_resident_id("11010519491231002X"), is_valid_resident_id("110105194912310021")
        (True, False)
    """
    return _is_valid(validate_resident_id, resident_id)


def format_resident_id(resident_id: str) -> str:
    """Return a valid ID number in its 18-character upper-case form (see also the masked form).

    Example:
        >>> format_resident_id("110105-19491231-002x")
        '11010519491231002X'
    """
    return validate_resident_id(resident_id)


def mask_resident_id(resident_id: str) -> str:
    """Hide all but the first 4 and last 4 characters, for screens and logs.

    Works on invalid values too (they may be legacy 15-digit numbers); values shorter than 15
    characters are hidden entirely.

    Example:
        >>> mask_resident_id("11010519491231002X")
        '1101**********002X'
    """
    value = compact_resident_id(resident_id)
    if len(value) < 15:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# --- Phone numbers -----------------------------------------------------------------------------

_PARSE_REASONS: Final[Mapping[int, str]] = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "country_code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "format",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "length",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "length",
    phonenumbers.NumberParseException.TOO_LONG: "length",
}


def compact_phone(phone: str) -> str:
    """Return the phone number half-width, without spaces, hyphens, dots or brackets.

    Example:
        >>> compact_phone("（010）6552-9988")
        '01065529988'
    """
    return _compact(_text("phone", phone), _PHONE_SEPARATORS, upper=False)


def _parse_phone(phone: str, region: str) -> phonenumbers.PhoneNumber:
    value = compact_phone(phone)
    if not value:
        _fail("phone", "empty", value)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        _fail("phone", _PARSE_REASONS.get(exc.error_type, "format"), value)
    national = str(number.national_number)
    # Mainland mobile numbers are 1[3-9] + 9 digits; say so rather than "not in the plan".
    if number.country_code == 86 and _CN_MOBILE.match(national) and len(national) != 11:
        _fail("phone", "mobile_length", value)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        _fail("phone", "country_code", value)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        _fail("phone", "length", value)
    if not phonenumbers.is_valid_number(number):
        _fail("phone", "numbering_plan", value)
    return number


def validate_phone(phone: str, *, region: str = "CN") -> str:
    """Check a phone number against the numbering plan; return it in E.164 form.

    Numbers without a country code are read as numbers of ``region``.

    Raises:
        InvalidIdentifierError: ``reason`` is ``empty``, ``format``, ``length``,
            ``mobile_length``, ``country_code`` or ``numbering_plan``.

    Example:
        >>> validate_phone("0086 138-0013-8000")
        '+8613800138000'
    """
    number = _parse_phone(phone, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_phone(phone: str, *, region: str = "CN") -> bool:
    """Tell whether :func:`validate_phone` accepts the value.

    Example:
        >>> is_valid_phone("13800138000"), is_valid_phone("1380013800")
        (True, False)
    """
    try:
        validate_phone(phone, region=region)
    except InvalidIdentifierError:
        return False
    return True


def format_phone(phone: str, *, region: str = "CN") -> str:
    """Return a valid phone number in international form, with its extension if any.

    Example:
        >>> format_phone("010-6552 9988")
        '+86 10 6552 9988'
    """
    number = _parse_phone(phone, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_key(phone: str, *, region: str = "CN") -> str:
    """Return the E.164 form used to look customers up by phone; extensions are dropped.

    Example:
        >>> phone_key("１３８００１３８０００"), phone_key("+86 138-0013-8000")
        ('+8613800138000', '+8613800138000')
    """
    return validate_phone(phone, region=region)


# --- E-mail addresses ----------------------------------------------------------------------------


def compact_email(email: str) -> str:
    """Return the address half-width and without surrounding whitespace.

    The local part keeps its case: only the domain is case-insensitive.

    Example:
        >>> compact_email(" Zhang.San＠Example.COM ")
        'Zhang.San@Example.COM'
    """
    return unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKC", _text("email", email)).strip()
    )


def _validated_email(email: str) -> email_validator.ValidatedEmail:
    value = compact_email(email)
    if not value:
        _fail("email", "empty", value)
    try:
        # Every option is spelled out: email-validator reads its defaults from module globals
        # that other code could change, and deliverability would mean a DNS query.
        return email_validator.validate_email(
            value,
            check_deliverability=False,
            globally_deliverable=True,
            test_environment=False,
            allow_smtputf8=True,
            allow_empty_local=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=False,
        )
    except email_validator.EmailNotValidError as exc:
        _fail("email", "format", value, explanation=str(exc))


def validate_email(email: str) -> str:
    """Check an address's syntax (never its deliverability); return it normalized.

    The domain is lower-cased and shown in Unicode; the local part is kept as typed.

    Raises:
        InvalidIdentifierError: ``reason`` is ``empty`` or ``format``; ``details["explanation"]``
            carries email-validator's English explanation.

    Example:
        >>> validate_email("Zhang.San@Example.COM")
        'Zhang.San@example.com'
    """
    return _validated_email(email).normalized


def is_valid_email(email: str) -> bool:
    """Tell whether :func:`validate_email` accepts the value.

    Example:
        >>> is_valid_email("a@example.com"), is_valid_email("a@localhost")
        (True, False)
    """
    return _is_valid(validate_email, email)


def format_email(email: str) -> str:
    """Return a valid address in its normalized form (see :func:`validate_email`).

    Example:
        >>> format_email("user@XN--FSQU00A.XN--FIQS8S")
        'user@例子.中国'
    """
    return validate_email(email)


def email_domain(email: str) -> str:
    """Return the lower-cased domain of a valid address, in Unicode.

    Example:
        >>> email_domain("Zhang.San@Example.COM")
        'example.com'
    """
    return _validated_email(email).domain.lower()
