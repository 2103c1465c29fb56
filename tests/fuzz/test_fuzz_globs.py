"""Fuzz the glob matchers: workflow filter patterns (branches/tags/paths) and @actions/glob
(hashFiles, cache, artifacts). A pattern either works or raises GlobError, and matching
never goes exponential."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor import fileglob
from conveyor.expr import ExprError
from conveyor.expr.hashfiles import hash_files
from conveyor.workflow import globs
from tests.fuzz import strategies as fs
from tests.fuzz.support import fuzz_settings, watchdog


@fuzz_settings(200)
@given(pattern=fs.glob_patterns, value=fs.glob_values)
def test_filter_pattern(pattern: str, value: str) -> None:
    with watchdog():
        try:
            globs.compile_pattern(globs.split_negation(pattern)[1])
        except globs.GlobError as exc:
            assert str(exc)
            return
        globs.value_included(value, [pattern, "!" + pattern, pattern])


@fuzz_settings(200)
@given(pattern=fs.glob_patterns, value=fs.glob_values)
def test_actions_glob_pattern(pattern: str, value: str) -> None:
    with watchdog():
        try:
            parsed = fileglob.parse(pattern, "/work", "/home")
        except fileglob.GlobError as exc:
            assert str(exc)
        else:
            parsed.match("/work/" + value)
            parsed.partial_match("/work/" + value)
            parsed.with_descendants().match("/work/" + value)
        fileglob.name_matches(pattern, value)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("globtree")
    for rel in ["a/b/c.js", "a/x.js", ".hidden/y", "b/aaaa/b", "é/ü.txt", "[a]/b"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    yield root


@fuzz_settings(100)
@given(patterns=fs.glob_patterns.map(lambda p: [p]) | st.lists(fs.glob_patterns, max_size=4))
def test_hash_files(tree: Path, patterns: list[str]) -> None:
    with watchdog():
        try:
            hash_files(patterns, str(tree), home=str(tree))
        except ExprError as exc:
            assert exc.reason


@fuzz_settings(200)
@given(
    pattern=st.lists(st.sampled_from(["*", "**", "**/", "?", "+", "a", "/", "[ab]"]), max_size=8)
    .map("".join),
    value=st.lists(st.sampled_from(["a", "b", "/"]), max_size=10).map("".join),
)  # fmt: skip
def test_filter_matcher_agrees_with_regex(pattern: str, value: str) -> None:
    """The state-set matcher and Python's regex engine give the same answers."""
    try:
        atoms = globs._translate(pattern)
    except globs.GlobError:
        return
    expected = re.fullmatch(fileglob.regex_source(atoms), value, re.DOTALL) is not None
    assert fileglob.Wildcard(tuple(atoms), None).fullmatch(value) is expected
