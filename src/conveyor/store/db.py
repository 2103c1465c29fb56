"""The embedded run store: SQLite (WAL) under the repository's ``.conveyor/``.

Plain ``sqlite3`` keeps ``conveyor run`` fast to start (SQLAlchemy alone costs more to
import than a whole trivial run); the schema is versioned with ``PRAGMA user_version``
and each migration is an entry in MIGRATIONS, applied in order.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from conveyor.records import record

MIGRATIONS: list[str] = [
    # 1: runs and their job instances
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        repo TEXT NOT NULL,
        event TEXT NOT NULL,
        ref TEXT NOT NULL DEFAULT '',
        sha TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'in_progress',
        conclusion TEXT,
        started REAL NOT NULL,
        duration REAL,
        run_dir TEXT NOT NULL DEFAULT '',
        report TEXT
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        workflow TEXT NOT NULL,
        job_id TEXT NOT NULL,
        name TEXT NOT NULL,
        matrix TEXT,
        conclusion TEXT NOT NULL,
        duration REAL NOT NULL DEFAULT 0,
        log TEXT,
        environment TEXT
    );
    CREATE INDEX jobs_run ON jobs(run_id);
    """,
]


@record(frozen=True, slots=True)
class RunRow:
    id: int
    repo: str
    event: str
    ref: str
    sha: str
    status: str
    conclusion: str | None
    started: float
    duration: float | None
    run_dir: str


@record(frozen=True, slots=True)
class JobRow:
    workflow: str
    job_id: str
    name: str
    conclusion: str
    duration: float
    log: str | None


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a crash of Conveyor loses nothing; only a power cut may lose the
        # last run's row. It spares an fsync per statement on every `conveyor run`.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if self.schema_version >= len(MIGRATIONS):
            return
        # IMMEDIATE takes the write lock first: two processes opening a new store at once
        # must not both apply a migration; the loser sees the new version once it gets the lock
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self.schema_version
            for i, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {i}")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def start_run(
        self, repo: str, event: str, ref: str, sha: str, runs_dir: Path | None = None
    ) -> int:
        """A new run; with ``runs_dir`` its directory ``runs_dir/<id>`` is recorded too."""
        self.db.execute("BEGIN")
        cur = self.db.execute(
            "INSERT INTO runs (repo, event, ref, sha, started) VALUES (?, ?, ?, ?, ?)",
            (repo, event, ref, sha, time.time()),
        )
        run_id = int(cur.lastrowid or 0)
        if runs_dir is not None:
            self.db.execute(
                "UPDATE runs SET run_dir = ? WHERE id = ?", (str(runs_dir / str(run_id)), run_id)
            )
        self.db.execute("COMMIT")
        return run_id

    def finish_run(self, run_id: int, report: dict[str, Any]) -> None:
        rows = []
        for wf in report.get("workflows", []):
            for job in _flatten(wf.get("jobs", [])):
                rows.append(
                    (
                        run_id,
                        wf.get("file", ""),
                        job["id"],
                        job["name"],
                        json.dumps(job.get("matrix")) if job.get("matrix") is not None else None,
                        job["conclusion"],
                        job.get("duration", 0.0),
                        job.get("log"),
                        json.dumps(job["environment"]) if job.get("environment") else None,
                    )
                )
        self.db.execute("BEGIN")
        self.db.execute(
            "UPDATE runs SET status='completed', conclusion=?, duration=?, report=? WHERE id=?",
            (report.get("conclusion"), report.get("duration"), json.dumps(report), run_id),
        )
        self.db.executemany(
            "INSERT INTO jobs (run_id, workflow, job_id, name, matrix, conclusion, duration, "
            "log, environment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.db.execute("COMMIT")

    def runs(self, limit: int = 20) -> list[RunRow]:
        cur = self.db.execute(
            "SELECT id, repo, event, ref, sha, status, conclusion, started, duration, run_dir "
            "FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [RunRow(*row) for row in cur.fetchall()]

    def run(self, run_id: int) -> RunRow | None:
        cur = self.db.execute(
            "SELECT id, repo, event, ref, sha, status, conclusion, started, duration, run_dir "
            "FROM runs WHERE id = ?",
            (run_id,),
        )
        row = cur.fetchone()
        return RunRow(*row) if row else None

    def jobs(self, run_id: int) -> list[JobRow]:
        cur = self.db.execute(
            "SELECT workflow, job_id, name, conclusion, duration, log FROM jobs "
            "WHERE run_id = ? ORDER BY id",
            (run_id,),
        )
        return [JobRow(*row) for row in cur.fetchall()]

    def report(self, run_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT report FROM runs WHERE id = ?", (run_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None


def _flatten(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for job in jobs:
        out.append(job)
        out.extend(_flatten(job.get("jobs", [])))
    return out


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one (``execute`` takes one)."""
    out: list[str] = []
    start = 0
    for end, char in enumerate(script):
        # a ';' ends a statement unless it sits in a string, a comment or a trigger body
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            out.append(script[start : end + 1].strip())
            start = end + 1
    if script[start:].strip():
        out.append(script[start:].strip())
    return out
