"""A throwaway PostgreSQL cluster for the test suite.

The registry keeps customers in PostgreSQL and finds similar names with pg_trgm, so its tests need a
real server. This module starts one in a temporary directory, on a free port of 127.0.0.1, tuned for
speed rather than durability, and deletes it when it is stopped or the test process exits (also
after a failure)::

    with PostgresCluster.start() as cluster:
        url = cluster.create_database("customers")
        # postgresql+psycopg://postgres@127.0.0.1:<port>/customers

Exceptions::

    PostgresClusterError
    ├── PostgresNotInstalledError  no initdb/pg_ctl/postgres found: callers may skip
    └── ClusterError               installed, but the cluster would not start: callers fail
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import weakref
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

__all__ = [
    "DEFAULT_DATABASE",
    "ClusterError",
    "PostgresCluster",
    "PostgresClusterError",
    "PostgresNotInstalledError",
    "find_bindir",
    "find_utf8_locale",
    "pick_free_port",
]

DEFAULT_DATABASE = "zhengming_test"
SUPERUSER = "postgres"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
# pg_trgm takes only characters the LC_CTYPE calls alphanumeric as parts of words: under
# LC_CTYPE=C a Chinese name has no trigrams at all, and every similarity between two is 0.
UTF8_LOCALES = ("C.UTF-8", "en_US.UTF-8")
# Test data is thrown away, so durability is traded for speed.
SPEED_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# A port is free when it is picked, not necessarily when the server binds it a moment later.
START_ATTEMPTS = 3
START_TIMEOUT_SECONDS = 60


class PostgresClusterError(RuntimeError):
    """Root of this module's errors."""


class PostgresNotInstalledError(PostgresClusterError):
    """No PostgreSQL server programs on this machine."""


class ClusterError(PostgresClusterError):
    """PostgreSQL is installed, but the throwaway cluster could not be set up."""


def find_bindir(*, search_path: str | None = None) -> Path | None:
    """The directory of initdb, pg_ctl and postgres: PATH first, then the newest Debian install.

    Symlinks are resolved (/usr/local/bin/pg_ctl may point into /usr/lib/postgresql/15/bin), and
    the three programs must sit together, which rules out wrapper scripts such as Debian's
    pg_wrapper.

    Args:
        search_path: a PATH-style string to search instead of the PATH environment variable.
    """
    candidates: list[Path] = []
    pg_ctl = shutil.which("pg_ctl", path=search_path)
    if pg_ctl is not None:
        candidates.append(Path(pg_ctl).resolve().parent)
    debian = sorted(map(Path, glob.glob(DEBIAN_BINDIRS)), key=_version_key, reverse=True)
    candidates.extend(debian)
    return next((bindir for bindir in candidates if _has_server_programs(bindir)), None)


def find_utf8_locale() -> str:
    """The first locale of UTF8_LOCALES that this machine has.

    Raises:
        ClusterError: `locale -a` lists none of them.
    """
    try:
        listing = subprocess.run(
            ["locale", "-a"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return UTF8_LOCALES[0]  # cannot tell: initdb will say so if it is missing
    available = {_normalize_locale(name) for name in listing.split()}
    for name in UTF8_LOCALES:
        if _normalize_locale(name) in available:
            return name
    raise ClusterError(
        f"none of the UTF-8 locales {UTF8_LOCALES} is installed (`locale -a`: "
        f"{' '.join(sorted(available))}); pg_trgm needs one to see Chinese characters"
    )


def pick_free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresCluster:
    """A running throwaway cluster with the database DEFAULT_DATABASE; build it with `start()`.

    The superuser is `postgres`, trusted without a password on 127.0.0.1 and on the Unix socket in
    the cluster's directory. `stop()`, leaving a `with` block, garbage collection or interpreter
    exit stops the server and deletes the directory, whichever comes first.
    """

    def __init__(self, *, bindir: Path, directory: Path, run_as: str | None) -> None:
        """Take charge of `directory`; `start()` is the way in."""
        self.bindir = bindir
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.port = 0
        self._run_as = run_as
        stop_command = self._command(
            "pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data)
        )
        # Registered before anything can fail, so a half-built cluster is cleaned up too.
        self._finalizer = weakref.finalize(self, _remove, stop_command, self.data, directory)

    @classmethod
    def start(cls, *, bindir: Path | None = None, locale: str | None = None) -> Self:
        """Create, start and return a cluster: one to two seconds, most of it initdb.

        Args:
            bindir: where initdb, pg_ctl and postgres are; found with `find_bindir()` if omitted.
            locale: a UTF-8 locale for initdb; `find_utf8_locale()` if omitted.

        Raises:
            PostgresNotInstalledError: no server programs were found.
            ClusterError: initdb or the server failed; the message carries their output.
        """
        bindir = bindir or find_bindir()
        if bindir is None:
            raise PostgresNotInstalledError(
                f"no {', '.join(SERVER_PROGRAMS)} on PATH or in {DEBIAN_BINDIRS}"
            )
        locale = locale or find_utf8_locale()
        # PostgreSQL refuses to run as root, so root hands the cluster to the postgres user.
        run_as = SUPERUSER if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        directory = Path(tempfile.mkdtemp(prefix="zhengming-pg-"))
        cluster = cls(bindir=bindir, directory=directory, run_as=run_as)
        try:
            if run_as is not None:
                _give_to(directory, run_as)
            cluster._initdb(locale)
            cluster._start_server()
            cluster.create_database(DEFAULT_DATABASE)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    @property
    def url(self) -> str:
        """SQLAlchemy URL of DEFAULT_DATABASE."""
        return self.url_for(DEFAULT_DATABASE)

    def url_for(self, database: str, *, driver: str | None = "psycopg") -> str:
        """URL of `database`: SQLAlchemy style, or plain libpq style with `driver=None`."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database owned by postgres and return its SQLAlchemy URL.

        A database is a cheap copy of template1 (or of ``template``, e.g. one already migrated),
        so tests take a fresh one instead of cleaning up a shared one. Extensions are not
        installed: that is the schema's job.
        """
        # Imported here so that merely loading this module (conftest does, in every session)
        # does not need the PostgreSQL driver.
        import psycopg
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(SUPERUSER), sql.Identifier(template or "template1")
        )
        with psycopg.connect(self.url_for("postgres", driver=None), autocommit=True) as conn:
            conn.execute(statement)
        return self.url_for(name)

    def stop(self) -> None:
        """Stop the server and delete its directory; calling it again does nothing."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<PostgresCluster {self.bindir} on 127.0.0.1:{self.port} in {self.directory}>"

    def _initdb(self, locale: str) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            f"--locale={locale}",
            "--no-sync",  # the cluster dies with the test run
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": _quote_setting(str(self.directory)),
            **SPEED_SETTINGS,
        }
        # Appending keeps the file's owner: the server, running as postgres, must read it.
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# zhengming test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        for _ in range(START_ATTEMPTS):
            port = pick_free_port()
            log_start = self.log.stat().st_size if self.log.exists() else 0
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-w",
                    f"-t{START_TIMEOUT_SECONDS}",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-p {port}",
                )
            except ClusterError as exc:
                log = self.log.read_bytes()[log_start:].decode("utf-8", errors="replace")
                if "could not bind" in log:
                    continue  # another process took the port meanwhile
                raise ClusterError(f"{exc}\nserver log:\n{log[-3000:]}") from None
            self.port = port
            return
        raise ClusterError(f"no free port after {START_ATTEMPTS} attempts; see {self.log}")

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bindir / program), *args]
        if self._run_as is None:
            return command
        if shutil.which("runuser"):
            return ["runuser", "-u", self._run_as, "--", *command]
        return ["su", self._run_as, "-s", "/bin/sh", "-c", shlex.join(command)]

    def _run(self, program: str, *args: str) -> None:
        command = self._command(program, *args)
        # cwd: the postgres user may not be allowed into the caller's working directory.
        result = subprocess.run(
            command, cwd=self.directory, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            raise ClusterError(f"{shlex.join(command)} exited with {result.returncode}: {output}")


def _remove(stop_command: list[str], data: Path, directory: Path) -> None:
    """Stop the server, immediately (nothing in it is worth a checkpoint), and delete its files."""
    if (data / "postmaster.pid").exists():
        subprocess.run(stop_command, cwd=directory, capture_output=True, check=False)
    shutil.rmtree(directory, ignore_errors=True)


def _give_to(directory: Path, user: str) -> None:
    import pwd  # Unix only, and only root gets here

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ClusterError(
            f"running as root, but there is no {user!r} OS user to run PostgreSQL as"
        ) from None
    os.chown(directory, entry.pw_uid, entry.pw_gid)


def _has_server_programs(bindir: Path) -> bool:
    return all(os.access(bindir / program, os.X_OK) for program in SERVER_PROGRAMS)


def _version_key(bindir: Path) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin, so 10 sorts after 9.6."""
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))


def _normalize_locale(name: str) -> str:
    """C.UTF-8 and C.utf8 are one locale to glibc: compare codesets lowercased, without dashes."""
    language, _, codeset = name.partition(".")
    return f"{language}.{re.sub(r'[^0-9a-z]', '', codeset.lower())}"


def _quote_setting(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
