"""Which Node.js runs a JavaScript action: one that satisfies its ``runs.using``.

GitHub's runner carries the Node of each ``runs.using`` (node20, node24) and runs
older ones (node12, node16) on a newer Node. Here: the ``node`` on the step's PATH when
its major version is at least the one asked for, else the newest such Node among the
installed ones (the tool cache, nvm), else a failure naming the version needed.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from conveyor.engine.scope import StepFailed
from conveyor.executors.base import CancelToken

if TYPE_CHECKING:
    from conveyor.engine.stepkind import JobContext

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_VERSIONS: dict[tuple[str, str], tuple[int, int, int] | None] = {}  # (executor, path)
_LOCK = threading.Lock()


def required_major(using: str) -> int:
    return int(using[4:])


def node_for(job: JobContext, env: dict[str, str], using: str, action: str) -> str:
    """The node executable (job's view) for an action with ``runs.using: using``."""
    need = required_major(using)
    found: list[tuple[tuple[int, int, int], str]] = []
    runtime = job.executor.runtime_node
    if runtime is not None:  # a job container: the runner's own Node, as on GitHub
        version = _version(job, runtime)
        if version is not None and version[0] >= need:
            return runtime
        if version is not None:
            found.append((version, runtime))
    on_path = job.executor.which("node", job.process_path(env))
    if on_path is not None:
        version = _version(job, on_path)
        if version is not None and version[0] >= need:
            return on_path  # what the workflow set up (setup-node, PATH) comes first
        if version is not None:
            found.append((version, on_path))
    for exe in _installed(job):
        version = _version(job, exe)
        if version is not None:
            found.append((version, exe))
    good = sorted((v, exe) for v, exe in found if v[0] >= need)
    if good:
        return good[-1][1]
    seen = ", ".join(f"{'.'.join(map(str, v))} ({exe})" for v, exe in found) or "none"
    raise StepFailed(
        f"'{action}' is a JavaScript action for {using}: it needs Node.js {need} or newer, "
        f"and the Node.js found is {seen}; install Node.js {need} or add "
        f"'actions/setup-node' with node-version: {need} before it"
    )


def _installed(job: JobContext) -> list[str]:
    """Other Nodes: the tool cache (setup-node's) and nvm's, as the job sees them."""
    roots = [job.paths.tool_cache / "node"]
    home = os.environ.get("HOME")
    if home:
        roots.append(Path(home) / ".nvm" / "versions" / "node")
    found: list[str] = []
    for root in roots:
        host = job.executor.host_path(root)
        for pattern in ("*/*/bin/node", "v*/bin/node"):
            found += [str(job.executor.job_path(p)) for p in sorted(host.glob(pattern))]
    return found


def _version(job: JobContext, exe: str) -> tuple[int, int, int] | None:
    key = (job.executor.name, exe)
    with _LOCK:
        if key in _VERSIONS:
            return _VERSIONS[key]
    out = job.executor.capture(
        [exe, "--version"], cwd=job.paths.temp, env=job.process_env({}), cancel=CancelToken()
    )
    m = _VERSION.match(out.stdout.strip()) if out.exit.code == 0 else None
    version = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    with _LOCK:
        _VERSIONS[key] = version
    return version
