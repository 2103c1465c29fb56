"""A real ``conveyor serve`` (SQLite in a temp data dir, a loopback port) under signed
webhooks: webhook -> first-step output latency, webhook intake throughput and a burst of
runs, and live-log (SSE) fan-out to 1/10/50 clients. Scenario 15 ``server`` of
bench/run.py runs this script.

    .venv/bin/python bench/server_bench.py [--deliveries 10] [--rate 50] [--seconds 10]
                                           [--burst 50] [--clients 1,10,50] [--json]

The server runs as ``python -m conveyor serve`` in a process of its own (SIGTERM at the
end, and PR_SET_PDEATHSIG so it cannot outlive this script); repositories are bare git
repos in the temp dir, registered with ``conveyor repos add``, and every delivery is a
push naming a commit already in the bare repo (no hook: the webhook is the only trigger).
Standard library and httpx only; nothing from tests/.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from measure import machine_info  # the bench's own facts about the machine

if TYPE_CHECKING:
    from suite import Suite

ROOT = Path(__file__).resolve().parent.parent
CONVEYOR = [sys.executable, "-m", "conveyor"]
SECRET = "bench-webhook-secret"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}
POLL = 0.02  # seconds between polls of the REST API
TICKS = 100  # lines the fan-out job prints, one every 50 ms

# the marker as the step prints it, on a line of its own (the step's name, the script
# echoed into the log, never match: they say "echo first-step-marker")
MARKER = re.compile(r"^(?:\d\d:\d\d:\d\d )?first-step-marker$", re.MULTILINE)
TICK = re.compile(r"tick (\d+) (\d+\.\d+)")

LATENCY_WF = """\
name: latency
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - name: first step
        run: echo first-step-marker
      - run: true
"""

INTAKE_WF = """\
name: intake
on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: echo one step
"""

# waits (at most 60 s) for a file named after the commit, which the bench creates once
# every SSE client is connected, then prints TICKS lines with the time they were printed
FANOUT_WF = """\
name: fanout
on: push
jobs:
  tick:
    runs-on: ubuntu-latest
    timeout-minutes: 3
    steps:
      - name: wait for the clients
        run: for i in $(seq 3000); do [ -e "{go}/${{{{ github.sha }}}}" ] && break; sleep 0.02; done
      - name: tick
        run: for i in $(seq {ticks}); do echo "tick $i $(date +%s.%N)"; sleep 0.05; done
"""


def log(msg: str, out: TextIO = sys.stderr) -> None:
    print(msg, file=out, flush=True)


def pct(values: list[float], p: int) -> float | None:
    """The p-th percentile (inclusive method); None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f} ms" if v >= 0.1 else f"{v * 1000:.1f} ms"


# --------------------------------------------------------------------------- git + cli


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def cli(*args: str, data_dir: Path) -> str:
    argv = [*CONVEYOR, *args, "--data-dir", str(data_dir)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"conveyor {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


class Repo:
    """A bare repository (what the server fetches) and a clone to commit from."""

    def __init__(self, root: Path, name: str, workflow: str) -> None:
        self.name = name
        slug = name.replace("/", "-")
        self.bare, self.work = root / f"{slug}.git", root / slug
        git(root, "init", "-q", "--bare", "-b", "main", str(self.bare))
        git(root, "clone", "-q", str(self.bare), str(self.work))
        git(self.work, "checkout", "-q", "-B", "main")
        wf = self.work / ".github" / "workflows" / "ci.yml"
        wf.parent.mkdir(parents=True)
        wf.write_text(workflow)
        git(self.work, "add", "-A")
        self.sha = self.commit("add the workflow")

    def commit(self, message: str) -> str:
        """A new commit, pushed to the bare repo (which has no hook: nothing is told)."""
        git(self.work, "commit", "-q", "--allow-empty", "-m", message)
        git(self.work, "push", "-q", "origin", "main")
        return git(self.work, "rev-parse", "HEAD").strip()

    def register(self, data_dir: Path) -> None:
        cli("repos", "add", self.name, "--clone-url", str(self.bare),
            "--webhook-secret", SECRET, data_dir=data_dir)  # fmt: skip


def push_delivery(repo: Repo, sha: str, message: str) -> tuple[bytes, dict[str, str]]:
    """A signed GitHub ``push`` delivery (body, headers) with a new delivery id."""
    body = json.dumps(
        {
            "ref": "refs/heads/main",
            "before": "0" * 40,
            "after": sha,
            "head_commit": {"id": sha, "message": message},
            "commits": [{"id": sha, "message": message}],
            "repository": {"full_name": repo.name, "default_branch": "main"},
            "sender": {"login": "bench"},
        }
    ).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256="
        + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }
    return body, headers


# --------------------------------------------------------------------------- the server


def _die_with_parent() -> None:
    """In the server's child process: SIGTERM when this script dies (Linux), so a killed
    bench leaves no server behind."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self, tmp: Path) -> None:
        import httpx

        self.data_dir = tmp / "data"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "serve.log"
        self.token = cli("tokens", "create", "--scope", "admin", data_dir=self.data_dir).strip()
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def start(self) -> float:
        argv = [*CONVEYOR, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--data-dir", str(self.data_dir), "--log-level", "warning"]
        t0 = time.perf_counter()
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"conveyor serve exited:\n{self.tail()}")
            try:
                if self.http.get("/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - t0
            except Exception:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"conveyor serve not ready after 60 s:\n{self.tail()}")

    def stop(self) -> None:
        self.http.close()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def get(self, path: str, **params: Any) -> Any:
        r = self.http.get(path, params=params)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def runs(self, repo: Repo, **params: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.get(f"/api/v1/repos/{repo.name}/actions/runs", **params)
        return data

    def jobs(self, repo: Repo, run_id: int) -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = self.get(
            f"/api/v1/repos/{repo.name}/actions/runs/{run_id}/jobs"
        )["jobs"]
        return jobs

    def job_log(self, repo: Repo, job_id: int) -> str:
        return self.http.get(f"/api/v1/repos/{repo.name}/actions/jobs/{job_id}/logs").text

    def deliver(self, repo: Repo, sha: str, message: str) -> Any:
        body, headers = push_delivery(repo, sha, message)
        return self.http.post("/webhooks/github", content=body, headers=headers)

    def job_of(self, repo: Repo, sha: str, timeout: float = 60) -> tuple[int, int, float, float]:
        """(run id, job id, when the run showed up, when its job did) for the newest run,
        which must be of ``sha``; polls every POLL seconds."""
        deadline = time.monotonic() + timeout
        run_id = 0
        t_run = 0.0
        while time.monotonic() < deadline:
            if not run_id:
                newest = self.runs(repo, per_page=1)["workflow_runs"]
                if newest and newest[0]["head_sha"] == sha:
                    run_id, t_run = newest[0]["id"], time.perf_counter()
            if run_id:
                jobs = self.jobs(repo, run_id)
                if jobs:
                    return run_id, jobs[0]["id"], t_run, time.perf_counter()
            time.sleep(POLL)
        raise RuntimeError(f"no run/job for {sha} after {timeout:g} s\n{self.tail()}")

    def wait_completed(self, repo: Repo, count: int, timeout: float) -> float:
        """Poll until ``count`` runs of ``repo`` are completed; perf_counter() then."""
        deadline = time.monotonic() + timeout
        done = 0
        while time.monotonic() < deadline:
            done = self.runs(repo, status="completed", per_page=1)["total_count"]
            if done >= count:
                return time.perf_counter()
            time.sleep(0.05)
        raise RuntimeError(f"{done} of {count} runs of {repo.name} completed after {timeout:g} s")


# --------------------------------------------------------------------------- 1: latency


def local_run(repo: Repo, env: dict[str, str]) -> tuple[float, float]:
    """``conveyor run`` of the repo's workflow: (seconds until its output shows the
    marker, seconds until it exits)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*CONVEYOR, "run", "-C", str(repo.work)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    assert proc.stdout is not None
    seen = None
    out = []
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        out.append(line)
        # the local runner's lines may carry a job prefix: "[first] first-step-marker"
        if seen is None and line.split(" ")[-1] == "first-step-marker" and "echo" not in line:
            seen = time.perf_counter() - t0
    rc = proc.wait(60)
    wall = time.perf_counter() - t0
    if rc != 0 or seen is None:
        raise RuntimeError(f"conveyor run failed ({rc}) or printed no marker:\n" + "\n".join(out))
    return seen, wall


def latency(srv: Server, repo: Repo, n: int, env: dict[str, str], out: TextIO) -> dict[str, Any]:
    """N deliveries, one at a time (each waits for the previous run to complete),
    alternating with N local runs of the same workflow."""
    rows: list[dict[str, float]] = []
    local_marker, local_wall = [], []
    for i in range(n + 1):  # the first round is a warm-up
        m, w = local_run(repo, env)
        sha = repo.commit(f"latency {i}")
        t0 = time.perf_counter()
        r = srv.deliver(repo, sha, f"latency {i}")
        t_answer = time.perf_counter()
        if r.status_code != 202:
            raise RuntimeError(f"webhook: {r.status_code} {r.text}")
        _, job_id, t_run, t_job = srv.job_of(repo, sha)
        deadline = time.monotonic() + 60
        while not MARKER.search(srv.job_log(repo, job_id)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no marker in job {job_id}'s log\n{srv.tail()}")
            time.sleep(POLL)
        t_marker = time.perf_counter()
        srv.wait_completed(repo, i + 1, 60)
        if i == 0:
            continue
        local_marker.append(m)
        local_wall.append(w)
        rows.append(
            {
                "answer": t_answer - t0,
                "run_visible": t_run - t0,
                "job_visible": t_job - t0,
                "marker": t_marker - t0,
            }
        )
        log(
            f"  delivery {i:2}: answered {ms(t_answer - t0):>8}, run {ms(t_run - t0):>8}, "
            f"job {ms(t_job - t0):>8}, first-step output {ms(t_marker - t0):>8}   "
            f"(local run: output {ms(m)}, exit {ms(w)})",
            out,
        )
    marker = sorted(r["marker"] for r in rows)
    return {
        "deliveries": n,
        "server_marker": marker,
        "server_marker_p50": pct(marker, 50),
        "server_marker_p95": pct(marker, 95),
        "answer_p50": pct([r["answer"] for r in rows], 50),
        "run_visible_p50": pct([r["run_visible"] for r in rows], 50),
        "job_visible_p50": pct([r["job_visible"] for r in rows], 50),
        "local_marker": local_marker,
        "local_marker_p50": pct(local_marker, 50),
        "local_marker_p95": pct(local_marker, 95),
        "local_wall_p50": pct(local_wall, 50),
    }


# --------------------------------------------------------------------------- 2: intake


async def _intake(url: str, repo: Repo, sha: str, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: delivery k is sent at t0 + k/rate whatever the earlier ones are doing."""
    import httpx

    total = int(rate * seconds)
    message = "docs only [skip ci]"
    bodies = [push_delivery(repo, sha, message) for _ in range(total)]
    times: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def send(k: int) -> None:
            body, headers = bodies[k]
            t = time.perf_counter()
            try:
                r = await client.post("/webhooks/github", content=body, headers=headers)
            except httpx.HTTPError as e:
                errors.append(f"{type(e).__name__}: {e}")
                return
            times.append(time.perf_counter() - t)
            if r.status_code != 200 or "skipped" not in r.text:
                errors.append(f"{r.status_code} {r.text[:200]}")

        t0 = time.perf_counter()
        tasks = []
        for k in range(total):
            delay = t0 + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(k)))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    times.sort()
    return {
        "sent": total,
        "offered_per_s": rate,
        "achieved_per_s": (len(times) - len(errors)) / wall,
        "wall": wall,
        "response_p50": pct(times, 50),
        "response_p99": pct(times, 99),
        "response_max": times[-1] if times else None,
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def burst(srv: Server, repo: Repo, sha: str, n: int) -> dict[str, Any]:
    """N real push deliveries of one commit at once (threads), then until all N runs are
    completed."""
    import httpx

    bodies = [push_delivery(repo, sha, "burst") for _ in range(n)]
    statuses: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(n + 1)

    def send(k: int) -> None:
        body, headers = bodies[k]
        gate.wait()
        try:
            code = httpx.post(
                srv.url + "/webhooks/github", content=body, headers=headers, timeout=60
            ).status_code
        except httpx.HTTPError:
            code = 0
        with lock:
            statuses.append(code)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join()
    t_sent = time.perf_counter() - t0
    done = srv.wait_completed(repo, n, 150) - t0
    bad = [c for c in statuses if c != 202]
    if bad:
        raise RuntimeError(f"burst: {len(bad)} deliveries not accepted: {bad[:5]}")
    failed = srv.runs(repo, status="failure", per_page=1)["total_count"]
    return {
        "runs": n,
        "all_answered": t_sent,
        "all_completed": done,
        "runs_per_min": n / done * 60,
        "failed_runs": failed,
    }


# --------------------------------------------------------------------------- 3: fan-out


async def _watch(
    url: str, token: str, path: str, k: int, go: Path
) -> tuple[list[dict[int, float]], float]:
    """K SSE clients on ``path``; once all are connected, create ``go`` (the job waits
    for it). Each client's {tick number: arrival time (epoch)}, and when ``go`` was made."""
    import httpx

    connected = asyncio.Event()
    ready = [0]
    got: list[dict[int, float]] = [{} for _ in range(k)]
    limits = httpx.Limits(max_connections=k + 10, max_keepalive_connections=k + 10)
    timeout = httpx.Timeout(60, connect=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:

        async def one(i: int) -> None:
            mine = got[i]
            async with client.stream("GET", path, headers=headers) as r:
                if r.status_code != 200:
                    raise RuntimeError(f"SSE: {r.status_code} {(await r.aread())[:200]!r}")
                counted = False
                async for line in r.aiter_lines():
                    now = time.time()
                    if not counted:  # the server sends "retry:" right after subscribing
                        counted = True
                        ready[0] += 1
                        if ready[0] == k:
                            connected.set()
                    if line.startswith("event: end"):
                        return
                    if line.startswith("data: "):
                        m = TICK.search(line)
                        if m:
                            mine.setdefault(int(m.group(1)), now)

        tasks = [asyncio.create_task(one(i)) for i in range(k)]
        await asyncio.wait_for(connected.wait(), 60)
        go.touch()
        t_go = time.time()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    return got, t_go


def local_ticks(repo: Repo, env: dict[str, str], go: Path) -> list[float]:
    """The same job with ``conveyor run``: printed -> read from its stdout, per line."""
    (go / repo.sha).touch()
    proc = subprocess.Popen(
        [*CONVEYOR, "run", "-C", str(repo.work)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    assert proc.stdout is not None
    delays = []
    for raw in proc.stdout:
        now = time.time()
        m = TICK.search(raw.decode(errors="replace"))
        if m and "echo" not in raw.decode(errors="replace"):
            delays.append(now - float(m.group(2)))
    rc = proc.wait(60)
    if rc != 0 or len(delays) != TICKS:
        raise RuntimeError(f"local fan-out run: exit {rc}, {len(delays)} of {TICKS} lines")
    return sorted(delays)


def fanout(
    srv: Server, repo: Repo, go: Path, clients: list[int], env: dict[str, str], out: TextIO
) -> dict[str, Any]:
    local = local_ticks(repo, env, go)
    result: dict[str, Any] = {
        "ticks": TICKS,
        "local_p50": pct(local, 50),
        "local_p99": pct(local, 99),
        "clients": {},
    }
    log(
        f"  local conveyor run (stdout pipe): printed -> read p50 {ms(result['local_p50'])}, "
        f"p99 {ms(result['local_p99'])}",
        out,
    )
    for k in clients:
        sha = repo.commit(f"fan-out to {k}")
        r = srv.deliver(repo, sha, f"fan-out to {k}")
        if r.status_code != 202:
            raise RuntimeError(f"webhook: {r.status_code} {r.text}")
        _, job_id, _, _ = srv.job_of(repo, sha)
        path = f"/api/v1/repos/{repo.name}/actions/jobs/{job_id}/logs/stream"
        got, _ = asyncio.run(_watch(srv.url, srv.token, path, k, go / sha))
        # the step's own stamps, from the stored log
        stamps = {int(a): float(b) for a, b in TICK.findall(srv.job_log(repo, job_id))}
        delays = sorted(t - stamps[n] for mine in got for n, t in mine.items() if n in stamps)
        spread = sorted(
            max(mine[n] for mine in got) - min(mine[n] for mine in got)
            for n in stamps
            if all(n in mine for mine in got)
        )
        counts = [len(mine) for mine in got]
        result["clients"][str(k)] = row = {
            "delay_p50": pct(delays, 50),
            "delay_p99": pct(delays, 99),
            "delay_max": delays[-1] if delays else None,
            "spread_p50": pct(spread, 50),
            "spread_p99": pct(spread, 99),
            "lines_min": min(counts),
            "lines_expected": len(stamps),
            "clients_complete": sum(c == len(stamps) for c in counts),
        }
        log(
            f"  {k:2} client{'s' if k > 1 else ' '}: printed -> received p50 "
            f"{ms(row['delay_p50']):>8}, p99 {ms(row['delay_p99']):>8}, max "
            f"{ms(row['delay_max']):>8}; first -> last client p50 {ms(row['spread_p50'])}, "
            f"p99 {ms(row['spread_p99'])}; {row['clients_complete']}/{k} clients got all "
            f"{len(stamps)} lines",
            out,
        )
        srv.wait_completed(repo, clients.index(k) + 1, 60)
    return result


# --------------------------------------------------------------------------- the table


def table_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    """metric, baseline (value and what), conveyor value, unit; the same rows the printed
    table and scenario 15 show."""
    lat, intake, burst_, fan = res["latency"], res["intake"], res["burst"], res["fanout"]
    local = "local `conveyor run`, to its output"
    rows = [
        ("webhook -> first-step output p50", lat["local_marker_p50"], local + " p50",
         lat["server_marker_p50"], "s"),
        ("webhook -> first-step output p95", lat["local_marker_p95"], local + " p95",
         lat["server_marker_p95"], "s"),
        ("  webhook answered (202) p50", None, "", lat["answer_p50"], "s"),
        ("  run visible in the API p50", None, "", lat["run_visible_p50"], "s"),
        ("  job visible in the API p50", None, "", lat["job_visible_p50"], "s"),
        (f"intake: {intake['offered_per_s']:g}/s [skip ci] pushes (verified, no run)",
         intake["offered_per_s"], "offered rate", intake["achieved_per_s"], "deliveries/s"),
        ("intake: response p50", None, "", intake["response_p50"], "s"),
        ("intake: response p99", None, "", intake["response_p99"], "s"),
        ("intake: errors", None, "", intake["errors"], ""),
        (f"burst: {burst_['runs']} push runs, all completed", None, "",
         burst_["all_completed"], "s"),
        (f"burst: {burst_['runs']} push runs", 60 / lat["local_wall_p50"],
         "local `conveyor run`s back to back", burst_["runs_per_min"], "runs/min"),
    ]  # fmt: skip
    for k, c in fan["clients"].items():
        n = f"{k} client{'s' if k != '1' else ''}"
        rows += [
            (f"SSE {n}: printed -> received p50", fan["local_p50"],
             "local run, stdout pipe p50", c["delay_p50"], "s"),
            (f"SSE {n}: printed -> received p99", fan["local_p99"],
             "local run, stdout pipe p99", c["delay_p99"], "s"),
        ]  # fmt: skip
        if k != "1":
            rows.append((f"SSE {n}: first -> last client p99", None, "", c["spread_p99"], "s"))
        rows.append((f"SSE {n}: fewest lines at a client", c["lines_expected"],
                     "lines printed", c["lines_min"], "lines"))  # fmt: skip
    return [
        {"metric": m, "baseline": b, "baseline_what": bw, "value": v, "unit": u}
        for m, b, bw, v, u in rows
    ]


def cell(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    return ms(v) if unit == "s" else f"{v:.0f} {unit}".rstrip()


def print_table(res: dict[str, Any], out: TextIO) -> None:
    m = res["machine"]
    print(
        f"\nMachine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, load avg "
        f"{m['loadavg_start']} -> {m['loadavg_end']}; server ready in {ms(res['server_ready'])}",
        file=out,
    )
    print(f"{'metric':<58} {'baseline':>14}  {'conveyor':>12} {'ratio':>7}  baseline is", file=out)
    for r in res["rows"]:
        b, v = r["baseline"], r["value"]
        ratio = f"{v / b:.2f}x" if b and v is not None else "-"
        print(
            f"{r['metric']:<58} {cell(b, r['unit']):>14}  {cell(v, r['unit']):>12} "
            f"{ratio:>7}  {r['baseline_what']}",
            file=out,
        )


# --------------------------------------------------------------------------- main


def measure(opts: argparse.Namespace, progress: TextIO) -> dict[str, Any]:
    res: dict[str, Any] = {"machine": machine_info()}
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-server-bench-"))
    srv: Server | None = None
    try:
        env = {
            **os.environ,
            **GIT_ENV,
            "NO_COLOR": "1",
            "CONVEYOR_DATA_DIR": str(tmp / "local-data"),
            "CONVEYOR_CACHE_DIR": str(tmp / "cache"),
        }
        go = tmp / "go"
        go.mkdir()
        lat_repo = Repo(tmp, "bench/latency", LATENCY_WF)
        intake_repo = Repo(tmp, "bench/intake", INTAKE_WF)
        fan_repo = Repo(tmp, "bench/fanout", FANOUT_WF.format(go=go, ticks=TICKS))
        srv = Server(tmp)
        for repo in (lat_repo, intake_repo, fan_repo):
            repo.register(srv.data_dir)
        res["server_ready"] = srv.start()
        res["server_workers"] = max(2, os.cpu_count() or 1)  # serve's default

        log(f"server: webhook -> first-step output, {opts.deliveries} deliveries", progress)
        res["latency"] = latency(srv, lat_repo, opts.deliveries, env, progress)

        log(
            f"server: intake, {opts.rate:g} [skip ci] push deliveries/s for {opts.seconds:g} s",
            progress,
        )
        res["intake"] = i = asyncio.run(
            _intake(srv.url, intake_repo, intake_repo.sha, opts.rate, opts.seconds)
        )
        log(
            f"  {i['achieved_per_s']:.1f}/s achieved, response p50 {ms(i['response_p50'])}, "
            f"p99 {ms(i['response_p99'])}, max {ms(i['response_max'])}, {i['errors']} errors "
            f"{i['error_samples'] or ''}",
            progress,
        )
        log(f"server: burst of {opts.burst} push deliveries (real runs)", progress)
        res["burst"] = b = burst(srv, intake_repo, intake_repo.sha, opts.burst)
        log(
            f"  all answered in {ms(b['all_answered'])}, all completed in "
            f"{b['all_completed']:.1f} s: {b['runs_per_min']:.0f} runs/min "
            f"({b['failed_runs']} failed)",
            progress,
        )

        clients = [int(k) for k in opts.clients.split(",")]
        log(f"server: SSE fan-out, a line every 50 ms to {clients} clients", progress)
        res["fanout"] = fanout(srv, fan_repo, go, clients, env, progress)
    except BaseException:
        if srv is not None:
            log(f"server log (tail):\n{srv.tail()}", progress)
        raise
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    res["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    res["rows"] = table_rows(res)
    return res


def server_scenario(s: Suite) -> None:
    """Scenario 15: this script in a fresh interpreter (the bench's environment: the
    snapshot of src/), its rows into the table. No act column: act has no server."""
    from measure import log as bench_log

    bench_log("\n[15] server: webhook -> first step, webhook intake, SSE fan-out")
    venv = ROOT / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else sys.executable
    argv = [python, __file__, "--json"]
    try:
        proc = subprocess.run(argv, env=s.env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as e:  # the server dies with the script (PDEATHSIG)
        s.timer.failures.append(f"server: {' '.join(argv)}: timed out after {e.timeout:g} s")
        return
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        s.timer.failures.append(f"server: {' '.join(argv)}: {proc.stderr.strip()[-800:]}")
        return
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    s.raw["server"] = result
    for r in result["rows"]:
        s.row(
            "15 server",
            r["metric"],
            r["baseline"],
            r["baseline_what"],
            r["value"],
            None,
            unit=r["unit"],
            act_text="n/a",
        )
    s.notes.append(
        "server: one `conveyor serve` (SQLite, "
        f"{result.get('server_workers')} workers) on loopback; latencies are polled every "
        f"{POLL * 1000:.0f} ms through the REST API; burst runs/min's baseline is 60 s / "
        "the local run's wall time (higher is better there); SSE delays are from the "
        "step's own `date +%s.%N` to arrival at each client"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deliveries", type=int, default=10, help="latency deliveries (default 10)")
    ap.add_argument("--rate", type=float, default=50, help="intake deliveries/s (default 50)")
    ap.add_argument("--seconds", type=float, default=10, help="intake duration (default 10)")
    ap.add_argument("--burst", type=int, default=50, help="real push deliveries at once")
    ap.add_argument("--clients", default="1,10,50", help="SSE clients per round (default 1,10,50)")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON line")
    opts = ap.parse_args()
    progress = sys.stderr if opts.json else sys.stdout
    # SIGTERM ends the script through its finally blocks: the server stopped, temp dir gone
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.perf_counter()
    result = measure(opts, progress)
    result["wall"] = time.perf_counter() - t0
    log(f"server: done in {result['wall']:.0f} s", progress)
    if opts.json:
        print(json.dumps(result))
    else:
        print_table(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
