"""Running a whole plan: every triggered workflow, in parallel, into one RunReport."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from conveyor.engine.concurrency import ConcurrencyGroups
from conveyor.engine.context import github_context
from conveyor.engine.report import Conclusion, RunReport, WorkflowReport, combine
from conveyor.engine.runenv import RunEnv
from conveyor.engine.scheduler import WorkflowRunner

if TYPE_CHECKING:
    from conveyor.workflow.plan import Plan, WorkflowPlan


def execute(plan: Plan, run: RunEnv) -> RunReport:
    report = RunReport(run_id=run.run_id, event=plan.event.name, started=time.time())
    start = time.monotonic()
    groups = ConcurrencyGroups()
    results: list[WorkflowReport | None] = [None] * len(plan.workflows)

    def one(i: int, wplan: WorkflowPlan) -> None:
        wf = wplan.workflow
        github = github_context(
            run.repo,
            plan.event,
            workflow_name=wf.display_name,
            workflow_file=wf.path,
            run_id=run.run_id,
            run_number=run.run_number,
            event_path=run.event_path,
            token=run.secrets.get("GITHUB_TOKEN", ""),
        )
        runner = WorkflowRunner(run, wplan, github=github, inputs=run.inputs, groups=groups)
        results[i] = runner.execute()

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
