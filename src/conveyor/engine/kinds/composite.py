"""Composite actions (``runs.using: composite``): their steps run inside the job with a
scope of their own (inputs, env, action_path), nested up to GitHub's depth limit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from conveyor.actions.base import ActionRef
from conveyor.actions.manifest import Manifest, ManifestError, composite_steps
from conveyor.engine.scope import Origin, Scope, StepFailed
from conveyor.executors.base import CancelToken
from conveyor.executors.watchdog import WATCHDOG

if TYPE_CHECKING:
    from conveyor.engine.stepkind import JobContext

MAX_COMPOSITE_DEPTH = 9  # actions/runner ActionManager: "exceeded max depth 9"
_DEPTH = threading.local()  # composite nesting of the job running in this thread


def run_composite(
    runner: JobContext,
    manifest: Manifest,
    action_dir: Path,
    ref: ActionRef,
    inputs: dict[str, str],
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
    origin: Origin | None = None,
) -> tuple[str, dict[str, str]]:
    """``origin``: the repository the action.yml comes from (what its own ``$/`` names)."""
    try:
        steps = composite_steps(manifest)
    except ManifestError as e:
        raise StepFailed(str(e)) from None
    inner = Scope(
        inputs=dict(inputs),
        action_path=str(runner.executor.job_path(action_dir)),
        composite=True,
        action_repository=f"{ref.owner}/{ref.repo}" if ref.owner else "",
        action_ref=ref.ref,
        env={**env, "GITHUB_ACTION_PATH": str(runner.executor.job_path(action_dir))},
        origin=origin if origin is not None else scope.origin,
    )
    if runner.cancel.is_set():
        inner.status = "cancelled"
    depth = getattr(_DEPTH, "value", 0)
    if depth >= MAX_COMPOSITE_DEPTH:
        raise StepFailed(
            f"'{ref.raw}': composite action depth exceeded max depth {MAX_COMPOSITE_DEPTH}, "
            "please simplify your actions (does an action use itself?)"
        )
    # the inner steps get a cancel token of their own: a step timeout stops them without
    # cancelling the job, while cancelling the job still reaches them
    job_token = runner.cancel
    step_token = CancelToken(job_token)
    timer = None
    timed_out: list[bool] = []
    if timeout:

        def on_timeout() -> None:
            timed_out.append(True)
            step_token.set("step timeout")

        timer = WATCHDOG.schedule(timeout, on_timeout)
    runner.cancel = step_token
    _DEPTH.value = depth + 1
    try:
        for s in steps:
            runner.run_step(s, inner)
    finally:
        _DEPTH.value = depth
        runner.cancel = job_token
        if timer is not None:
            WATCHDOG.cancel(timer)
        if step_token.is_set() and not timed_out and not job_token.is_set():
            job_token.set(step_token.reason)  # e.g. the job's own timeout fired meanwhile
    outputs: dict[str, str] = {}
    for name, meta in manifest.outputs.items():
        value = meta.get("value") if isinstance(meta, dict) else None
        if value is not None:
            outputs[name] = runner.evaluate_str(value, inner)
    if timed_out:
        minutes = (timeout or 0) / 60
        runner.out.info(f"Error: The action has timed out after {minutes:g} minutes.", "error")
        return "failure", outputs
    status = {"success": "success", "failure": "failure", "cancelled": "cancelled"}
    return status.get(inner.status, "failure"), outputs
