"""The checks after pods are Ready: a smoke command run here and an HTTP probe.

The command runs with ``sh -c`` in the repository, with the deploy in its environment
(``CONVEYOR_ENVIRONMENT``, ``CONVEYOR_RELEASE``, ``CONVEYOR_NAMESPACE``, ``CONVEYOR_IMAGE``,
``CONVEYOR_REVISION``, ``CONVEYOR_SERVICE``, ``KUBECONFIG``); exit status 0 passes. The
probe passes on the expected status within the latency budget, tried a few times so one
dropped connection during a switch does not fail a good release.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from conveyor.config.environments import Checks, HttpCheck
from conveyor.deploy.model import Failure, Log

ATTEMPTS = 3


def run_checks(
    checks: Checks, root: Path, env: dict[str, str], deadline: float, log: Log, phase: str
) -> Failure | None:
    if checks.smoke:
        failure = _smoke(checks.smoke, root, env, deadline, log, phase)
        if failure is not None:
            return failure
    if checks.http is not None:
        return _probe(checks.http, log, phase)
    return None


def _smoke(
    command: str, root: Path, env: dict[str, str], deadline: float, log: Log, phase: str
) -> Failure | None:
    log(f"{phase} check: {command}")
    left = max(1.0, deadline - time.monotonic())
    try:
        proc = subprocess.run(
            ["sh", "-c", command], cwd=root, env={**os.environ, **env},
            capture_output=True, text=True, timeout=left, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return Failure(f"{phase} check '{command}' did not finish in {left:.0f}s", kind="check")
    for line in (proc.stdout + proc.stderr).splitlines()[-20:]:
        log(f"  {line}")
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        return Failure(
            f"{phase} check '{command}' failed with exit status {proc.returncode}"
            + (f": {tail[0]}" if tail[0] else ""),
            kind="check",
        )
    return None


def _probe(check: HttpCheck, log: Log, phase: str) -> Failure | None:
    problem = ""
    for attempt in range(ATTEMPTS):
        started = time.monotonic()
        try:
            with urllib.request.urlopen(check.url, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (urllib.error.URLError, OSError) as e:
            problem = f"GET {check.url}: {getattr(e, 'reason', e)}"
            time.sleep(0.5 * (attempt + 1))
            continue
        took = (time.monotonic() - started) * 1000
        if status != check.status:
            problem = f"GET {check.url} answered {status}, expected {check.status}"
        elif check.latency_ms and took > check.latency_ms:
            problem = f"GET {check.url} took {took:.0f} ms, over the {check.latency_ms} ms budget"
        else:
            log(f"{phase} check: GET {check.url} -> {status} in {took:.0f} ms")
            return None
        time.sleep(0.5 * (attempt + 1))
    return Failure(f"{phase} check failed: {problem}", kind="check")
