"""The durable job queue (server.queue) on both backends: SQLite (WAL) and a real
PostgreSQL 15 (tests/pg.py), each test on a fresh, migrated database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text, update

from conveyor.server import models as m
from conveyor.server import queue
from conveyor.server.db import Database, database_url, migrate, now, schema_current
from tests.pg import Postgres

TTL = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database: SQLite in tmp_path, or a new database on the session's
    PostgreSQL."""
    if request.param == "sqlite":
        yield from migrated(database_url(tmp_path))
    else:
        yield from migrated(new_database(request.getfixturevalue("postgres"), tmp_path))


@pytest.fixture
def pg_db(postgres: Postgres, tmp_path: Path) -> Iterator[Database]:
    yield from migrated(new_database(postgres, tmp_path))


def new_database(pg: Postgres, tmp_path: Path) -> str:
    return database_url(tmp_path, pg.create_database(f"t_{uuid.uuid4().hex[:12]}"))


def migrated(url: str) -> Iterator[Database]:
    database = Database(url)
    try:
        migrate(database.engine)
        yield database
    finally:
        database.close()


def add_run(db: Database) -> int:
    t = now()
    with db.session() as s:
        repo = m.Repo(full_name=f"acme/{uuid.uuid4().hex[:8]}", clone_url="", created_at=t)
        s.add(repo)
        s.flush()
        run = m.Run(
            repo_id=repo.id,
            workflow_file=".github/workflows/ci.yml",
            workflow_name="CI",
            run_number=1,
            event="push",
            ref="refs/heads/main",
            head_sha="0" * 40,
            payload="{}",
            status="in_progress",
            created_at=t,
        )
        s.add(run)
        s.flush()
        return run.id


def add_jobs(db: Database, n: int, run_id: int | None = None, **values: object) -> list[int]:
    """``n`` queued jobs of one run, in id order; ``values`` set columns of each."""
    run_id = run_id if run_id is not None else add_run(db)
    with db.session() as s:
        jobs = [
            m.Job(
                run_id=run_id,
                key=f"job-{uuid.uuid4().hex}",
                name=f"job {i}",
                job_id=f"job{i}",
                request=f'{{"n": {i}}}',
                status="queued",
                created_at=now(),
                **values,
            )
            for i in range(n)
        ]
        s.add_all(jobs)
        s.flush()
        return [j.id for j in jobs]


def job(db: Database, job_id: int) -> m.Job:
    with db.session() as s:
        found = s.get(m.Job, job_id)
        assert found is not None
        return found


def set_job(db: Database, job_id: int, **values: object) -> None:
    with db.session() as s:
        row = s.get(m.Job, job_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def test_lease_takes_the_oldest_queued_job_first(db: Database) -> None:
    ids = add_jobs(db, 3)
    before = now()
    first = queue.lease(db, "w1", TTL)
    assert first is not None
    assert (first.job_id, first.attempt, first.request) == (ids[0], 1, '{"n": 0}')
    assert before + TTL <= first.until <= now() + TTL
    row = job(db, ids[0])
    assert (row.status, row.worker, row.attempts) == ("in_progress", "w1", 1)
    assert row.started_at is not None and row.lease_until == first.until
    leased = [queue.lease(db, "w2", TTL), queue.lease(db, "w1", TTL)]
    assert [lease.job_id for lease in leased if lease] == ids[1:]
    assert queue.lease(db, "w3", TTL) is None


def test_lease_takes_only_jobs_of_the_given_runs(db: Database) -> None:
    [older] = add_jobs(db, 1)
    run_id = add_run(db)
    [newer] = add_jobs(db, 1, run_id)
    assert queue.lease(db, "w1", TTL, runs=[]) is None
    lease = queue.lease(db, "w1", TTL, runs={run_id})
    assert lease is not None and (lease.job_id, lease.run_id) == (newer, run_id)
    assert queue.lease(db, "w1", TTL, runs={run_id}) is None
    lease = queue.lease(db, "w2", TTL)
    assert lease is not None and lease.job_id == older


def test_eight_racing_workers_lease_each_job_exactly_once(db: Database) -> None:
    ids = add_jobs(db, 60)
    start = threading.Barrier(8)
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        mine = got.setdefault(name, [])
        try:
            start.wait()
            while (lease := queue.lease(db, name, TTL)) is not None:
                mine.append(lease.job_id)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    leased = [job_id for mine in got.values() for job_id in mine]
    assert sorted(leased) == ids  # every job once, none twice
    with db.session() as s:
        rows = s.scalars(select(m.Job).where(m.Job.id.in_(ids))).all()
        holder = {job_id: name for name, mine in got.items() for job_id in mine}
        assert {(r.status, r.attempts) for r in rows} == {("in_progress", 1)}
        assert all(r.worker == holder[r.id] for r in rows)


def test_heartbeat_renews_the_holders_lease(db: Database) -> None:
    [job_id] = add_jobs(db, 1)
    lease = queue.lease(db, "w1", 5.0)
    assert lease is not None
    assert queue.heartbeat(db, job_id, "w1", 600.0) == "ok"
    assert job(db, job_id).lease_until > lease.until + 500
    assert queue.heartbeat(db, job_id, "w2", TTL) == "lost"
    assert queue.heartbeat(db, job_id + 1000, "w1", TTL) == "lost"


def test_heartbeat_says_cancel_when_the_run_is_being_cancelled(db: Database) -> None:
    run_id = add_run(db)
    [job_id] = add_jobs(db, 1, run_id)
    assert queue.lease(db, "w1", TTL) is not None
    with db.session() as s:
        run = s.get(m.Run, run_id)
        assert run is not None
        run.cancel_requested = True
    assert queue.heartbeat(db, job_id, "w1", TTL) == "cancel"
    assert queue.heartbeat(db, job_id, "w2", TTL) == "lost"


def test_heartbeat_after_the_job_ended_is_lost(db: Database) -> None:
    [job_id] = add_jobs(db, 1)
    assert queue.lease(db, "w1", TTL) is not None
    assert queue.complete(db, job_id, "w1", "success", "{}")
    assert queue.heartbeat(db, job_id, "w1", TTL) == "lost"


def test_only_the_lease_holder_completes_a_job(db: Database) -> None:
    [job_id] = add_jobs(db, 1)
    assert not queue.complete(db, job_id, "w1", "success", "{}")  # queued, not leased
    assert queue.lease(db, "w1", TTL) is not None
    assert not queue.complete(db, job_id, "w2", "failure", '{"by": "w2"}')
    row = job(db, job_id)
    assert (row.status, row.conclusion, row.report) == ("in_progress", None, "")
    assert queue.complete(db, job_id, "w1", "success", '{"by": "w1"}', reason="fine")
    row = job(db, job_id)
    assert (row.status, row.conclusion, row.report, row.reason) == (
        "completed",
        "success",
        '{"by": "w1"}',
        "fine",
    )
    assert row.lease_until == 0.0 and row.completed_at is not None
    assert not queue.complete(db, job_id, "w1", "failure", "{}")  # only once
    assert job(db, job_id).conclusion == "success"


def test_expire_requeues_a_job_whose_lease_ran_out(db: Database) -> None:
    stale, fresh = add_jobs(db, 2)
    assert queue.lease(db, "w1", TTL) is not None
    assert queue.lease(db, "w2", TTL) is not None
    set_job(db, stale, lease_until=now() - 1)
    assert queue.expire(db) == [stale]
    row = job(db, stale)
    assert (row.status, row.worker, row.lease_until, row.attempts) == ("queued", "", 0.0, 1)
    assert row.reason == "re-queued: worker stopped answering (attempt 1)"
    assert job(db, fresh).status == "in_progress"
    # the next worker gets it; the one that stopped answering has lost it
    again = queue.lease(db, "w3", TTL)
    assert again is not None and (again.job_id, again.attempt) == (stale, 2)
    assert queue.heartbeat(db, stale, "w1", TTL) == "lost"
    assert not queue.complete(db, stale, "w1", "success", "{}")
    assert queue.complete(db, stale, "w3", "success", "{}")
    assert queue.expire(db) == []


def test_expire_ends_a_job_as_failure_after_max_attempts(db: Database) -> None:
    [job_id] = add_jobs(db, 1)
    for attempt in range(1, queue.MAX_ATTEMPTS + 1):
        lease = queue.lease(db, f"w{attempt}", TTL)
        assert lease is not None and lease.attempt == attempt
        set_job(db, job_id, lease_until=now() - 1)
        assert queue.expire(db) == [job_id]
    row = job(db, job_id)
    assert (row.status, row.conclusion, row.attempts) == (
        "completed",
        "failure",
        queue.MAX_ATTEMPTS,
    )
    assert row.reason == f"its worker stopped answering {queue.MAX_ATTEMPTS} times; not retried"
    assert row.completed_at is not None
    assert queue.lease(db, "w9", TTL) is None
    assert queue.expire(db) == []


def test_not_before_delays_leasing(db: Database) -> None:
    [waiting] = add_jobs(db, 1, not_before=now() + 3600)
    [ready] = add_jobs(db, 1)
    lease = queue.lease(db, "w1", TTL)
    assert lease is not None and lease.job_id == ready  # the older one's timer runs
    assert queue.lease(db, "w1", TTL) is None
    set_job(db, waiting, not_before=now() - 1)
    lease = queue.lease(db, "w1", TTL)
    assert lease is not None and lease.job_id == waiting


def test_depth_counts_the_jobs_not_completed_by_status(db: Database) -> None:
    assert queue.depth(db) == {}
    ids = add_jobs(db, 5)
    set_job(db, ids[4], status="waiting")
    assert queue.depth(db) == {"queued": 4, "waiting": 1}
    leased = [queue.lease(db, "w1", TTL), queue.lease(db, "w2", TTL)]
    assert all(leased)
    assert queue.complete(db, ids[0], "w1", "success", "{}")
    assert queue.depth(db) == {"queued": 2, "waiting": 1, "in_progress": 1}


def test_lease_skips_a_job_another_transaction_has_locked(pg_db: Database) -> None:
    """PostgreSQL's FOR UPDATE SKIP LOCKED: a worker does not wait for a row another
    worker is taking; it takes the next one."""
    oldest, second = add_jobs(pg_db, 2)
    result: list[queue.Lease | None] = []
    with pg_db.engine.connect() as other:
        other.begin()
        other.execute(select(m.Job).where(m.Job.id == oldest).with_for_update())
        leasing = threading.Thread(target=lambda: result.append(queue.lease(pg_db, "w1", TTL)))
        leasing.start()
        leasing.join(timeout=10)
        blocked = leasing.is_alive()
        other.rollback()  # let a blocked lease finish either way
    leasing.join(timeout=30)
    assert not blocked, "lease waited for the row another transaction locked"
    assert [lease.job_id if lease else None for lease in result] == [second]
    lease = queue.lease(pg_db, "w2", TTL)  # the lock is gone: the oldest is free again
    assert lease is not None and lease.job_id == oldest


def test_migrate_is_idempotent(db: Database) -> None:
    migrate(db.engine)
    migrate(db.engine)
    assert schema_current(db.engine)
    with db.engine.connect() as conn:
        assert len(conn.execute(text("SELECT version_num FROM alembic_version")).all()) == 1
    add_jobs(db, 1)  # the tables still work


def test_migrations_head_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/ci", "postgresql+psycopg://u:p@db:5432/ci"),
        ("postgresql://u@127.0.0.1/ci", "postgresql+psycopg://u@127.0.0.1/ci"),
        ("postgresql+psycopg://u@h/ci", "postgresql+psycopg://u@h/ci"),
        ("sqlite:////srv/conveyor.db", "sqlite:////srv/conveyor.db"),
    ],
)
def test_database_url_maps_postgres_urls_to_psycopg3(
    url: str, expected: str, tmp_path: Path
) -> None:
    assert database_url(tmp_path / "unused", url) == expected
    assert not (tmp_path / "unused").exists()


def test_database_url_defaults_to_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    assert database_url(tmp_path / "data") == f"sqlite:///{tmp_path / 'data' / 'server.db'}"
    assert (tmp_path / "data").is_dir()


def wait_for_a_blocked_query(db: Database) -> None:
    with db.engine.connect() as conn:
        for _ in range(200):
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return
            conn.rollback()
            threading.Event().wait(0.05)
    raise AssertionError("no query waited for the lock")


def test_heartbeat_racing_expire_is_lost(pg_db: Database) -> None:
    """expire re-queues a job while its late worker heartbeats: the heartbeat reads the job
    before expire commits and then waits for expire's row lock."""
    [job_id] = add_jobs(pg_db, 1)
    assert queue.lease(pg_db, "w1", TTL) is not None
    result: list[str] = []
    with pg_db.engine.connect() as expiring:
        expiring.begin()  # what expire does, held open
        expiring.execute(select(m.Job).where(m.Job.id == job_id).with_for_update())
        expiring.execute(
            update(m.Job)
            .where(m.Job.id == job_id)
            .values(status="queued", worker="", lease_until=0.0)
        )
        beat = threading.Thread(
            target=lambda: result.append(queue.heartbeat(pg_db, job_id, "w1", TTL))
        )
        beat.start()
        try:
            wait_for_a_blocked_query(pg_db)
        finally:
            expiring.commit()
        beat.join(timeout=30)
    assert result == ["lost"]
    row = job(pg_db, job_id)
    assert (row.status, row.worker) == ("queued", "")
