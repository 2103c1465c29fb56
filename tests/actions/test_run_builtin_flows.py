"""Built-in actions used the way workflows use them: checkout, setup-python with a matrix,
cache saved by its post step and restored by a later run, artifacts passed between jobs.

Rules: actions/checkout (`path:` is relative to GITHUB_WORKSPACE), actions/setup-python
(output `python-version`; `python` on PATH), actions/cache (the save happens in the post
step, only when the job succeeded; output `cache-hit` is 'true' only for an exact key match,
'false' for a restore-keys match), actions/upload-artifact / download-artifact v4 (a named
artifact is downloaded into `path`, default the workspace).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.actions.conftest_git import Project, make_project


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    return make_project(tmp_path, monkeypatch, capsys)


def test_checkout_sees_committed_and_untracked_files_and_path_input(project: Project) -> None:
    project.write(
        {
            "committed.txt": "committed-content\n",
            ".gitignore": "ignored.txt\n",
            "sub/dir/nested.txt": "nested-content\n",
        }
    )
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          cat committed.txt
          cat untracked.txt
          cat sub/dir/nested.txt
          test -e ignored.txt && echo ignored-present || echo ignored-absent
      - uses: actions/checkout@v4
        with:
          path: elsewhere/copy
      - run: |
          echo "in-path: $(cat elsewhere/copy/committed.txt)"
          echo "in-path-untracked: $(cat elsewhere/copy/untracked.txt)"
          echo "top-still: $(cat committed.txt)"
          test -d elsewhere/copy/.git && echo has-git-dir
"""
    )
    project.commit()
    # written after the commit: in the working tree, not in any commit
    (project.root / "untracked.txt").write_text("untracked-content\n")
    (project.root / "ignored.txt").write_text("secret-local\n")
    r = project.run(commit=False)
    assert r.code == 0, r.text()
    logs = r.logs
    assert "committed-content" in logs
    assert "untracked-content" in logs
    assert "nested-content" in logs
    assert "ignored-absent" in logs
    assert "in-path: committed-content" in logs
    assert "in-path-untracked: untracked-content" in logs
    assert "top-still: committed-content" in logs
    assert "has-git-dir" in logs


PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"


def _have(version: str) -> bool:
    return PYENV.is_dir() and any(
        p.name.startswith(f"{version}.") and (p / "bin" / "python").exists()
        for p in PYENV.iterdir()
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_setup_python_matrix(project: Project, version: str) -> None:
    if not _have(version):
        pytest.skip(f"Python {version} is not installed under {PYENV}")
    project.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python-version: ['3.11', '3.12', '3.13']
    steps:
      - id: py
        uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - run: |
          python --version
          echo "output=${{ steps.py.outputs.python-version }}"
"""
    )
    r = project.run("--matrix", f"python-version:{version}")
    assert r.code == 0, r.text()
    jobs = r.all_jobs()
    assert len(jobs) == 1, jobs
    step = next(s for s in jobs[0]["steps"] if s["id"] == "py")
    assert step["outputs"]["python-version"].startswith(f"{version}.")
    assert f"Python {version}." in r.logs
    assert f"output={version}." in r.logs


CACHE_WF = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: cache
        uses: actions/cache@v4
        with:
          path: deps
          key: deps-${{ vars.KEY }}
          restore-keys: |
            deps-
      - run: |
          echo "hit=${{ steps.cache.outputs.cache-hit }}"
          if [ -f deps/lib.txt ]; then echo "restored=$(cat deps/lib.txt)"
          else echo restored=none; fi
          mkdir -p deps && echo "built-for-${{ vars.KEY }}" > deps/lib.txt
"""


def test_cache_saved_in_post_and_restored_exact_then_by_prefix(project: Project) -> None:
    project.workflow(CACHE_WF)
    first = project.run("--var", "KEY=one")
    assert first.code == 0, first.text()
    assert first.step("build", "cache")["outputs"].get("cache-hit", "") in ("", "false")
    assert "restored=none" in first.logs
    post = first.step("build", "Post Run actions/cache@v4")
    assert post["conclusion"] == "success"
    # the save happens in the post step: after the step that wrote deps/lib.txt
    assert first.logs.index("restored=none") < first.logs.index("Post Run actions/cache@v4")

    exact = project.run("--var", "KEY=one", commit=False)
    assert exact.code == 0, exact.text()
    assert exact.step("build", "cache")["outputs"]["cache-hit"] == "true"
    assert "hit=true" in exact.logs
    assert "restored=built-for-one" in exact.logs

    prefix = project.run("--var", "KEY=two", commit=False)
    assert prefix.code == 0, prefix.text()
    assert prefix.step("build", "cache")["outputs"]["cache-hit"] == "false"
    assert "hit=false" in prefix.logs
    assert "restored=built-for-one" in prefix.logs


def test_cache_not_saved_when_job_fails(project: Project) -> None:
    project.workflow(CACHE_WF.replace("deps/lib.txt\n", "deps/lib.txt\n          exit 1\n", 1))
    failed = project.run("--var", "KEY=bad")
    assert failed.code == 1
    names = [s["name"] for s in failed.job("build")["steps"]]
    assert "Post Run actions/cache@v4" not in names
    project.workflow(CACHE_WF)
    again = project.run("--var", "KEY=bad")
    assert "restored=none" in again.logs


def test_artifact_upload_then_download_in_dependent_job(project: Project) -> None:
    project.workflow(
        """
on: push
jobs:
  make:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out/nested
          echo "alpha-contents" > out/a.txt
          echo "beta-contents" > out/nested/b.txt
      - id: up
        uses: actions/upload-artifact@v4
        with:
          name: bundle
          path: out/
  use:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: bundle
          path: got
      - run: |
          echo "a=$(cat got/a.txt)"
          echo "b=$(cat got/nested/b.txt)"
          find got -type f | sort
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert r.job("make")["conclusion"] == "success"
    assert r.job("use")["conclusion"] == "success"
    logs = r.logs
    assert "a=alpha-contents" in logs
    assert "b=beta-contents" in logs
    assert "got/a.txt" in logs and "got/nested/b.txt" in logs
    assert r.step("make", "up")["outputs"].get("artifact-id")
