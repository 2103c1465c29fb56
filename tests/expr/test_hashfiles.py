"""hashFiles() on real files, checked against an independent computation.

The reference below restates the runner's algorithm directly: sha256 over the
concatenated sha256 digests of the expected files, in the expected order.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conveyor.expr import EvalContext, ExprError, evaluate

FILES = {
    "package-lock.json": b"root lock",
    "src/app.js": b"app",
    "src/util.js": b"util",
    "src/deep/more.js": b"more",
    "src/readme.md": b"readme",
    "lib/a.rb": b"a",
    "lib/sub/b.rb": b"b",
    "web/package-lock.json": b"web lock",
    ".hidden/x.txt": b"hidden",
    "a-b/f.txt": b"dash",
    "a/f.txt": b"plain",
    "empty.txt": b"",
}


def reference(root: Path, relative: list[str]) -> str:
    if not relative:
        return ""
    outer = hashlib.sha256()
    for rel in relative:
        outer.update(hashlib.sha256((root / rel).read_bytes()).digest())
    return outer.hexdigest()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for rel, data in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path


def hash_expr(workspace: Path, expression: str) -> str:
    ctx = EvalContext(contexts={"github": {"workspace": str(workspace)}}, workspace=str(workspace))
    result = evaluate(expression, ctx)
    assert isinstance(result, str)
    return result


@pytest.mark.parametrize(
    ("expression", "expected_files"),
    [
        ("hashFiles('package-lock.json')", ["package-lock.json"]),
        ("hashFiles('**/package-lock.json')", ["package-lock.json", "web/package-lock.json"]),
        ("hashFiles('src/*.js')", ["src/app.js", "src/util.js"]),
        ("hashFiles('src/**/*.js')", ["src/app.js", "src/deep/more.js", "src/util.js"]),
        ("hashFiles('src/**')", ["src/app.js", "src/deep/more.js", "src/readme.md", "src/util.js"]),
        # a directory implicitly matches everything below it
        ("hashFiles('lib')", ["lib/a.rb", "lib/sub/b.rb"]),
        ("hashFiles('lib/')", ["lib/a.rb", "lib/sub/b.rb"]),
        ("hashFiles('./lib/*.rb')", ["lib/a.rb"]),
        ("hashFiles('lib/?.rb')", ["lib/a.rb"]),
        ("hashFiles('src/[au]*.js')", ["src/app.js", "src/util.js"]),
        ("hashFiles('src/[!a]*.js')", ["src/util.js"]),
        # dot files are matched by wildcards
        ("hashFiles('*/x.txt')", [".hidden/x.txt"]),
        # negation and multiple patterns; later patterns win
        ("hashFiles('src/**', '!src/deep')", ["src/app.js", "src/readme.md", "src/util.js"]),
        ("hashFiles('src/**/*.js', '!**/util.js')", ["src/app.js", "src/deep/more.js"]),
        ("hashFiles('!src/app.js', 'src/*.js')", ["src/app.js", "src/util.js"]),
        # search paths are walked in pattern order, each depth-first
        ("hashFiles('src/*.js', 'lib/*.rb')", ["src/app.js", "src/util.js", "lib/a.rb"]),
        ("hashFiles('lib/*.rb', 'src/*.js')", ["lib/a.rb", "src/app.js", "src/util.js"]),
        # a pattern under another search path is not walked twice
        (
            "hashFiles('src/**', 'src/app.js')",
            ["src/app.js", "src/deep/more.js", "src/readme.md", "src/util.js"],
        ),
        # directory entries in byte order: "a" before "a-b" although "a-b/" < "a/" as paths
        ("hashFiles('a*/f.txt')", ["a/f.txt", "a-b/f.txt"]),
        # several patterns in one argument, one per line; comments and blanks skipped
        ("hashFiles('# comment\n  lib/a.rb  \n\nempty.txt')", ["lib/a.rb", "empty.txt"]),
        ("hashFiles('empty.txt')", ["empty.txt"]),
        ("hashFiles('nothing/here/*')", []),
        ("hashFiles('*.none')", []),
        ("hashFiles('SRC/*.js')", []),  # case-sensitive on Linux
        ("hashFiles('src/\\*.js')", []),  # escaped wildcard is literal
    ],
)
def test_hash_files(workspace: Path, expression: str, expected_files: list[str]) -> None:
    assert hash_expr(workspace, expression) == reference(workspace, expected_files)


def test_empty_result_is_empty_string(workspace: Path) -> None:
    assert hash_expr(workspace, "hashFiles('does-not-exist')") == ""


def test_absolute_pattern_inside_workspace(workspace: Path) -> None:
    expr = f"hashFiles('{workspace}/lib/*.rb')"
    assert hash_expr(workspace, expr) == reference(workspace, ["lib/a.rb"])


def test_files_outside_workspace_are_ignored(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "o.txt").write_text("o")
    assert hash_expr(workspace, f"hashFiles('{outside}/o.txt')") == ""
    mixed = f"hashFiles('{outside}/o.txt', 'lib/a.rb')"
    assert hash_expr(workspace, mixed) == reference(workspace, ["lib/a.rb"])


def test_hash_changes_with_content(workspace: Path) -> None:
    before = hash_expr(workspace, "hashFiles('lib/**')")
    (workspace / "lib/a.rb").write_bytes(b"changed")
    after = hash_expr(workspace, "hashFiles('lib/**')")
    assert before != after
    assert after == reference(workspace, ["lib/a.rb", "lib/sub/b.rb"])


def test_symlinks(workspace: Path) -> None:
    os.symlink(workspace / "lib", workspace / "zlink")
    os.symlink(workspace / "lib/a.rb", workspace / "zfile.rb")
    # Without following, a linked directory is not walked; a linked file hashes its target.
    assert hash_expr(workspace, "hashFiles('z*/**')") == reference(workspace, ["zfile.rb"])
    followed = hash_expr(workspace, "hashFiles('--follow-symbolic-links', 'z*/**')")
    assert followed == reference(workspace, ["zfile.rb", "zlink/a.rb", "zlink/sub/b.rb"])


def test_symlink_cycle_is_not_followed_forever(workspace: Path) -> None:
    os.symlink(workspace / "lib", workspace / "lib/sub/loop")
    result = hash_expr(workspace, "hashFiles('--follow-symbolic-links', 'lib/**')")
    assert result == reference(workspace, ["lib/a.rb", "lib/sub/b.rb"])


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("hashFiles('../x')", "Relative pathing"),
        ("hashFiles('src/../x')", "Relative pathing"),
        ("hashFiles('src/./x')", "Relative pathing"),
        ("hashFiles('--bogus', 'x')", "invalid glob option --bogus"),
    ],
)
def test_hash_files_errors(workspace: Path, expression: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        hash_expr(workspace, expression)
    assert message in str(info.value)
    assert "hashFiles" in str(info.value)


def test_option_is_case_insensitive(workspace: Path) -> None:
    result = hash_expr(workspace, "hashFiles('--Follow-Symbolic-Links', 'lib/a.rb')")
    assert result == reference(workspace, ["lib/a.rb"])


@pytest.mark.parametrize(
    ("expression", "expected_files"),
    [
        # GitHub's docs: a leading '/' means the repository root
        ("hashFiles('/src/*.js')", ["src/app.js", "src/util.js"]),
        ("hashFiles('/lib/**/*.rb')", ["lib/a.rb", "lib/sub/b.rb"]),
    ],
)
def test_leading_slash_is_the_workspace_root(
    workspace: Path, expression: str, expected_files: list[str]
) -> None:
    assert hash_expr(workspace, expression) == reference(workspace, expected_files)


def test_absolute_path_inside_workspace_still_works(workspace: Path) -> None:
    expression = f"hashFiles('{workspace}/src/app.js')"
    assert hash_expr(workspace, expression) == reference(workspace, ["src/app.js"])


def test_the_walk_stays_on_the_way_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # hashFiles('~/**') keeps only the workspace's files: the rest of home is not read
    from conveyor import fileglob
    from conveyor.expr.hashfiles import hash_files

    home = tmp_path / "home"
    (home / "big" / "deep").mkdir(parents=True)
    (home / "big" / "deep" / "f").write_text("x")
    workspace = home / "work" / "repo"
    workspace.mkdir(parents=True)
    (workspace / "a.txt").write_text("a")
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        listed.append(path)
        return real_listdir(path)

    monkeypatch.setattr(fileglob.os, "listdir", listdir)
    everything = hash_files(["~/**"], str(workspace), home=str(home))
    assert everything == hash_files(["**"], str(workspace), home=str(home)) != ""
    assert not any("big" in path for path in listed)
