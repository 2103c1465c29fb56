"""The scheduler and the job runner on the in-memory fake executor: no process, no
sleep, no race. A step blocked on ``block`` waits for its cancel token (or its
timeout), so fail-fast, cancellation and timeouts are decided by the engine alone;
and the fake's job paths differ from the engine's, so a step that touched the host
directly instead of through the executor would show.

``run:`` scripts are lines of the fake's commands (``echo``, ``write``, ``exit``,
``block``...), with ``$NAME`` taken from the step's environment.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conveyor.executors import EXECUTORS
from conveyor.executors.base import CancelToken, ExecutorRequest, ExitInfo, JobPaths
from tests.executors.fake import FakeExecutor
from tests.harness import EngineRun, engine_run

_VAR = re.compile(r"\$\{?(\w+)\}?")
MADE: list[ScriptedFake] = []


class ScriptedFake(FakeExecutor):
    """The fake, with `bash` on its PATH running a step's script as fake commands."""

    def prepare(self) -> JobPaths:
        paths = super().prepare()
        self.files[Path("/usr/bin/bash")] = (b"", 0o755)
        return paths

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_output: Callable[[str], None],
        timeout: float | None,
        cancel: CancelToken,
    ) -> ExitInfo:
        if argv and argv[0].endswith("bash"):
            data, _ = self.files[Path(argv[-1])]
            lines = [ln.strip() for ln in data.decode().splitlines() if ln.strip()]
            argv = ["fake", *(_VAR.sub(lambda m: env.get(m.group(1), ""), ln) for ln in lines)]
        return super().run(
            argv, cwd=cwd, env=env, on_output=on_output, timeout=timeout, cancel=cancel
        )


def create(request: ExecutorRequest) -> ScriptedFake:
    fake = ScriptedFake(request)
    MADE.append(fake)
    return fake


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(EXECUTORS, "scripted", __name__)
    MADE.clear()
    yield


def _run(tmp_path: Path, workflow: str, **options: object) -> EngineRun:
    return engine_run(tmp_path, workflow, executor="scripted", **options)  # type: ignore[arg-type]


def _jobs(done: EngineRun) -> dict[str, str]:
    return {j.name: j.conclusion for w in done.report.workflows for j in w.jobs}


def test_steps_see_the_job_view_and_leave_nothing_behind(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo ${{ github.workspace }} $RUNNER_TEMP
        """,
    )
    assert _jobs(done) == {"build": "success"}
    (fake,) = MADE
    assert f"/__w/job/{tmp_path.name} /__w/job/_temp" in done.lines("build")
    # the script was written 0600 through the executor, run, and removed
    writes = [args for name, args in fake.calls if name == "write_file"]
    scripts = [a for a in writes if str(a[0]).endswith(".sh")]
    assert [(a[2]) for a in scripts] == [0o600]
    assert ("remove_file", (scripts[0][0],)) in fake.calls
    assert fake.calls[-1] == ("teardown", ())


def test_outputs_and_env_files_go_through_the_executor(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            outputs:
              x: ${{ steps.s.outputs.x }}
            steps:
              - id: s
                run: |
                  write $GITHUB_OUTPUT x=forty-two
                  write $GITHUB_ENV LATER=from-env
              - run: echo $LATER
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - run: echo got ${{ needs.a.outputs.x }}
        """,
    )
    assert _jobs(done) == {"a": "success", "b": "success"}
    assert "from-env" in done.lines("a")
    assert "got forty-two" in done.lines("b")


def test_fail_fast_cancels_a_blocked_sibling(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                what: [block, "exit 1"]
            steps:
              - run: ${{ matrix.what }}
        """,
    )
    assert _jobs(done) == {"m (block)": "cancelled", "m (exit 1)": "failure"}
    assert done.report.conclusion == "failure"


def test_without_fail_fast_the_sibling_is_not_cancelled(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            timeout-minutes: 0.02
            strategy:
              fail-fast: false
              matrix:
                what: [block, "exit 1"]
            steps:
              - run: ${{ matrix.what }}
        """,
    )
    # the blocked one runs until its own job timeout, which cancels it
    assert _jobs(done) == {"m (block)": "cancelled", "m (exit 1)": "failure"}
    blocked = [line for line in done.lines("m") if "maximum execution time" in line]
    assert len(blocked) == 1


def test_a_step_timeout_fails_the_step_and_always_steps_run(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        """
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - run: block
                timeout-minutes: 0.01
              - run: echo never
              - if: always()
                run: echo cleanup
        """,
    )
    (job,) = done.report.workflows[0].jobs
    assert [s.outcome for s in job.steps] == ["failure", "skipped", "success"]
    assert "Error: The action has timed out after 0.01 minutes." in done.lines("t")
    assert "cleanup" in done.lines("t") and "never" not in done.lines("t")


def test_a_job_container_without_a_container_engine_fails_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_CONTAINER_ENGINE", "no-such-engine")
    done = engine_run(
        tmp_path,
        """
        on: push
        jobs:
          c:
            runs-on: ubuntu-latest
            container: debian:bookworm
            steps:
              - run: echo hi
        """,
    )
    (job,) = done.report.workflows[0].jobs
    assert job.conclusion == "failure"
    assert "jobs.c.container and services need a container engine" in (job.error or "")


class CountingFake(ScriptedFake):
    """Counts how many jobs run a process at once, and the threads alive meanwhile."""

    lock = threading.Lock()
    running = 0
    most = 0
    threads = 0

    def run(self, argv: list[str], **kwargs: Any) -> ExitInfo:
        cls = CountingFake
        with cls.lock:
            cls.running += 1
            cls.most = max(cls.most, cls.running)
            cls.threads = max(cls.threads, threading.active_count())
        try:
            time.sleep(0.001)  # gives other jobs the chance to overlap (bounds, not timing)
            return super().run(argv, **kwargs)
        finally:
            with cls.lock:
                cls.running -= 1


def test_jobs_limit_bounds_running_jobs_and_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EXECUTORS, "counting", __name__ + "_counting")
    module = type(sys)("counting")
    module.create = CountingFake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, __name__ + "_counting", module)
    jobs = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {i}\n"
        for i in range(200)
    )
    matrix = (
        "  m:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n"
        f"        n: [{', '.join(str(n) for n in range(60))}]\n"
        "    steps:\n      - run: echo ${{ matrix.n }}\n"
        "  last:\n    needs: [m, j0, j199]\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo last\n"
    )
    CountingFake.running = CountingFake.most = CountingFake.threads = 0
    before = threading.active_count()
    done = engine_run(
        tmp_path, "on: push\njobs:\n" + jobs + matrix, executor="counting", capacity=3
    )
    conclusions = _jobs(done)
    assert len(conclusions) == 261 and set(conclusions.values()) == {"success"}
    assert "last" in done.lines("last")
    assert 1 <= CountingFake.most <= 3
    # the scheduler, <= 3 job threads, <= 3 matrix workers and the store's writer
    assert CountingFake.threads <= before + 10
