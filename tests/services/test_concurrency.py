"""Simultaneous registrations of one company create exactly one customer (separate processes).

Each worker process builds its own services on the same database, waits at a barrier, then
registers; the others must be refused as duplicates. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from zhengming.bootstrap import build_services
from zhengming.domain.customer import SYSTEM, Actor
from zhengming.errors import ZhengmingError
from zhengming.services.commands import CustomerCreate
from zhengming.services.ports import CustomerFilter
from zhengming.settings import Settings

WORKERS = 4


def _register(
    url: str, data_dir: str, name: str, uscc: str | None, barrier: Barrier, results: Queue[str]
) -> None:
    results.put(_race(url, data_dir, name, uscc, barrier))


def _race(url: str, data_dir: str, name: str, uscc: str | None, barrier: Barrier) -> str:
    services = build_services(Settings(data_dir=Path(data_dir), database_url=url), upgrade=False)
    try:
        services.customers.analyze(name, uscc)  # load the lexicons before the race starts
        barrier.wait(timeout=60)
        services.customers.register(
            CustomerCreate(name=name, uscc=uscc),
            actor=Actor(f"rep{multiprocessing.current_process().pid}"),
        )
        return "created"
    except ZhengmingError as error:
        return error.code
    finally:
        services.close()


@pytest.mark.parametrize(
    ("names", "uscc"),
    [
        # The same strong name key, typed differently by each rep.
        (
            [
                "北京字节跳动科技有限公司",
                "字节跳动（北京）科技有限公司",
                "字節跳動(北京)科技有限公司",
                "北京字节跳动科技有限公司",
            ],
            None,
        ),
        # The same credit code under unrelated names.
        (
            [
                "北京甲乙丙科技有限公司",
                "上海丁戊己贸易有限公司",
                "广州庚辛壬咨询有限公司",
                "深圳癸子丑实业有限公司",
            ],
            "91110108551385082Q",
        ),
    ],
)
def test_parallel_registrations_create_one_customer(
    database_url: str, tmp_path: Path, names: list[str], uscc: str | None
) -> None:
    build_services(Settings(data_dir=tmp_path, database_url=database_url)).close()  # migrate
    context = multiprocessing.get_context("fork")  # children inherit loaded lexicons
    barrier = context.Barrier(WORKERS)
    results: Queue[str] = context.Queue()
    workers = [
        context.Process(
            target=_register, args=(database_url, str(tmp_path), name, uscc, barrier, results)
        )
        for name in names
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(outcomes) == ["created"] + ["customer.duplicate"] * (WORKERS - 1)
    services = build_services(Settings(data_dir=tmp_path, database_url=database_url))
    try:
        everything = CustomerFilter(status=("active", "archived", "deleted", "merged"))
        assert services.customers.list(actor=SYSTEM, filters=everything).total == 1
    finally:
        services.close()
