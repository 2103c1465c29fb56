"""Typed workflow_dispatch / workflow_call inputs."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.workflow.inputs import (
    InputError,
    dispatch_event_inputs,
    resolve_call_inputs,
    resolve_dispatch_inputs,
)

# the example from "Events that trigger workflows" > workflow_dispatch
DOCS_SPEC: dict[str, Any] = {
    "logLevel": {
        "description": "Log level",
        "required": True,
        "default": "warning",
        "type": "choice",
        "options": ["info", "warning", "debug"],
    },
    "tags": {"description": "Test scenario tags", "required": False, "type": "boolean"},
    "environment": {"description": "Environment", "type": "environment", "required": True},
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # gh workflow run run-tests.yml -f logLevel=warning -f tags=false -f environment=staging
        (
            {"logLevel": "warning", "tags": "false", "environment": "staging"},
            {"logLevel": "warning", "tags": False, "environment": "staging"},
        ),
        (
            {"logLevel": "debug", "tags": "true", "environment": "prod"},
            {"logLevel": "debug", "tags": True, "environment": "prod"},
        ),
        # defaults: choice default, boolean false
        ({"environment": "dev"}, {"logLevel": "warning", "tags": False, "environment": "dev"}),
    ],
)
def test_docs_example(given: dict[str, str], expected: dict[str, Any]) -> None:
    result = resolve_dispatch_inputs(DOCS_SPEC, given)
    assert result == expected
    assert list(result) == ["logLevel", "tags", "environment"]  # definition order


@pytest.mark.parametrize(
    ("spec", "given", "expected"),
    [
        ({"n": {"type": "number"}}, {"n": "42"}, 42),
        ({"n": {"type": "number"}}, {"n": " -7 "}, -7),
        ({"n": {"type": "number"}}, {"n": "1.50"}, 1.5),
        ({"n": {"type": "number"}}, {"n": "1e3"}, 1000.0),
        ({"n": {"type": "number"}}, {}, 0),
        ({"n": {"type": "number", "default": 3}}, {}, 3),
        ({"n": {"type": "number", "default": "2.5"}}, {}, 2.5),
        ({"s": {"type": "string"}}, {}, ""),
        ({"s": {}}, {"s": "x"}, "x"),  # type defaults to string
        ({"s": None}, {}, ""),  # an input with no settings at all
        ({"s": {"default": 3.10}}, {}, "3.1"),  # YAML number as a string default
        ({"b": {"type": "boolean", "default": True}}, {}, True),
        ({"b": {"type": "boolean", "default": "false"}}, {}, False),
        ({"e": {"type": "environment"}}, {}, ""),
        ({"c": {"type": "choice", "options": [1, 2]}}, {"c": "2"}, "2"),
        ({"s": {"required": True, "default": "d"}}, {}, "d"),
        ({"s": {"default": "${{ github.ref }}"}}, {}, "${{ github.ref }}"),
    ],
)
def test_types_and_defaults(spec: dict[str, Any], given: dict[str, str], expected: Any) -> None:
    (value,) = resolve_dispatch_inputs(spec, given).values()
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("spec", "given", "message"),
    [
        (DOCS_SPEC, {"environment": "x", "loglevel": "info"}, "'loglevel'.*logLevel, tags"),
        ({}, {"x": "1"}, "defines no inputs"),
        (None, {"x": "1"}, "defines no inputs"),
        (DOCS_SPEC, {}, "required input 'environment'"),
        (DOCS_SPEC, {"environment": "e", "logLevel": "trace"}, "must be one of"),
        (DOCS_SPEC, {"environment": "e", "tags": "yes"}, "expected 'true' or 'false'"),
        (DOCS_SPEC, {"environment": "e", "tags": "True"}, "expected 'true' or 'false'"),
        ({"n": {"type": "number"}}, {"n": "ten"}, "not a number"),
        ({"n": {"type": "number"}}, {"n": "nan"}, "not a number"),
        ({"n": {"type": "number"}}, {"n": ""}, "not a number"),
        ({"x": {"type": "float"}}, {}, "has type 'float'"),
        ({"c": {"type": "choice"}}, {}, "non-empty 'options'"),
        ({"c": {"type": "string", "options": ["a"]}}, {}, "not of type choice"),
        ({"c": {"type": "choice", "options": ["a"], "default": "b"}}, {}, "must be one of"),
        ("not a mapping", {}, "must be a mapping"),
        ({"x": "str"}, {}, "must be a mapping"),
    ],
)
def test_errors(spec: Any, given: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        resolve_dispatch_inputs(spec, given)


def test_workflow_call_rules() -> None:
    spec = {
        "username": {"default": "john-doe", "required": False, "type": "string"},
        "build_id": {"required": True, "type": "number"},
        "perform_deploy": {"required": True, "type": "boolean"},
    }
    got = resolve_call_inputs(spec, {"build_id": 123456768, "perform_deploy": True})
    assert got == {"username": "john-doe", "build_id": 123456768, "perform_deploy": True}
    # documented defaults when nothing is set: false, 0, ""
    empty = resolve_call_inputs(
        {"b": {"type": "boolean"}, "n": {"type": "number"}, "s": {"type": "string"}}, {}
    )
    assert empty == {"b": False, "n": 0, "s": ""}
    with pytest.raises(InputError, match="needs a type"):
        resolve_call_inputs({"x": {}}, {})
    with pytest.raises(InputError, match="allows boolean, number, string"):
        resolve_call_inputs({"x": {"type": "choice", "options": ["a"]}}, {})
    with pytest.raises(InputError, match="unexpected input"):
        resolve_call_inputs(spec, {"build_id": 1, "perform_deploy": False, "extra": 1})
    with pytest.raises(InputError, match="boolean"):
        resolve_call_inputs(spec, {"build_id": 1, "perform_deploy": 1})


def test_github_event_inputs_are_strings() -> None:
    spec = {
        "flag": {"type": "boolean", "default": True},
        "n": {"type": "number"},
        "level": {"type": "choice", "options": ["a", "b"], "default": "b"},
        "s": {},
    }
    assert dispatch_event_inputs(spec, {"n": "1.50"}) == {
        "flag": "true",
        "n": "1.50",  # what was typed, while inputs.n is the number 1.5
        "level": "b",
        "s": "",
    }
    assert resolve_dispatch_inputs(spec, {"n": "1.50"})["n"] == 1.5
    with pytest.raises(InputError):
        dispatch_event_inputs(spec, {"n": "x"})
