"""An action's inputs: ``with:`` evaluated, the manifest's defaults filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conveyor.engine.scope import StepFailed

if TYPE_CHECKING:
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.workflow.model import Step


def action_inputs(
    runner: JobContext, spec: dict[str, dict[str, Any]], step: Step, scope: Scope, label: str
) -> dict[str, str]:
    """`with:` evaluated, defaults filled (defaults may hold expressions), keys lower-cased."""
    with_ = step.with_
    if isinstance(with_, str):  # `with: ${{ fromJSON(...) }}`
        with_ = runner.evaluate(with_, scope)
        if not isinstance(with_, dict):
            raise StepFailed(f"with must evaluate to a mapping, got {type(with_).__name__}")
    given = {str(k).lower(): v for k, v in with_.items()}
    known = {k.lower() for k in spec}
    inputs: dict[str, str] = {}
    for key, value in given.items():
        if spec and key not in known:
            runner.out.info(
                f"Warning: Unexpected input(s) '{key}', valid inputs are "
                f"[{', '.join(repr(k) for k in spec)}]",
                "warning",
            )
        inputs[key] = runner.evaluate_str(value, scope)
    for name, meta in spec.items():
        key = name.lower()
        if key in inputs:
            continue
        default = meta.get("default") if isinstance(meta, dict) else None
        if default is not None:
            inputs[key] = runner.evaluate_str(default, scope)
        elif isinstance(meta, dict) and meta.get("required") is True:
            runner.out.info(f"Warning: Input required and not supplied: {name}", "warning")
    return inputs
