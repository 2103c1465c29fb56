"""The SQLite run store: migrations, WAL, runs and their (nested) jobs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conveyor.store.db import MIGRATIONS, Store, _statements
from conveyor.store.paths import cache_root, data_dir


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "nested" / "conveyor.db")
    yield s
    s.close()


def _job(job_id: str, name: str, jobs: list[dict[str, Any]] | None = None, **kw: Any) -> dict:
    return {"id": job_id, "name": name, "conclusion": "success", "duration": 1.5,
            "jobs": jobs or [], **kw}  # fmt: skip


def test_schema_version_and_wal(store: Store) -> None:
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "jobs"} <= tables


def test_opening_twice_keeps_data_and_version(store: Store) -> None:
    run_id = store.start_run("me/repo", "push", "refs/heads/main", "a" * 40)
    again = Store(store.path)
    try:
        assert again.schema_version == len(MIGRATIONS)
        assert [r.id for r in again.runs()] == [run_id]
    finally:
        again.close()
    third = Store(store.path)
    third.close()


def test_migrates_an_old_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE unrelated (x)")
    raw.commit()
    raw.close()
    s = Store(path)
    try:
        assert s.schema_version == len(MIGRATIONS)
        s.start_run("me/repo", "push", "", "")
    finally:
        s.close()


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import conveyor.store.db as db

    monkeypatch.setattr(db, "MIGRATIONS", [*MIGRATIONS, "CREATE TABLE x (a); NOT SQL AT ALL;"])
    with pytest.raises(sqlite3.OperationalError):
        Store(tmp_path / "c.db")
    raw = sqlite3.connect(tmp_path / "c.db")
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "runs" not in names and "x" not in names
    finally:
        raw.close()


def test_statements_split() -> None:
    assert _statements("CREATE TABLE a (x TEXT DEFAULT ';');\nCREATE INDEX i ON a(x);\n") == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "CREATE INDEX i ON a(x);",
    ]


def test_run_lifecycle_with_nested_jobs(store: Store, tmp_path: Path) -> None:
    run_id = store.start_run("me/repo", "push", "refs/heads/main", "b" * 40, tmp_path / "runs")
    row = store.run(run_id)
    assert row is not None
    assert (row.status, row.conclusion, row.duration) == ("in_progress", None, None)
    assert row.run_dir.endswith(f"runs/{run_id}")
    report = {
        "run_id": run_id,
        "conclusion": "failure",
        "duration": 3.25,
        "workflows": [
            {
                "file": ".github/workflows/ci.yml",
                "jobs": [
                    _job("test", "test (3.12)", matrix={"py": "3.12"}, log="/l/test.log"),
                    _job(
                        "call",
                        "call",
                        [_job("inner", "call / inner", [_job("deep", "call / inner / deep")])],
                    ),
                    _job("deploy", "deploy", environment={"name": "prod", "url": "u"}),
                ],
            }
        ],
    }
    store.finish_run(run_id, report)
    row = store.run(run_id)
    assert row is not None
    assert (row.status, row.conclusion, row.duration) == ("completed", "failure", 3.25)
    jobs = store.jobs(run_id)
    assert [(j.job_id, j.name) for j in jobs] == [
        ("test", "test (3.12)"),
        ("call", "call"),
        ("inner", "call / inner"),
        ("deep", "call / inner / deep"),
        ("deploy", "deploy"),
    ]
    assert jobs[0].log == "/l/test.log" and jobs[0].workflow == ".github/workflows/ci.yml"
    assert store.report(run_id) == report
    matrix, env = store.db.execute(
        "SELECT matrix, environment FROM jobs WHERE run_id = ? AND job_id IN ('test', 'deploy') "
        "ORDER BY id",
        (run_id,),
    ).fetchall()
    assert matrix[0] == '{"py": "3.12"}' and env[1] == '{"name": "prod", "url": "u"}'


def test_runs_newest_first_with_limit(store: Store) -> None:
    ids = [store.start_run("me/repo", "push", "", "") for _ in range(4)]
    assert [r.id for r in store.runs()] == ids[::-1]
    assert [r.id for r in store.runs(2)] == ids[:1:-1]
    assert store.run(9999) is None and store.report(9999) is None
    assert store.report(ids[0]) is None  # not finished


def test_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVEYOR_DATA_DIR", raising=False)
    assert data_dir(tmp_path) == tmp_path / ".conveyor"
    monkeypatch.setenv("CONVEYOR_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data_dir(tmp_path) == tmp_path / "elsewhere"
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(tmp_path / "cache"))
    assert cache_root() == tmp_path / "cache"
    monkeypatch.delenv("CONVEYOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "conveyor"
