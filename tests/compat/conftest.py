"""Black-box compatibility tests: ``repo`` is a throwaway repository (the test commits) run
with `python -m conveyor run` as a child process, asserting on the JSON report like the
acceptance tests do (tests.harness)."""

from __future__ import annotations

import pytest

from tests.harness import Repo, RepoFactory


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    return make_repo("repo", how="module", autocommit="never")
