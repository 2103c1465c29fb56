"""The validated-workflow cache: same result as loading, invalidated by content."""

from __future__ import annotations

from pathlib import Path

from conveyor.workflow.cache import load_cached
from conveyor.workflow.loader import load_workflow

WORKFLOW = """
name: CI
on:
  push:
    branches: [main]
env: {A: "1"}
jobs:
  test:
    runs-on: [self-hosted, linux]
    strategy:
      matrix:
        py: ['3.11', '3.12']
        include: [{py: '3.13', extra: true}]
    steps:
      - id: s
        run: echo ${{ matrix.py }}
        env: {X: 1}
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}
"""


def _repo(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "repo" / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cached_workflow_equals_a_fresh_load(tmp_path: Path) -> None:
    path = _repo(tmp_path, WORKFLOW)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    first = load_cached(path, root, cache)
    assert list(cache.iterdir())  # written
    second = load_cached(path, root, cache)  # read back
    assert first == second == load_workflow(path, root)
    assert second.jobs["test"].steps[0].pos == first.jobs["test"].steps[0].pos


def test_changed_file_is_loaded_again(tmp_path: Path) -> None:
    path = _repo(tmp_path, WORKFLOW)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    load_cached(path, root, cache)
    path.write_text(WORKFLOW.replace("name: CI", "name: Changed"))
    assert load_cached(path, root, cache).name == "Changed"


def test_corrupt_entry_is_ignored(tmp_path: Path) -> None:
    path = _repo(tmp_path, WORKFLOW)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    load_cached(path, root, cache)
    for entry in cache.iterdir():
        entry.write_bytes(b"not marshal data")
    assert load_cached(path, root, cache).name == "CI"
