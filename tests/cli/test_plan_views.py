"""``--list``, ``--graph`` and ``--dry-run``: the plan, shown, never executed or fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.cli.render import graph_lines
from conveyor.workflow.loader import load_workflow
from conveyor.workflow.plan import plan_workflow
from tests.harness import Repo

CI = """
name: CI
on:
  push:
    branches: [main]
jobs:
  setup:
    runs-on: ubuntu-latest
    outputs:
      matrix: ${{{{ steps.m.outputs.matrix }}}}
    steps:
      - id: m
        run: |
          touch {marker}/setup
          echo 'matrix={{"os":["a","b"]}}' >> "$GITHUB_OUTPUT"
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: someone/thing@v1
      - run: touch {marker}/lint
  test:
    name: Unit tests
    needs: [setup, lint]
    strategy:
      matrix:
        py: ["3.11", "3.12"]
        os: [linux, mac]
    runs-on: ubuntu-latest
    steps:
      - run: touch {marker}/test
  dyn:
    needs: setup
    strategy:
      matrix: ${{{{ fromJSON(needs.setup.outputs.matrix) }}}}
    runs-on: ubuntu-latest
    steps:
      - run: touch {marker}/dyn
  call:
    needs: test
    uses: ./.github/workflows/reusable.yml
    with:
      who: x
"""

REUSABLE = """
on:
  workflow_call:
    inputs:
      who:
        type: string
jobs:
  inner:
    runs-on: ubuntu-latest
    steps:
      - run: touch {marker}/inner
"""

RELEASE = """
name: Release
on:
  push:
    branches: ['release/**']
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: touch {marker}/publish
"""


@pytest.fixture
def multi(repo: Repo, tmp_path: Path) -> Repo:
    marker = tmp_path / "markers"
    marker.mkdir()
    repo.workflow(CI.format(marker=marker), "ci.yml")
    repo.workflow(REUSABLE.format(marker=marker), "reusable.yml")
    repo.workflow(RELEASE.format(marker=marker), "release.yml")
    repo.commit()
    return repo


def _nothing_ran(tmp_path: Path, repo: Repo) -> None:
    assert list((tmp_path / "markers").iterdir()) == []
    assert not (repo.root / ".conveyor" / "conveyor.db").exists(), "a plan view recorded a run"


MODES = ["--list", "--graph", "--dry-run"]


@pytest.mark.parametrize("mode", MODES)
def test_plan_views_never_execute_nor_fetch(multi: Repo, tmp_path: Path, mode: str) -> None:
    res = multi.run(mode, "--actions-url", str(tmp_path / "no-such-mirror"))
    assert res.code == 0, res.output
    _nothing_ran(tmp_path, multi)
    assert not (tmp_path / "cache" / "actions").exists(), "a plan view fetched an action"
    # the release workflow's branch filter excludes main: listed with the reason
    assert "not triggered: .github/workflows/release.yml: branch 'main'" in res.out
    assert "release/**" in res.out
    assert "publish" not in res.out.replace("release.yml", "")


def test_list_table(multi: Repo) -> None:
    res = multi.run("--list")
    lines = res.out.splitlines()
    assert lines[0].split() == ["WORKFLOW", "STAGE", "JOB", "NAME", "NEEDS", "NOTES"]
    rows = {line.split()[2]: line.split() for line in lines[1:6]}
    assert list(rows) == ["setup", "lint", "test", "dyn", "call"]
    assert rows["setup"][1] == "0" and rows["lint"][1] == "0"
    assert rows["test"][1:5] == ["1", "test", "Unit", "tests"]
    assert rows["test"][5] == "setup,lint"
    assert "matrix x4" in lines[3]
    assert "matrix from expression" in lines[4]
    assert "calls ./.github/workflows/reusable.yml" in lines[5]
    assert rows["call"][1] == "2"


def test_graph_draws_stages_and_edges(multi: Repo) -> None:
    res = multi.run("--graph")
    out = res.out
    assert "CI (.github/workflows/ci.yml)" in out
    for stage in ("stage 0", "stage 1", "stage 2"):
        assert stage in out
    assert "setup, lint ──▶ test x4" in out
    assert "setup ──▶ dyn x?" in out  # dynamic matrix: size unknown until setup ran
    assert "test ──▶ call (reusable.yml)" in out
    assert "│ setup │" in out and "│ lint │" in out
    # boxes of one stage share a row
    assert any("│ setup │" in line and "│ lint │" in line for line in out.splitlines())


def test_graph_wraps_wide_stages(repo: Repo) -> None:
    jobs = "".join(
        f"  job_number_{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'true'\n"
        for i in range(12)
    )
    path = repo.workflow("on: push\njobs:\n" + jobs, "wide.yml")
    wplan = plan_workflow(load_workflow(path, repo.root))
    lines = graph_lines(wplan, width=60)
    assert max(len(line) for line in lines) <= 60
    boxed = "\n".join(lines)
    for i in range(12):
        assert f"│ job_number_{i} │" in boxed
    assert sum(1 for line in lines if line.lstrip().startswith("╭")) >= 3


def test_dry_run_shows_matrices_steps_and_calls(multi: Repo) -> None:
    res = multi.run("--dry-run")
    out = res.out
    assert out.startswith("event: push  ref: refs/heads/main")
    assert "[stage 1] test (Unit tests)  needs: setup, lint" in out
    for combo in ("3.11, linux", "3.11, mac", "3.12, linux", "3.12, mac"):
        assert f"matrix: {combo}" in out
    assert "matrix: evaluated when its needs finish" in out
    assert "calls ./.github/workflows/reusable.yml (jobs: inner)" in out
    assert "- Run someone/thing@v1" in out


def test_dry_run_matrix_filter_and_job(multi: Repo, tmp_path: Path) -> None:
    res = multi.run("--dry-run", "-j", "test", "--matrix", "py:3.12")
    assert res.code == 0, res.output
    assert "matrix: 3.12, linux" in res.out and "matrix: 3.12, mac" in res.out
    assert "3.11" not in res.out
    # -j keeps the job and what it needs, nothing else
    assert "] setup" in res.out and "] lint" in res.out
    assert "] dyn" not in res.out and "] call" not in res.out
    _nothing_ran(tmp_path, multi)


def test_list_when_nothing_is_triggered(multi: Repo) -> None:
    res = multi.run("pull_request", "--list")
    assert res.code == 0
    assert "not triggered: .github/workflows/ci.yml" in res.out
    assert "WORKFLOW" not in res.out
