"""Invented companies: realistic, fictitious, the same on every installation (seeded).

Names combine the shipped brand words (``zhengming/demo_data/brand_words.txt``) with the name
pipeline's own lexicons: real region names (as companies write them: 苏州, 苏州市, 杭州市余杭区,
慈溪市, or bracketed after the 字号), industry words and legal forms. Each company gets a valid
统一社会信用代码 whose division code is its region; some get a short name, an English name, a
dated former name, or are a branch (分公司) of an earlier one.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pypinyin import Style, lazy_pinyin
from stdnum.cn import uscc as stdnum_uscc

from zhengming.domain.customer import NameType
from zhengming.domain.names import lexicon
from zhengming.errors import DataFileError
from zhengming.services.commands import AliasInput, CustomerCreate
from zhengming.services.demo.sales import DEFAULT_SEED, relationship, tags

BRAND_WORDS = "demo_data/brand_words.txt"

#: Common industry words of the lexicon with the English a company would use for them.
INDUSTRIES = {
    "科技": "Technology",
    "网络科技": "Network Technology",
    "信息技术": "Information Technology",
    "电子": "Electronics",
    "电子科技": "Electronic Technology",
    "智能科技": "Intelligent Technology",
    "软件": "Software",
    "数据科技": "Data Technology",
    "生物科技": "Biotechnology",
    "医药": "Pharmaceutical",
    "医疗器械": "Medical Devices",
    "新材料": "New Materials",
    "新能源": "New Energy",
    "光电": "Optoelectronics",
    "半导体": "Semiconductor",
    "通信": "Communication",
    "自动化设备": "Automation Equipment",
    "机械": "Machinery",
    "机械设备": "Machinery and Equipment",
    "精密": "Precision",
    "模具": "Mould",
    "五金": "Hardware",
    "电器": "Electric Appliance",
    "电气": "Electric",
    "化工": "Chemical",
    "塑胶": "Plastics",
    "包装": "Packaging",
    "印刷": "Printing",
    "纺织": "Textile",
    "服饰": "Apparel",
    "家居": "Home Furnishing",
    "家具": "Furniture",
    "照明": "Lighting",
    "食品": "Food",
    "农业": "Agriculture",
    "贸易": "Trading",
    "商贸": "Trading",
    "国际贸易": "International Trading",
    "进出口": "Import and Export",
    "物流": "Logistics",
    "供应链管理": "Supply Chain Management",
    "电子商务": "E-Commerce",
    "文化传媒": "Culture Media",
    "广告": "Advertising",
    "教育科技": "Education Technology",
    "企业管理": "Enterprise Management",
    "管理咨询": "Management Consulting",
    "人力资源": "Human Resources",
    "餐饮管理": "Catering Management",
    "酒店管理": "Hotel Management",
    "物业管理": "Property Management",
    "建设": "Construction",
    "建筑工程": "Construction Engineering",
    "装饰工程": "Decoration Engineering",
    "环保科技": "Environmental Technology",
    "检测": "Testing",
    "投资": "Investment",
    "实业": "Industrial",
}
#: Legal forms of the lexicon, weighted as they occur among small and medium companies.
LEGAL_FORMS = (("有限公司", 72), ("有限责任公司", 12), ("股份有限公司", 10), ("集团有限公司", 6))
_FORMER_NAME_SHARE = 0.06
_BRANCH_SHARE = 0.04
# Cities where much of any customer base sits; other cities and counties appear less often.
_BUSY_CITIES = frozenset(
    {"北京市", "上海市", "天津市", "重庆市", "广州市", "深圳市", "杭州市", "苏州市", "南京市"}
    | {"成都市", "武汉市", "西安市", "宁波市", "东莞市", "佛山市", "青岛市", "厦门市", "长沙市"}
)
_MUNICIPALITIES = frozenset(("110000", "120000", "310000", "500000"))
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True, slots=True)
class _Place:
    """A region as a company name writes it, and the division code its USCC carries."""

    written: str  # 苏州, 苏州市, 杭州市余杭区, 慈溪市
    code: str
    stem: str  # for brackets and English names: 苏州


@lru_cache(maxsize=1)
def brand_words() -> tuple[str, ...]:
    """The shipped brand and short-name words (字号) invented companies are named with."""
    try:
        text = resources.files("zhengming").joinpath(BRAND_WORDS).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(
            f"演示数据缺失 / demo data missing: {BRAND_WORDS}", details={"file": BRAND_WORDS}
        ) from exc
    return tuple(line.strip() for line in text.splitlines() if line.strip() and line[0] != "#")


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[_Place, ...], tuple[int, ...]]:
    """Places to name companies after, with weights (busy cities first).

    Long county and district names (务川仡佬族苗族自治县, 长春汽车经济技术开发区) are left out:
    real, but rare at the head of a company name.
    """
    rows = lexicon.region_rows()
    names = {code: name for code, _level, name, _parent in rows}
    places: list[_Place] = []
    weights: list[int] = []
    for code, level, name, parent in rows:
        if code[:2] in {"71", "81", "82"}:
            continue  # Taiwan, Hong Kong, Macao register companies under other laws
        if level == "city" or code in _MUNICIPALITIES:
            busy = name in _BUSY_CITIES
            stem = name.removesuffix("市")
            if stem != name:  # 苏州 and 苏州市 both open names
                places.append(_Place(stem, code, stem))
                weights.append(12 if busy else 2)
            places.append(_Place(name, code, stem))
            weights.append(6 if busy else 1)
        elif level == "province":
            places.append(_Place(_province_stem(name), code, _province_stem(name)))
            weights.append(3)
        elif level != "county" or len(name) > 4 or name.startswith(names.get(parent, "-")):
            continue
        elif name.endswith(("市", "县")):
            places.append(_Place(name, code, name[:-1] if len(name) > 2 else name))
            weights.append(1)
        elif name.endswith("区") and names.get(parent, "").endswith("市"):
            # Districts are written after their city: 杭州市余杭区.
            city = names[parent]
            places.append(_Place(city + name, code, city.removesuffix("市")))
            weights.append(3 if city in _BUSY_CITIES else 1)
    return tuple(places), tuple(weights)


def _province_stem(name: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def synthetic_companies(count: int, *, seed: int = DEFAULT_SEED) -> list[CustomerCreate]:
    """``count`` invented companies; the first ``n`` are the same for any ``count >= n``."""
    rng = random.Random(seed)
    words = brand_words()
    places, weights = _places()
    industries = list(INDUSTRIES)
    used_names: set[str] = set()
    used_usccs: set[str] = set()
    companies: list[CustomerCreate] = []
    while len(companies) < count:
        place = rng.choices(places, weights=weights)[0]
        if companies and rng.random() < _BRANCH_SHARE:
            company = _branch(rng, companies, place, used_usccs)
        else:
            company = _company(rng, words, industries, place, used_usccs)
        if company is None or company.name in used_names:
            continue
        used_names.add(company.name)
        companies.append(company)
    return companies


def _company(
    rng: random.Random,
    words: Sequence[str],
    industries: Sequence[str],
    place: _Place,
    used_usccs: set[str],
) -> CustomerCreate:
    brand = rng.choice(words)
    industry = rng.choice(industries)
    form = rng.choices([f for f, _ in LEGAL_FORMS], weights=[w for _, w in LEGAL_FORMS])[0]
    if form == "集团有限公司":
        industry = ""  # 浙江瑞裕集团有限公司: a group names no single industry
    if rng.random() < 0.12:
        name = f"{brand}（{place.stem}）{industry}{form}"
    else:
        name = f"{place.written}{brand}{industry}{form}"
    aliases: list[AliasInput] = []
    if rng.random() < 0.5:
        short = brand + industry if 0 < len(industry) <= 2 else brand
        aliases.append(AliasInput(name=short, type=NameType.SHORT))
    if industry and rng.random() < 0.25:
        english = f"{_pinyin(place.stem)} {_pinyin(brand)} {INDUSTRIES[industry]} Co., Ltd."
        aliases.append(AliasInput(name=english, type=NameType.ENGLISH))
    if rng.random() < _FORMER_NAME_SHARE:
        former = f"{place.written}{rng.choice(words)}{industry or '实业'}有限公司"
        changed = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(3000))
        aliases.append(AliasInput(name=former, type=NameType.FORMER, valid_to=changed))
    return CustomerCreate(
        name=name,
        uscc=_uscc(rng, place.code, used_usccs),
        region_code=place.code,
        aliases=aliases,
        source="demo",
        tags=tags(rng),
        **relationship(rng),
    )


def _branch(
    rng: random.Random, companies: Sequence[CustomerCreate], place: _Place, used_usccs: set[str]
) -> CustomerCreate | None:
    """A branch (分公司) of an earlier company, in another place: the check calls it related."""
    head = rng.choice(companies)
    if "分公司" in head.name or place.stem in head.name:
        return None
    return CustomerCreate(
        name=f"{head.name}{place.stem}分公司",
        uscc=_uscc(rng, place.code, used_usccs),
        region_code=place.code,
        source="demo",
        tags=tags(rng),
        **relationship(rng),
    )


def _uscc(rng: random.Random, division: str, used: set[str]) -> str:
    """A valid 统一社会信用代码 of an enterprise (91) registered in ``division``.

    The organization code is the post-2015 kind (MA + 6 characters) with its GB 11714 check
    character, and the last character is the GB 32100 check, so every validator accepts it.
    """
    while True:
        body = "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(6))
        organization = body + _organization_check(body)
        partial = f"91{division}{organization}"
        number = partial + stdnum_uscc.calc_check_digit(partial)
        if number not in used:
            used.add(number)
            return number


def _organization_check(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)).replace("v", "u").title()
