"""The rolling strategy: ``helm upgrade`` in place, then verify; on failure ``helm
rollback`` to the last good revision and verify that too."""

from __future__ import annotations

import time

from conveyor.deploy import helm
from conveyor.deploy.checks import run_checks
from conveyor.deploy.kube import workloads
from conveyor.deploy.model import Failure, Log, Outcome, Target, checks_for
from conveyor.deploy.verify import Verifier


def verify_release(
    target: Target,
    revision: int,
    deadline: float,
    log: Log,
    release: str = "",
    restoring: bool = False,
) -> Failure | None:
    """Every workload of the release's ``revision`` rolled out and its pods Ready."""
    found = workloads(helm.manifest(target, release or target.release, revision), target.namespace)
    log(f"verifying {', '.join(map(str, found)) or 'a release with no workloads'}")
    verifier = Verifier(target.api, target.namespace, target.env.ready_within, log, restoring)
    return verifier.wait(found, deadline)


def check(target: Target, revision: int, deadline: float, log: Log, phase: str) -> Failure | None:
    env = {**target.checks_env, "CONVEYOR_REVISION": str(revision)}
    return run_checks(checks_for(target.env, phase), target.root, env, deadline, log, phase)


class Rolling:
    name = "rolling"

    def deploy(self, target: Target, log: Log) -> Outcome:
        started = time.monotonic()
        deadline = started + target.timeout
        log(f"helm upgrade --install {target.release} {target.chart} in {target.namespace}")
        revision = helm.upgrade(target)
        log(f"revision {revision} applied")
        failure = verify_release(target, revision, deadline, log) or check(
            target, revision, deadline, log, "verify"
        )
        now = time.monotonic()
        if failure is None:
            log(f"revision {revision} is serving")
            return Outcome("deployed", revision, revision, deploy_seconds=now - started)
        return restore(target, revision, failure, started, now, log)

    def rollback(self, target: Target, to: int | None, log: Log) -> Outcome:
        started = time.monotonic()
        current = helm.latest_revision(target)
        goal = to or target.last_good
        if not goal:
            return Outcome("failed", reason="no earlier revision to roll back to")
        log(f"helm rollback {target.release} {goal}")
        serving = helm.rollback(target, goal)
        failure = verify_release(target, serving, started + target.timeout, log)
        took = time.monotonic() - started
        if failure is not None:
            return Outcome("failed", serving, serving, goal, failure.reason, failure,
                           restore_seconds=took)  # fmt: skip
        return Outcome(
            "rolled-back", serving, serving, goal, f"rolled back from revision {current}",
            restore_seconds=took, details={"rolled_back_from": current},
        )  # fmt: skip


def restore(
    target: Target, revision: int, failure: Failure, started: float, detected: float, log: Log
) -> Outcome:
    """After a failed verification: the last good revision again, verified."""
    log(f"revision {revision} failed: {failure.reason}")
    for event in failure.events:
        log(f"  event {event}")
    outcome = Outcome(
        "failed", revision, revision, reason=failure.reason, failure=failure,
        deploy_seconds=detected - started, detect_seconds=detected - started,
    )  # fmt: skip
    if not target.last_good:
        log("no earlier good revision to roll back to: the release stays as it is")
        return outcome
    log(f"rolling back to revision {target.last_good}")
    serving = helm.rollback(target, target.last_good)
    again = verify_release(target, serving, time.monotonic() + target.timeout, log, restoring=True)
    outcome.restore_seconds = time.monotonic() - detected
    outcome.serving = serving
    if again is not None:
        outcome.reason += (
            f"; the rollback to revision {target.last_good} failed too: {again.reason}"
        )
        return outcome
    outcome.result = "rolled-back"
    outcome.rolled_back_to = target.last_good
    log(
        f"revision {target.last_good} is serving again (as revision {serving}): failure "
        f"detected {outcome.detect_seconds:.1f}s after the apply, restored in "
        f"{outcome.restore_seconds:.1f}s"
    )
    return outcome
