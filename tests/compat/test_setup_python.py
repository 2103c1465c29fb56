# ruff: noqa: E501
"""actions/setup-python over a matrix. setup-python README: input `python-version`
("Version range or exact version of Python or PyPy to use, using SemVer's version range
syntax"), output `python-version` ("The installed Python or PyPy version"), `python-path`;
"Using the python-version input" example matrix ['3.11', '3.12', '3.13']."""

from __future__ import annotations

import re

from tests.harness import Repo


def test_setup_python_matrix(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                python-version: ["3.11", "3.12", "3.13"]
            steps:
              - uses: actions/checkout@v4
              - name: Set up Python ${{ matrix.python-version }}
                id: sp
                uses: actions/setup-python@v5
                with:
                  python-version: ${{ matrix.python-version }}
              - id: v
                run: |
                  echo "out=$(python --version)" >> "$GITHUB_OUTPUT"
                  echo "out3=$(python3 --version)" >> "$GITHUB_OUTPUT"
                  echo "pip=$(pip --version | grep -o 'python [0-9.]*')" >> "$GITHUB_OUTPUT"
                  echo "same=$(test "$(command -v python)" -ef "${{ steps.sp.outputs.python-path }}" && echo yes || echo no)" >> "$GITHUB_OUTPUT"
              - id: py
                shell: python
                run: |
                  import os, sys
                  with open(os.environ["GITHUB_OUTPUT"], "a") as f:
                      f.write("v=%d.%d\\n" % sys.version_info[:2])
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    for want in ("3.11", "3.12", "3.13"):
        sp = r.step("build", "sp", **{"python-version": want})
        assert sp["name"] == f"Set up Python {want}"
        ver = sp["outputs"]["python-version"]
        assert re.fullmatch(rf"{re.escape(want)}\.\d+", ver), ver
        out = r.step("build", "v", **{"python-version": want})["outputs"]
        assert out["out"] == f"Python {ver}"
        assert out["out3"] == f"Python {ver}"
        assert out["pip"] == f"python {want}"
        assert out["same"] == "yes"
        assert r.step("build", "py", **{"python-version": want})["outputs"] == {"v": want}


def test_setup_python_version_file_and_missing(repo: Repo) -> None:
    # README: "python-version-file: File containing the Python version to use. Example:
    # .python-version"; a version that is not available fails the step.
    repo.write(".python-version", "3.12\n")
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: sp
                uses: actions/setup-python@v5
                with:
                  python-version-file: .python-version
              - id: missing
                continue-on-error: true
                uses: actions/setup-python@v5
                with:
                  python-version: "2.5"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "sp")["outputs"]["python-version"].startswith("3.12.")
    assert r.step("j", "missing")["outcome"] == "failure"
