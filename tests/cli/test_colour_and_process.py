"""Colours (NO_COLOR, FORCE_COLOR, not a TTY) and the installed ``conveyor`` script."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import SCRIPT, Repo, Result, conveyor

ESC = "\x1b["
WF = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo hello}]\n"


@pytest.fixture
def simple(repo: Repo) -> Repo:
    repo.workflow(WF, "ci.yml")
    repo.commit()
    return repo


def test_no_colour_when_not_a_tty(simple: Repo) -> None:
    res = simple.cli("run")  # capsys is not a terminal
    assert res.code == 0, res.output
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


def _conveyor(*args: str, cwd: Path | None = None) -> Result:
    return conveyor(*args, how="script", cwd=cwd)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the conveyor script is not installed")
def test_help_teaches() -> None:
    top = _conveyor("--help")
    assert top.code == 0
    for command in ("run", "runs", "logs", "validate"):
        assert command in top.out
    run = _conveyor("run", "--help")
    assert run.code == 0
    for text in (
        "--list", "--graph", "--dry-run", "--matrix", "--secret-file", "--eventpath",
        "examples:", "exit status:", "conveyor run -j test --matrix",
        "conveyor logs", "workflow_dispatch --input",
    ):  # fmt: skip
        assert text in run.out, text
    logs = _conveyor("logs", "--help")
    assert "'last'" in logs.out


@pytest.mark.skipif(not SCRIPT.exists(), reason="the conveyor script is not installed")
def test_exit_codes(simple: Repo, tmp_path: Path) -> None:
    root = str(simple.root)
    ok = _conveyor("run", "-C", root, "--no-color")
    assert ok.code == 0, ok.err
    assert "hello" in ok.out
    simple.workflow(WF.replace("echo hello", "exit 7"), "ci.yml")
    simple.commit()
    failed = _conveyor("run", "-C", root, "--no-color")
    assert failed.code == 1
    bad = _conveyor("run", "-C", root, "-j", "missing")
    assert bad.code == 2 and "no job 'missing'" in bad.err
    usage = _conveyor("run", "--no-such-option")
    assert usage.code == 2 and "usage:" in usage.err
    nothing = _conveyor(cwd=tmp_path)
    assert nothing.code == 2 and "usage:" in nothing.err
    version = _conveyor("--version")
    assert version.code == 0 and version.out.startswith("conveyor ")
