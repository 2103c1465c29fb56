"""The server's job queue (server.queue) on SQLite and PostgreSQL: 2,000 queued jobs, then
W worker threads each lease and complete until the queue is empty. Prints jobs/s and the
p50/p99 latency of ``lease``; scenario 14 ``queue`` of bench/run.py runs this script.

    .venv/bin/python bench/queue_bench.py [--jobs 2000] [--workers 1,4] [--repeats 1] [--json]

Each measurement gets a new, migrated database: a SQLite file (WAL, as the server opens
it) or a database on a throwaway PostgreSQL 15 (tests/pg.py) with PostgreSQL's own
settings. Standard library and the project's own modules only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from suite import Suite

ROOT = Path(__file__).resolve().parent.parent

BACKENDS = ("sqlite", "postgresql")
TTL = 600.0
# scenario 14's table rows: metric, key in the results, unit
ROWS = [
    ("jobs/s", "jobs_per_s", "jobs/s"),
    ("lease p50", "lease_p50", "s"),
    ("lease p99", "lease_p99", "s"),
]


def enqueue(db: Any, n: int) -> None:
    from conveyor.server import models as m
    from conveyor.server.db import now

    t = now()
    with db.session() as s:
        repo = m.Repo(full_name="bench/queue", clone_url="", created_at=t)
        s.add(repo)
        s.flush()
        run = m.Run(
            repo_id=repo.id,
            workflow_file="ci.yml",
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
        s.add_all(
            m.Job(
                run_id=run.id,
                key=f"job{i}",
                name=f"job {i}",
                job_id=f"job{i}",
                request="{}",
                status="queued",
                created_at=t,
            )
            for i in range(n)
        )


def drain(url: str, jobs: int, workers: int) -> dict[str, Any]:
    """One measurement on a new database at ``url``."""
    from conveyor.server import queue
    from conveyor.server.db import Database, migrate

    db = Database(url)
    try:
        migrate(db.engine)
        enqueue(db, jobs)
        start = threading.Barrier(workers + 1)
        latencies: list[list[float]] = [[] for _ in range(workers)]
        errors: list[BaseException] = []

        def work(n: int) -> None:
            name, mine = f"bench-{n}", latencies[n]
            try:
                start.wait()
                while True:
                    t0 = time.perf_counter()
                    lease = queue.lease(db, name, TTL)
                    if lease is None:
                        return
                    mine.append(time.perf_counter() - t0)
                    if not queue.complete(db, lease.job_id, name, "success", "{}"):
                        raise RuntimeError(f"{name} lost job {lease.job_id}")
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        if errors:
            raise errors[0]
        leased = sorted(x for mine in latencies for x in mine)
        left = queue.depth(db)
        if len(leased) != jobs or left:
            raise RuntimeError(f"{len(leased)} of {jobs} jobs leased, {left} left")
        return {"wall": wall, "jobs_per_s": jobs / wall, "latencies": leased}
    finally:
        db.close()


def measure(
    jobs: int, workers: list[int], repeats: int, backends: list[str], progress: TextIO
) -> dict[str, Any]:
    """{backend: {W: {jobs_per_s, lease_p50, lease_p99, ...}}}: the median of ``repeats``
    runs, the latency percentiles over every lease of them; a line on ``progress`` each."""
    from conveyor.server.db import database_url

    out: dict[str, Any] = {"jobs": jobs, "repeats": repeats, "results": {}}
    with tempfile.TemporaryDirectory(prefix="conveyor-queue-bench-") as tmp, ExitStack() as stack:
        pg = None
        if "postgresql" in backends:
            sys.path.insert(0, str(ROOT))  # tests.pg: the throwaway PostgreSQL of the tests
            from tests.pg import PG_BIN, start_postgres

            pg = stack.enter_context(start_postgres(durable=True))
            version = [str(PG_BIN / "postgres"), "--version"]
            said = subprocess.run(version, capture_output=True, text=True).stdout
            out["postgresql"] = said.replace("postgres (PostgreSQL)", "PostgreSQL").strip()

        def new_url(backend: str, name: str) -> str:
            if backend == "sqlite" or pg is None:
                return database_url(Path(tmp) / name)
            return database_url(Path(tmp), pg.create_database(name))

        for backend in backends:
            for w in workers:
                runs = [drain(new_url(backend, f"q{w}_{r}"), jobs, w) for r in range(repeats)]
                result = out["results"].setdefault(backend, {})[str(w)] = summary(runs)
                print(line(backend, w, result), file=progress, flush=True)
    return out


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    lat = sorted(x for r in runs for x in r["latencies"])
    rates = [r["jobs_per_s"] for r in runs]
    return {
        "jobs_per_s": statistics.median(rates),
        "jobs_per_s_all": rates,
        "lease_p50": statistics.median(lat),
        "lease_p99": statistics.quantiles(lat, n=100)[98],
        "wall": statistics.median(r["wall"] for r in runs),
    }


def line(backend: str, workers: int, r: dict[str, Any]) -> str:
    return (
        f"  {backend:<10} {workers} worker{'s' if workers > 1 else ' '}  "
        f"{r['jobs_per_s']:8.0f} jobs/s   lease p50 {r['lease_p50'] * 1000:6.2f} ms   "
        f"p99 {r['lease_p99'] * 1000:6.2f} ms"
    )


def queue_scenario(s: Suite) -> None:
    """Scenario 14: this script in a fresh interpreter (the bench's environment: the
    snapshot of src/); PostgreSQL in the conveyor column, SQLite as the baseline."""
    from measure import log

    log("\n[14] job queue: lease -> complete of 2,000 jobs, SQLite vs PostgreSQL 15")
    venv = ROOT / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else sys.executable
    repeats = 1 if s.quick else s.heavy_repeats
    argv = [python, __file__, "--json", "--repeats", str(repeats)]
    proc = subprocess.run(argv, env=s.env, capture_output=True, text=True, timeout=1800)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        s.timer.failures.append(f"queue: {' '.join(argv)}: {proc.stderr.strip()[-800:]}")
        return
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    s.raw["queue"] = result
    sqlite, pg = result["results"]["sqlite"], result["results"]["postgresql"]
    for w, base in sqlite.items():
        new, workers = pg[w], f"{w} worker{'s' if w != '1' else ''}"
        for metric, key, unit in ROWS:
            s.row(
                "14 job queue",
                f"{metric}, {workers}",
                base[key],
                f"SQLite, {workers}",
                new[key],
                None,
                unit=unit,
                act_text="n/a",
            )
    s.notes.append(
        f"queue: the conveyor column is {result.get('postgresql') or 'PostgreSQL'} "
        "(fsync on commit, its defaults), the baseline SQLite WAL as the server opens it "
        "(synchronous=NORMAL: no fsync on commit); conv/base = PostgreSQL/SQLite"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2000, help="jobs queued per measurement")
    ap.add_argument("--workers", default="1,4", help="worker threads to measure (default 1,4)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per measurement (median)")
    ap.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON line")
    opts = ap.parse_args()
    workers = [int(w) for w in opts.workers.split(",")]
    backends = opts.backends.split(",")
    progress = sys.stderr if opts.json else sys.stdout
    print(f"queue: {opts.jobs} jobs, lease -> complete until empty", file=progress, flush=True)
    result = measure(opts.jobs, workers, opts.repeats, backends, progress)
    if opts.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
