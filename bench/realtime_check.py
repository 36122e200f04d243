"""How fast and how well the real-time duplicate check (查重) answers at 1,000,000 customers.

**Stored customers** (``_population.py``): all 164,587 registrations of 2019 (name + USCC) and
synthetic company names up to N (default 1,000,000), stored with the trusted bulk loader into a
SQLite file under ``bench/out/realtime/``; later runs with the same population reuse it (the
load time printed is then the one measured when it was built).

**Queries** (default 2,000), the same for every tool, equal numbers of each kind, all from stored
registrations except ``new``: ``exact`` (the registered name), ``traditional`` (繁体),
``region_brackets`` (北京XX科技 -> XX（北京）科技), ``legal_form_dropped``, ``short`` (the 字号,
half of them with the industry words: 字节跳动 / 字节跳动科技), ``typo`` (one 字号 character
replaced by a common homophone, the usual IME slip) and ``new`` (a company that exists nowhere).

**zhengming**: ``POST /api/v1/duplicates/check`` over HTTP against ``uvicorn --factory
zhengming.entrypoints.api.app:create_app`` started by this script (one server process), from one
keep-alive client, one request at a time: latency percentiles and requests/s; then the same
requests from ``--concurrency`` clients at once for throughput. ``--in-process`` calls
``CustomerService.check`` instead (no HTTP), ``--profile K`` profiles K in-process checks.

**Peers** on the same queries (``--skip-peers`` leaves them out):

- PostgreSQL ``pg_trgm`` over the same N names, normalized by the peers' normalizer of
  ``_peers.py`` (NFKC, 繁->简, case, brackets and punctuation, legal-form suffixes), GIN index
  ``gin_trgm_ops``, ``WHERE norm % q ORDER BY similarity(norm, q) DESC LIMIT 10``, in a throwaway
  cluster (``tests/support/postgres.py``), queried directly with psycopg (no HTTP in front).
- rapidfuzz ``process.extract(q, names, scorer=..., limit=10)`` over all N normalized names,
  with ``fuzz.ratio`` and ``fuzz.WRatio``, on a stratified subset of the queries (a full scan per
  query: seconds each at 1M).

**recall@1**: the query's registration is the top candidate; **recall@10**: it is among the
candidates returned (at most 10). For ``new`` queries there is nothing to find: the report
gives the share that returned any candidate (zhengming only returns candidates it does not judge
``different``, pg_trgm those above similarity 0.3, rapidfuzz always its 10 best).

Run from the repository root::

    .venv/bin/python bench/realtime_check.py --customers 100000 --requests 500   # minutes
    .venv/bin/python bench/realtime_check.py                   # 1M: the first load is long
    .venv/bin/python bench/realtime_check.py --database postgres --skip-peers
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import opencc

import zhengming
from _data import SharedDataNotFoundError, load_registrations
from _dedup_eval import _HomophoneTable, _text_key, _VariantMaker
from _machine import cpu_model, version_of
from _population import (
    FULL_SIZE,
    NameMaker,
    Parts,
    Population,
    Store,
    build_population,
    bulk_load,
    registration_parts,
    sqlite_store,
)

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.support.postgres: the throwaway PostgreSQL

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "out" / "realtime"
KINDS = (
    "exact",
    "traditional",
    "region_brackets",
    "legal_form_dropped",
    "short",
    "typo",
    "new",
)
VARIANT_KINDS = KINDS[:-1]
#: Issue 4 targets: SQLite at 1M over HTTP; PostgreSQL at 10M.
TARGET_P50_MS, TARGET_P95_MS, TARGET_PG_P95_MS = 5.0, 20.0, 50.0
CHECK_PATH = "/api/v1/duplicates/check"
_WARMUP = 30


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    text: str
    truth: str | None  # the USCC of the registration it was made from; None for ``new``
    shared: int = 0  # short names: how many stored customers have this 字号


def build_queries(
    population: Population,
    parts_by_name: dict[str, Parts],
    maker: NameMaker,
    homophones: _HomophoneTable,
    count: int,
    *,
    seed: int,
) -> list[Query]:
    """``count`` queries, the same number of each kind (the remainder goes to ``exact``)."""
    rng = random.Random(f"{seed}:realtime:queries:{len(population.names)}:{count}")
    s2t = opencc.OpenCC("s2t")
    variant = _VariantMaker(homophones)
    registrations = [
        (name, uscc)
        for name, uscc in zip(population.names, population.usccs, strict=True)
        if uscc is not None
    ]
    per_kind = {kind: count // len(KINDS) for kind in KINDS}
    per_kind["exact"] += count - sum(per_kind.values())

    def short(name: str, parts: Parts) -> str | None:
        trade = parts.trade_name
        if not trade or len(trade) < 2 or trade == name:
            return None
        return trade + (parts.industry or "") if rng.random() < 0.5 else trade

    makers: dict[str, Callable[[str, Parts], str | None]] = {
        "exact": lambda name, _parts: name,
        "traditional": lambda name, _parts: s2t.convert(name),
        "region_brackets": lambda name, parts: variant._region_brackets(name, parts),
        "legal_form_dropped": lambda name, parts: variant._legal_form_dropped(name, parts),
        "short": short,
        "typo": lambda name, parts: variant._homophone(name, parts, rng),
    }
    sharing = Counter(population.trades)
    queries: list[Query] = []
    for kind in VARIANT_KINDS:
        made = 0
        for name, uscc in rng.sample(registrations, len(registrations)):
            if made == per_kind[kind]:
                break
            text = makers[kind](name, parts_by_name[name])
            if text and (kind == "exact" or text != name):
                shared = sharing[parts_by_name[name].trade_name] if kind == "short" else 0
                queries.append(Query(kind, text, uscc, shared))
                made += 1
    taken = {_text_key(name) for name in population.names}
    made = 0
    while made < per_kind["new"]:
        name, trade = maker.make(rng, reuse=0.0)
        if trade not in maker.real_trades and _text_key(name) not in taken:
            taken.add(_text_key(name))
            queries.append(Query("new", name, None))
            made += 1
    rng.shuffle(queries)
    return queries


# --- the stored customers ---------------------------------------------------------------------


def inflate_keys(cluster: Any, database: str, factor: int) -> float:
    """Simulate ``factor`` times as many customers on PostgreSQL; the seconds it took.

    Every match key (but the USCC, which names one entity) is copied ``factor - 1`` times, each
    copy pointing at a random stored customer and at no name. A check then meets blocks
    ``factor`` times larger and an index ``factor`` times bigger, and loads and scores the extra
    customers as it would at that size; only the customer and name tables stay small (they are
    read by key, one B-tree level less than at full size).
    """
    import psycopg

    start = time.perf_counter()
    with psycopg.connect(cluster.url_for(database, driver=None), autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '1GB'")
        # The copies point at existing customers: skip the foreign-key trigger per row.
        connection.execute("SET session_replication_role = replica")
        # Copying into an unindexed table and indexing once is much faster than the other way.
        connection.execute("DROP INDEX ix_match_key_rule_value, ix_match_key_customer_id")
        connection.execute(
            "INSERT INTO match_key (customer_id, name_id, rule, side, value) "
            "SELECT lo + floor(random() * (hi - lo + 1))::int, NULL, rule, side, value "
            "FROM match_key, generate_series(2, %(factor)s), "
            "(SELECT min(id) AS lo, max(id) AS hi FROM customer) AS ids WHERE rule <> 'uscc'",
            {"factor": factor},
        )
        connection.execute("CREATE INDEX ix_match_key_customer_id ON match_key (customer_id)")
        connection.execute("CREATE INDEX ix_match_key_rule_value ON match_key (rule, value)")
        connection.execute("VACUUM ANALYZE match_key")
    return time.perf_counter() - start


def warm_file(path: Path) -> None:
    """Read ``path`` (and its WAL) through once, so that it sits in the OS page cache."""
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            with part.open("rb") as handle:
                while handle.read(16 << 20):
                    pass


# --- running the checks -----------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    kind: str
    ms: float
    top: str | None = None  # the USCC (or "#<index>" for a synthetic customer) ranked first
    found: bool = False  # the truth is among the candidates
    candidates: int = 0
    decision: str | None = None  # zhengming's decision on the top candidate
    error: str | None = None
    truth: str | None = None  # the query's registration (its USCC); None for ``new``
    shared: int = 0  # short names: stored customers with the query's 字号


@dataclass(slots=True)
class ToolRun:
    tool: str
    outcomes: list[Outcome]
    note: str = ""
    seconds: float = 0.0  # wall time of the measured loop
    concurrent: tuple[int, float, list[float]] | None = None  # clients, seconds, latencies (ms)


def _outcome_from_candidates(
    query: Query, ms: float, candidates: list[dict[str, Any]], key: str = "uscc"
) -> Outcome:
    keys = [c.get(key) for c in candidates]
    return Outcome(
        query.kind,
        ms,
        top=keys[0] if keys else None,
        found=query.truth is not None and query.truth in keys,
        candidates=len(candidates),
        decision=candidates[0].get("decision") if candidates else None,
        truth=query.truth,
        shared=query.shared,
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``uvicorn --factory zhengming.entrypoints.api.app:create_app`` on a free port."""

    def __init__(self, url: str, data_dir: Path, *, workers: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ZHENGMING_DATABASE_URL": url, "ZHENGMING_DATA_DIR": str(data_dir)}
        self._log = (data_dir / "server.log").open("w", encoding="utf-8")
        command = [
            sys.executable, "-m", "uvicorn", "--factory",
            "zhengming.entrypoints.api.app:create_app",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log", "--workers", str(workers),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO
        )

    def wait(self, client: httpx.Client, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see log")
            try:
                if client.get("/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the server did not answer /api/v1/health in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _post(client: httpx.Client, query: Query) -> Outcome:
    start = time.perf_counter()
    try:
        response = client.post(CHECK_PATH, json={"name": query.text, "limit": 10})
        ms = (time.perf_counter() - start) * 1000
    except httpx.HTTPError as exc:
        ms = (time.perf_counter() - start) * 1000
        return Outcome(query.kind, ms, error=type(exc).__name__, truth=query.truth)
    if response.status_code != 200:
        code = response.json().get("code", "?") if response.content else "?"
        return Outcome(query.kind, ms, error=f"{response.status_code} {code}", truth=query.truth)
    return _outcome_from_candidates(query, ms, response.json()["candidates"])


def run_http(
    store: Store, queries: Sequence[Query], warmup: Sequence[Query], *, out_dir: Path, clients: int
) -> ToolRun:
    server = Server(store.url, out_dir)
    try:
        with httpx.Client(base_url=server.base, timeout=60.0) as client:
            server.wait(client)
            for query in warmup:
                _post(client, query)
            start = time.perf_counter()
            outcomes = [_post(client, query) for query in queries]
            seconds = time.perf_counter() - start
        concurrent = None
        if clients > 1:
            concurrent = _concurrent(server.base, queries, clients)
    finally:
        server.stop()
    return ToolRun(
        f"zhengming ({store.database}, HTTP)",
        outcomes,
        note="1 uvicorn process; 1 client, sequential",
        seconds=seconds,
        concurrent=concurrent,
    )


def _concurrent(
    base: str, queries: Sequence[Query], clients: int
) -> tuple[int, float, list[float]]:
    shares = [list(queries[i::clients]) for i in range(clients)]

    def work(share: list[Query]) -> list[float]:
        with httpx.Client(base_url=base, timeout=60.0) as client:
            return [_post(client, query).ms for query in share]

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [ms for result in pool.map(work, shares) for ms in result]
    return clients, time.perf_counter() - start, latencies


def run_in_process(
    store: Store, queries: Sequence[Query], warmup: Sequence[Query], *, out_dir: Path
) -> ToolRun:
    from zhengming.bootstrap import build_services
    from zhengming.domain.customer import SYSTEM
    from zhengming.errors import ZhengmingError
    from zhengming.services.commands import DuplicateQuery
    from zhengming.settings import Settings

    services = build_services(Settings(data_dir=out_dir, database_url=store.url))

    def check(query: Query) -> Outcome:
        start = time.perf_counter()
        try:
            found = services.customers.check(DuplicateQuery(name=query.text), actor=SYSTEM)
        except ZhengmingError as exc:
            ms = (time.perf_counter() - start) * 1000
            return Outcome(query.kind, ms, error=exc.code, truth=query.truth)
        ms = (time.perf_counter() - start) * 1000
        return _outcome_from_candidates(query, ms, [c.to_dict() for c in found])

    try:
        for query in warmup:
            check(query)
        start = time.perf_counter()
        outcomes = [check(query) for query in queries]
        seconds = time.perf_counter() - start
    finally:
        services.close()
    return ToolRun(
        f"zhengming ({store.database}, in-process)",
        outcomes,
        note="CustomerService.check, no HTTP",
        seconds=seconds,
    )


def profile_checks(store: Store, queries: Sequence[Query], *, out_dir: Path, count: int) -> str:
    """cProfile of ``count`` in-process checks after a warm-up; the top of the listing."""
    from zhengming.bootstrap import build_services
    from zhengming.domain.customer import SYSTEM
    from zhengming.errors import ZhengmingError
    from zhengming.services.commands import DuplicateQuery
    from zhengming.settings import Settings

    services = build_services(Settings(data_dir=out_dir, database_url=store.url))
    checks = [DuplicateQuery(name=q.text) for q in queries]
    profiler = cProfile.Profile()
    try:
        for index, query in enumerate(checks[: _WARMUP + count]):
            if index == _WARMUP:
                profiler.enable()
            with contextlib.suppress(ZhengmingError):
                services.customers.check(query, actor=SYSTEM)
        profiler.disable()
    finally:
        services.close()
    profiler.dump_stats(out_dir / "check_profile.pstats")
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    return buffer.getvalue()


# --- peers ------------------------------------------------------------------------------------


def normalized_names(names: Sequence[str]) -> tuple[Any, list[str]]:
    from _peers import PeerNormalizer

    normalizer = PeerNormalizer()
    return normalizer, [normalizer.simple(name) for name in names]


def run_trgm(
    cluster: Any,
    population: Population,
    norms: Sequence[str],
    normalizer: Any,
    queries: Sequence[Query],
) -> tuple[ToolRun, float]:
    """pg_trgm over the normalized names; (run, seconds to load and index)."""
    import psycopg

    cluster.create_database("peers")
    url = cluster.url_for("peers", driver=None)
    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION pg_trgm")
        connection.execute("CREATE TABLE peer_name (id integer PRIMARY KEY, norm text NOT NULL)")
        with connection.cursor() as cursor, cursor.copy("COPY peer_name FROM STDIN") as copy:
            for index, norm in enumerate(norms):
                copy.write_row((index, norm))
        connection.execute("CREATE INDEX ON peer_name USING gin (norm gin_trgm_ops)")
        connection.execute("ANALYZE peer_name")
    build = time.perf_counter() - start
    sql = (
        "SELECT id FROM peer_name WHERE norm %% %(q)s "
        "ORDER BY similarity(norm, %(q)s) DESC, id LIMIT 10"
    )
    outcomes = []
    with psycopg.connect(url, autocommit=True) as connection:
        for query in queries[:_WARMUP]:
            connection.execute(sql, {"q": normalizer.simple(query.text)}, prepare=True).fetchall()
        loop = time.perf_counter()
        for query in queries:
            text = normalizer.simple(query.text)
            begin = time.perf_counter()
            ids = [row[0] for row in connection.execute(sql, {"q": text}, prepare=True)]
            ms = (time.perf_counter() - begin) * 1000
            outcomes.append(_index_outcome(query, ms, ids, population))
        seconds = time.perf_counter() - loop
    note = "psycopg, no HTTP; similarity threshold 0.3 (default)"
    return ToolRun("pg_trgm (GIN)", outcomes, note=note, seconds=seconds), build


def _index_outcome(query: Query, ms: float, ids: Sequence[int], population: Population) -> Outcome:
    keys = [population.usccs[i] or f"#{i}" for i in ids]
    return _outcome_from_candidates(query, ms, [{"uscc": key} for key in keys])


def run_rapidfuzz(
    population: Population,
    norms: Sequence[str],
    normalizer: Any,
    queries: Sequence[Query],
    *,
    scorer_name: str,
) -> ToolRun:
    from rapidfuzz import fuzz, process

    scorer = {"ratio": fuzz.ratio, "WRatio": fuzz.WRatio}[scorer_name]
    outcomes = []
    start = time.perf_counter()
    for query in queries:
        text = normalizer.simple(query.text)
        begin = time.perf_counter()
        best = process.extract(text, norms, scorer=scorer, limit=10, processor=None)
        ms = (time.perf_counter() - begin) * 1000
        outcomes.append(_index_outcome(query, ms, [index for _, _, index in best], population))
    return ToolRun(
        f"rapidfuzz {scorer_name}",
        outcomes,
        note=f"full scan of {len(norms):,} names per query, in-process",
        seconds=time.perf_counter() - start,
    )


def stratified(queries: Sequence[Query], count: int) -> list[Query]:
    """The first ``count`` queries in order, the same number of each kind."""
    per_kind = max(1, count // len(KINDS))
    taken: Counter[str] = Counter()
    chosen = []
    for query in queries:
        if taken[query.kind] < per_kind:
            taken[query.kind] += 1
            chosen.append(query)
    return chosen


# --- report -----------------------------------------------------------------------------------


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    align = ["---" if i == 0 else "---:" for i in range(len(header))]
    return "\n".join("| " + " | ".join(line) + " |" for line in [header, align, *rows])


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value, value
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _share(hits: int, total: int) -> str:
    return "—" if total == 0 else f"{hits / total:.1%}"


def report_header(args: argparse.Namespace, population: Population, store: Store) -> str:
    memory = "?"
    found = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(encoding="utf-8"))
    if found:
        memory = f"{int(found.group(1)) * 1024 / 1e9:.0f} GB"
    dists = (
        "sqlalchemy", "fastapi", "uvicorn", "httpx", "psycopg", "rapidfuzz", "opencc",
    )  # fmt: skip
    load = store.report
    how = (
        f"reused from {store.built_at} (load then: {store.load_seconds:,.0f} s)"
        if store.cached
        else f"bulk-loaded in {store.load_seconds:,.0f} s"
    )
    return "\n".join(
        [
            "# zhengming real-time duplicate check",
            "",
            f"- run: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {platform.platform()}; CPU {cpu_model()}, {os.cpu_count()} logical cores, "
            f"{memory} RAM; load average at start {os.getloadavg()[0]:.1f} (other jobs share it)",
            f"- python {platform.python_version()}; zhengming {zhengming.__version__}; "
            + ", ".join(f"{d} {version_of(d)}" for d in dists),
            f"- stored: {len(population.names):,} customers ({population.registrations:,} "
            f"registrations with USCC, {len(population.names) - population.registrations:,} "
            f"synthetic) in {store.database}; {how}; {load.get('loaded', 0):,} loaded, "
            f"skipped {load.get('skipped', {})}",
            f"- queries: {args.requests:,} ({', '.join(KINDS)}), seed {args.seed}",
            f"- server: uvicorn {server_stack()}, 1 process",
            f"- CPU gauge: `analyze_name` took {analysis_speed():.0f} µs per name at the start "
            "(the same code on a busier or slower machine takes longer; compare runs with it)",
        ]
    )


def analysis_speed(count: int = 1000) -> float:
    """µs per ``analyze_name`` call on registration names, as a gauge of the CPU available."""
    from zhengming.domain.names import analyze_name

    names = [r.name for r in load_registrations()[: count + 1]]
    analyze_name(names[0])  # lexicons loaded before timing
    start = time.perf_counter()
    for name in names[1:]:
        analyze_name(name)
    return (time.perf_counter() - start) / count * 1e6


def server_stack() -> str:
    """uvicorn's event loop and HTTP parser in the server's environment (uvloop, httptools?)."""
    probe = "import importlib.util as u; print(*(bool(u.find_spec(m)) for m in ('uvloop', 'httptools')))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=REPO
    )
    uvloop, httptools = ([*result.stdout.split(), "False", "False"])[:2]
    loop = "uvloop" if uvloop == "True" else "asyncio"
    parser = "httptools" if httptools == "True" else "h11"
    return f"with {loop} + {parser}"


def report_runs(runs: Sequence[ToolRun]) -> str:
    header = [
        "tool", "queries", "p50 ms", "p95 ms", "p99 ms", "req/s", "recall@1", "recall@10",
        "new: any hit", "errors", "note",
    ]  # fmt: skip
    rows = []
    for run in runs:
        latencies = [o.ms for o in run.outcomes if o.error is None]
        p50, p95, p99 = percentiles(latencies)
        variants = [o for o in run.outcomes if o.truth is not None]
        top = sum(o.top == o.truth for o in variants)
        found = sum(o.found for o in variants)
        new = [o for o in run.outcomes if o.kind == "new"]
        rows.append(
            [
                run.tool,
                f"{len(run.outcomes):,}",
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p99:.1f}",
                f"{len(run.outcomes) / run.seconds:,.1f}" if run.seconds else "—",
                _share(top, len(variants)),
                _share(found, len(variants)),
                _share(sum(o.candidates > 0 for o in new), len(new)),
                f"{sum(o.error is not None for o in run.outcomes):,}",
                run.note,
            ]
        )
    return markdown_table(header, rows)


def report_kinds(runs: Sequence[ToolRun]) -> str:
    header = ["kind", *(run.tool for run in runs)]
    rows = []
    # (label, kind, only short names whose 字号 no other stored company has): a 字号 several
    # stored companies share cannot name one of them.
    groups = [(kind, kind, False) for kind in KINDS]
    groups.insert(KINDS.index("short") + 1, ("short, 字号 unique", "short", True))
    for label, kind, unique in groups:
        row = [label]
        for run in runs:
            outcomes = [o for o in run.outcomes if o.kind == kind and (not unique or o.shared == 1)]
            if label == "new":
                hits = _share(sum(o.candidates > 0 for o in outcomes), len(outcomes))
                row.append(f"{hits} any hit (n={len(outcomes)})")
            else:
                top = _share(sum(o.top == o.truth for o in outcomes), len(outcomes))
                found = _share(sum(o.found for o in outcomes), len(outcomes))
                row.append(f"{top} / {found} (n={len(outcomes)})")
        rows.append(row)
    return markdown_table(header, rows)


def report_kind_latency(run: ToolRun) -> str:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in run.outcomes:
        by_kind[outcome.kind].append(outcome)
    header = ["kind", "p50 ms", "p95 ms", "p99 ms", "mean candidates", "errors"]
    rows = []
    for kind in KINDS:
        outcomes = by_kind[kind]
        p50, p95, p99 = percentiles([o.ms for o in outcomes if o.error is None])
        rows.append(
            [
                kind,
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p99:.1f}",
                f"{statistics.fmean(o.candidates for o in outcomes):.1f}" if outcomes else "—",
                f"{sum(o.error is not None for o in outcomes)}",
            ]
        )
    return markdown_table(header, rows)


def report_concurrent(run: ToolRun) -> str:
    if run.concurrent is None:
        return ""
    clients, seconds, latencies = run.concurrent
    p50, p95, p99 = percentiles(latencies)
    return (
        f"Throughput, {clients} clients at once against the same server: "
        f"{len(latencies) / seconds:,.1f} requests/s; latency under that load p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, p99 {p99:.1f} ms."
    )


def report_target(run: ToolRun, store: Store, size: int, *, simulated: bool) -> str:
    """Where one zhengming run stands against the issue 4 target for its database."""
    p50, p95, _ = percentiles([o.ms for o in run.outcomes if o.error is None])
    how = "" if "HTTP" in run.tool else " (in-process, without HTTP: not the stated setting)"
    if store.database == "sqlite":
        note = "" if size == FULL_SIZE else f" — this run has {size:,} customers"
        return (
            f"- SQLite, 1M customers, over HTTP{note}{how}: p50 {p50:.1f} ms (≤ "
            f"{TARGET_P50_MS:.0f}): {_met(p50 <= TARGET_P50_MS)}; p95 {p95:.1f} ms (≤ "
            f"{TARGET_P95_MS:.0f}): {_met(p95 <= TARGET_P95_MS)}"
        )
    label = f"{size:,} customers" + (" (simulated)" if simulated else "")
    return (
        f"- PostgreSQL, p95 ≤ {TARGET_PG_P95_MS:.0f} ms at 10,000,000 customers{how}; at "
        f"{label}: p95 {p95:.1f} ms: {_met(p95 <= TARGET_PG_P95_MS)}"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=FULL_SIZE, help="stored customers")
    parser.add_argument("--requests", type=int, default=2000, help="check requests")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--simulate-scale",
        type=int,
        default=1,
        metavar="K",
        help="postgres: copy every match key K-1 times to simulate K times the customers",
    )
    parser.add_argument("--skip-peers", action="store_true", help="zhengming only")
    parser.add_argument("--in-process", action="store_true", help="call the service, no HTTP")
    parser.add_argument("--concurrency", type=int, default=4, help="clients of the throughput run")
    parser.add_argument(
        "--rapidfuzz-queries", type=int, default=280, help="queries for rapidfuzz ratio (0: none)"
    )
    parser.add_argument(
        "--wratio-queries", type=int, default=70, help="queries for rapidfuzz WRatio (0: none)"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="profile K checks")
    parser.add_argument("--workers", type=int, default=2, help="processes analysing the load")
    parser.add_argument("--seed", type=int, default=2025, help="seed of every random choice")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="cached files")
    args = parser.parse_args(argv)
    if args.customers < 1000 or args.requests < len(KINDS):
        parser.error("--customers must be at least 1000 and --requests at least 7")
    if args.simulate_scale > 1 and args.database != "postgres":
        parser.error("--simulate-scale needs --database postgres")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Killed with SIGTERM, still stop the server and the throwaway PostgreSQL (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out_dir: Path = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        registrations = load_registrations()
    except SharedDataNotFoundError as exc:
        print(f"realtime_check: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    parts = registration_parts(registrations, out_dir)
    maker = NameMaker(parts)
    population = build_population(registrations, maker, args.customers, seed=args.seed)
    parts_by_name = {r.name: p for r, p in zip(registrations, parts, strict=True)}
    homophones = _HomophoneTable(r.name for r in registrations)
    queries = build_queries(
        population, parts_by_name, maker, homophones, args.requests, seed=args.seed
    )
    # Warm-up queries of their own (another seed), so the measured set stays balanced by kind.
    warmup = build_queries(
        population, parts_by_name, maker, homophones, _WARMUP, seed=args.seed + 1
    )

    cluster = None
    if args.database == "postgres" or not args.skip_peers:
        from tests.support.postgres import PostgresCluster

        cluster = PostgresCluster.start()
    try:
        if args.database == "postgres":
            assert cluster is not None
            url = cluster.create_database("zhengming")
            print(
                f"loading {len(population.names):,} customers into PostgreSQL ...", file=sys.stderr
            )
            load = bulk_load(url, population, out_dir, workers=args.workers)
            built = dt.datetime.now().astimezone().isoformat(timespec="seconds")
            store = Store(url, "postgresql", load["seconds"], False, built, load)
        else:
            store = sqlite_store(population, out_dir, seed=args.seed, workers=args.workers)
            # Read the file once so it is in the OS page cache, as a running server's would be:
            # after another big job evicted it, the first run's p95 doubled from disk reads.
            warm_file(Path(store.url.removeprefix("sqlite:///")))
        print(report_header(args, population, store), flush=True)
        if args.profile:
            print("\n## Profile of the in-process check\n\n```")
            print(profile_checks(store, queries, out_dir=out_dir, count=args.profile))
            print("```")

        def measure() -> ToolRun:
            if args.in_process:
                return run_in_process(store, queries, warmup, out_dir=out_dir)
            return run_http(store, queries, warmup, out_dir=out_dir, clients=args.concurrency)

        ours = measure()
        runs = [ours]
        # zhengming's figures first: the peers take long, and a failing peer must not lose them.
        print("\n" + report_runs(runs), flush=True)
        if args.simulate_scale > 1:
            scale = args.simulate_scale
            print(f"copying match keys x{scale} ...", file=sys.stderr, flush=True)
            store.simulated = (scale, inflate_keys(cluster, "zhengming", scale))
            simulated = measure()
            simulated.tool = f"zhengming (postgresql, {scale}x keys, HTTP)"
            runs.append(simulated)
            print(
                f"\nThen **simulated {scale}x** ≈ {scale * len(population.names):,} customers: "
                f"every match key but the USCC copied {scale - 1}x onto random stored customers "
                f"({store.simulated[1]:,.0f} s), the same queries again:\n"
            )
            print(report_runs([simulated]), flush=True)
        if not args.skip_peers:
            assert cluster is not None
            normalizer, norms = normalized_names(population.names)
            trgm, build = run_trgm(cluster, population, norms, normalizer, queries)
            trgm.note += f"; load + GIN index {build:,.0f} s"
            runs.append(trgm)
            for scorer, count in (
                ("ratio", args.rapidfuzz_queries),
                ("WRatio", args.wratio_queries),
            ):
                if count:
                    subset = stratified(queries, count)
                    run = run_rapidfuzz(population, norms, normalizer, subset, scorer_name=scorer)
                    runs.append(run)
    finally:
        if cluster is not None:
            cluster.stop()
    if len(runs) > 1:
        print("\n## Side by side on the same queries\n")
        print(report_runs(runs))
    concurrent = report_concurrent(ours)
    if concurrent:
        print("\n" + concurrent)
    print("\n### recall@1 / recall@10 by kind (new: share of queries with any candidate)\n")
    print(report_kinds(runs))
    ours_runs = [run for run in runs if run.tool.startswith("zhengming")]
    for run in ours_runs:
        print(f"\n### {run.tool}: latency by kind\n")
        print(report_kind_latency(run))
    print("\n## Targets (issue 4)\n")
    for run, scale in zip(ours_runs, (1, args.simulate_scale), strict=False):
        print(report_target(run, store, len(population.names) * scale, simulated=scale > 1))
        errors = Counter(o.error for o in run.outcomes if o.error)
        if errors:
            print(f"- {run.tool} errors: {dict(errors)}")
    print(f"\n(whole run: {time.perf_counter() - started:,.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
