"""Filter patterns: every example of GitHub's "Filter pattern cheat sheet"."""

from __future__ import annotations

import pytest

from conveyor.workflow.globs import (
    GlobError,
    compile_pattern,
    first_included,
    match_filters,
    value_included,
)
from tests.fuzz.support import watchdog

# "Patterns to match branches and tags": (patterns, names that match, names that don't)
BRANCH_TAG_CHEAT_SHEET = [
    (["feature/*"], ["feature/my-branch", "feature/your-branch"], ["feature/a/b", "feature"]),
    (
        ["feature/**"],
        ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"],
        ["features/x", "feature"],
    ),
    (
        ["main", "releases/mona-the-octocat"],
        ["main", "releases/mona-the-octocat"],
        ["mainline", "releases/other"],
    ),
    (["*"], ["main", "releases"], ["releases/v1", "a/b"]),
    (["**"], ["all/the/branches", "every/tag"], []),
    (["*feature"], ["mona-feature", "feature", "ver-10-feature"], ["feature-x", "a/feature"]),
    (["v2*"], ["v2", "v2.0", "v2.9"], ["v1.0", "xv2", "v2/x"]),
    (["v[12].[0-9]+.[0-9]+"], ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.x.1", "v1..1"]),
]

# "Patterns to match file paths"
PATH_CHEAT_SHEET = [
    (["*"], ["README.md", "server.rb"], ["docs/README.md"]),
    (["*.jsx?"], ["page.js", "page.jsx"], ["page.jsxx", "lib/page.js"]),
    (["**"], ["all/the/files.md"], []),
    (["*.js"], ["app.js", "index.js"], ["js/index.js", "app.jsx"]),
    (["**.js"], ["index.js", "js/index.js", "src/js/app.js"], ["index.json"]),
    (["docs/*"], ["docs/README.md", "docs/file.txt"], ["docs/mona/octocat.txt", "x/docs/a"]),
    (["docs/**"], ["docs/README.md", "docs/mona/octocat.txt"], ["README.md", "a/docs/x"]),
    (
        ["docs/**/*.md"],
        ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"],
        ["docs/a.txt", "README.md"],
    ),
    (
        ["**/docs/**"],
        ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"],
        ["mydocs/a.md", "docs"],
    ),
    (["**/README.md"], ["README.md", "js/README.md"], ["README.mdx", "js/xREADME.md"]),
    (["**/*src/**"], ["a/src/app.js", "my-src/code/js/app.js"], ["src-a/app.js"]),
    (["**/*-post.md"], ["my-post.md", "path/their-post.md"], ["post.md"]),
    (
        ["**/migrate-*.sql"],
        ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"],
        ["db/migrate.sql"],
    ),
    (["*.md", "!README.md"], ["hello.md"], ["README.md", "docs/hello.md"]),
    (["*.md", "!README.md", "README*"], ["hello.md", "README.md", "README.doc"], []),
]


def _cases(
    table: list[tuple[list[str], list[str], list[str]]],
) -> list[tuple[list[str], str, bool]]:
    out = []
    for patterns, yes, no in table:
        out += [(patterns, v, True) for v in yes]
        out += [(patterns, v, False) for v in no]
    return out


@pytest.mark.parametrize(("patterns", "value", "expected"), _cases(BRANCH_TAG_CHEAT_SHEET))
def test_branch_and_tag_cheat_sheet(patterns: list[str], value: str, expected: bool) -> None:
    assert match_filters([value], patterns) is expected


@pytest.mark.parametrize(("patterns", "value", "expected"), _cases(PATH_CHEAT_SHEET))
def test_path_cheat_sheet(patterns: list[str], value: str, expected: bool) -> None:
    assert match_filters([value], patterns) is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("Octo*", "Octocat", True),
        ("Octoc?t", "Octoct", True),  # ? = zero or one of the preceding character
        ("Octoc?t", "Octocat", False),
        ("[CB]at", "Cat", True),
        ("[CB]at", "Bat", True),
        ("[CB]at", "Rat", False),
        ("[1-2]00", "100", True),
        ("[1-2]00", "200", True),
        ("[1-2]00", "300", False),
        ("[0-9a-z]", "q", True),
        ("[0-9a-z]", "Q", False),
        ("a+b", "aaab", True),
        ("a+b", "b", False),
        ("[0-9]+", "2024", True),
        ("release/v[0-9].[0-9]", "release/v1.2", True),
        ("release/v[0-9].[0-9]", "release/v1x2", False),  # '.' is literal
        (r"\*", "*", True),
        (r"\*", "a", False),
        (r"a\+", "a+", True),
        (r"\[x\]", "[x]", True),
        (r"v\?", "v?", True),
        (r"\!file", "!file", True),
        (r"escape\\backslash", "escape\\backslash", True),
        (r"dir\name", "dir\\name", True),  # '\' before a plain char stays literal
        ("a.b", "axb", False),
        ("(x)|y", "(x)|y", True),  # regex characters mean nothing special
        ("**/", "a/", True),
        ("main", "Main", False),  # case-sensitive
    ],
)
def test_pattern_syntax(pattern: str, value: str, expected: bool) -> None:
    assert compile_pattern(pattern).fullmatch(value) is expected


@pytest.mark.parametrize(
    "pattern",
    ["", "?abc", "+abc", "*?", "**+", "[]", "[abc", "[a-]", "[z-a]", "[a-9]", "[!-~]", "a??"],
)
def test_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(GlobError):
        compile_pattern(pattern)


@pytest.mark.parametrize(
    ("patterns", "value", "expected"),
    [
        # docs: "releases/**" then "!releases/**-alpha"
        (["releases/**", "!releases/**-alpha"], "releases/10", True),
        (["releases/**", "!releases/**-alpha"], "releases/beta/mona", True),
        (["releases/**", "!releases/**-alpha"], "releases/10-alpha", False),
        (["releases/**", "!releases/**-alpha"], "releases/beta/3-alpha", False),
        (["releases/**", "!releases/**-alpha"], "main", False),
        # docs: "sub-project/**" then "!sub-project/docs/**"
        (["sub-project/**", "!sub-project/docs/**"], "sub-project/index.js", True),
        (["sub-project/**", "!sub-project/docs/**"], "sub-project/src/index.js", True),
        (["sub-project/**", "!sub-project/docs/**"], "sub-project/docs/readme.md", False),
        # only negative patterns include nothing
        (["!main"], "dev", False),
        # order matters: a negative first is overridden by a later positive
        (["!docs/**", "docs/**"], "docs/a", True),
        ([], "anything", False),
    ],
)
def test_negation_order(patterns: list[str], value: str, expected: bool) -> None:
    assert value_included(value, patterns) is expected


def test_match_filters_passes_when_any_value_is_included() -> None:
    pats = ["sub-project/**", "!sub-project/docs/**"]
    assert match_filters(["sub-project/docs/a.md", "sub-project/a.js"], pats)
    assert not match_filters(["sub-project/docs/a.md", "README.md"], pats)
    assert not match_filters([], pats)
    assert first_included(["README.md", "sub-project/x", "sub-project/y"], pats) == "sub-project/x"
    assert first_included(["README.md"], pats) is None


def test_compile_is_cached() -> None:
    assert compile_pattern("docs/**") is compile_pattern("docs/**")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("**/" * 30 + "b", "a/" * 200 + "c", False),  # regex backtracking: exponential
        ("*a" * 30 + "b", "a" * 200, False),
        ("a+" * 20 + "b", "a" * 300, False),
        ("**/" * 30 + "b", "a/" * 200 + "b", True),
        ("**" + "a**" * 20, "a" * 50, True),
    ],
)
def test_many_stars_never_backtrack(pattern: str, value: str, expected: bool) -> None:
    with watchdog(2):
        assert compile_pattern(pattern).fullmatch(value) is expected
