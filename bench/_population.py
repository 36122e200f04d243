"""The stored customers of the 1,000,000-customer benchmarks, and their cached SQLite file.

All 164,587 registrations of 2019 (name + USCC) and synthetic company names up to N (default
1,000,000): a region, a 字号, industry words and a legal form, each taken from a random
registration; 30% of the 字号 are real ones (companies in other places and trades share a 字号,
as in life), the rest are new 2-4 character 字号 built from the characters real 字号 use. Below
1,000,000 the registrations are a seeded sample of the same share (16.5%). They are stored with
the trusted bulk loader (``zhengming.services.bulk``) into ``zhengming_<N>.sqlite`` (with a
``.json`` of what was loaded); later runs with the same population reuse it.

Used by ``realtime_check.py`` (the duplicate check) and ``import_speed.py`` (spreadsheet imports).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zhengming
from _data import Registration
from _dedup_eval import _text_key

FULL_SIZE = 1_000_000
#: Share of synthetic names that reuse a real 字号.
REUSED_TRADE_SHARE = 0.3
# Bump when the population or the load changes, so cached databases of the old shape are rebuilt.
_FORMAT = 1


# --- the population ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parts:
    """The parsed parts of a registration the generators use (the ``_Parts`` of _dedup_eval)."""

    region: str | None
    trade_name: str | None
    industry: str | None
    legal_form: str | None


@dataclass(slots=True)
class Population:
    """The stored customers, in load order; ``usccs`` is None for synthetic ones."""

    names: list[str]
    usccs: list[str | None]
    registrations: int
    #: The 字号 of each (as parsed for registrations, as generated for synthetic names).
    trades: list[str | None] = field(default_factory=list)

    def digest(self) -> str:
        text = "\n".join(f"{n}\t{u or ''}" for n, u in zip(self.names, self.usccs, strict=True))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def registration_parts(registrations: Sequence[Registration], out_dir: Path) -> list[Parts]:
    """Parts of every registration, cached in ``registration_parts.tsv`` (parsing takes a while)."""
    path = out_dir / "registration_parts.tsv"
    if path.exists():
        rows = path.read_text(encoding="utf-8").split("\n")
        if rows[0] == f"{len(registrations)}":
            return [Parts(*(cell or None for cell in row.split("\t"))) for row in rows[1:] if row]
    parts = []
    for registration in registrations:
        p = zhengming.normalize(registration.name).parts
        parts.append(Parts(p.region, p.trade_name, p.industry, p.legal_form))
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{len(registrations)}"] + [
        "\t".join(value or "" for value in (p.region, p.trade_name, p.industry, p.legal_form))
        for p in parts
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return parts


class NameMaker:
    """Synthetic company names: region + 字号 + industry words + legal form of real ones."""

    def __init__(self, parts: Sequence[Parts]) -> None:
        self.parts = parts
        self._trades = [p.trade_name for p in parts if p.trade_name and len(p.trade_name) >= 2]
        self._chars = [c for trade in self._trades for c in trade if "\u4e00" <= c <= "\u9fff"]
        self.real_trades = set(self._trades)

    def make(self, rng: random.Random, *, reuse: float) -> tuple[str, str]:
        """(name, 字号)."""
        region = rng.choice(self.parts).region or ""
        industry = rng.choice(self.parts).industry or ""
        legal_form = rng.choice(self.parts).legal_form or "有限公司"
        if rng.random() < reuse:
            trade = rng.choice(self._trades)
        else:
            trade = "".join(rng.choice(self._chars) for _ in range(rng.choice((2, 3, 3, 4))))
        return f"{region}{trade}{industry}{legal_form}", trade


def build_population(
    registrations: Sequence[Registration], maker: NameMaker, size: int, *, seed: int
) -> Population:
    rng = random.Random(f"{seed}:realtime:{size}")
    share = min(1.0, len(registrations) / FULL_SIZE)
    count = min(len(registrations), size, max(1, round(size * share)))
    chosen = sorted(rng.sample(range(len(registrations)), count))
    stored: list[tuple[str, str | None, str | None]] = [
        (registrations[i].name, registrations[i].uscc, maker.parts[i].trade_name) for i in chosen
    ]
    taken = {_text_key(name) for name, _, _ in stored}
    while len(stored) < size:
        name, trade = maker.make(rng, reuse=REUSED_TRADE_SHARE)
        key = _text_key(name)
        if key not in taken:
            taken.add(key)
            stored.append((name, None, trade))
    # Registrations and synthetic names interleaved, as customers arrive in a real registry.
    rng.shuffle(stored)
    return Population(
        [n for n, _, _ in stored], [u for _, u, _ in stored], count, [t for _, _, t in stored]
    )


# --- the SQLite file -------------------------------------------------------------------------


@dataclass(slots=True)
class Store:
    url: str
    database: str
    load_seconds: float
    cached: bool
    built_at: str
    report: dict[str, Any] = field(default_factory=dict)
    simulated: tuple[int, float] | None = None  # (scale, seconds to copy the keys)


def bulk_load(url: str, population: Population, data_dir: Path, *, workers: int) -> dict[str, Any]:
    from zhengming.bootstrap import build_services
    from zhengming.domain.customer import SYSTEM
    from zhengming.services.bulk import BulkCustomer, load_customers
    from zhengming.settings import Settings
    from zhengming.storage.bulk import bulk_units

    services = build_services(Settings(data_dir=data_dir, database_url=url))
    start = time.perf_counter()
    total = len(population.names)

    def progress(loaded: int, skipped: int) -> None:
        seconds = time.perf_counter() - start
        print(
            f"\r  loaded {loaded:,} / {total:,} ({skipped:,} skipped) in {seconds:,.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    customers = (
        BulkCustomer(name, uscc=uscc, source="bench")
        for name, uscc in zip(population.names, population.usccs, strict=True)
    )
    try:
        with bulk_units(services.database) as units:
            report = load_customers(
                units,
                customers,
                actor=SYSTEM,
                number_pattern=services.settings.customer_number_pattern,
                workers=workers,
                batch_size=10_000,
                progress=progress,
            )
        print(file=sys.stderr)
        with services.database.engine.begin() as connection:
            # Fresh statistics for the planner (PostgreSQL; SQLite's ANALYZE is harmless).
            connection.exec_driver_sql("ANALYZE")
    finally:
        services.close()
    return {**report.to_dict(), "seconds": round(time.perf_counter() - start, 1)}


def sqlite_store(population: Population, out_dir: Path, *, seed: int, workers: int) -> Store:
    """The SQLite database of ``population``, built or reused."""
    size = len(population.names)
    path = out_dir / f"zhengming_{size}.sqlite"
    meta_path = out_dir / f"zhengming_{size}.json"
    url = f"sqlite:///{path}"
    digest = population.digest()
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["format"] == _FORMAT and meta["digest"] == digest and path.exists():
            return Store(
                url, "sqlite", meta["load"]["seconds"], True, meta["built_at"], meta["load"]
            )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    meta_path.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"building {path} ({size:,} customers) ...", file=sys.stderr, flush=True)
    load = bulk_load(url, population, out_dir, workers=workers)
    built_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    meta = {
        "format": _FORMAT,
        "seed": seed,
        "digest": digest,
        "customers": size,
        "built_at": built_at,
        "load": load,
    }
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return Store(url, "sqlite", load["seconds"], False, built_at, load)
