"""The whole-base duplicate scan (定期清理): pairs found, remembered, and grouped for review.

A **full** scan runs the batch executor (``batch.dedupe``: DuckDB blocking, vectorized scoring)
over every name of every live customer. An **incremental** scan compares only the customers
created or changed since the last successful scan against the whole base, through the same
indexed keys and scorer the real-time check uses. Both keep ``same`` and ``likely`` pairs.

Found pairs are merged into what earlier scans and reviewers left: a pair decided "not a
duplicate" (or "related") stays decided while both records keep the names and credit code they
had when it was decided (a fingerprint of them); when either changes, the pair is proposed again.
Pending pairs that are no longer found are retired (``gone``). Pending pairs are then grouped
into clusters (connected components under the clustering guards: two different valid credit
codes never share a cluster), which the review queue lists.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zhengming.batch.dedupe import deduplicate
from zhengming.batch.scoring import COMPARISONS, DECISIONS
from zhengming.batch.tables import InputTable
from zhengming.domain import identifiers
from zhengming.domain.customer import SYSTEM, Actor, Customer
from zhengming.domain.matching import LEVELS, Decision, MatchRecord
from zhengming.domain.matching.clustering import ClusterSettings, cluster_records
from zhengming.errors import BatchError, InvalidStateError, ZhengmingError
from zhengming.services.clock import utc_now
from zhengming.services.customers import CustomerService
from zhengming.services.duplicates import find_duplicates
from zhengming.services.jobs import abandon_if_stale, job_error
from zhengming.services.merging import MergeService
from zhengming.services.ports import Job, StoredPair, UnitOfWork
from zhengming.services.ports import UnitOfWorkFactory as Factory

#: Customers a scan looks at: merged tombstones and the recycle bin are left out.
SCANNED_STATUSES = ("active", "archived")
#: A running scan whose heartbeat is older than this is taken as crashed.
STALE_AFTER = datetime.timedelta(minutes=30)
#: Decisions a scan keeps as duplicate candidates.
_KEPT = (Decision.SAME.value, Decision.LIKELY.value)
#: Review decisions a scan remembers while the records' fingerprints stay the same.
REMEMBERED = ("not_duplicate", "related")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class FoundPair:
    """A pair of customers a scan judged ``same`` or ``likely`` (``customer_a < customer_b``)."""

    customer_a: int
    customer_b: int
    probability: float
    decision: str
    evidence: list[dict[str, Any]]
    name_a: str
    name_b: str


@dataclass
class ScanReport:
    """What one scan found and changed."""

    job_id: int
    mode: str
    customers: int
    pairs_found: int
    new: int = 0
    reopened: int = 0
    remembered: int = 0
    gone: int = 0
    clusters: int = 0
    auto_merged: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "mode": self.mode,
            "customers": self.customers,
            "pairs_found": self.pairs_found,
            "new": self.new,
            "reopened": self.reopened,
            "remembered": self.remembered,
            "gone": self.gone,
            "clusters": self.clusters,
            "auto_merged": self.auto_merged,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def fingerprint(customer: Customer) -> str:
    """What a "not a duplicate" decision depends on: the names and the credit code."""
    names = sorted((name.type.value, name.name) for name in customer.names)
    text = json.dumps([customer.uscc, names], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class ScanService:
    """Runs scans as jobs and keeps the duplicate pairs and clusters up to date."""

    unit_of_work: Factory
    customers: CustomerService
    merges: MergeService
    auto_merge: bool = False

    def run(
        self,
        *,
        actor: Actor = SYSTEM,
        full: bool = False,
        progress: Progress | None = None,
        job_id: int | None = None,
    ) -> ScanReport:
        """Scan the base; incremental unless ``full`` or no scan has succeeded yet.

        Raises:
            InvalidStateError: another scan is running.
            BatchError: the scan failed (the job records why).
        """
        job, since = self._start(actor, full, job_id)
        mode = "full" if since is None else "incremental"
        report = ScanReport(job.id, mode, 0, 0)
        try:
            started = time.perf_counter()
            tracked = self._progress(job.id, progress)
            if since is None:
                found, scanned = self._full(tracked)
            else:
                found, scanned = self._incremental(since, tracked)
            report.customers, report.pairs_found = len(scanned), len(found)
            report.seconds["find"] = time.perf_counter() - started
            started = time.perf_counter()
            with self.unit_of_work(write=True) as uow:
                decided = self._store(uow, job, found, scanned, full=since is None, report=report)
                report.clusters = self._recluster(uow, job.id)
            report.seconds["store"] = time.perf_counter() - started
            if self.auto_merge:
                # A pair a reviewer decided is never merged behind their back.
                undecided = [p for p in found if (p.customer_a, p.customer_b) not in decided]
                report.auto_merged = self._auto_merge(undecided, actor)
        except Exception as exc:
            self._finish(job.id, "failed", error=job_error(exc))
            if isinstance(exc, ZhengmingError):
                raise
            raise BatchError(
                f"查重扫描失败 / the duplicate scan failed: {exc}", details={"job_id": job.id}
            ) from exc
        self._finish(job.id, "succeeded", result=report.to_dict())
        return report

    def job(self, job_id: int) -> Job | None:
        with self.unit_of_work() as uow:
            return uow.jobs.get(job_id)

    def create_job(self, *, actor: Actor, full: bool) -> int:
        """A queued scan job, for a caller that runs it later (``run(job_id=...)``)."""
        with self.unit_of_work(write=True) as uow:
            self._refuse_running(uow)
            return uow.jobs.add(
                {
                    "kind": "scan",
                    "status": "queued",
                    "params": {"full": full},
                    "created_by": actor.username,
                    "created_at": utc_now(),
                }
            )

    # -- the steps -----------------------------------------------------------------------------

    def _start(
        self, actor: Actor, full: bool, job_id: int | None
    ) -> tuple[Job, datetime.datetime | None]:
        now = utc_now()
        with self.unit_of_work(write=True) as uow:
            if job_id is None:
                self._refuse_running(uow)
                job_id = uow.jobs.add(
                    {
                        "kind": "scan",
                        "status": "queued",
                        "params": {"full": full},
                        "created_by": actor.username,
                        "created_at": now,
                    }
                )
            else:
                queued = uow.jobs.get(job_id)
                full = full or bool(queued and queued.params.get("full"))
            last = uow.jobs.latest("scan", statuses=("succeeded",))
            since = None if full or last is None or last.started_at is None else last.started_at
            uow.jobs.update(
                job_id,
                status="running",
                started_at=now,
                heartbeat_at=now,
                stage="find",
                params={"full": since is None},
            )
            job = uow.jobs.get(job_id)
        assert job is not None
        return job, since

    def _refuse_running(self, uow: UnitOfWork) -> None:
        # Two app processes starting the nightly scan at once: the second waits here, then
        # sees the first one's job (SQLite's write lock does the same by itself).
        uow.customers.lock_keys(["job:scan"])
        running = uow.jobs.latest("scan", statuses=("queued", "running"))
        if running is None:
            return
        if abandon_if_stale(uow, running, stale_after=STALE_AFTER):
            return
        raise InvalidStateError(
            "已有查重扫描在运行 / a duplicate scan is already running",
            details={"job_id": running.id, "status": running.status},
        )

    def _progress(self, job_id: int, progress: Progress | None) -> Progress:
        last = [0.0]

        def report(stage: str, done: int, total: int) -> None:
            if progress:
                progress(stage, done, total)
            if time.monotonic() - last[0] < 2.0 and done < total:
                return
            last[0] = time.monotonic()
            with self.unit_of_work(write=True) as uow:
                uow.jobs.update(job_id, stage=stage, done=done, total=total, heartbeat_at=utc_now())

        return report

    def _full(self, progress: Progress | None) -> tuple[list[FoundPair], set[int]]:
        """Every name of every live customer through the batch executor."""
        with self.unit_of_work() as uow:
            rows = uow.customers.scan_names(SCANNED_STATUSES)
        scanned = {row.customer_id for row in rows}
        if len(rows) < 2:
            return [], scanned
        table = InputTable(
            ids=[str(row.name_id) for row in rows],
            names=[row.name for row in rows],
            columns={
                "uscc": [row.uscc for row in rows],
                "phone": [row.phone for row in rows],
                "email": [row.email for row in rows],
            },
        )
        result = deduplicate(
            table,
            roles={"uscc": "uscc", "phone": "phone", "email": "email"},
            settings=self.customers.match_settings,
            progress=progress,
        )
        pairs = result.pairs
        best: dict[tuple[int, int], FoundPair] = {}
        kept = {DECISIONS.index(Decision(value)) for value in _KEPT}
        for position in range(len(pairs)):
            if int(pairs.decision[position]) not in kept:
                continue
            left, right = rows[int(pairs.left[position])], rows[int(pairs.right[position])]
            if left.customer_id == right.customer_id:
                continue
            if left.customer_id > right.customer_id:
                left, right = right, left
            probability = float(pairs.probability[position])
            key = (left.customer_id, right.customer_id)
            if key in best and best[key].probability >= probability:
                continue
            evidence = [
                {
                    "comparison": comparison,
                    "level": LEVELS[comparison][int(pairs.levels[comparison][position])],
                    "weight": round(float(pairs.weights[comparison][position]), 4),
                }
                for comparison in COMPARISONS
                if pairs.weights[comparison][position]
            ]
            best[key] = FoundPair(
                left.customer_id,
                right.customer_id,
                probability,
                DECISIONS[int(pairs.decision[position])].value,
                evidence,
                left.name,
                right.name,
            )
        return list(best.values()), scanned

    def _incremental(
        self, since: datetime.datetime, progress: Progress | None
    ) -> tuple[list[FoundPair], set[int]]:
        """The customers changed since ``since`` against the whole base, by the stored keys."""
        service = self.customers
        best: dict[tuple[int, int], FoundPair] = {}
        with self.unit_of_work() as uow:
            changed = uow.customers.changed_since(since, SCANNED_STATUSES)
            for done, customer in enumerate(uow.customers.load(changed), start=1):
                phone = next((c.phone for c in customer.contacts if c.phone), None)
                email = next((c.email for c in customer.contacts if c.email), None)
                for name in customer.names:
                    analysis = service.analyze(name.name, customer.uscc)
                    if not analysis.usable:
                        continue
                    record = MatchRecord(analysis, phone=phone, email=email)
                    for candidate in find_duplicates(
                        uow.customers,
                        record,
                        actor=SYSTEM,
                        settings=service.match_settings,
                        analyze=service.analyze,
                        limit=20,
                        exclude=[customer.id],
                    ):
                        if candidate.decision.value not in _KEPT:
                            continue
                        other = candidate.customer
                        if other.status.value not in SCANNED_STATUSES:
                            continue
                        a, b = sorted((customer.id, other.id))
                        names = {customer.id: name.name, other.id: candidate.matched_name.name}
                        found = FoundPair(
                            a,
                            b,
                            candidate.result.probability,
                            candidate.decision.value,
                            [e.to_dict() for e in candidate.result.evidence],
                            names[a],
                            names[b],
                        )
                        if (a, b) not in best or best[(a, b)].probability < found.probability:
                            best[(a, b)] = found
                if progress:
                    progress("compare", done, len(changed))
        return list(best.values()), set(changed)

    def _store(
        self,
        uow: UnitOfWork,
        job: Job,
        found: Sequence[FoundPair],
        scanned: set[int],
        *,
        full: bool,
        report: ScanReport,
    ) -> set[tuple[int, int]]:
        """Store the found pairs; returns the ones a reviewer's decision still covers."""
        now = utc_now()
        decided: set[tuple[int, int]] = set()
        existing = {
            (pair.customer_a, pair.customer_b): pair
            for pair in uow.duplicates.pairs(customer_ids=None if full else sorted(scanned))
        }
        involved = {c for pair in found for c in (pair.customer_a, pair.customer_b)}
        prints = {
            c.id: fingerprint(c)
            for c in uow.customers.load(sorted(involved), contacts=False, tags=False)
        }
        seen: set[tuple[int, int]] = set()
        for pair in found:
            key = (pair.customer_a, pair.customer_b)
            seen.add(key)
            values = {
                "probability": pair.probability,
                "decision": pair.decision,
                "evidence": pair.evidence,
                "name_a": pair.name_a,
                "name_b": pair.name_b,
                "seen_at": now,
                "job_id": job.id,
            }
            prints_now = {
                "fingerprint_a": prints[pair.customer_a],
                "fingerprint_b": prints[pair.customer_b],
            }
            old = existing.get(key)
            if old is None:
                uow.duplicates.add_pair(
                    {
                        **values,
                        **prints_now,
                        "customer_a": key[0],
                        "customer_b": key[1],
                        "status": "pending",
                        "found_at": now,
                    }
                )
                report.new += 1
            elif old.status in REMEMBERED and _same_prints(old, prints_now):
                uow.duplicates.update_pair(old.id, seen_at=now)
                report.remembered += 1
                decided.add(key)
            elif old.status == "merged":
                decided.add(key)
                continue
            else:
                reopened = old.status != "pending"
                uow.duplicates.update_pair(
                    old.id,
                    **values,
                    **prints_now,
                    status="pending",
                    **(
                        {"decided_by": None, "decided_at": None, "reason": None} if reopened else {}
                    ),
                )
                report.reopened += int(reopened)
        for key, old in existing.items():
            if key in seen or old.status != "pending":
                continue
            if full or old.customer_a in scanned or old.customer_b in scanned:
                uow.duplicates.update_pair(old.id, status="gone", seen_at=now)
                report.gone += 1
        return decided

    def _recluster(self, uow: UnitOfWork, job_id: int) -> int:
        """Group the pending pairs into clusters; a cluster whose members are unchanged keeps
        its id (and its place in reviewers' links)."""
        now = utc_now()
        pending = uow.duplicates.pairs(statuses=("pending",))
        members = sorted({c for p in pending for c in (p.customer_a, p.customer_b)})
        customers = {c.id: c for c in uow.customers.load(members, contacts=False, tags=False)}
        identities = {
            str(c.id): c.uscc
            for c in customers.values()
            if c.uscc and identifiers.is_valid_uscc(c.uscc)
        }
        settings = self.customers.match_settings
        labels = cluster_records(
            [str(m) for m in members],
            [(str(p.customer_a), str(p.customer_b), p.probability) for p in pending],
            identities=identities,
            settings=ClusterSettings(
                threshold=0.0,
                chain_threshold=settings.chain_threshold,
                max_cluster_size=settings.max_cluster_size,
            ),
        )
        groups: dict[str, list[StoredPair]] = {}
        for pair in pending:
            label_a, label_b = labels[str(pair.customer_a)], labels[str(pair.customer_b)]
            if label_a == label_b:
                groups.setdefault(label_a, []).append(pair)
            elif pair.cluster_id is not None:
                uow.duplicates.update_pair(pair.id, cluster_id=None)  # split by a guard
        kept_clusters: set[int] = set()
        for pairs in groups.values():
            ids = {c for p in pairs for c in (p.customer_a, p.customer_b)}
            probability = max(p.probability for p in pairs)
            previous = {p.cluster_id for p in pairs}
            stored = None
            if len(previous) == 1 and (only := previous.pop()) is not None:
                stored = uow.duplicates.cluster(only)
            if (
                stored is not None
                and stored.status == "pending"
                and stored.size == len(ids)
                and stored.id not in kept_clusters
            ):
                uow.duplicates.update_cluster(stored.id, probability=probability, updated_at=now)
                kept_clusters.add(stored.id)
                continue
            cluster_id = uow.duplicates.add_cluster(
                {
                    "status": "pending",
                    "probability": probability,
                    "size": len(ids),
                    "job_id": job_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for pair in pairs:
                uow.duplicates.update_pair(pair.id, cluster_id=cluster_id)
            kept_clusters.add(cluster_id)
        stale, _ = uow.duplicates.clusters(
            status="pending", min_probability=0.0, offset=0, limit=10**9
        )
        for cluster in stale:
            if cluster.id not in kept_clusters:
                uow.duplicates.update_cluster(cluster.id, status="superseded", updated_at=now)
        return len(kept_clusters)

    def _auto_merge(self, found: Iterable[FoundPair], actor: Actor) -> list[int]:
        """Merge the identity-certain pairs: same valid credit code, or same full name and region."""
        merged: list[int] = []
        for pair in sorted(found, key=lambda p: (p.customer_a, p.customer_b)):
            levels = {e["comparison"]: e["level"] for e in pair.evidence}
            certain = levels.get("uscc") == "equal" or (
                levels.get("name") == "exact" and levels.get("region") == "equal"
            )
            if not certain:
                continue
            try:
                result = self.merges.merge(
                    [pair.customer_a, pair.customer_b],
                    actor=actor,
                    reason="自动合并：身份确定 / auto-merge: identity certain",
                )
            except ZhengmingError:
                continue  # already merged with a third record, or refused by a guard
            merged.append(result.merge_id)
        return merged

    def _finish(
        self,
        job_id: int,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        with self.unit_of_work(write=True) as uow:
            now = utc_now()
            uow.jobs.update(
                job_id,
                status=status,
                result=result,
                error=error,
                finished_at=now,
                heartbeat_at=now,
                stage=None,
            )


def _same_prints(pair: StoredPair, prints: dict[str, str]) -> bool:
    return (
        pair.fingerprint_a == prints["fingerprint_a"]
        and pair.fingerprint_b == prints["fingerprint_b"]
    )
