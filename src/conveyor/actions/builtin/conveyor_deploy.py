"""conveyor/deploy: ``conveyor deploy`` as a workflow step.

Inputs: ``environment`` (declared in .conveyor.yml), ``chart``, ``release``, ``namespace``,
``image`` (recorded with the deploy; its digest too when this run pushed it),
``image-value`` (the Helm value that receives ``image``), ``values`` and ``set`` (one a
line), ``strategy`` (rolling | blue-green), ``kubeconfig`` (content or path; default
$KUBECONFIG), ``timeout`` (seconds). Outputs: ``revision`` and ``result`` (deployed,
rolled-back, failed). The step fails unless the result is ``deployed``. Helm runs on the
machine that runs Conveyor.
"""

from __future__ import annotations

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.pushed import pushed_images

INPUTS: dict[str, dict[str, str]] = {
    name: {"default": ""}
    for name in ("environment", "chart", "release", "namespace", "image", "image-value",
                 "values", "set", "strategy", "kubeconfig", "timeout")
}  # fmt: skip
INPUTS["timeout"] = {"default": "300"}


def main(call: ActionCall) -> None:
    from conveyor.config.load import load_config
    from conveyor.deploy.model import DeployError
    from conveyor.deploy.run import DeployRequest, deploy, environment
    from conveyor.workflow.errors import WorkflowErrors

    name = call.input("environment").strip()
    if not name:
        raise ActionFailed("Input required and not supplied: environment")
    try:
        settings = load_config(call.repo_root)
    except WorkflowErrors as e:
        raise ActionFailed(f"Conveyor's configuration is not valid:\n{e}") from None
    image = call.input("image").strip()
    strategy = call.input("strategy").strip()
    if strategy and strategy not in ("rolling", "blue-green"):
        raise ActionFailed(f"Input 'strategy' must be rolling or blue-green, got '{strategy}'")
    try:
        timeout = float(call.input("timeout", "300"))
    except ValueError:
        raise ActionFailed(f"Input 'timeout' must be a number of seconds, got "
                           f"'{call.input('timeout')}'") from None  # fmt: skip
    sets: dict[str, str] = {}
    for line in call.list_input("set"):
        key, eq, value = line.partition("=")
        if not eq or not key.strip():
            raise ActionFailed(f"Input 'set': '{line}' is not key=value")
        sets[key.strip()] = value
    run_id = call.github.get("run_id")
    request = DeployRequest(
        root=call.workspace if (call.workspace / ".git").exists() else call.repo_root,
        environment=name,
        image=image,
        chart=call.input("chart").strip(),
        release=call.input("release").strip(),
        namespace=call.input("namespace").strip(),
        values=call.list_input("values"),
        sets=sets,
        image_value=call.inputs.get("image-value", "").strip() or None,
        strategy=strategy,
        kubeconfig=call.input("kubeconfig") or call.env.get("KUBECONFIG", ""),
        timeout=timeout,
        digest=_digest(call, image),
        sha=str(call.github.get("sha") or ""),
        run_id=int(str(run_id)) if str(run_id or "").isdigit() else None,
        trigger="workflow",
        data_dir=call.run_dir.parent.parent,  # the run's store: <data>/runs/<id>
    )
    try:
        env = environment(settings.environments, name, settings.files)
        outcome = deploy(request, env, call.log)
    except DeployError as e:
        call.outputs["result"] = "failed"
        raise ActionFailed(str(e)) from None
    call.outputs["revision"] = str(outcome.revision)
    call.outputs["result"] = outcome.result
    if outcome.result != "deployed":
        serving = f"; revision {outcome.serving} serves" if outcome.serving else ""
        raise ActionFailed(f"deploy to {name} {outcome.result}: {outcome.reason}{serving}")


def _digest(call: ActionCall, image: str) -> str:
    """The digest this run pushed ``image`` with, if it did (a digest written in the
    reference is read by the deploy itself)."""
    found = [i for i in pushed_images(call.run_dir) if i.get("image") == image]
    return str(found[-1].get("digest") or "") if found else ""
