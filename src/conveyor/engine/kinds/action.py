"""``uses:`` steps: the reference resolved to its kind (built-in, composite, JavaScript or
Docker container action), the action's inputs, and the job set-up of remote and ``$/`` actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conveyor.actions.base import ActionRef, parse_uses
from conveyor.actions.manifest import ManifestError, load_manifest
from conveyor.engine.scope import Origin, StepFailed
from conveyor.executors.base import CancelToken
from conveyor.records import replace

if TYPE_CHECKING:
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.workflow.model import Step


def _fail(message: str) -> Exception:
    return StepFailed(message)


def pre(runner: JobContext, step: Step, scope: Scope) -> None:
    """A remote action is fetched at job set-up, and a JavaScript action's ``pre`` or a
    Docker action's ``pre-entrypoint`` runs then (see ``prepare_job``)."""


def main(
    runner: JobContext,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    try:
        ref = parse_uses(step.uses or "")
    except ValueError as e:
        raise _fail(str(e)) from None
    if ref.kind == "docker":
        from conveyor.engine.kinds.docker import run_image

        return run_image(runner, ref, step, scope, env, timeout, token)
    # a composite's own `$/` names the repository its action.yml comes from; one reached
    # through `./` (a path in the workspace) is taken to share the referencing file's
    origin = scope.origin
    if ref.kind == "remote":
        from conveyor.actions.builtin import lookup

        module = lookup(ref)
        if module is not None:
            from conveyor.engine.kinds.builtin import run_builtin

            return run_builtin(runner, module, ref, step, scope, env, timeout, token)
        from conveyor.engine.selfrepo import origin_of_remote

        root = remote_root(runner, ref)
        action_dir = root / ref.path if ref.path else root
        origin = origin_of_remote(ref.owner, ref.repo, root)
    elif ref.kind == "self":
        ref, action_dir = self_action_dir(runner, ref, origin)
    else:
        action_dir = runner.executor.host_path(runner.paths.workspace / ref.path)
    try:
        manifest = load_manifest(action_dir, ref.raw)
    except ManifestError as e:
        raise _fail(str(e)) from None
    from conveyor.engine.kinds.inputs import action_inputs

    inputs = action_inputs(runner, manifest.inputs, step, scope, ref.raw)
    using = manifest.using
    if using == "composite":
        from conveyor.engine.kinds.composite import run_composite

        return run_composite(
            runner, manifest, action_dir, ref, inputs, scope, env, timeout, token, origin
        )
    if using.startswith("node") and using[4:].isdigit():
        from conveyor.engine.kinds.javascript import run_node

        return run_node(runner, manifest, action_dir, ref, inputs, step, scope, env, timeout, token)
    if using == "docker":
        from conveyor.engine.kinds.docker import run_action

        return run_action(
            runner, manifest, action_dir, ref, inputs, step, scope, env, timeout, token
        )
    raise _fail(
        f"'{ref.raw}': runs.using '{manifest.runs.get('using')}' is not supported, use "
        "'composite', 'docker', 'node12', 'node16', 'node20' or 'node24' instead"
    )


def remote_action_dir(runner: JobContext, ref: ActionRef) -> Path:
    """The directory of a remote action, fetched (or taken from the cache) by commit."""
    root = remote_root(runner, ref)
    return root / ref.path if ref.path else root


def remote_root(runner: JobContext, ref: ActionRef) -> Path:
    """The remote action's whole repository at the commit its ``@ref`` names."""
    from conveyor.actions.remote import FetchError

    try:
        return runner.run.fetch(
            ref.owner, ref.repo, ref.ref, warn=lambda message: runner.out.info(message, "warning")
        )
    except FetchError as e:
        raise _fail(str(e)) from None


def self_action_dir(runner: JobContext, ref: ActionRef, origin: Origin) -> tuple[ActionRef, Path]:
    """A ``$/path`` action: the reference with the repository and commit it resolved to
    (github.action_repository / action_ref), and its directory. See engine.selfrepo."""
    from conveyor.engine.selfrepo import SelfRefError, origin_name, self_root

    run = runner.run
    try:
        root = self_root(run, origin, warn=lambda message: runner.out.info(message, "warning"))
    except SelfRefError as e:
        raise _fail(f"'{ref.raw}': {e}") from None
    repository, sha = origin_name(run, origin)
    owner, _, name = repository.partition("/")
    return replace(ref, owner=owner, repo=name, ref=sha), root / ref.path


def prepare_job(runner: JobContext, scope: Scope) -> None:
    """Set up the job's remote actions as the runner does before step 1: fetch each one
    (a missing action fails the job here) and run the ``pre`` of JavaScript actions and
    the ``pre-entrypoint`` of Docker actions."""
    from conveyor.actions.builtin import lookup
    from conveyor.engine.kinds import docker
    from conveyor.engine.kinds.javascript import NODE_RUNTIMES, run_pre

    for step in runner.job.steps:
        if not step.uses:
            continue
        try:
            ref = parse_uses(step.uses)
        except ValueError:
            continue  # reported when the step runs
        if ref.kind == "self":  # in the repository already: no download, but its `pre` runs
            ref, action_dir = self_action_dir(runner, ref, scope.origin)
        elif ref.kind != "remote" or lookup(ref) is not None:
            continue
        else:
            action_dir = remote_action_dir(runner, ref)
        try:
            manifest = load_manifest(action_dir, ref.raw)
        except ManifestError:
            continue  # reported when the step runs
        if manifest.using in NODE_RUNTIMES and manifest.runs.get("pre"):
            run_pre(runner, manifest, action_dir, ref, step, scope)
        elif manifest.using == "docker" and manifest.runs.get("pre-entrypoint"):
            docker.run_pre(runner, manifest, action_dir, ref, step, scope)
