"""The throwaway PostgreSQL of the test suite: UTF-8 throughout, pg_trgm sees Chinese, cleans up."""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import DEFAULT_DATABASE, PostgresCluster


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """psycopg takes libpq URLs, not SQLAlchemy's `postgresql+psycopg://`."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def fetch_one(url: str, query: str) -> tuple[object, ...]:
    with connect(url) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return row


def test_cluster_serves_the_default_database(postgres_cluster: PostgresCluster) -> None:
    assert postgres_cluster.url == (
        f"postgresql+psycopg://postgres@127.0.0.1:{postgres_cluster.port}/{DEFAULT_DATABASE}"
    )
    assert fetch_one(postgres_cluster.url, "SELECT current_database(), current_user") == (
        DEFAULT_DATABASE,
        "postgres",
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("server_encoding", "UTF8"),
        ("listen_addresses", "127.0.0.1"),
        ("fsync", "off"),
        ("synchronous_commit", "off"),
        ("full_page_writes", "off"),
    ],
)
def test_settings(postgres_cluster: PostgresCluster, setting: str, expected: str) -> None:
    assert fetch_one(postgres_cluster.url, f"SHOW {setting}") == (expected,)


def test_lc_ctype_is_a_utf8_locale(postgres_cluster: PostgresCluster) -> None:
    """Under LC_CTYPE=C pg_trgm finds no trigrams in Chinese text."""
    (lc_ctype,) = fetch_one(postgres_cluster.url, "SHOW lc_ctype")
    assert re.search(r"utf-?8", str(lc_ctype), re.IGNORECASE), lc_ctype


def test_pg_trgm_compares_chinese_names(postgres_cluster: PostgresCluster) -> None:
    with connect(postgres_cluster.url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        row = conn.execute(
            "SELECT similarity(%s, %s), show_trgm(%s)",
            ("北京字节跳动科技有限公司", "字节跳动（北京）科技有限公司", "字节跳动"),
        ).fetchone()
    assert row is not None
    similarity, trigrams = row
    assert isinstance(similarity, float)
    assert isinstance(trigrams, list)
    assert similarity > 0.3
    # "  字", " 字节", "字节跳", "节跳动", "跳动 ", shown as hashes: a trigram is 3 bytes on disk.
    assert len(trigrams) == 5


def test_fresh_databases_are_independent(postgres_cluster: PostgresCluster) -> None:
    first = postgres_cluster.create_database(f"first_{uuid.uuid4().hex}")
    second = postgres_cluster.create_database(f"second_{uuid.uuid4().hex}")
    with connect(first) as conn:
        conn.execute("CREATE TABLE customer (name text)")
        conn.execute("INSERT INTO customer VALUES ('正名')")
    assert fetch_one(first, "SELECT count(*) FROM customer") == (1,)
    assert fetch_one(second, "SELECT to_regclass('customer')") == (None,)


def test_postgres_url_is_an_empty_database(postgres_url: str) -> None:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    assert fetch_one(postgres_url, query) == (0,)


def test_stop_ends_the_server_and_deletes_its_files(postgres_cluster: PostgresCluster) -> None:
    """Tests that fail must not leave servers behind: stop() is also the exit-time finalizer."""
    cluster = PostgresCluster.start(bindir=postgres_cluster.bindir)
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    cluster.stop()
    assert not cluster.directory.exists()
    assert not is_running(pid, within_seconds=5)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", cluster.port), timeout=5).close()
    cluster.stop()  # a second stop, e.g. the finalizer at exit, does nothing


def is_running(pid: int, *, within_seconds: float) -> bool:
    """Whether `pid` is still alive after `within_seconds`.

    pg_ctl stop returns once the pid file is gone, a moment before the process ends; and as pg_ctl
    exits after starting the server, its reaper (init) may leave it a zombie for a while.
    """
    deadline = time.monotonic() + within_seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        # Reaped since os.kill; or a system without /proc, where os.kill has the last word.
        return not Path("/proc/self").exists()
    # The state follows the parenthesised command name: "123 (postgres) Z ...".
    return stat.rpartition(")")[2].split()[0] != "Z"
