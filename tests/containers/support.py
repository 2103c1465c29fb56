"""Helpers for the container tests: podman and conveyor as child processes, unique names."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

BOOTSTRAP_TIMEOUT = 30 * 60.0


def podman(*args: str, check: bool = True, timeout: float = 120.0) -> str:
    """``podman ARGS``: its stdout; with ``check``, a failure shows the command's output."""
    proc = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"podman {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def unique(what: str) -> str:
    """A container or network name no other test (or concurrent run) uses."""
    return f"cvtest-{what}-{uuid.uuid4().hex[:8]}"


def conveyor(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conveyor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
