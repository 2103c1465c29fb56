"""A throwaway PostgreSQL 15 (Debian's ``postgresql`` package) for tests and benchmarks:
its own data directory in a temporary folder, trust authentication, listening on
127.0.0.1 on a free port with its unix socket in that folder. Standard library only, so
``bench/queue_bench.py`` can use it too.

    with start_postgres() as pg:
        pg.url                        # postgresql://postgres@127.0.0.1:PORT/conveyor
        pg.create_database("t1")      # the same server, database t1

PostgreSQL refuses to run as root: as root, ``initdb`` and ``pg_ctl`` run as the
``postgres`` user (``runuser``), in a folder owned by it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

PG_BIN = Path("/usr/lib/postgresql/15/bin")
USER = "postgres"  # the database superuser (and, as root, the system user the server runs as)
DATABASE = "conveyor"
# a test server: losing its data in a crash is fine, waiting for the disk is not
FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started here (not installed, or it failed to start)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Postgres:
    """A running server; ``stop()`` (or leaving the ``with`` block) kills it and removes
    its folder."""

    def __init__(self, folder: Path, port: int, as_user: list[str]) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = port
        self._as_user = as_user
        self.url = self.database_url(DATABASE)

    def database_url(self, name: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` on this server; its URL."""
        self._client("createdb", name)
        return self.database_url(name)

    def _client(self, tool: str, *args: str) -> None:
        argv = [str(PG_BIN / tool), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, *args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if proc.returncode != 0:
            raise PostgresUnavailable(f"{tool} {' '.join(args)} failed: {proc.stderr.strip()}")

    def stop(self) -> None:
        pg_ctl = [*self._as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w"]
        stopped = subprocess.run(
            [*pg_ctl, "stop", "-m", "immediate"], capture_output=True, timeout=60, check=False
        )
        pid_file = self.data / "postmaster.pid"
        if stopped.returncode != 0 and pid_file.exists():
            # pg_ctl could not stop it: the postmaster's pid is the file's first line
            with contextlib.suppress(ValueError, IndexError, ProcessLookupError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_postgres(durable: bool = False) -> Postgres:
    """A new server with an empty database ``conveyor``. ``durable``: PostgreSQL's own
    settings (fsync on every commit) instead of the test settings that skip the disk."""
    missing = [
        t for t in ("initdb", "pg_ctl", "postgres", "createdb") if not (PG_BIN / t).is_file()
    ]
    if missing:
        raise PostgresUnavailable(
            f"PostgreSQL 15 is not installed ({', '.join(missing)} missing from {PG_BIN}): "
            "run scripts/bootstrap, which installs Debian's `postgresql` package"
        )
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="conveyor-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(USER)
        except KeyError:
            shutil.rmtree(folder)
            raise PostgresUnavailable(
                f"no `{USER}` user to run PostgreSQL as (it refuses to run as root): "
                "run scripts/bootstrap, which installs Debian's `postgresql` package"
            ) from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", USER, "--"]
    try:
        initdb = [*as_user, str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", USER]
        _run([*initdb, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        # a port taken between _free_port and the server's bind: try another one
        for attempt in range(3):
            pg = Postgres(folder, _free_port(), as_user)
            options = ["-c", "listen_addresses=127.0.0.1", "-p", str(pg.port)]
            options += ["-k", str(folder), *([] if durable else FAST)]
            pg_ctl = [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(pg.data), "-l", str(pg.log)]
            started = subprocess.run(
                [*pg_ctl, "-w", "-t", "60", "-o", " ".join(options), "start"],
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
            if started.returncode == 0:
                break
            log = pg.log.read_text(errors="replace") if pg.log.exists() else ""
            if "already in use" not in log or attempt == 2:
                raise PostgresUnavailable(
                    f"pg_ctl start failed: {started.stdout}{started.stderr}\n{log}"
                )
        pg.create_database(DATABASE)
    except BaseException:
        Postgres(folder, 0, as_user).stop()
        raise
    return pg


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}")
