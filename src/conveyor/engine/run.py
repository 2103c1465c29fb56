"""Running a whole plan: every triggered workflow, in parallel, into one RunReport."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from conveyor import jsontext
from conveyor.engine.context import github_context
from conveyor.engine.report import Conclusion, RunReport, WorkflowReport, combine
from conveyor.engine.runenv import RunEnv
from conveyor.engine.scheduler import WorkflowRunner
from conveyor.executors.base import CancelToken
from conveyor.records import replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.workflow.model import Workflow
    from conveyor.workflow.plan import Plan, WorkflowPlan


def execute(plan: Plan, run: RunEnv) -> RunReport:
    report = RunReport(
        run_id=run.run_id,
        event=plan.event.name,
        started=time.time(),
        not_triggered=list(plan.not_triggered),
    )
    start = time.monotonic()
    results: list[WorkflowReport | None] = [None] * len(plan.workflows)

    def one(i: int, wplan: WorkflowPlan) -> None:
        wf = wplan.workflow
        event, event_path, inputs = plan.event, run.event_path, run.inputs
        extra: dict[str, Any] = {}
        if wf.path in run.inputs_by_file:
            inputs = run.inputs_by_file[wf.path]
            extra["inputs"] = run.event_inputs_by_file.get(wf.path, {})
        cron = _schedule_cron(wf) if event.name == "schedule" else None
        if cron is not None and not event.payload.get("schedule"):
            extra["schedule"] = cron  # github.event.schedule: the cron that fired
        if extra:
            event = replace(event, payload={**event.payload, **extra})
            if len(plan.workflows) > 1:  # each workflow its own GITHUB_EVENT_PATH
                event_path = run.run_dir / f"event-{i + 1}.json"
            event_path.write_text(jsontext.dumps(event.payload, indent=2), encoding="utf-8")
        github = github_context(
            run.repo,
            event,
            workflow_name=wf.display_name,
            workflow_file=wf.path,
            run_id=run.run_id,
            run_number=run.run_number,
            event_path=event_path,
            token=run.secrets.get("GITHUB_TOKEN", ""),
        )
        cancel = CancelToken(run.cancel)
        release = _workflow_concurrency(wf, github, inputs, run, cancel)
        try:
            if cancel.is_set():  # replaced while pending in its concurrency group
                results[i] = WorkflowReport(wf.display_name, wf.path, conclusion="cancelled")
            else:
                runner = WorkflowRunner(run, wplan, github=github, inputs=inputs, cancel=cancel)
                results[i] = runner.execute()
        finally:
            release()

    if len(plan.workflows) == 1:
        one(0, plan.workflows[0])
    else:
        threads = [
            threading.Thread(target=one, args=(i, w), daemon=True)
            for i, w in enumerate(plan.workflows)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    report.workflows = [w for w in results if w is not None]
    conclusions: list[Conclusion] = [w.conclusion for w in report.workflows]
    report.conclusion = combine(conclusions) if conclusions else "skipped"
    if run.cancel.is_set():
        report.conclusion = "cancelled"
    report.duration = time.monotonic() - start
    return report


def _schedule_cron(wf: Workflow) -> str | None:
    """The first ``on.schedule`` cron: a local schedule run stands for that one (GitHub starts
    one run per cron, each with its cron in ``github.event.schedule``)."""
    raw = wf.on.get("schedule")
    # normalised as {"cron": [...], "entries": [{"cron": ...}]}; a plain list is accepted too
    items = raw if isinstance(raw, list) else (raw or {}).get("entries") or []
    for item in items:
        if isinstance(item, dict) and item.get("cron"):
            return str(item["cron"])
    return None


def _workflow_concurrency(
    wf: Workflow,
    github: dict[str, Any],
    inputs: dict[str, Any],
    run: RunEnv,
    cancel: CancelToken,
) -> Callable[[], None]:
    """Workflow-level ``concurrency`` (contexts: github, inputs, vars), in the same group
    namespace as jobs', as on GitHub."""
    if not wf.concurrency:
        return lambda: None
    from conveyor.expr import EvalContext, evaluate_value, to_string, truthy

    ctx = EvalContext(contexts={"github": github, "inputs": inputs, "vars": run.vars})
    value = evaluate_value(wf.concurrency, ctx)
    if isinstance(value, dict):
        group = to_string(value.get("group", ""))
        cancel_in_progress = truthy(value.get("cancel-in-progress", False))
    else:
        group, cancel_in_progress = to_string(value), False
    if not group:
        return lambda: None
    return run.concurrency_groups().acquire(group, cancel_in_progress, cancel)
