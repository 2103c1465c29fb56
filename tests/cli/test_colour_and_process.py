"""Colours (NO_COLOR, FORCE_COLOR, not a TTY) and the installed ``conveyor`` script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Repo

ESC = "\x1b["
WF = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo hello}]\n"


@pytest.fixture
def simple(repo: Repo) -> Repo:
    repo.workflow("ci.yml", WF)
    repo.commit()
    return repo


def test_no_colour_when_not_a_tty(simple: Repo) -> None:
    res = simple.cli("run")  # capsys is not a terminal
    assert res.code == 0, res.text
    assert "hello" in res.out and ESC not in res.out


def test_force_colour(simple: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    res = simple.cli("run")
    assert res.code == 0
    assert f"{ESC}32msuccess" in res.out


def test_no_color_beats_force_color(simple: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    res = simple.cli("run")
    assert res.code == 0 and "hello" in res.out
    assert ESC not in res.out


def test_no_color_option_beats_force_color(simple: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    res = simple.cli("run", "--no-color")
    assert res.code == 0 and ESC not in res.out


CONVEYOR = Path(sys.executable).with_name("conveyor")


def _conveyor(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "GITHUB_TOKEN")}
    return subprocess.run(
        [str(CONVEYOR), *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


@pytest.mark.skipif(not CONVEYOR.exists(), reason="the conveyor script is not installed")
def test_help_teaches() -> None:
    top = _conveyor("--help")
    assert top.returncode == 0
    for command in ("run", "runs", "logs", "validate"):
        assert command in top.stdout
    run = _conveyor("run", "--help")
    assert run.returncode == 0
    for text in (
        "--list", "--graph", "--dry-run", "--matrix", "--secret-file", "--eventpath",
        "examples:", "exit status:", "conveyor run -j test --matrix",
        "conveyor logs", "workflow_dispatch --input",
    ):  # fmt: skip
        assert text in run.stdout, text
    logs = _conveyor("logs", "--help")
    assert "'last'" in logs.stdout


@pytest.mark.skipif(not CONVEYOR.exists(), reason="the conveyor script is not installed")
def test_exit_codes(simple: Repo, tmp_path: Path) -> None:
    root = str(simple.root)
    ok = _conveyor("run", "-C", root, "--no-color")
    assert ok.returncode == 0, ok.stderr
    assert "hello" in ok.stdout
    simple.workflow("ci.yml", WF.replace("echo hello", "exit 7"))
    simple.commit()
    failed = _conveyor("run", "-C", root, "--no-color")
    assert failed.returncode == 1
    bad = _conveyor("run", "-C", root, "-j", "missing")
    assert bad.returncode == 2 and "no job 'missing'" in bad.stderr
    usage = _conveyor("run", "--no-such-option")
    assert usage.returncode == 2 and "usage:" in usage.stderr
    nothing = _conveyor(cwd=tmp_path)
    assert nothing.returncode == 2 and "usage:" in nothing.stderr
    version = _conveyor("--version")
    assert version.returncode == 0 and version.stdout.startswith("conveyor ")
