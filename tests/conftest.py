"""Fixtures every suite shares: ``make_repo`` builds a ``tests.harness.Repo`` in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness import Repo, RepoFactory, isolate


@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoFactory:
    """``make_repo(name, **options)``: a ``Repo`` at tmp_path/name (reports and event files
    in tmp_path), with the environment isolated for the test."""
    isolate(monkeypatch, tmp_path / "cache")

    def make(name: str = "repo", **options: Any) -> Repo:
        return Repo(tmp_path / name, tmp=tmp_path, **options)

    return make
