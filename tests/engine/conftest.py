"""End-to-end run tests: ``repo`` is a throwaway repository whose ``run`` commits once and
calls `conveyor run` in-process (tests.harness)."""

from __future__ import annotations

import pytest

from tests.harness import Repo, RepoFactory, Result, RunWorkflow


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    return make_repo("widgets")


@pytest.fixture
def run_wf(repo: Repo) -> RunWorkflow:
    """``run_wf(yaml, *args, event="push")``: write ci.yml, run it, the Result."""

    def go(text: str, *args: str, event: str = "push") -> Result:
        repo.workflow(text)
        return repo.run(*args, event=event)

    return go
