"""Black-box compatibility harness: `python -m conveyor run` as a subprocess on a
throwaway git repository, asserting on the JSON report like the acceptance tests do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Run:
    code: int
    report: dict[str, Any]
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def workflows(self) -> list[dict[str, Any]]:
        return list(self.report.get("workflows", []))

    def workflow(self, name: str | None = None) -> dict[str, Any]:
        wfs = self.workflows
        if name is None:
            assert len(wfs) == 1, (wfs, self.text)
            return wfs[0]
        for wf in wfs:
            if wf["name"] == name or wf["file"].endswith(name):
                return wf
        raise AssertionError(f"no workflow {name!r} in {[w['name'] for w in wfs]}\n{self.text}")

    def jobs(self, wf: str | None = None) -> list[dict[str, Any]]:
        return list(self.workflow(wf)["jobs"])

    def job(self, job_id: str, wf: str | None = None, **matrix: Any) -> dict[str, Any]:
        found = [j for j in self.jobs(wf) if j["id"] == job_id]
        if matrix:
            found = [
                j
                for j in found
                if all((j.get("matrix") or {}).get(k) == v for k, v in matrix.items())
            ]
        assert len(found) == 1, (
            job_id,
            matrix,
            [(j["id"], j.get("matrix")) for j in self.jobs(wf)],
            self.text,
        )
        return found[0]

    def step(
        self, job_id: str, step_id: str, wf: str | None = None, **matrix: Any
    ) -> dict[str, Any]:
        job = self.job(job_id, wf, **matrix)
        for st in job["steps"]:
            if st.get("id") == step_id or st.get("name") == step_id:
                return dict(st)
        raise AssertionError(f"no step {step_id!r} in {job['steps']}\n{self.text}")


class Repo:
    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
            cwd=self.root,
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def workflow(self, text: str, name: str = "ci.yml") -> Path:
        return self.write(f".github/workflows/{name}", text)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def event(self, payload: dict[str, Any], name: str = "event.json") -> Path:
        path = self.tmp / name
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    def run(self, event: str = "push", *args: str, timeout: float = 120) -> Run:
        report = self.tmp / "report.json"
        report.unlink(missing_ok=True)
        env = {
            **os.environ,
            **GIT_ENV,
            "NO_COLOR": "1",
            "CONVEYOR_CACHE_DIR": str(self.tmp / "cache"),
        }
        for key in list(env):
            if key.startswith(("GITHUB_", "RUNNER_", "INPUT_", "CONVEYOR_DATA")):
                env.pop(key)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "conveyor",
                "run",
                event,
                "-C",
                str(self.root),
                "--report",
                str(report),
                *args,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        data: dict[str, Any] = {}
        if report.exists():
            data = json.loads(report.read_text(encoding="utf-8"))
        return Run(proc.returncode, data, proc.stdout, proc.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo", tmp_path)
