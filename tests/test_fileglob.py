"""conveyor.fileglob against @actions/glob's documented behaviour: the cases of the toolkit's
README and of its globber and pattern tests (packages/glob), one row each."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import conveyor.fileglob as fileglob
from conveyor.fileglob import Globber, GlobError, GlobOptions, MatchKind, name_matches, parse
from tests.fuzz.support import watchdog

# name -> entries: "dir/" a directory, "a -> b" a symbolic link to b (relative to the root)
LAYOUTS: dict[str, list[str]] = {
    "depth": ["a-file", "b-folder/a-file", "b-folder/b-folder/file", "b-folder/c-file", "c-file"],
    "tree": ["file-1", "dir-1/file-2", "dir-1/dir-2/file-3"],
    "hidden": [".emptyFolder/", ".file", ".folder/file"],
    "links": ["realDir/file", "symDir -> realDir", "brokenSym -> noSuch"],
    "cycle": ["file", "symDir -> ."],
    "deep-cycle": [
        "file-under-root",
        "folder-a/file-under-a",
        "folder-a/folder-b/file-under-b",
        "folder-a/folder-b/folder-c/file-under-c",
        "folder-a/folder-b/folder-c/sym-folder -> .",
    ],
    "partial": ["realDir/nested/file", "realDir2/nested2/symDir -> noSuch"],
    "escapes": ["hello[a-z]", "hello-x", "hello/world.txt"],
}


def build(root: Path, entries: list[str]) -> None:
    root.mkdir(parents=True)
    for entry in entries:
        if " -> " in entry:
            link, target = entry.split(" -> ")
            (root / link).parent.mkdir(parents=True, exist_ok=True)
            (root / link).symlink_to(root / target if target != "." else root)
        elif entry.endswith("/"):
            (root / entry).mkdir(parents=True, exist_ok=True)
        else:
            (root / entry).parent.mkdir(parents=True, exist_ok=True)
            (root / entry).write_text(entry)


def rel(root: Path, paths: list[str]) -> list[str]:
    return [os.path.relpath(p, root) for p in paths]


ALL = ["file-1", "dir-1", "dir-1/file-2", "dir-1/dir-2", "dir-1/dir-2/file-3"]
DEPTH_FIRST = [".", "dir-1", "dir-1/dir-2", "dir-1/dir-2/file-3", "dir-1/file-2", "file-1"]

# (case, layout, patterns ({root} is the layout's root; relative ones are rooted there),
#  options, the matched paths in the globber's order, relative to the root)
GLOB_CASES: list[tuple[str, str, str, dict[str, Any], list[str]]] = [
    ("defaults: implicit descendants, directories matched", "tree", "{root}", {}, DEPTH_FIRST),
    (
        "depth first, entries in byte order",
        "depth",
        "{root}",
        {},
        [
            ".",
            "a-file",
            "b-folder",
            "b-folder/a-file",
            "b-folder/b-folder",
            "b-folder/b-folder/file",
            "b-folder/c-file",
            "c-file",
        ],
    ),
    ("relative patterns are rooted at cwd", "tree", "*", {}, [*DEPTH_FIRST[1:]]),
    ("a trailing slash never matches a file", "tree", "{root}/file-1/", {}, []),
    (
        "match_directories false",
        "tree",
        "{root}/**",
        {"match_directories": False},
        ["dir-1/dir-2/file-3", "dir-1/file-2", "file-1"],
    ),
    ("**/ with implicit descendants", "tree", "{root}/**/", {}, DEPTH_FIRST),
    (
        "**/ without implicit descendants: directories only",
        "tree",
        "{root}/**/",
        {"implicit_descendants": False},
        [".", "dir-1", "dir-1/dir-2"],
    ),
    (
        "**/dir-? with implicit descendants",
        "tree",
        "{root}/**/dir-?",
        {},
        ["dir-1", "dir-1/dir-2", "dir-1/dir-2/file-3", "dir-1/file-2"],
    ),
    (
        "**/dir-? without implicit descendants",
        "tree",
        "{root}/**/dir-?",
        {"implicit_descendants": False},
        ["dir-1", "dir-1/dir-2"],
    ),
    ("a search path that does not exist", "tree", "{root}/nosuch", {}, []),
    (
        "hidden files are returned by default",
        "hidden",
        "{root}",
        {},
        [".", ".emptyFolder", ".file", ".folder", ".folder/file"],
    ),
    ("exclude_hidden_files", "hidden", "{root}", {"exclude_hidden_files": True}, ["."]),
    (
        "redundant slashes are normalized",
        "escapes",
        "{root}///hello",
        {},
        ["hello", "hello/world.txt"],
    ),
    (
        "symbolic links followed, broken ones omitted",
        "links",
        "{root}",
        {},
        [".", "realDir", "realDir/file", "symDir", "symDir/file"],
    ),
    (
        "symbolic links not followed: returned as they are, broken ones too",
        "links",
        "{root}",
        {"follow_symbolic_links": False},
        [".", "brokenSym", "realDir", "realDir/file", "symDir"],
    ),
    ("search path is a followed link", "links", "{root}/symDir", {}, ["symDir", "symDir/file"]),
    (
        "search path is a link, not followed",
        "links",
        "{root}/symDir",
        {"follow_symbolic_links": False},
        ["symDir"],
    ),
    ("search path is a broken link, followed", "links", "{root}/brokenSym", {}, []),
    (
        "search path is a broken link, not followed",
        "links",
        "{root}/brokenSym",
        {"follow_symbolic_links": False},
        ["brokenSym"],
    ),
    ("a cycle is walked once", "cycle", "{root}", {}, [".", "file"]),
    (
        "a cycle starting at the search path",
        "cycle",
        "{root}/symDir",
        {},
        ["symDir", "symDir/file"],
    ),
    (
        "a deep cycle entered from the middle",
        "deep-cycle",
        "{root}/folder-a/folder-b",
        {},
        [
            "folder-a/folder-b",
            "folder-a/folder-b/file-under-b",
            "folder-a/folder-b/folder-c",
            "folder-a/folder-b/folder-c/file-under-c",
            "folder-a/folder-b/folder-c/sym-folder",
            "folder-a/folder-b/folder-c/sym-folder/file-under-root",
            "folder-a/folder-b/folder-c/sym-folder/folder-a",
            "folder-a/folder-b/folder-c/sym-folder/folder-a/file-under-a",
        ],
    ),
    (
        "paths that cannot match are not visited (a broken link there is no error)",
        "partial",
        "{root}/*Dir/*nested*/*",
        {"omit_broken_symbolic_links": False},
        ["realDir/nested/file"],
    ),
    (
        "the same, pruned one level down",
        "partial",
        "{root}/*Dir*/*nested/*",
        {"omit_broken_symbolic_links": False},
        ["realDir/nested/file"],
    ),
    (
        "an exclude removes a directory and what is below it",
        "tree",
        "{root}/**\n!{root}/dir-1/dir-2",
        {},
        [".", "dir-1", "dir-1/file-2", "file-1"],
    ),
    (
        "the last matching pattern wins",
        "tree",
        "!{root}/file-1\n{root}/*",
        {},
        ["dir-1", "dir-1/dir-2", "dir-1/dir-2/file-3", "dir-1/file-2", "file-1"],
    ),
    (
        "two ! cancel out",
        "tree",
        "{root}/*\n!!{root}/file-1\n!{root}/dir-1",
        {},
        ["file-1"],
    ),
    ("comments and blank lines are skipped", "tree", "# {root}\n\n  file-1  \n", {}, ["file-1"]),
    ("[[] escapes a [ (README)", "escapes", "hello[[]a-z]", {}, ["hello[a-z]"]),
    ("\\ escapes on Linux (README)", "escapes", "hello\\[a-z]", {}, ["hello[a-z]"]),
    ("[...] is a class", "escapes", "hello[-[]*", {}, ["hello-x", "hello[a-z]"]),
    ("? is one character", "escapes", "hello-?", {}, ["hello-x"]),
]


@pytest.mark.parametrize(
    ("layout", "patterns", "options", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in GLOB_CASES],
)
def test_glob(
    tmp_path: Path, layout: str, patterns: str, options: dict[str, Any], expected: list[str]
) -> None:
    root = tmp_path / "root"
    build(root, LAYOUTS[layout])
    globber = Globber([patterns.format(root=root)], root, options=GlobOptions(**options))
    assert rel(root, globber.glob()) == expected


@pytest.mark.parametrize(
    ("layout", "pattern"),
    [
        pytest.param("partial", "{root}/*Dir*/*nested*/*", id="a broken link that may match"),
        pytest.param("links", "{root}/*", id="a broken link that matches"),
        pytest.param("links", "{root}/brokenSym", id="a broken link as search path"),
    ],
)
def test_broken_links_fail_when_not_omitted(tmp_path: Path, layout: str, pattern: str) -> None:
    root = tmp_path / "root"
    build(root, LAYOUTS[layout])
    options = GlobOptions(omit_broken_symbolic_links=False)
    with pytest.raises(GlobError, match="broken symbolic link"):
        Globber([pattern.format(root=root)], root, options=options).glob()


def test_home_expansion_uses_the_given_home(tmp_path: Path) -> None:
    home = tmp_path / "home-with-[and]"
    build(home, ["match", "not-match", "sub/x"])
    globber = Globber(["~/m*\n~/sub"], tmp_path, home=str(home))
    assert globber.search_paths == [str(home)]  # home/sub is below it
    assert rel(home, globber.glob()) == ["match", "sub", "sub/x"]


def test_cwd_with_glob_characters_is_escaped(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd-with-[and]-*"
    build(cwd, ["match", "not-match"])
    assert rel(cwd, Globber(["m*"], cwd).glob()) == ["match"]


# (case, patterns, search paths, as globber.getSearchPaths())
SEARCH_PATH_CASES = [
    ("one per pattern", "/foo/*\n/bar/*", ["/foo", "/bar"]),
    ("descendants of another are dropped", "/foo/*\n/foo/bar/*", ["/foo"]),
    ("duplicates are dropped", "/foo/a*\n/foo/b*", ["/foo"]),
    ("excludes have none", "/foo/*\n!/bar/*", ["/foo"]),
    ("comments skipped", "#aaa/*\n/foo/*\n#bbb/*\n/bar/*", ["/foo", "/bar"]),
    ("blank lines skipped", "\n\n/foo/*\n\n/bar/*\n/baz/**\n", ["/foo", "/bar", "/baz"]),
    ("relative: below cwd", "a/*/b", ["/work/a"]),
    (". is cwd", "./x", ["/work/x"]),
    ("literal segments up to the first glob", "/foo/b[a]r/b*", ["/foo/bar"]),
    ("[*] is a literal *", "/foo/b[*]r/b*", ["/foo/b*r"]),
    ("[?] is a literal ?", "/foo/b[?]r/b*", ["/foo/b?r"]),
    ("[!] is a literal ! for the search path", "/foo/b[!]r/b*", ["/foo/b!r"]),
    ("[[] is a literal [", "/foo/b[[]ar/b*", ["/foo/b[ar"]),
    ("[] is literal", "/foo/b[]r/b*", ["/foo/b[]r"]),
    ("an unclosed [ is literal", "/foo/b[r/b*", ["/foo/b[r"]),
    ("a lone ] is literal", "/foo/b]r/b*", ["/foo/b]r"]),
    ("\\[ is a literal [", "/foo/b\\[a]r/b*", ["/foo/b[a]r"]),
    ("[\\!] is a literal !", "/foo/b[\\!]r/b*", ["/foo/b!r"]),
    ("[\\]] is a literal ]", "/foo/b[\\]]r/b*", ["/foo/b]r"]),
    ("[\\a] is a literal a", "/foo/b[\\a]r/b*", ["/foo/bar"]),
    ("a class of two is a glob", "/foo/b[aA]r/b*", ["/foo"]),
    ("a negated class is a glob", "/foo/b[!a]r/b*", ["/foo"]),
    ("** at the root", "/**", ["/"]),
]


@pytest.mark.parametrize(
    ("patterns", "expected"), [pytest.param(*row[1:], id=row[0]) for row in SEARCH_PATH_CASES]
)
def test_search_paths(patterns: str, expected: list[str]) -> None:
    assert Globber([patterns], "/work").search_paths == expected


N, D, A = MatchKind.NONE, MatchKind.DIRECTORY, MatchKind.ALL

# (case, pattern, path, kind); cwd is /work, home is /home/me
MATCH_CASES = [
    ("** matches the directory before it", "/foo/bar/**", "/foo/bar", A),
    ("** matches below", "/foo/bar/**", "/foo/bar/baz", A),
    ("** not above", "/foo/bar/**", "/foo", N),
    ("** not the root", "/foo/bar/**", "/", N),
    ("/** matches the root", "/**", "/", A),
    ("**/ matches directories only", "/foo/**/", "/foo/", D),
    ("**/ below", "/foo/**/", "/foo/bar/baz", D),
    ("**/ not the root", "/foo/**/", "/", N),
    ("** matches no segment", "/Foo/**/Baz", "/Foo/Baz", A),
    ("case-sensitive", "/Foo/**/Baz", "/Foo/bAZ", N),
    ("case-sensitive above **", "/Foo/**/Baz", "/fOO/bar/Baz", N),
    ("* within a segment", "/foo/*.txt", "/foo/a.txt", A),
    ("* not across /", "/foo/*.txt", "/foo/a/b.txt", N),
    ("* matches a leading dot", "/foo/*", "/foo/.hidden", A),
    ("? one character", "/foo/?", "/foo/a", A),
    ("? not two", "/foo/?", "/foo/ab", N),
    ("[...] set", "/foo/[ab]", "/foo/b", A),
    ("[a-c] range", "/foo/[a-c]", "/foo/b", A),
    ("[!a] negated", "/foo/[!a]", "/foo/a", N),
    ("[^a] negated", "/foo/[^a]", "/foo/b", A),
    ("[*] literal", "/foo/b[*]r/b*", "/foo/b*r/baz", A),
    ("[*] is not a wildcard", "/foo/b[*]r/b*", "/foo/bar/baz", N),
    ("[?] literal", "/foo/b[?]r/b*", "/foo/b?r/baz", A),
    ("[?] is not a wildcard", "/foo/b[?]r/b*", "/foo/bar/baz", N),
    ("[!] matches nothing", "/foo/b[!]r/b*", "/foo/b!r/baz", N),
    ("[[] literal", "/foo/b[[]ar/b*", "/foo/b[ar/baz", A),
    ("[] literal", "/foo/b[]r/b*", "/foo/b[]r/baz", A),
    ("unclosed [ literal", "/foo/b[r/b*", "/foo/b[r/baz", A),
    ("\\[ literal", "/foo/b\\[a]r/b*", "/foo/b[a]r/baz", A),
    ("[\\]] literal", "/foo/b[\\]]r/b*", "/foo/b]r/baz", A),
    (". is cwd", ".", "/work", A),
    (". is only cwd", ".", "/work/foo", N),
    ("./foo", "./foo", "/work/foo", A),
    (".foo is relative", ".foo", "/work/.foo", A),
    (".foo is not ./foo", ".foo", "/work/foo", N),
    ("~ is home", "~", "/home/me", A),
    ("~ is only home", "~", "/home/me/foo", N),
    ("~/foo", "~/foo", "/home/me/foo", A),
    ("~foo is relative", "~foo", "/work/~foo", A),
    ("~foo is not ~/foo", "~foo", "/home/me/foo", N),
    ("trailing slash: directories", "foo/", "/work/foo", D),
    ("the item's trailing slash is ignored", "/foo/bar", "/foo/bar/", A),
]


@pytest.mark.parametrize(
    ("pattern", "path", "kind"), [pytest.param(*row[1:], id=row[0]) for row in MATCH_CASES]
)
def test_match(pattern: str, path: str, kind: MatchKind) -> None:
    assert parse(pattern, "/work", "/home/me").match(path) == kind


def test_implicit_descendant_never_matches_its_directory() -> None:
    # `foo/` with implicit descendants must not match a *file* foo (toolkit #805)
    implicit = parse("/foo/", "/", None).with_descendants()
    assert implicit.match("/foo") == MatchKind.NONE
    assert implicit.match("/foo/x") == MatchKind.ALL


# (case, pattern, negate, trailing separator, last segment)
PARSE_CASES = [
    ("two ! include", "!!/hello/two.txt", False, False, "two.txt"),
    ("four ! include", "!!!!/hello/four.txt", False, False, "four.txt"),
    ("one ! excludes", "!/hello/one.txt", True, False, "one.txt"),
    ("three ! exclude", "!!!/hello/three.txt", True, False, "three.txt"),
    ("trimmed", " hello.txt ", False, False, "hello.txt"),
    ("trimmed after each !", " ! ! ! hello.txt ", True, False, "hello.txt"),
    ("no trailing separator", " /foo ", False, False, "foo"),
    ("no trailing separator after *", " /foo/* ", False, False, "*"),
    ("no trailing separator after **", " /foo/** ", False, False, "**"),
    ("trailing separator", " foo/ ", False, True, "foo"),
    ("trailing separator, rooted", " /foo/ ", False, True, "foo"),
    ("trailing separator, excluded", "! /foo/ ", True, True, "foo"),
    ("trailing separator after *", " /foo/*/ ", False, True, "*"),
    ("trailing separator after **", " /foo/**/ ", False, True, "**"),
    ("a backslash is no separator on Linux", " foo\\ ", False, False, "foo\\"),
]


@pytest.mark.parametrize(
    ("pattern", "negate", "trailing", "last"),
    [pytest.param(*row[1:], id=row[0]) for row in PARSE_CASES],
)
def test_parse(pattern: str, negate: bool, trailing: bool, last: str) -> None:
    parsed = parse(pattern, "/work")
    assert (parsed.negate, parsed.trailing_separator, parsed.segments[-1]) == (
        negate,
        trailing,
        last,
    )


@pytest.mark.parametrize(
    "pattern", ["..", "../x", "a/../b", "a/./b", "/work/./b", "!../x", "!", "  !  "]
)
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(GlobError):
        parse(pattern, "/work")


def test_relative_patterns_are_rooted_like_absolute_ones() -> None:
    for relative in ("hello.txt", "**/world.txt", "!hello.txt", "!**/world.txt"):
        bang = "!" if relative.startswith("!") else ""
        absolute = f"{bang}/work/{relative.lstrip('!')}"
        assert parse(relative, "/work") == parse(absolute, "/work")


# (case, minimatch pattern on an artifact name, name, matches)
NAME_CASES = [
    ("* matches", "build-*", "build-linux", True),
    ("* not a leading dot", "*", ".hidden", False),
    ("an explicit leading dot", ".*", ".hidden", True),
    ("braces", "build-{linux,mac}", "build-mac", True),
    ("braces, no other", "build-{linux,mac}", "build-win", False),
    ("? one character", "log?", "log1", True),
    ("[...]", "log[0-9]", "log7", True),
    ("escaped *", "a\\*", "a*", True),
    ("escaped * is literal", "a\\*", "ab", False),
]


@pytest.mark.parametrize(
    ("pattern", "name", "expected"), [pytest.param(*row[1:], id=row[0]) for row in NAME_CASES]
)
def test_name_matches(pattern: str, name: str, expected: bool) -> None:
    assert name_matches(pattern, name) is expected


def test_imports_only_the_stdlib_and_records() -> None:
    tree = ast.parse(Path(fileglob.__file__).read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    ours = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert ours - {"__future__"} == {"conveyor.records"}


def test_many_stars_in_a_segment_never_backtrack() -> None:
    with watchdog(2):
        assert parse("/w/" + "*a" * 30 + "b", "/w").match("/w/" + "a" * 250) == MatchKind.NONE
        assert name_matches("*a" * 30 + "b", "a" * 250) is False
        assert name_matches("*a" * 30, "a" * 250) is True


def test_many_globstars_are_memoized() -> None:
    pattern = parse("/w/" + "**/a/" * 20 + "b", "/w")
    with watchdog(2):
        assert pattern.match("/w/" + "a/" * 200 + "c") == MatchKind.NONE
        assert pattern.match("/w/" + "a/" * 200 + "b") == MatchKind.ALL


def test_a_class_that_is_no_regex_is_literal() -> None:
    # minimatch keeps a "[" whose class its regex engine refuses as a literal "["
    assert name_matches("[z-a]", "[z-a]") is True
    assert name_matches("[z-a]", "b") is False
    assert parse("/w/[z-a]", "/").match("/w/[z-a]") == MatchKind.ALL


def test_brace_expansion_is_bounded() -> None:
    with watchdog(2):
        assert name_matches("{a,b}" * 40, "a" * 40) is True  # the first alternatives
        name_matches("{a,b,c,d,e,f,g,h,i,j,k,l,m,n}" * 400, "x")
