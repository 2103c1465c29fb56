"""`conveyor run` on a folder that is not a git repository: it runs, as an unborn main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conveyor.cli.main import main

WORKFLOW = """
on:
  push:
    branches: [main]
    paths: ['src/**']
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: s
        run: |
          echo "content=$(cat src/data.txt)" >> "$GITHUB_OUTPUT"
          echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
          echo "ref=$GITHUB_REF" >> "$GITHUB_OUTPUT"
"""


def test_plain_directory_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "plain"
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (folder / "src").mkdir()
    (folder / "src" / "data.txt").write_text("hello")
    report = tmp_path / "report.json"
    assert main(["run", "-C", str(folder), "--report", str(report), "--no-color", "-q"]) == 0
    data = json.loads(report.read_text())
    step = data["workflows"][0]["jobs"][0]["steps"][1]
    assert step["outputs"] == {"content": "hello", "sha": "0" * 40, "ref": "refs/heads/main"}
