"""The repository facts read from git's files say what git says, or leave it to git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conveyor.engine.context import repo_info
from conveyor.gitfiles import config_output, parse_config
from tests.harness import git

KEYS = ("remote.origin.url", "user.name")


def _git_config(root: Path) -> str:
    return subprocess.run(
        ["git", "config", "--get-regexp", r"^(remote\.origin\.url|user\.name)$"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of the test's own, no system file, no other git variables."""
    for name in list(os.environ):
        if name.startswith("GIT_") or name == "XDG_CONFIG_HOME":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home


def _repo(path: Path, config: str = "") -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    with (path / ".git" / "config").open("a", encoding="utf-8") as f:
        f.write(config)
    return path


QUOTED = r"""
[Remote "origin"]
	URL = "git@github.com:own er/na\"me.git"  ; a comment
[remote "Origin"]
	url = https://example.com/other/repo
[user] name = "  Ada \\ "Love\tlace  # after
[user]
	name = Ada   Byron \
  King
	name
	email = a@b
"""


def test_files_and_git_agree_on_plain_worktree_and_quoted_layouts(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / ".gitconfig").write_text("[user]\n\tname = Global Name\n")
    plain = _repo(tmp_path / "plain", '[remote "origin"]\n\turl = git@github.com:o/n.git\n')
    assert config_output(plain, KEYS) == _git_config(plain)
    assert "Global Name" in _git_config(plain)
    xdg = home / ".config" / "git"
    xdg.mkdir(parents=True)
    (xdg / "config").write_text("[user]\n\tname = Xdg Name\n")
    assert config_output(plain, KEYS) == _git_config(plain)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_output(plain, KEYS) == _git_config(plain)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(xdg / "config"))
    assert config_output(plain, KEYS) == _git_config(plain)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")

    (plain / "f").write_text("x")
    git(plain, "add", "f")
    git(plain, "commit", "-qm", "one")
    tree = tmp_path / "tree"
    git(plain, "worktree", "add", "-q", str(tree), "-b", "feature")
    assert config_output(tree, KEYS) == _git_config(tree)
    assert "remote.origin.url git@github.com:o/n.git" in _git_config(tree)

    quoted = _repo(tmp_path / "quoted", QUOTED)
    assert config_output(quoted, KEYS) == _git_config(quoted)
    assert 'own er/na"me' in _git_config(quoted)
    assert repo_info(quoted).owner == "own er"


def test_insteadof_is_not_applied_by_git_config_either(tmp_path: Path, home: Path) -> None:
    config = '[url "https://github.com/"]\n\tinsteadOf = gh:\n[remote "origin"]\n\turl = gh:o/n\n'
    repo = _repo(tmp_path / "r", config)
    assert config_output(repo, KEYS) == _git_config(repo) == "remote.origin.url gh:o/n\n"


@pytest.mark.parametrize(
    "config",
    [
        "[include]\n\tpath = ../extra\n",
        '[includeIf "gitdir:/"]\n\tpath = ../extra\n',
        "[extensions]\n\tworktreeConfig = true\n",
        "[user]\n\tname = bad \\q escape\n",
        "[user\n",
        "[remote.origin]\n\turl = git@github.com:o/n.git\n",  # deprecated form
    ],
)
def test_what_the_reader_leaves_to_git(tmp_path: Path, home: Path, config: str) -> None:
    (tmp_path / "extra").write_text('[remote "origin"]\n\turl = git@github.com:inc/luded\n')
    repo = _repo(tmp_path / "r", config)
    assert config_output(repo, KEYS) is None
    # and the whole repo_info still follows git
    out = _git_config(repo)
    expected = "inc" if "inc/luded" in out else "local"
    assert repo_info(repo).owner == ("o" if "o/n" in out else expected)


def test_environment_overrides_leave_it_to_git(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path / "r")
    assert config_output(repo, KEYS) is not None
    for name, value in [
        ("GIT_CONFIG_PARAMETERS", "'user.name'='X'"),
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_DIR", str(repo / ".git")),
        ("GIT_CONFIG_NOSYSTEM", "maybe"),
    ]:
        with monkeypatch.context() as m:
            m.setenv(name, value)
            assert config_output(repo, KEYS) is None, name
    assert config_output(tmp_path, KEYS) is None  # not a repository


SNIPPETS = [
    "[a]\n\tb = c\n",
    "[a]b=c\n[a] d\n",
    "\ufeff[A]\n  B-2 = x y\t\tz  \n",
    '[a "s p\\"a\\\\ce\\x"]\n\tk = "q ; # not a comment" ; comment\n',
    '# c\n; c\n[a]\r\n\tk = v\r\n\tk2 = \\t\\n\\b\\\\ \\"\n',
    '[a]\n\tk = "unterminated\n',
    "[a]\n\tk = one \\\n two\n\tk3 = last\\",
    "[a]\n\tk = x\n\tk # bare then comment\n",
    "[a]\n\t1k = digit first\n",
    '[a]\n\tk = ""  x "  y  "  \n',
    "[a]\n\tk = \xe9t\xe9\n",
]


def test_what_git_reads_but_the_parser_leaves_to_git() -> None:
    assert parse_config(b"k = before any section\n") is None
    assert parse_config(b"[a.b]\n\tk = old form\n") is None


@pytest.mark.parametrize("text", SNIPPETS)
def test_parse_config_reads_a_file_as_git_does(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config"
    path.write_bytes(text.encode("utf-8"))
    proc = subprocess.run(
        ["git", "config", "--file", str(path), "--list", "--null"],
        capture_output=True,
        check=False,
    )
    parsed = parse_config(text.encode("utf-8"))
    if proc.returncode != 0:
        assert parsed is None
        return
    expected = []
    for item in proc.stdout.decode("utf-8").split("\0")[:-1]:
        key, newline, value = item.partition("\n")
        expected.append((key, value if newline else None))
    assert parsed == expected


def test_the_machine_s_own_system_and_global_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    repo = _repo(tmp_path / "r", '[remote "origin"]\n\turl = https://github.com/o/n\n')
    assert config_output(repo, KEYS) in (None, _git_config(repo))  # None: git not /usr/bin
    if os.path.realpath("/usr/bin/git") == "/usr/bin/git" and config_output(repo, KEYS):
        assert "remote.origin.url https://github.com/o/n" in _git_config(repo)
