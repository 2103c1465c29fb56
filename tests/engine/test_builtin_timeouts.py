"""A built-in action is stopped at its step's ``timeout-minutes``, like any step: its
processes through the executor, and Python code blocked elsewhere by being abandoned."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.engine.kinds.builtin import _supervised
from conveyor.executors.base import CancelToken
from tests.harness import RepoFactory

HUNG = """
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        timeout-minutes: 0.05
        with:
          python-version: "3.99"
      - if: always()
        run: echo after
"""


def test_setup_python_on_a_hung_interpreter_stops_at_the_timeout(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    hung = bin_dir / "python3.99"  # setup-python probes every python3.X on PATH
    hung.write_text('#!/bin/sh\necho $$ > "$0.pid"\nexec sleep 600\n')
    hung.chmod(0o755)
    repo = make_repo()
    repo.workflow(HUNG)
    r = repo.run(how="module", env={"PATH": f"{bin_dir}:{os.environ['PATH']}"}, timeout=120)
    assert r.code == 1, r.output
    steps = r.job("a")["steps"]
    assert [s["outcome"] for s in steps] == ["failure", "success"]
    assert "Error: The action has timed out after 0.05 minutes." in r.output
    pid = int((bin_dir / "python3.99.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the hung probe is gone


def test_python_code_blocked_elsewhere_is_abandoned_at_the_deadline() -> None:
    token = CancelToken()
    never = threading.Event()
    threading.Timer(0.1, token.set, args=("timeout",)).start()
    assert _supervised(never.wait, token) == "stopped"
    never.set()  # let the abandoned thread end


def test_a_failure_message_and_a_crash_are_told_apart() -> None:
    def fails() -> None:
        raise ActionFailed("no such version")

    def crashes() -> None:
        raise KeyError("bug")

    assert _supervised(fails, CancelToken()) == "no such version"
    assert _supervised(lambda: None, CancelToken()) is None
    with pytest.raises(KeyError):
        _supervised(crashes, CancelToken())
