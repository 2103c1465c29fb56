"""A throwaway git repository and ``conveyor`` called in-process, output captured."""

from __future__ import annotations

import json
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conveyor.cli.main import main


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Repo:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self._capsys = capsys
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.name", "Ada Lovelace")
        git(root, "config", "user.email", "ada@example.com")
        git(root, "config", "commit.gpgsign", "false")

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def workflow(self, name: str, text: str) -> Path:
        return self.write(f".github/workflows/{name}", text)

    def commit(self, message: str = "change") -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.root, "rev-parse", "HEAD")

    def cli(self, *args: str) -> Result:
        """``conveyor COMMAND -C repo ARGS...``; the command is the first argument."""
        self._capsys.readouterr()
        command, *rest = args
        code = main([command, "-C", str(self.root), *rest])
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def run(self, *args: str) -> Result:
        return self.cli("run", "--no-color", *args)

    def run_report(self, *args: str) -> tuple[Result, dict[str, Any]]:
        path = self.root.parent / "report.json"
        path.unlink(missing_ok=True)
        result = self.run("--report", str(path), *args)
        assert path.exists(), result.text
        return result, json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Repo:
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(tmp_path / "cache"))
    for name in (
        "CONVEYOR_DATA_DIR",
        "CONVEYOR_ACTIONS_URL",
        "GITHUB_TOKEN",
        "NO_COLOR",
        "FORCE_COLOR",
        "GITHUB_ACTIONS",
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "CI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path / "widgets", capsys)
