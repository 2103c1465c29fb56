"""The repository facts read from git's files say what git says, or leave it to git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conveyor.engine.context import repo_info
from conveyor.gitfiles import config_output, parse_config
from conveyor.workflow import event
from tests.harness import GIT_ENV, git

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


# ---------------------------------------------------------------------------- head commit


def _snapshots(repo: Path) -> tuple[Any, Any]:
    """The default payload's snapshot read from files (when they tell) and from git."""
    argv = ["git", "-C", str(repo), "log", "-1", f"--format={event._LOG_FORMAT}", "HEAD"]
    by_git = event._snapshot(repo, [event._popen(argv), event._read_default_refs(repo) or ""])
    if by_git is not None and by_git.commit["timestamp"].endswith("Z"):  # git >= 2.45 for UTC
        by_git.commit["timestamp"] = by_git.commit["timestamp"][:-1] + "+00:00"
    return event._snapshot(repo), by_git


def _commit(repo: Path, message: str, date: str, *args: str, **env: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message,
         *args],
        cwd=repo, check=True,
        env={**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date, **env},
    )  # fmt: skip


def test_head_commit_from_files_matches_git_log(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    for message, date in [
        ("one", "2024-01-02T03:04:05+0000"),
        ("Ünïcödé ✓\n\nbody line\n  indented\n\n\ntrailing  ", "2024-06-30T23:59:59+0530"),
        ("west", "2001-02-03T04:05:06-0800"),
        ("minus zero", "1999-12-31T23:59:59-0000"),
    ]:
        _commit(repo, message, date, GIT_AUTHOR_NAME="Zoë  Ünal ", GIT_AUTHOR_EMAIL="z@ü.example")
        assert event.head_commit(repo) is not None
        files, by_git = _snapshots(repo)
        assert files == by_git
    assert files.commit["author"]["name"] == "Zoë  Ünal"
    git(repo, "pack-refs", "--all")  # the ref packed, the object still loose
    assert event.head_commit(repo) is not None
    assert _snapshots(repo)[0] == _snapshots(repo)[1]

    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    _commit(repo, "side", "2024-01-01T00:00:00+0100")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge\n\nof side", "side")
    files, by_git = _snapshots(repo)
    assert files == by_git and len(files.commit["id"]) == 40

    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "-q", str(tree), "-b", "feature")
    _commit(tree, "in the work tree", "2024-02-02T02:02:02+0200")
    assert event.head_commit(tree) is not None
    files, by_git = _snapshots(tree)
    assert files == by_git and files.branch == "feature"


def test_commit_headers_encoding_and_what_is_left_to_git(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    _commit(repo, "base", "2024-01-02T03:04:05+0000")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    parent = git(repo, "rev-parse", "HEAD")
    signed = (
        f"tree {tree}\nparent {parent}\n"
        "author A U Thor <a@example.com> 1700000000 +0100\n"
        "committer C O Mitter <c@example.com> 1700000100 -0230\n"
        "encoding UTF-8\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n wsBcBAABCAAQ\n -----END PGP SIGNATURE-----\n"
        "\nsigned, with headers on several lines\n\nand a body\n"
    )
    sha = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo, input=signed.encode(), capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    git(repo, "update-ref", "refs/heads/main", sha)
    assert event.head_commit(repo) is not None
    files, by_git = _snapshots(repo)
    assert files == by_git and files.commit["timestamp"] == "2023-11-14T19:45:00-02:30"

    latin = subprocess.run(
        ["git", "-c", "i18n.commitEncoding=ISO-8859-1", "-c", "commit.gpgsign=false",
         "commit", "-q", "--allow-empty", "-F", "-"],
        cwd=repo, input="caf\xe9".encode("latin-1"), env={**os.environ, **GIT_ENV}, check=True,
    )  # fmt: skip
    assert latin.returncode == 0
    assert event.head_commit(repo) is None  # git re-encodes: git is asked
    files, by_git = _snapshots(repo)
    assert files == by_git and files.commit["message"] == "café"

    git(repo, "gc", "-q")  # the commit packed: git is asked
    assert event.head_commit(repo) is None
    assert _snapshots(repo)[0] == _snapshots(repo)[1]
    git(repo, "checkout", "-q", "--detach")
    git(repo, "tag", "v1")
    _commit(repo, "detached", "2024-01-02T03:04:05+0000")
    git(repo, "tag", "v2")
    assert event.head_commit(repo) is None  # its tags come from git
    files, by_git = _snapshots(repo)
    assert files == by_git and files.tags == ["v2"]
