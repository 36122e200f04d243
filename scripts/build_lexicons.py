"""Rebuild the generated lexicons shipped in ``zhengming/domain/names/lexicon/`` from ../shared/data.

Only data whose license allows shipping is used here (see lexicon/ATTRIBUTION.md):
division codes (WTFPL) and person names (Apache-2.0). The curated lexicons (legal forms,
industry words, titles) are written by hand and are not touched by this script.

Run: ``make lexicons`` (or ``python scripts/build_lexicons.py [--data DIR]``).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[1]
LEXICON = REPO / "src" / "zhengming" / "domain" / "names" / "lexicon"
DEFAULT_DATA = REPO.parent / "shared" / "data"

# Hong Kong, Macao and Taiwan are not in the 统计用区划代码 tables; GB/T 2260 gives them these codes.
SPECIAL_REGIONS = {"810000": "香港特别行政区", "820000": "澳门特别行政区", "710000": "台湾省"}
# City-level rows that are placeholders, not places.
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def build_regions(data: Path) -> list[tuple[str, str, str, str]]:
    """(code, level, full name, parent code) for provinces, cities and counties.

    A county hangs from its city when the city is a real place, else from its province
    (municipalities' 市辖区 and 省直辖县级行政区划 are placeholders).
    """
    divisions = data / "cn_divisions"
    rows: list[tuple[str, str, str, str]] = []
    for row in read_csv(divisions / "provinces.csv"):
        rows.append((row["code"] + "0000", "province", row["name"], ""))
    for code, name in SPECIAL_REGIONS.items():
        rows.append((code, "province", name, ""))
    real_cities = set()
    for row in read_csv(divisions / "cities.csv"):
        if row["name"] in PLACEHOLDER_CITIES:
            continue
        real_cities.add(row["code"] + "00")
        rows.append((row["code"] + "00", "city", row["name"], row["provinceCode"] + "0000"))
    for row in read_csv(divisions / "areas.csv"):
        city = row["cityCode"] + "00"
        parent = city if city in real_cities else row["provinceCode"] + "0000"
        rows.append((row["code"], "county", row["name"], parent))
    # Taiwan's cities have no public GB/T 2260 sub-codes: they resolve to the province's code.
    special = json.loads((divisions / "HK-MO-TW.json").read_text(encoding="utf-8"))
    for city in special.get("台湾省", {}):
        if city.endswith(("市", "县")):
            rows.append(("710000", "city", city, "710000"))
    return sorted(set(rows))


def build_townships(data: Path) -> list[tuple[str, str]]:
    """(county code, township name) for towns, townships and sub-districts (镇/乡/街道/苏木)."""
    result = set()
    for row in read_csv(data / "cn_divisions" / "streets.csv"):
        name = row["name"]
        if name.endswith(("镇", "乡", "街道", "苏木")) and len(name) >= 3:
            result.add((row["areaCode"], name))
    return sorted(result)


def build_surnames(data: Path) -> list[tuple[str, int]]:
    workbook = openpyxl.load_workbook(
        data / "cn_person_names" / "Chinese_Family_Name_1k.xlsx", read_only=True
    )
    sheet = workbook.worksheets[0]
    surnames: dict[str, int] = {}
    for index, (name, frequency) in enumerate(sheet.iter_rows(values_only=True)):
        if index == 0 or not name:
            continue
        surnames[str(name).strip()] = int(frequency or 0)
    return sorted(surnames.items(), key=lambda item: (-item[1], item[0]))


def build_english_given_names(data: Path) -> list[str]:
    path = data / "cn_person_names" / "English_Names_Corpus_2W.txt"
    names = set()
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        word = line.strip().lower()
        if word.isascii() and word.isalpha() and len(word) >= 2:
            names.add(word)
    return sorted(names)


def write_tsv(path: Path, header: str, rows: list[tuple[object, ...]]) -> None:
    lines = [header] + ["\t".join(str(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(REPO)}: {len(rows)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    data: Path = args.data
    if not data.is_dir():
        raise SystemExit(f"data directory not found: {data}")
    regions = build_regions(data)
    write_tsv(LEXICON / "regions.tsv", "code\tlevel\tname\tparent", regions)
    write_tsv(LEXICON / "townships.tsv", "county\tname", build_townships(data))
    write_tsv(LEXICON / "surnames.tsv", "surname\tfrequency", build_surnames(data))
    given = [(name,) for name in build_english_given_names(data)]
    write_tsv(LEXICON / "english_given_names.tsv", "name", given)


if __name__ == "__main__":
    main()
