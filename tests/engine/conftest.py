"""Fixtures for end-to-end run tests: a throwaway git repository and `conveyor run` in-process."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conveyor.cli.main import main


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class RunResult:
    code: int
    report: dict[str, Any]
    stdout: str
    repo: Path
    stderr: str = ""
    _logs: str | None = field(default=None, repr=False)

    @property
    def conclusion(self) -> str:
        return str(self.report.get("conclusion"))

    @property
    def workflow(self) -> dict[str, Any]:
        return self.report["workflows"][0]  # type: ignore[no-any-return]

    @property
    def run_dir(self) -> Path:
        return self.repo / ".conveyor" / "runs" / str(self.report["run_id"])

    def jobs(self, job_id: str | None = None) -> list[dict[str, Any]]:
        jobs = [j for w in self.report["workflows"] for j in w["jobs"]]
        return [j for j in jobs if job_id is None or j["id"] == job_id]

    def job(self, job_id: str) -> dict[str, Any]:
        found = self.jobs(job_id)
        assert len(found) == 1, f"{len(found)} jobs with id {job_id}: {self.report}"
        return found[0]

    def step(self, job_id: str, step: str | int) -> dict[str, Any]:
        steps = self.job(job_id)["steps"]
        if isinstance(step, int):
            return steps[step]  # type: ignore[no-any-return]
        matches = [s for s in steps if step in (s["id"], s["name"])]
        assert matches, f"no step {step} in {steps}"
        return matches[0]  # type: ignore[no-any-return]

    def outputs(self, job_id: str, step: str | int) -> dict[str, str]:
        return self.step(job_id, step)["outputs"]  # type: ignore[no-any-return]

    @property
    def logs(self) -> str:
        if self._logs is None:
            log_dir = self.run_dir / "logs"
            files = sorted(log_dir.glob("*.log")) if log_dir.is_dir() else []
            self._logs = "\n".join(p.read_text(encoding="utf-8") for p in files)
        return self._logs

    def all_text(self) -> str:
        """stdout, every log file, the report and every summary."""
        parts = [self.stdout, self.logs, json.dumps(self.report)]
        summaries = self.run_dir / "summaries"
        if summaries.is_dir():
            parts.extend(p.read_text(encoding="utf-8") for p in summaries.iterdir())
        return "\n".join(parts)


class Repo:
    """A git repository in tmp_path with workflow files; ``run`` executes `conveyor run`."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self._capsys = capsys
        root.mkdir(parents=True, exist_ok=True)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "config", "user.name", "Ada Lovelace")
        _git(root, "config", "user.email", "ada@example.com")
        _git(root, "config", "commit.gpgsign", "false")
        self._committed = False

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def workflow(self, text: str, name: str = "ci.yml") -> Path:
        return self.write(f".github/workflows/{name}", text)

    def commit(self) -> str:
        _git(self.root, "add", "-A")
        _git(self.root, "commit", "-q", "--allow-empty", "-m", "test")
        self._committed = True
        return self.head()

    def head(self) -> str:
        return _git(self.root, "rev-parse", "HEAD")

    def git(self, *args: str) -> str:
        return _git(self.root, *args)

    def run(self, *args: str, event: str = "push") -> RunResult:
        if not self._committed:
            self.commit()
        report = self.root.parent / f"report-{self.root.name}.json"
        report.unlink(missing_ok=True)
        self._capsys.readouterr()
        code = main(
            ["run", event, "-C", str(self.root), "--report", str(report), "--no-color", *args]
        )
        captured = self._capsys.readouterr()
        data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
        return RunResult(code, data, captured.out, self.root, captured.err)


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Repo:
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CONVEYOR_DATA_DIR", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in ("GITHUB_ACTIONS", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "CI"):
        monkeypatch.delenv(name, raising=False)
    return Repo(tmp_path / "widgets", capsys)


RunWorkflow = Callable[..., RunResult]


@pytest.fixture
def run_wf(repo: Repo) -> RunWorkflow:
    """``run_wf(yaml, *args)``: write ci.yml, commit, run, return the RunResult."""

    def go(text: str, *args: str, event: str = "push") -> RunResult:
        repo.workflow(text)
        return repo.run(*args, event=event)

    return go
