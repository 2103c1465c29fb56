"""The embedded run store: SQLite (WAL) under the repository's ``.conveyor/``.

Plain ``sqlite3`` keeps ``conveyor run`` fast to start (SQLAlchemy alone costs more to
import than a whole trivial run); the schema is versioned with ``PRAGMA user_version``
and each migration is an entry in MIGRATIONS, applied in order.
"""

from __future__ import annotations

# sqlite3 is _sqlite3 plus default adapters for date and datetime (which the store never
# passes) and their import of datetime: ~6M instructions of every run
import _sqlite3 as sqlite3
import time
from pathlib import Path

from conveyor import jsontext
from conveyor.procinfo import alive, process_start
from conveyor.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    # 2: written as the run goes: who runs it, jobs in progress, finished steps
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN pid_start TEXT;
    ALTER TABLE runs ADD COLUMN error TEXT;
    ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT 'completed';
    ALTER TABLE jobs ADD COLUMN error TEXT;
    CREATE TABLE steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        step_id TEXT,
        name TEXT NOT NULL,
        outcome TEXT NOT NULL,
        conclusion TEXT NOT NULL,
        duration REAL NOT NULL DEFAULT 0,
        outputs TEXT
    );
    CREATE INDEX steps_job ON steps(job);
    """,
    # 3: the history of deploys (conveyor deploy / rollback, uses: conveyor/deploy)
    """
    CREATE TABLE deployments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        environment TEXT NOT NULL,
        release TEXT NOT NULL,
        namespace TEXT NOT NULL DEFAULT '',
        revision INTEGER NOT NULL DEFAULT 0,
        serving INTEGER NOT NULL DEFAULT 0,
        image TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL DEFAULT '',
        strategy TEXT NOT NULL,
        result TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        rolled_back_to INTEGER,
        rolled_back_from INTEGER,
        color TEXT NOT NULL DEFAULT '',
        sha TEXT NOT NULL DEFAULT '',
        run_id INTEGER,
        trigger TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        deploy_seconds REAL,
        detect_seconds REAL,
        restore_seconds REAL,
        details TEXT
    );
    CREATE INDEX deployments_env ON deployments(environment, id);
    """,
]
DEPLOY_COLUMNS = (
    "environment", "release", "namespace", "revision", "serving", "image", "digest",
    "strategy", "result", "reason", "rolled_back_to", "rolled_back_from", "color", "sha",
    "run_id", "trigger", "started_at", "deploy_seconds", "detect_seconds", "restore_seconds",
    "details",
)  # fmt: skip


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
    error: str | None = None


@record(frozen=True, slots=True)
class StepRow:
    step_id: str | None
    name: str
    outcome: str
    conclusion: str
    duration: float


@record(frozen=True, slots=True)
class JobRow:
    workflow: str
    job_id: str
    name: str
    conclusion: str
    duration: float
    log: str | None
    row: int = 0  # the job's row, which its steps refer to


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # one run writes from its jobs' threads, one event at a time (the event bus serialises)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
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
        self,
        repo: str,
        event: str,
        ref: str,
        sha: str,
        runs_dir: Path | None = None,
        pid: int | None = None,
    ) -> int:
        """A new run; with ``runs_dir`` its directory ``runs_dir/<id>`` is recorded too.

        ``pid`` is the process running it: once that process is gone, a run still
        marked in progress is ended by ``reconcile`` instead of showing as running.
        """
        self.db.execute("BEGIN")
        cur = self.db.execute(
            "INSERT INTO runs (repo, event, ref, sha, started, pid, pid_start) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (repo, event, ref, sha, time.time(), pid, process_start(pid) if pid else None),
        )
        run_id = int(cur.lastrowid or 0)
        if runs_dir is not None:
            self.db.execute(
                "UPDATE runs SET run_dir = ? WHERE id = ?", (str(runs_dir / str(run_id)), run_id)
            )
        self.db.execute("COMMIT")
        return run_id

    def job_started(
        self, run_id: int, workflow: str, job_id: str, name: str, matrix: Any, log: str
    ) -> int:
        """A job instance begins; returns its row for ``step_finished``/``job_finished``."""
        cur = self.db.execute(
            "INSERT INTO jobs (run_id, workflow, job_id, name, matrix, conclusion, log, status) "
            "VALUES (?, ?, ?, ?, ?, '', ?, 'in_progress')",
            (run_id, workflow, job_id, name, jsontext.dumps(matrix) if matrix else None, log),
        )
        return int(cur.lastrowid or 0)

    def step_finished(self, job_row: int, step: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO steps (job, step_id, name, outcome, conclusion, duration, outputs) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                job_row,
                step.get("id"),
                step["name"],
                step["outcome"],
                step["conclusion"],
                step.get("duration", 0.0),
                jsontext.dumps(step.get("outputs") or {}),
            ),
        )

    def job_finished(self, job_row: int, job: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE jobs SET status='completed', conclusion=?, duration=?, environment=?, "
            "error=? WHERE id=?",
            (
                job["conclusion"],
                job.get("duration", 0.0),
                jsontext.dumps(job["environment"]) if job.get("environment") else None,
                job.get("error"),
                job_row,
            ),
        )

    def finish_run(self, run_id: int, report: dict[str, Any]) -> None:
        """The run ended: its row, and its jobs and steps as the final report has them
        (replacing the rows written as it went, in the report's order)."""
        self.db.execute("BEGIN")
        try:
            self.db.execute(
                "UPDATE runs SET status='completed', conclusion=?, duration=?, report=?, "
                "error=? WHERE id=?",
                (
                    report.get("conclusion"),
                    report.get("duration"),
                    jsontext.dumps(report),
                    report.get("error"),
                    run_id,
                ),
            )
            if report.get("workflows") is not None:
                self.db.execute("DELETE FROM jobs WHERE run_id = ?", (run_id,))
                for wf in report.get("workflows", []):
                    for job in _flatten(wf.get("jobs", [])):
                        self._insert_job(run_id, wf.get("file", ""), job)
            else:  # a crash: keep what was recorded, end what was still running
                self._end_jobs(run_id, report.get("conclusion") or "failure", report.get("error"))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _insert_job(self, run_id: int, workflow: str, job: dict[str, Any]) -> None:
        cur = self.db.execute(
            "INSERT INTO jobs (run_id, workflow, job_id, name, matrix, conclusion, duration, "
            "log, environment, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                workflow,
                job["id"],
                job["name"],
                jsontext.dumps(job.get("matrix")) if job.get("matrix") is not None else None,
                job["conclusion"],
                job.get("duration", 0.0),
                job.get("log"),
                jsontext.dumps(job["environment"]) if job.get("environment") else None,
                job.get("error"),
            ),
        )
        row = int(cur.lastrowid or 0)
        for step in job.get("steps", []):
            self.step_finished(row, step)

    def _end_jobs(self, run_id: int, conclusion: str, error: str | None) -> None:
        self.db.execute(
            "UPDATE jobs SET status='completed', conclusion=?, error=COALESCE(error, ?) "
            "WHERE run_id=? AND status='in_progress'",
            (conclusion, error, run_id),
        )

    def reconcile(self) -> list[tuple[int, int | None, str | None]]:
        """End the runs still marked in progress whose process is gone (killed, crashed,
        the machine restarted): they are failed, with the reason, and keep every job and
        step recorded so far. Returns them as (run id, pid, pid start)."""
        rows = self.db.execute(
            "SELECT id, pid, pid_start, started FROM runs WHERE status = 'in_progress'"
        ).fetchall()
        ended: list[tuple[int, int | None, str | None]] = []
        for run_id, pid, pid_start, started in rows:
            if pid is not None and alive(pid, pid_start):
                continue
            who = f"the conveyor process (pid {pid})" if pid else "its process"
            error = f"{who} ended before the run finished (killed or crashed)"
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE runs SET status='completed', conclusion='failure', duration=?, "
                "error=? WHERE id=? AND status='in_progress'",
                (max(0.0, time.time() - started), error, run_id),
            )
            self._end_jobs(run_id, "failure", error)
            self.db.execute("COMMIT")
            ended.append((run_id, pid, pid_start))
        return ended

    def steps(self, run_id: int) -> list[tuple[int, StepRow]]:
        """Every recorded step of a run as (its job's row, step), in order."""
        cur = self.db.execute(
            "SELECT jobs.id, steps.step_id, steps.name, steps.outcome, steps.conclusion, "
            "steps.duration FROM steps JOIN jobs ON steps.job = jobs.id "
            "WHERE jobs.run_id = ? ORDER BY jobs.id, steps.id",
            (run_id,),
        )
        return [(row[0], StepRow(*row[1:])) for row in cur.fetchall()]

    def runs(self, limit: int = 20) -> list[RunRow]:
        cur = self.db.execute(
            "SELECT id, repo, event, ref, sha, status, conclusion, started, duration, run_dir, "
            "error FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [RunRow(*row) for row in cur.fetchall()]

    def run(self, run_id: int) -> RunRow | None:
        cur = self.db.execute(
            "SELECT id, repo, event, ref, sha, status, conclusion, started, duration, run_dir, "
            "error FROM runs WHERE id = ?",
            (run_id,),
        )
        row = cur.fetchone()
        return RunRow(*row) if row else None

    def jobs(self, run_id: int) -> list[JobRow]:
        cur = self.db.execute(
            "SELECT workflow, job_id, name, CASE status WHEN 'in_progress' THEN 'in_progress' "
            "ELSE conclusion END, duration, log, id FROM jobs "
            "WHERE run_id = ? ORDER BY id",
            (run_id,),
        )
        return [JobRow(*row) for row in cur.fetchall()]

    def add_deployment(self, row: dict[str, Any]) -> int:
        """One deploy or rollback (keys: DEPLOY_COLUMNS; ``details`` any JSON); its id."""
        values = [row.get(c) for c in DEPLOY_COLUMNS]
        values[-1] = jsontext.dumps(row.get("details") or {})
        marks = ", ".join("?" * len(DEPLOY_COLUMNS))
        cur = self.db.execute(
            f"INSERT INTO deployments ({', '.join(DEPLOY_COLUMNS)}) VALUES ({marks})", values
        )
        return int(cur.lastrowid or 0)

    def deployments(self, environment: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first, as dicts (``details`` decoded, ``id`` added)."""
        where, args = ("WHERE environment = ?", [environment]) if environment else ("", [])
        rows = self.db.execute(
            f"SELECT id, {', '.join(DEPLOY_COLUMNS)} FROM deployments {where} "
            "ORDER BY id DESC LIMIT ?",
            [*args, limit],
        ).fetchall()
        import json

        found = []
        for row in rows:
            item = dict(zip(("id", *DEPLOY_COLUMNS), row, strict=True))
            item["details"] = json.loads(item["details"] or "{}")
            found.append(item)
        return found

    def report(self, run_id: int) -> dict[str, Any] | None:
        import json

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
