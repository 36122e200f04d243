"""Loading many trusted customers at once: demo data, benchmarks, restores.

:func:`load_customers` stores customers the way :meth:`CustomerService.register
<zhengming.services.customers.CustomerService.register>` does — the same standard names, parsed
parts, ``customer_name`` rows, match keys and customer numbers — so the duplicate check and search
find them exactly like registered ones. What it leaves out is what makes a registration slow and
safe: there is **no duplicate check** and no naming-rule refusal, one audit entry covers a whole
batch, and rows go in with ``executemany``. Use it only for data that is known to be clean (demo
data, benchmark data, a restore of this system's own export); everything typed by people or
imported from a spreadsheet goes through ``register`` or the import job.

Names are analysed in the calling process, or in a pool of forked processes for large loads
(``workers``). The workers send back only the rows to insert, not whole analyses, because
pickling analyses costs more than the second core saves (see ``batch.dedupe.analyse_distinct``).

Example:
    >>> from zhengming.storage.bulk import bulk_units  # doctest: +SKIP
    >>> with bulk_units(services.database) as units:  # doctest: +SKIP
    ...     report = load_customers(units, [BulkCustomer("北京字节跳动科技有限公司")], actor=SYSTEM)
    >>> report.loaded  # doctest: +SKIP
    1
"""

from __future__ import annotations

import datetime
import functools
import gc
import itertools
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

from zhengming.domain.customer import Actor, CustomerName, CustomerType, NameType
from zhengming.domain.names import NameAnalysis, RuleSettings, analyze_name
from zhengming.domain.names.normalize import fold_for_key
from zhengming.services.clock import utc_now
from zhengming.services.indexing import IndexedName, customer_keys
from zhengming.services.numbering import format_customer_number
from zhengming.services.ports import AuditEntry, AuditLog, NewCustomer

__all__ = [
    "BULK_LOAD_ACTION",
    "BulkCustomer",
    "BulkLoadReport",
    "BulkUnitOfWork",
    "BulkUnitOfWorkFactory",
    "BulkWriter",
    "NewName",
    "load_customers",
]

BULK_LOAD_ACTION = "customer.bulk_load"
#: The counter register() draws customer numbers from.
NUMBER_COUNTER = "customer_no"
#: Below this many customers, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 20_000
#: Customers per worker task: large enough to amortize pickling, small enough to keep order cheap.
_TASK_SIZE = 1_000

#: Why a customer was skipped.
UNUSABLE, INVALID_USCC, DUPLICATE_USCC = "unusable_name", "invalid_uscc", "duplicate_uscc"


@dataclass(frozen=True, slots=True)
class BulkCustomer:
    """One customer to load: the fields of ``CustomerCreate`` a bulk load carries.

    ``aliases`` are stored after the legal name, in order, standardized like register() does;
    ``owner`` and ``team`` default to the acting user's, as in register(). The other fields are
    stored as given: a bulk load is trusted, so ``region_code`` and ``industry`` are not checked.
    """

    name: str
    uscc: str | None = None
    aliases: tuple[CustomerName, ...] = ()
    type: CustomerType = CustomerType.PROSPECT
    region_code: str | None = None
    industry: str | None = None
    size: str | None = None
    owner: str | None = None
    team: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class NewName:
    """A ``customer_name`` row about to be inserted."""

    customer_id: int
    name: CustomerName
    folded: str


KeyRow = tuple[int, int | None, str, int, str]
"""A ``match_key`` row: (customer_id, name_id, rule, side, value), a stored key with its owner.

Plain tuples rather than objects: a million customers have about ten million keys.
"""


class BulkWriter(Protocol):
    """Many rows per statement, inside the caller's transaction."""

    def reserve(self, counter: str, count: int) -> int:
        """Advance ``counter`` by ``count``; the first of the ``count`` values now reserved."""
        ...

    def insert_customers(
        self, rows: Sequence[NewCustomer], *, now: datetime.datetime, actor: str
    ) -> list[int]:
        """Insert customer rows; their ids, in the order of ``rows``."""
        ...

    def insert_names(self, rows: Sequence[NewName]) -> list[int]:
        """Insert names; their ids, in the order of ``rows``."""
        ...

    def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """Insert match-key rows."""
        ...


class BulkUnitOfWork(Protocol):
    """One transaction with the bulk writer and the audit log bound to it."""

    @property
    def bulk(self) -> BulkWriter: ...
    @property
    def audit(self) -> AuditLog: ...


BulkUnitOfWorkFactory = Callable[[], AbstractContextManager[BulkUnitOfWork]]
"""``factory()`` opens a writing unit of work; each batch of a load is one."""


@dataclass(frozen=True, slots=True)
class BulkLoadReport:
    """What a load did.

    Attributes:
        loaded: customers stored.
        skipped: customers not stored, by reason (``unusable_name``, ``invalid_uscc``,
            ``duplicate_uscc`` within the load).
        aliases_skipped: aliases left out because nothing usable was left of them.
        batches: transactions committed (one audit entry each).
        first_customer_no / last_customer_no: the numbers given, in input order.
        seconds: wall time of the whole load.
    """

    loaded: int
    skipped: dict[str, int] = field(default_factory=dict)
    aliases_skipped: int = 0
    batches: int = 0
    first_customer_no: str | None = None
    last_customer_no: str | None = None
    seconds: float = 0.0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "loaded": self.loaded,
            "skipped": dict(self.skipped),
            "aliases_skipped": self.aliases_skipped,
            "batches": self.batches,
            "first_customer_no": self.first_customer_no,
            "last_customer_no": self.last_customer_no,
            "seconds": round(self.seconds, 3),
        }


class _Prepared(NamedTuple):
    """One analysed customer, in plain values: worker processes send many of these.

    Frozen dataclasses unpickle through ``dataclasses.fields()`` per object, which made the
    parent process spend more time receiving keys than writing them; tuples unpickle in C.
    """

    #: ``kind``, ``name``, ``name_key`` and the other columns (``values``) of the customer row.
    row: dict[str, Any]
    #: (name, type, valid_from, valid_to, folded) of each name, the legal name first.
    names: tuple[tuple[str, str, datetime.date | None, datetime.date | None, str], ...]
    #: (rule, side, value, index of the name in ``names`` or None) of each key.
    keys: tuple[tuple[str, int, str, int | None], ...]
    uscc: str | None
    aliases_skipped: int


Progress = Callable[[int, int], None]
"""``progress(loaded, skipped)`` after each committed batch."""


def load_customers(
    unit_of_work: BulkUnitOfWorkFactory,
    customers: Iterable[BulkCustomer],
    *,
    actor: Actor,
    number_pattern: str = "C{yyyy}{mm}-{seq:06d}",
    rules: RuleSettings | None = None,
    batch_size: int = 5_000,
    workers: int = 1,
    progress: Progress | None = None,
) -> BulkLoadReport:
    """Store trusted customers fast, WITHOUT the duplicate check of ``register``.

    For demo data, benchmarks and restores only (see the module docstring). Each batch of
    ``batch_size`` customers is one transaction with one ``customer.bulk_load`` audit entry; an
    error rolls back the batch it happened in, earlier batches stay committed.

    Args:
        unit_of_work: opens a writing bulk unit of work (``storage.bulk.bulk_units``).
        customers: the customers, in the order their numbers are given.
        actor: who loads; the default owner and ``created_by`` of every customer.
        number_pattern: the installation's customer-number pattern (``Settings``).
        rules: the installation's naming-rule settings, as the registering service has them.
        batch_size: customers per transaction.
        workers: processes analysing names; more than 1 only pays off from
            ``PARALLEL_THRESHOLD`` customers on (below it the load stays in this process).
        progress: called with (loaded, skipped) after each batch.

    Raises:
        StorageError: a batch could not be written (e.g. a USCC that is already stored).
    """
    start = time.perf_counter()
    loaded, batches, aliases_skipped = 0, 0, 0
    skipped: Counter[str] = Counter()
    first_no: str | None = None
    last_no: str | None = None
    seen_uscc: set[str] = set()
    batches_of = _prepared_batches(
        customers, rules=rules, actor=actor, workers=workers, size=batch_size
    )
    for batch in batches_of:
        rows: list[_Prepared] = []
        for item in batch:
            if isinstance(item, str):
                skipped[item] += 1
            elif item.uscc is not None and item.uscc in seen_uscc:
                skipped[DUPLICATE_USCC] += 1
            else:
                if item.uscc is not None:
                    seen_uscc.add(item.uscc)
                rows.append(item)
                aliases_skipped += item.aliases_skipped
        if rows:
            numbers = _write_batch(unit_of_work, rows, actor=actor, pattern=number_pattern)
            first_no = first_no or numbers[0]
            last_no = numbers[-1]
            loaded += len(rows)
            batches += 1
        if progress:
            progress(loaded, sum(skipped.values()))
    return BulkLoadReport(
        loaded=loaded,
        skipped=dict(sorted(skipped.items())),
        aliases_skipped=aliases_skipped,
        batches=batches,
        first_customer_no=first_no,
        last_customer_no=last_no,
        seconds=time.perf_counter() - start,
    )


def _write_batch(
    unit_of_work: BulkUnitOfWorkFactory, rows: list[_Prepared], *, actor: Actor, pattern: str
) -> list[str]:
    """One transaction: numbers, customers, names, keys, one audit entry. The numbers given."""
    now = utc_now()
    with unit_of_work() as uow:
        first = uow.bulk.reserve(NUMBER_COUNTER, len(rows))
        numbers = [format_customer_number(pattern, first + i, now.date()) for i in range(len(rows))]
        customer_rows = [
            NewCustomer(
                customer_no=number,
                kind=row.row["kind"],
                name=row.row["name"],
                name_key=row.row["name_key"],
                values=row.row["values"],
            )
            for row, number in zip(rows, numbers, strict=True)
        ]
        ids = uow.bulk.insert_customers(customer_rows, now=now, actor=actor.username)
        names = [
            NewName(
                customer_id,
                CustomerName(name, NameType(kind), valid_from, valid_to),
                folded,
            )
            for customer_id, row in zip(ids, rows, strict=True)
            for name, kind, valid_from, valid_to, folded in row.names
        ]
        name_ids = iter(uow.bulk.insert_names(names))
        keys: list[KeyRow] = []
        for customer_id, row in zip(ids, rows, strict=True):
            # Prepared keys point at their name by position; now the names have ids.
            stored = [next(name_ids) for _ in row.names]
            keys.extend(
                (customer_id, None if index is None else stored[index], rule, side, value)
                for rule, side, value, index in row.keys
            )
        uow.bulk.insert_keys(keys)
        uow.audit.append(
            AuditEntry(
                actor.username,
                BULK_LOAD_ACTION,
                "customer",
                None,
                after={
                    "count": len(rows),
                    "first_customer_no": numbers[0],
                    "last_customer_no": numbers[-1],
                },
            )
        )
    return numbers


# -- analysing ---------------------------------------------------------------------------------


def _prepared_batches(
    customers: Iterable[BulkCustomer],
    *,
    rules: RuleSettings | None,
    actor: Actor,
    workers: int,
    size: int,
) -> Iterator[list[_Prepared | str]]:
    """The customers analysed, in input order, ``size`` at a time."""
    prepare = functools.partial(_prepare_chunk, rules=rules, actor=actor)
    iterator = iter(customers)
    # Look ahead far enough to know whether worker processes pay off.
    head = list(itertools.islice(iterator, PARALLEL_THRESHOLD if workers > 1 else 0))
    chunks = _chunks(itertools.chain(head, iterator), min(size, _TASK_SIZE))
    if workers <= 1 or len(head) < PARALLEL_THRESHOLD:
        yield from _regroup(map(prepare, chunks), size)
        return
    # Every lexicon loaded before forking: the workers start warm.
    analyze_name("北京字节跳动科技有限公司")
    context = multiprocessing.get_context("fork")
    pool = context.Pool(workers)
    try:
        yield from _regroup(pool.imap(prepare, chunks), size)
        # Close and join, not the context manager's terminate(): terminating workers that are
        # waiting for tasks can leave one blocked on the task queue's lock, and the load hangs
        # after its last batch (seen loading 1,000,000 customers into PostgreSQL).
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _chunks(items: Iterable[BulkCustomer], size: int) -> Iterator[list[BulkCustomer]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _regroup(chunks: Iterable[list[_Prepared | str]], size: int) -> Iterator[list[_Prepared | str]]:
    batch: list[_Prepared | str] = []
    for chunk in chunks:
        batch.extend(chunk)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepare_chunk(
    chunk: list[BulkCustomer], *, rules: RuleSettings | None, actor: Actor
) -> list[_Prepared | str]:
    # Analyses hold no reference cycles: pausing the cyclic collector saves about a fifth.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [_prepare(customer, rules, actor) for customer in chunk]
    finally:
        if collecting:
            gc.enable()


def _prepare(customer: BulkCustomer, rules: RuleSettings | None, actor: Actor) -> _Prepared | str:
    """The rows register() would write for ``customer``, or why it is skipped."""
    given_uscc = customer.uscc.strip() if customer.uscc else None
    # analyze_name validates the USCC and keeps its compact form only when it is valid.
    analysis = analyze_name(customer.name, uscc=given_uscc or None, settings=rules)
    uscc = analysis.uscc
    if given_uscc and uscc is None:
        return INVALID_USCC
    if not analysis.usable:
        return UNUSABLE
    names: list[tuple[CustomerName, NameAnalysis]] = [
        (CustomerName(analysis.standard_name, NameType.LEGAL), analysis)
    ]
    aliases_skipped = 0
    for alias in customer.aliases:
        alias_analysis = analyze_name(alias.name, settings=rules)
        if not alias_analysis.usable:
            aliases_skipped += 1
            continue
        names.append((replace(alias, name=alias_analysis.standard_name, id=None), alias_analysis))
    # register() keys every stored name from a fresh analysis of its standard form, without the
    # USCC (the USCC is a key of its own); reuse the analysis when that is the same input.
    indexed = [
        IndexedName(_stored_analysis(name.name, analysed, rules), index)
        for index, (name, analysed) in enumerate(names)
    ]
    keys = customer_keys(indexed, uscc=uscc)
    parts = analysis.parts
    row = {
        "kind": analysis.kind.value,
        "name": analysis.standard_name,
        "name_key": analysis.name_key,
        "values": {
            "uscc": uscc,
            "region_code": customer.region_code or parts.region_code,
            "trade_name": parts.trade_name,
            "industry_words": parts.industry,
            "legal_form": parts.legal_form,
            "branch": parts.branch,
            "type": customer.type.value,
            "industry": customer.industry,
            "size": customer.size,
            "owner": customer.owner or actor.username,
            "team": customer.team if customer.team is not None else actor.team,
            "source": customer.source,
        },
    }
    return _Prepared(
        row,
        tuple(
            (n.name, n.type.value, n.valid_from, n.valid_to, fold_for_key(n.name)) for n, _ in names
        ),
        tuple((k.rule, k.side, k.value, k.name_id) for k in keys),
        uscc,
        aliases_skipped,
    )


def _stored_analysis(
    stored: str, analysed: NameAnalysis, rules: RuleSettings | None
) -> NameAnalysis:
    if analysed.input == stored:
        return replace(analysed, uscc=None) if analysed.uscc else analysed
    return analyze_name(stored, settings=rules)
