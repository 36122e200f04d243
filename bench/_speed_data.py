"""The input file of ``dedup_speed.py``: 2019 registrations and typed variants of their names.

Every registration of ``cn_registrations_2019`` is one entity (no two share a name). A file of N
rows holds registrations and variants in the proportion of the 1,000,000-row file: all 164,587
registrations plus 835,413 variants. Below that size a seeded sample of the registrations is
used, so a 50,000-row file looks like a slice of the big one (same entity sizes, same mix of
kinds); above it, all registrations and more variants.

Variants come from ``_dedup_eval``'s variant maker (traditional characters, bracket styles, region
moved into brackets or dropped, legal form dropped or swapped, spaces, a homophone typo,
full-width letters). Each draw picks a registration at random (with replacement) and keeps a
random non-empty subset of its applicable variants, so entity sizes vary. Every spelling occurs
once: a registration drawn again only adds spellings it does not have yet (other spaces, another
homophone), so a tool gains nothing from analysing each distinct name once, and the random
kinds (spaces, homophone) end up more frequent than the others. A variant whose spelling (width,
case and spaces ignored) already belongs to another entity is dropped: 北京XX科技 and 上海XX科技
both lose their region to the same XX科技, which no matcher can assign.

Files, under ``bench/out/speed/``: ``records_<N>.csv`` (``id,name``, rows shuffled, ids that say
nothing about the entity), ``truth_<N>.csv`` (``id,entity``) and ``records_<N>.json`` (seed and
counts). The JSON is written last; a file pair whose JSON names the same seed and format is
reused as it is.
"""

from __future__ import annotations

import csv
import json
import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _data import load_registrations
from _dedup_eval import TYPED_VARIANTS, _HomophoneTable, _text_key, _VariantMaker

__all__ = ["FULL_SIZE", "SpeedRecords", "build_speed_records"]

#: The size the registrations/variants proportion is taken from (and the target of issue 3).
FULL_SIZE = 1_000_000
REGISTRATION = "registration"
# Bump when the generation changes, so cached files of the old shape are rebuilt.
_FORMAT = 2


@dataclass(frozen=True, slots=True)
class SpeedRecords:
    """A generated (or reused) input file and its truth.

    Attributes:
        records_path: ``id,name``, what the tools see.
        truth_path: ``id,entity``.
        rows: rows in the records file.
        entities: distinct entities among them.
        kinds: rows per kind (``registration`` and each typed variant).
        dropped: variants dropped because another entity has the same spelling.
        reused: True when the files were already there for this size and seed.
        seconds: time spent building (or checking) the files.
    """

    records_path: Path
    truth_path: Path
    rows: int
    entities: int
    kinds: dict[str, int]
    dropped: int
    reused: bool
    seconds: float


def _paths(out_dir: Path, rows: int) -> tuple[Path, Path, Path]:
    return (
        out_dir / f"records_{rows}.csv",
        out_dir / f"truth_{rows}.csv",
        out_dir / f"records_{rows}.json",
    )


def _reuse(paths: tuple[Path, Path, Path], *, seed: int) -> SpeedRecords | None:
    """The files of an earlier run with the same size, seed and format, or None."""
    records_path, truth_path, meta_path = paths
    if not all(path.exists() for path in paths):
        return None
    try:
        meta: Any = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["seed"] != seed or meta["format"] != _FORMAT:
            return None
        return SpeedRecords(
            records_path=records_path,
            truth_path=truth_path,
            rows=int(meta["rows"]),
            entities=int(meta["entities"]),
            kinds={str(kind): int(count) for kind, count in meta["kinds"].items()},
            dropped=int(meta["dropped"]),
            reused=True,
            seconds=0.0,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[str, str]]) -> None:
    """Write through a temporary file, so an interrupted build is never mistaken for a cache."""
    temporary = path.with_suffix(".csv.part")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(temporary, path)


def _generate(rows: int, *, seed: int) -> tuple[list[tuple[str, str, str]], Counter[str], int]:
    """(name, entity, kind) rows in draw order, the count per kind, and the dropped count."""
    names = [r.name for r in load_registrations()]
    entities = [f"reg-{i:06d}" for i in range(len(names))]
    rng = random.Random(f"{seed}:speed:{rows}")
    share = min(1.0, len(names) / FULL_SIZE)
    base = list(range(len(names)))
    if rows < FULL_SIZE:
        base = sorted(rng.sample(base, k=max(1, min(len(names), round(rows * share)))))
    generated = [(names[i], entities[i], REGISTRATION) for i in base[:rows]]
    owner = {_text_key(name): entity for name, entity, _ in generated}
    spelled = {name for name, _, _ in generated}
    # The homophone table counts characters over every registration, as in dedup_accuracy.
    maker = _VariantMaker(_HomophoneTable(names))
    dropped = 0
    while len(generated) < rows:
        index = rng.choice(base)
        variants = maker.make(names[index], rng)
        if not variants:
            continue
        kept = rng.sample(sorted(variants), k=rng.randint(1, len(variants)))
        for kind in TYPED_VARIANTS:
            if kind not in kept or len(generated) >= rows:
                continue
            text = variants[kind]
            if text in spelled:
                continue
            if owner.setdefault(_text_key(text), entities[index]) != entities[index]:
                dropped += 1
                continue
            spelled.add(text)
            generated.append((text, entities[index], kind))
    return generated, Counter(kind for _, _, kind in generated), dropped


def build_speed_records(rows: int, *, seed: int, out_dir: Path) -> SpeedRecords:
    """Write (or reuse) ``records_<rows>.csv`` and ``truth_<rows>.csv`` under ``out_dir``.

    Raises:
        SharedDataNotFoundError: the registrations are not in the shared data folder.
    """
    start = time.perf_counter()
    paths = _paths(out_dir, rows)
    records_path, truth_path, meta_path = paths
    cached = _reuse(paths, seed=seed)
    if cached is not None:
        return cached
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    generated, kinds, dropped = _generate(rows, seed=seed)
    random.Random(f"{seed}:speed:{rows}:order").shuffle(generated)
    width = len(str(len(generated) - 1))
    ids = [f"r{i:0{width}d}" for i in range(len(generated))]
    _write_csv(
        records_path, ("id", "name"), [(i, g[0]) for i, g in zip(ids, generated, strict=True)]
    )
    _write_csv(
        truth_path, ("id", "entity"), [(i, g[1]) for i, g in zip(ids, generated, strict=True)]
    )
    entities = len({entity for _, entity, _ in generated})
    ordered = {kind: kinds[kind] for kind in (REGISTRATION, *TYPED_VARIANTS) if kinds[kind]}
    meta_path.write_text(
        json.dumps(
            {
                "format": _FORMAT,
                "seed": seed,
                "rows": len(generated),
                "entities": entities,
                "kinds": ordered,
                "dropped": dropped,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return SpeedRecords(
        records_path=records_path,
        truth_path=truth_path,
        rows=len(generated),
        entities=entities,
        kinds=ordered,
        dropped=dropped,
        reused=False,
        seconds=time.perf_counter() - start,
    )
