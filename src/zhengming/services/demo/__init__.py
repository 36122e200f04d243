"""Demo data: customers to search, check and rename on a fresh installation.

Two sources, chosen automatically:

* **Listed companies** (:mod:`.listed`, a development checkout): real A-share companies read at
  run time from ``../shared/data/cn_listed_companies`` — the registered name, short names as
  aliases, English names, and former names from the name-change file with the date by which
  they changed. That data is evaluation-only: it is read from the folder, never shipped.
* **Invented companies** (:mod:`.synthetic`, everywhere else): fictitious but realistic names,
  built with a fixed seed from the shipped brand words (``zhengming/demo_data``) and the name
  pipeline's own region, industry and legal-form lexicons, each with a valid 统一社会信用代码
  whose division code is the company's region.

Every company goes through :meth:`CustomerService.register`, the same use case a sales rep
uses, so the naming rules, the duplicate check and the audit log all apply; companies it
refuses as duplicates are skipped and counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from zhengming.domain.customer import SYSTEM, Actor, NameType
from zhengming.errors import (
    DataFileError,
    DuplicateCustomerError,
    InvalidInputError,
    NamingRuleError,
    PossibleDuplicateError,
)
from zhengming.services.commands import CustomerCreate
from zhengming.services.customers import CustomerService, Registration
from zhengming.services.demo.listed import LISTED_FOLDER, VARIANTS, listed_companies
from zhengming.services.demo.sales import DEFAULT_SEED
from zhengming.services.demo.synthetic import synthetic_companies
from zhengming.services.ports import CustomerFilter

__all__ = [
    "DemoLoad",
    "DemoSource",
    "Progress",
    "find_shared_data",
    "listed_companies",
    "load_demo",
    "synthetic_companies",
]

#: ``progress(stage, done, total)``, called as rows are loaded (the CLI draws a bar with it).
Progress = Callable[[str, int, int], None]


class DemoSource(StrEnum):
    """Where demo customers come from."""

    AUTO = "auto"  # listed companies when the development data is there, else invented ones
    LISTED = "listed"
    SYNTHETIC = "synthetic"


@dataclass(frozen=True, slots=True)
class DemoLoad:
    """What :func:`load_demo` did."""

    source: str
    requested: int
    existing: int
    skipped: bool = False  # nothing loaded: the database already had customers
    added: int = 0
    duplicates: int = 0  # refused as the same customer as one already loaded
    possible_duplicates: int = 0  # refused as likely duplicates (registering needs a reason)
    rejected: int = 0  # names or identifiers the naming rules refused
    seconds: float = 0.0
    examples: tuple[str, ...] = ()  # what to type to find a few of them (short names first)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "requested": self.requested,
            "existing": self.existing,
            "skipped": self.skipped,
            "added": self.added,
            "duplicates": self.duplicates,
            "possible_duplicates": self.possible_duplicates,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "examples": list(self.examples),
        }


def find_shared_data(folder: Path | None = None) -> Path | None:
    """The development data folder with the listed companies, or ``None`` (a user's install).

    ``folder`` (the CLI passes ``ZHENGMING_SHARED_DATA``) wins; otherwise ``shared/data`` beside
    the source checkout this module runs from.
    """
    candidates = [folder] if folder is not None else [_checkout().parent / "shared" / "data"]
    for candidate in candidates:
        if (candidate / LISTED_FOLDER / VARIANTS).is_file():
            return candidate
    return None


def _checkout() -> Path:
    # src/zhengming/services/demo/__init__.py -> the repository root (meaningless, and harmless, when
    # installed from a wheel: no shared/data sits beside site-packages).
    return Path(__file__).resolve().parents[4]


def load_demo(
    customers: CustomerService,
    *,
    size: int,
    source: DemoSource = DemoSource.AUTO,
    shared_data: Path | None = None,
    force: bool = False,
    seed: int = DEFAULT_SEED,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
) -> DemoLoad:
    """Register up to ``size`` demo companies, unless the database already has customers.

    Raises:
        DataFileError: ``source`` is ``listed`` and the development data is not there.
    """
    existing = customers.list(actor=actor, filters=CustomerFilter(status=None), page_size=1).total
    folder = find_shared_data(shared_data)
    if source is DemoSource.AUTO:
        source = DemoSource.LISTED if folder is not None else DemoSource.SYNTHETIC
    if existing and not force:
        return DemoLoad(source.value, 0, existing, skipped=True)
    if source is DemoSource.LISTED:
        if folder is None:
            where = shared_data or _checkout().parent / "shared" / "data"
            raise DataFileError(
                f"找不到上市公司数据 / no listed-company data in {where}",
                details={"path": str(where / LISTED_FOLDER)},
            )
        rows = listed_companies(folder / LISTED_FOLDER, limit=size, seed=seed)
    else:
        rows = synthetic_companies(size, seed=seed)
    return _register_all(customers, rows, source, existing, actor=actor, progress=progress)


def _register_all(
    customers: CustomerService,
    rows: Sequence[CustomerCreate],
    source: DemoSource,
    existing: int,
    *,
    actor: Actor,
    progress: Progress | None,
) -> DemoLoad:
    counts = dict.fromkeys(("added", "duplicates", "possible_duplicates", "rejected"), 0)
    examples: list[str] = []
    started = time.perf_counter()
    for done, row in enumerate(rows, start=1):
        try:
            registration = _register(customers, row, actor=actor)
            counts["added"] += 1
            if len(examples) < 3:
                examples.append(_example(registration))
        except DuplicateCustomerError:
            counts["duplicates"] += 1
        except PossibleDuplicateError:
            counts["possible_duplicates"] += 1
        except InvalidInputError:
            counts["rejected"] += 1
        if progress is not None:
            progress("loading demo customers", done, len(rows))
    seconds = time.perf_counter() - started
    return DemoLoad(
        source.value,
        len(rows),
        existing,
        added=counts["added"],
        duplicates=counts["duplicates"],
        possible_duplicates=counts["possible_duplicates"],
        rejected=counts["rejected"],
        seconds=seconds,
        examples=tuple(examples),
    )


def _register(customers: CustomerService, row: CustomerCreate, *, actor: Actor) -> Registration:
    """Register ``row``; an alias the naming rules refuse is dropped, not the whole company.

    Source data has such aliases (an English name with a garbled apostrophe, a short name that
    reads as a form of address: 柳工).
    """
    while True:
        try:
            return customers.register(row, actor=actor)
        except NamingRuleError as error:
            kept = [alias for alias in row.aliases if alias.name != error.details.get("name")]
            if len(kept) == len(row.aliases):
                raise  # the registered name itself, or nothing left to drop
            row = row.model_copy(update={"aliases": kept})


def _example(registration: Registration) -> str:
    customer = registration.customer
    return next((n.name for n in customer.names if n.type is NameType.SHORT), customer.name)
