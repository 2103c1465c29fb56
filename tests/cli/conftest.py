"""CLI tests: ``repo`` is a throwaway repository (the test commits) with `conveyor` called
in-process from tmp_path (tests.harness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Repo, RepoFactory


@pytest.fixture
def repo(make_repo: RepoFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    # run from tmp_path, not the checkout: -C, not the current directory, names the repository
    monkeypatch.chdir(tmp_path)
    return make_repo("widgets", autocommit="never")
