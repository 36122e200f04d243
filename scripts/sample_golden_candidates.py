"""Draw candidate names for tests/data/golden_names.tsv, reproducibly.

This script only PRINTS candidates (category, source, name). It never writes answers: the expected
standard name, kind and parts in the golden file are written by hand, by reading each name.

Usage:
    python scripts/sample_golden_candidates.py [--data ../shared/data] [--seed 2260] [--factor 3]

The selection is deterministic for a given seed and data folder: files are read in sorted order
and every pool is sorted before sampling. The golden rows were picked by hand from this output
(uniform pools plus the "focus:" pools for rarer shapes). The categories variant, individual,
title, short_name and hostile are constructed by hand and are not drawn here.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# category -> how many rows the golden file wants (the script prints factor x this many)
TARGETS = {
    "plain": 120,
    "bracket_region": 50,
    "branch": 50,
    "group": 25,
    "joint_stock": 25,
    "partnership": 15,
    "sole_and_small": 40,
    "place_in_trade_name": 20,
    "national": 10,
    "english": 40,
    "variant": 40,
}

SMALL_TYPES = {"个体工商户", "个体户", "个人独资企业", "农民专业合作社", "农民专业合作经济组织"}
SMALL_ENDINGS = (
    "厂",
    "店",
    "经营部",
    "门市部",
    "服务部",
    "商行",
    "工作室",
    "养殖场",
    "种植场",
    "合作社",
    "超市",
    "诊所",
    "中心",
    "个人独资企业",
)
BRANCH_RE = re.compile(
    r"(有限公司|有限责任公司|股份有限公司)(.+(分公司|分行|支行|营业部|办事处|店|分部))$"
)
BRACKET_RE = re.compile(r"[（(]([^（）()]{2,12})[）)]")
PLACE_SUFFIX_RE = re.compile(r"(省|市|区|县|自治州|自治县|旗|盟)$")


# Focused pools: rarer shapes that a uniform draw misses (printed as "focus:<name>").
FOCUS_REGISTRATIONS = {
    "plain_province_city": r"^\w{2,3}(省|自治区)\w{2,4}(市|州|盟)\w+有限(责任)?公司$",
    "plain_city_district": r"^\w{2,4}市\w{1,4}区\w+有限(责任)?公司$",
    "plain_county_township": r"^\w{1,5}[县旗区]\w{1,4}[镇乡]\w+有限(责任)?公司$",
    "plain_autonomous": r"^\w*自治[县州旗]\w+有限(责任)?公司$",
    "plain_short_prefecture": r"^\w{2,4}州\w+有限(责任)?公司$",
    "branch_bank": r"银行.*(分行|支行)$",
    "branch_securities_insurance": r"(证券.*营业部|保险.*(支公司|营销服务部))$",
    "branch_office_or_nested": r"(办事处|分公司.+分公司|分公司.+营业部)$",
    "small_shop": r"^[^公]*(经营部|商行|服务部|门市部|工作室|店|馆|中心|合作社)$",
    "latin_or_digits": r"^[^,]*[0-9A-Za-z][^,]*(公司|店|厂|部)$",
    "place_word_trade": r"^\w{0,4}(和平|朝阳|新华|黄河|长江|长城|中山|东方|鼓楼|南山)\w+公司$",
}
FOCUS_LISTED = {
    "place_only_trade": (
        r"^\w{2,3}(银行|旅游|港|机场|燃气|煤电|钛业|矿业|发展|电气)\w*股份有限公司$"
    ),
    "national": r"^(中国|中华|国家)",
    "group_bracket": r"[（(]集团[）)]|集团[（(]",
}
FOCUS_PER_POOL = 25


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def division_names(data: Path) -> set[str]:
    names: set[str] = set()
    for fname in ("provinces.csv", "cities.csv", "areas.csv"):
        for row in read_csv(data / "cn_divisions" / fname):
            name = row["name"]
            if name in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
                continue
            names.add(name)
    return names


def registrations(data: Path) -> Iterator[tuple[str, str, str]]:
    """(province file, 企业名称, 企业类型) for every registration, files in sorted order."""
    for path in sorted((data / "cn_registrations_2019").glob("*.csv")):
        for row in read_csv(path):
            name = (row.get("企业名称") or "").strip()
            if name:
                yield path.stem, name, (row.get("企业类型") or "").strip()


def listed(data: Path) -> list[dict[str, str]]:
    return list(read_csv(data / "cn_listed_companies" / "entity_name_variants.csv"))


def split_multi(value: str) -> list[str]:
    return [v for v in value.split("|") if v.strip()]


def sample(rng: random.Random, pool: Iterable[tuple[str, str]], k: int) -> list[tuple[str, str]]:
    items = sorted(set(pool))
    if len(items) <= k:
        return items
    return rng.sample(items, k)


def classify_registration(name: str, etype: str, places: set[str]) -> str | None:
    if "合伙" in name:
        return "partnership"
    if etype in SMALL_TYPES or (
        not name.endswith("公司") and name.endswith(SMALL_ENDINGS) and "公司" not in name
    ):
        return "sole_and_small"
    if BRANCH_RE.search(name):
        return "branch"
    if "集团" in name:
        return "group"
    m = BRACKET_RE.search(name)
    if m and (m.group(1) in places or PLACE_SUFFIX_RE.search(m.group(1))):
        return "bracket_region"
    if name.endswith(("有限公司", "有限责任公司")) and not m and "股份" not in name:
        return "plain"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=2260)
    parser.add_argument("--factor", type=int, default=3, help="candidates per wanted row")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    places = division_names(args.data)

    pools: dict[str, list[tuple[str, str]]] = {c: [] for c in TARGETS}
    plain_by_province: dict[str, list[tuple[str, str]]] = {}
    for province, name, etype in registrations(args.data):
        cat = classify_registration(name, etype, places)
        if cat == "plain":
            plain_by_province.setdefault(province, []).append((f"reg:{province}", name))
        elif cat is not None:
            pools[cat].append((f"reg:{province}:{etype or '-'}", name))

    for row in listed(args.data):
        src = f"listed:{row['code']}"
        for full in split_multi(row["full_names"]):
            if "集团" in full:
                pools["group"].append((src, full))
            elif full.endswith("股份有限公司"):
                pools["joint_stock"].append((src, full))
            if full.startswith(("中国", "中华", "国家")):
                pools["national"].append((src, full))
            head = full[:2]
            if head in {p[:2] for p in places if len(p) <= 3} and full.endswith("股份有限公司"):
                pools["place_in_trade_name"].append((src, full))
            pools["variant"].append((src, full))
        for short in split_multi(row["short_names"]):
            pools["variant"].append((src + ":short", short))
        for en in split_multi(row["en_names"]):
            pools["english"].append((src, en))

    # plain: spread over provinces (round robin over sorted province files)
    want = TARGETS["plain"] * args.factor
    per_province = max(1, want // max(1, len(plain_by_province)))
    for province in sorted(plain_by_province):
        pools["plain"].extend(sample(rng, plain_by_province[province], per_province))

    focus: dict[str, list[tuple[str, str]]] = {k: [] for k in (*FOCUS_REGISTRATIONS, *FOCUS_LISTED)}
    reg_patterns = {k: re.compile(v) for k, v in FOCUS_REGISTRATIONS.items()}
    listed_patterns = {k: re.compile(v) for k, v in FOCUS_LISTED.items()}
    for province, name, etype in registrations(args.data):
        for key, pattern in reg_patterns.items():
            if pattern.search(name):
                focus[key].append((f"reg:{province}:{etype or '-'}", name))
    for row in listed(args.data):
        for full in split_multi(row["full_names"]):
            for key, pattern in listed_patterns.items():
                if pattern.search(full):
                    focus[key].append((f"listed:{row['code']}", full))

    print("category\tsource\tname")
    for cat, target in TARGETS.items():
        for src, name in sample(rng, pools[cat], target * args.factor):
            print(f"{cat}\t{src}\t{name}")
    for key, items in focus.items():
        for src, name in sample(rng, items, FOCUS_PER_POOL):
            print(f"focus:{key}\t{src}\t{name}")


if __name__ == "__main__":
    main()
