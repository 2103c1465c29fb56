"""Constructs from real, valid workflows that conveyor once rejected.

Each case is a minimal excerpt written for the test, not a copy of a third-party file;
the docstring names where the construct was met.
"""

import textwrap

import pytest

from conveyor.workflow.loader import parse_workflow
from conveyor.workflow.validate import validate_workflow
from conveyor.workflow.yamlload import load_yaml

F = "w.yml"


def problems(text: str) -> list[str]:
    text = textwrap.dedent(text)
    return [str(e) for e in validate_workflow(load_yaml(text, F), F)]


def test_anchor_defined_twice_refers_to_latest():
    """YAML 1.2 lets an anchor be defined again; an alias means the closest one before it.
    Met in rhysd/actionlint testdata/ok/anchors.yaml (GitHub supports anchors since 2025)."""
    text = textwrap.dedent(
        """\
        on: push
        jobs:
          a:
            runs-on: &os ubuntu-latest
            steps:
              - run: echo
          b:
            runs-on: &os windows-latest
            steps:
              - run: echo
                env:
                  OS: *os
        """
    )
    assert problems(text) == []
    wf = parse_workflow(text, F)
    assert wf.jobs["a"].runs_on == "ubuntu-latest"
    assert wf.jobs["b"].runs_on == "windows-latest"
    assert wf.jobs["b"].steps[0].env == {"OS": "windows-latest"}


def test_undefined_alias_still_rejected_when_anchors_repeat():
    text = "on: push\na: &x 1\nb: &x 2\nc: *nope\n"
    with pytest.raises(Exception, match="undefined alias"):
        load_yaml(text, F)


def test_services_given_by_one_expression():
    """``services`` has contexts in GitHub's schema, so ``${{ }}`` may stand for the whole
    mapping. Met in rhysd/actionlint testdata/ok/issue-402-expression-in-services.yaml."""
    text = textwrap.dedent(
        """\
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            services: ${{ fromJSON(vars.SERVICES) }}
            steps:
              - run: echo
        """
    )
    assert problems(text) == []
    assert parse_workflow(text, F).jobs["t"].services == "${{ fromJSON(vars.SERVICES) }}"


def test_services_still_must_be_a_mapping_without_expression():
    found = problems(
        "on: push\njobs:\n  t:\n    runs-on: x\n    services: redis\n"
        "    steps:\n      - run: echo\n"
    )
    assert len(found) == 1 and "services" in found[0]


def test_if_under_an_event_is_accepted():
    """GitHub accepts (and ignores) ``if:`` under an event's configuration. Met in
    rhysd/actionlint testdata/ok/github_events_if.yaml."""
    text = """\
        on:
          push:
            branches: [main]
            if: true
          create:
            if: true
          workflow_run:
            workflows: [CI]
            types: [completed]
            if: true
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - run: echo
        """
    assert problems(text) == []


def test_other_unknown_event_keys_still_rejected():
    found = problems(
        "on:\n  push:\n    branch: main\njobs:\n  t:\n    runs-on: x\n"
        "    steps:\n      - run: echo\n"
    )
    assert len(found) == 1 and 'unexpected key "branch"' in found[0]
