"""Fuzz the workflow loader and validator: any text or bytes either loads (and plans) or
fails with WorkflowErrors naming fuzz.yml:line:col, and never takes longer than the budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor.workflow.errors import WorkflowError, WorkflowErrors
from conveyor.workflow.loader import load_workflow, parse_workflow
from conveyor.workflow.plan import plan_workflow
from conveyor.workflow.validate_util import format_error
from tests.fuzz import strategies as fs
from tests.fuzz.support import check_workflow_errors, fuzz_settings, watchdog

FILE = "fuzz.yml"


def load_or_fail_cleanly(text: str) -> None:
    try:
        workflow = parse_workflow(text, FILE)
    except WorkflowErrors as exc:
        check_workflow_errors(exc, FILE)
        for err in exc.errors:
            assert format_error(err, text)  # what `conveyor validate` prints
        return
    try:
        plan_workflow(workflow)
    except WorkflowError as exc:
        assert exc.message.strip() and exc.pos is not None


@fuzz_settings(150)
@given(fs.workflow_texts)
def test_workflow_text(text: str) -> None:
    with watchdog():
        load_or_fail_cleanly(text)


@fuzz_settings(100)
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    with watchdog():
        load_or_fail_cleanly(text)


@fuzz_settings(25)
@given(fs.deep_yaml() | fs.yaml_bombs())
def test_nesting_and_bombs(text: str) -> None:
    with watchdog():
        load_or_fail_cleanly(text)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzzrepo")


@fuzz_settings(60)
@given(data=fs.workflow_bytes())
def test_workflow_bytes(root: Path, data: bytes) -> None:
    path = root / FILE
    path.write_bytes(data)
    with watchdog():
        try:
            workflow = load_workflow(path, root)
        except WorkflowErrors as exc:
            check_workflow_errors(exc, FILE)
            return
        plan_workflow(workflow)
