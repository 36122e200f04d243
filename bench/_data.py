"""Loaders for the evaluation data in ``../shared/data``, shared by the benchmarks.

The data lives outside the repository because its licenses allow evaluation only (see
``shared/data/README.md``); the package must never ship it. The directory is found, in order, from
the environment variable ``ZHENGMING_SHARED_DATA`` or next to the repository as
``<repo>/../shared/data``. Every loader raises :class:`SharedDataNotFoundError` with the path it
looked at when a file is missing, so a benchmark can stop with one clear line.

Example:
    >>> from _data import load_registrations  # doctest: +SKIP
    >>> regs = load_registrations()  # doctest: +SKIP
    >>> regs[0].division_code  # doctest: +SKIP
    '341623'
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "Division",
    "ListedEntity",
    "Registration",
    "SharedDataNotFoundError",
    "load_divisions",
    "load_listed_entities",
    "load_registrations",
    "shared_data_dir",
]

ENV_VAR = "ZHENGMING_SHARED_DATA"
_DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


class SharedDataNotFoundError(FileNotFoundError):
    """The shared evaluation data, or one of its files, is not where the benchmarks look."""


@dataclass(frozen=True, slots=True)
class Registration:
    """One row of ``cn_registrations_2019``: a registered name and its identifier.

    Attributes:
        name: 企业名称 as registered.
        uscc: 统一社会信用代码 (18 characters; every one passes the check digit).
        province_file: the file the row came from, e.g. ``"guangdong"``.
    """

    name: str
    uscc: str
    province_file: str

    @property
    def division_code(self) -> str:
        """The registration authority's 6-digit division code, USCC positions 3-8."""
        return self.uscc[2:8]


@dataclass(frozen=True, slots=True)
class ListedEntity:
    """One stock code of ``cn_listed_companies`` = one legal entity and all its names.

    The name tuples keep the file's order: the last full name is the latest one.
    """

    code: str
    exchange: str
    full_names: tuple[str, ...]
    short_names: tuple[str, ...]
    en_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division of ``cn_divisions``, with its code widened to 6 digits.

    Attributes:
        code: 6-digit code, e.g. ``"440000"`` (province), ``"440300"`` (city), ``"440305"``.
        name: the official name with its suffix, e.g. ``"广东省"``, ``"深圳市"``, ``"南山区"``.
        level: ``"province"``, ``"city"`` or ``"county"``.
    """

    code: str
    name: str
    level: str


def shared_data_dir() -> Path:
    """Return the shared data directory, or raise if it does not exist.

    Raises:
        SharedDataNotFoundError: neither ``$ZHENGMING_SHARED_DATA`` nor ``<repo>/../shared/data``
            is a directory.
    """
    configured = os.environ.get(ENV_VAR)
    path = Path(configured).expanduser() if configured else _DEFAULT_DIR
    path = path.resolve()
    if not path.is_dir():
        source = f"${ENV_VAR}" if configured else "the default location next to the repository"
        raise SharedDataNotFoundError(
            f"shared data directory not found: {path} (from {source}); "
            f"set {ENV_VAR} to the folder that holds cn_registrations_2019/ etc."
        )
    return path


def _require(path: Path) -> Path:
    if not path.exists():
        raise SharedDataNotFoundError(f"shared data file not found: {path}")
    return path


def _read_csv_rows(path: Path) -> Iterator[list[str]]:
    """Yield the data rows of a UTF-8 CSV file, header skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


def load_registrations(data_dir: Path | None = None) -> list[Registration]:
    """Read every ``cn_registrations_2019/*.csv`` file, in file-name order.

    Only the first two columns are used; one row in ``liaoning.csv`` has extra columns, but its
    name and USCC are in place, so it is kept.

    Raises:
        SharedDataNotFoundError: the folder is missing or holds no CSV file.
    """
    folder = _require((data_dir or shared_data_dir()) / "cn_registrations_2019")
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise SharedDataNotFoundError(f"no CSV files in {folder}")
    registrations: list[Registration] = []
    for path in files:
        registrations.extend(
            Registration(name=row[0].strip(), uscc=row[1].strip(), province_file=path.stem)
            for row in _read_csv_rows(path)
            if len(row) >= 2 and row[0].strip()
        )
    return registrations


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part for part in cell.split("|") if part.strip())


def load_listed_entities(data_dir: Path | None = None) -> list[ListedEntity]:
    """Read ``cn_listed_companies/entity_name_variants.csv``: one entity per stock code.

    Raises:
        SharedDataNotFoundError: the file is missing.
    """
    path = _require(
        (data_dir or shared_data_dir()) / "cn_listed_companies" / "entity_name_variants.csv"
    )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            ListedEntity(
                code=row["code"],
                exchange=row["exchange"],
                full_names=_split(row["full_names"]),
                short_names=_split(row["short_names"]),
                en_names=_split(row["en_names"]),
            )
            for row in csv.DictReader(handle)
        ]


def load_divisions(data_dir: Path | None = None) -> list[Division]:
    """Read provinces, cities and counties of ``cn_divisions``, codes widened to 6 digits.

    Placeholder city rows (``市辖区``, ``县``, ``省直辖县级行政区划``...) are kept: callers that
    map names to codes decide what to do with them. Hong Kong, Macao and Taiwan (a JSON file
    without codes) are not included.

    Raises:
        SharedDataNotFoundError: one of the three files is missing.
    """
    folder = _require((data_dir or shared_data_dir()) / "cn_divisions")
    divisions: list[Division] = []
    for file_name, level in (
        ("provinces.csv", "province"),
        ("cities.csv", "city"),
        ("areas.csv", "county"),
    ):
        for row in _read_csv_rows(_require(folder / file_name)):
            divisions.append(Division(code=row[0].ljust(6, "0"), name=row[1], level=level))
    return divisions
