"""Fixtures for the built-in action tests: real directories, a real ActionCall."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conveyor.actions.base import ActionCall, ActionStopped, parse_uses
from conveyor.executors.base import CancelToken, Captured, ExitInfo
from conveyor.executors.host import HostExecutor, capture_process

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
def make_call(dirs: dict[str, Path], tmp_path: Path) -> Iterator[MakeCall]:
    """ActionCalls whose processes are real, through a HostExecutor and capture_process,
    under a CancelToken (``token=`` to pass one in)."""
    executor = HostExecutor(tmp_path / "job", "repo", dirs["tool_cache"])
    local_groups: list[int] = []

    def factory(
        uses: str,
        inputs: dict[str, str] | None = None,
        *,
        token: CancelToken | None = None,
        **overrides: Any,
    ) -> ActionCall:
        lines: list[str] = overrides.pop("lines", [])
        cancel = token or CancelToken()

        def stopped(exit: ExitInfo) -> None:
            if exit.stopped:
                raise ActionStopped(f"stopped ({cancel.reason or 'cancelled'})")

        def run_exec(argv: list[Any], cwd: Path | None = None, env: Any = None) -> int:
            info = executor.run(
                [str(a) for a in argv],
                cwd=Path(cwd or call.workspace),
                env=env or call.env,
                on_output=lambda text: lines.extend(text.split("\n")),
                timeout=None,
                cancel=cancel,
            )
            stopped(info)
            return info.code

        def capture(
            argv: list[Any], cwd: Path | None = None, env: Any = None, stdin: str | None = None
        ) -> Captured:
            out = executor.capture(
                [str(a) for a in argv],
                cwd=Path(cwd or call.workspace),
                env=env or call.env,
                stdin=stdin,
                cancel=cancel,
            )
            stopped(out.exit)
            return out

        def local(
            argv: list[Any], cwd: Path | None = None, env: Any = None, stdin: str | None = None
        ) -> Captured:
            out = capture_process(
                [str(a) for a in argv],
                cwd=Path(cwd or call.repo_root),
                env=env if env is not None else dict(os.environ),
                stdin=stdin,
                timeout=None,
                cancel=cancel,
                groups=local_groups,
            )
            stopped(out.exit)
            return out

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
            "capture": capture,
            "local": local,
            "add_mask": lambda _value: None,
        }
        fields.update(overrides)
        call = ActionCall(**fields)
        return call

    yield factory
    executor.teardown()  # kills what a stopped process left behind
    for pgid in local_groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
