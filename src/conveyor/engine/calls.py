"""Calling a reusable workflow: ``jobs.<id>.uses`` with ``with``, ``secrets`` and outputs."""

from __future__ import annotations

import re

from conveyor.engine.report import JobReport, WorkflowReport
from conveyor.engine.scope import Origin
from conveyor.executors.base import CancelToken
from conveyor.workflow.selfref import is_self_ref, self_ref_path, uses_climbs_out

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from conveyor.engine.runenv import RunEnv
    from conveyor.workflow.model import Workflow
    from conveyor.workflow.plan import PlannedJob, WorkflowPlan
else:
    Protocol = object

MAX_DEPTH = 10  # GitHub allows ten levels of nested reusable workflows


class CallError(Exception):
    pass


# compiled on first use (re caches it), not by every start-up's import
_SAFE = r"[^A-Za-z0-9_.-]+"


def safe_name(name: str) -> str:
    """A job's display name as a file name."""
    return re.sub(_SAFE, "-", name)


class Caller(Protocol):
    """The workflow run a call is made from (``scheduler.WorkflowRunner``)."""

    run: RunEnv
    github: dict[str, Any]
    secrets: dict[str, str]
    label: str
    log_prefix: str
    origin: Origin  # the repository of the calling workflow's file

    def _eval_ctx(
        self, pj: PlannedJob, status: str, matrix: dict[str, Any] | None = None
    ) -> Any: ...

    def nested(
        self,
        wplan: WorkflowPlan,
        *,
        inputs: dict[str, Any],
        secrets: dict[str, str],
        cancel: CancelToken,
        label: str,
        log_prefix: str,
        origin: Origin,
    ) -> tuple[WorkflowReport, dict[str, Any]]:
        """Run a called workflow's jobs; its report and its ``jobs`` context."""
        ...


def load_called(wr: Caller, uses: str) -> tuple[Workflow, Origin]:
    """The called workflow, and the repository it comes from (what its ``$/`` names)."""
    from conveyor.workflow.loader import load_workflow

    run = wr.run
    uses = uses.strip()
    origin = Origin()
    if uses_climbs_out(uses):
        raise CallError(f"'{uses}' climbs out of its repository with '..'")
    if uses.startswith("./"):
        root = run.repo.root
        path = root / uses[2:]
    elif is_self_ref(uses):
        # the caller's own repository at the running commit (see engine.selfrepo)
        from conveyor.engine.selfrepo import SelfRefError, self_root

        origin = wr.origin
        try:
            root = self_root(run, origin)
            path = root / self_ref_path(uses)
        except ValueError as e:
            raise CallError(f"'{uses}' is not a valid reusable workflow reference: {e}") from None
        except SelfRefError as e:
            raise CallError(str(e)) from None
    else:
        from conveyor.actions.remote import FetchError
        from conveyor.engine.selfrepo import origin_of_remote

        repo_part, _, ref = uses.partition("@")
        parts = repo_part.split("/", 2)
        if len(parts) < 3 or not ref:
            raise CallError(
                f"'{uses}' is not a reusable workflow reference: use "
                "'./.github/workflows/x.yml', '$/.github/workflows/x.yml' or "
                "'owner/repo/.github/workflows/x.yml@ref'"
            )
        try:
            root = run.fetch(parts[0], parts[1], ref, what="workflow")
        except FetchError as e:
            raise CallError(str(e)) from None
        path = root / parts[2]
        origin = origin_of_remote(parts[0], parts[1], root)
    if not path.is_file():
        raise CallError(f"reusable workflow '{uses}' not found at {path}")
    wf = load_workflow(path, root)
    if "workflow_call" not in wf.on:
        raise CallError(f"'{uses}' is not a reusable workflow: its 'on' has no 'workflow_call'")
    return wf, origin


def run_call(
    wr: Caller,
    pj: PlannedJob,
    combo: dict[str, Any] | None,
    name: str,
    cancel: CancelToken,
) -> JobReport:
    """One combination of a job that calls a reusable workflow; its jobs nest in the report."""
    from conveyor.expr import evaluate_value, to_string
    from conveyor.workflow.inputs import InputError, resolve_call_inputs
    from conveyor.workflow.plan import plan_workflow

    rep = JobReport(id=pj.key, name=name, matrix=combo)
    try:
        if wr.label.count(" / ") >= MAX_DEPTH:
            raise CallError(f"reusable workflows nest deeper than {MAX_DEPTH} levels")
        wf, origin = load_called(wr, pj.job.uses or "")
        ctx = wr._eval_ctx(pj, "success", combo)
        given = evaluate_value(dict(pj.job.with_), ctx)
        spec = (wf.on.get("workflow_call") or {}).get("inputs") or {}
        inputs = resolve_call_inputs(spec, given)
        raw_secrets = pj.job.secrets
        if raw_secrets == "inherit":
            secrets = dict(wr.secrets)
        else:
            mapping = raw_secrets if isinstance(raw_secrets, dict) else {}
            secrets = {k: to_string(evaluate_value(v, ctx)) for k, v in mapping.items()}
            if "GITHUB_TOKEN" in wr.secrets:
                secrets.setdefault("GITHUB_TOKEN", wr.secrets["GITHUB_TOKEN"])
        sub_report, jobs_ctx = wr.nested(
            plan_workflow(wf),
            inputs=inputs,
            secrets=secrets,
            cancel=cancel,
            label=f"{wr.label}{name} / ",
            log_prefix=wr.run.unique_name(f"{wr.log_prefix}-{safe_name(name)}"),
            origin=origin,
        )
    except Exception as e:
        from conveyor.workflow.errors import WorkflowError, WorkflowErrors

        if not isinstance(e, CallError | WorkflowError | WorkflowErrors | ValueError | InputError):
            raise
        message = wr.run.masker.mask(str(e))
        wr.run.message(f"[{wr.label}{name}] Error: {message}")
        rep.conclusion, rep.error = "failure", message
        return rep
    rep.jobs = sub_report.jobs
    rep.conclusion = sub_report.conclusion
    rep.duration = sub_report.duration
    out_spec = (wf.on.get("workflow_call") or {}).get("outputs") or {}
    for out_name, meta in out_spec.items():
        value = (meta or {}).get("value")
        if value is None:
            continue
        from conveyor.expr import EvalContext

        octx = EvalContext(
            contexts={"jobs": jobs_ctx, "github": wr.github, "inputs": inputs, "vars": wr.run.vars}
        )
        rep.outputs[out_name] = to_string(evaluate_value(value, octx))
    return rep
