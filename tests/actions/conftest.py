"""Fixtures for the built-in action tests: real directories, a real ActionCall."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conveyor.actions.base import ActionCall, parse_uses

MakeCall = Callable[..., ActionCall]


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    names = ("workspace", "temp", "tool_cache", "repo", "run", "cache", "home")
    out = {name: tmp_path / name for name in names}
    for path in out.values():
        path.mkdir()
    return out


@pytest.fixture
def make_call(dirs: dict[str, Path]) -> MakeCall:
    def factory(uses: str, inputs: dict[str, str] | None = None, **overrides: Any) -> ActionCall:
        lines: list[str] = overrides.pop("lines", [])

        def run_exec(argv: list[str], cwd: Path | None = None, env: Any = None) -> int:
            proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
            lines.extend((proc.stdout + proc.stderr).splitlines())
            return proc.returncode

        fields: dict[str, Any] = {
            "ref": parse_uses(uses),
            "inputs": {k.lower(): v for k, v in (inputs or {}).items()},
            "env": {"PATH": os.environ.get("PATH", ""), "HOME": str(dirs["home"])},
            "workspace": dirs["workspace"],
            "temp": dirs["temp"],
            "tool_cache": dirs["tool_cache"],
            "repo_root": dirs["repo"],
            "run_dir": dirs["run"],
            "cache_dir": dirs["cache"],
            "github": {"repository": "acme/app", "ref": "refs/heads/main", "run_id": "7"},
            "remote_base_url": "https://github.com",
            "log": lines.append,
            "exec": run_exec,
            "add_mask": lambda _value: None,
        }
        fields.update(overrides)
        call = ActionCall(**fields)
        return call

    return factory
