"""Planning: a pure function from workflows and an event to what will run.

The plan holds the job DAG of each triggered workflow, in topological stages,
with matrices expanded when they are static. A matrix built from an expression
(e.g. ``fromJSON(needs.setup.outputs.matrix)``) is expanded by the engine once
the jobs it needs have finished.
"""

from __future__ import annotations

from pathlib import Path

from conveyor.records import field, record
from conveyor.workflow.errors import WorkflowError
from conveyor.workflow.model import Job, Workflow, holds_expression

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.workflow.event import Event


@record(slots=True)
class PlannedJob:
    key: str  # job id in the YAML
    job: Job
    needs: list[str]
    # expanded combinations; None when the job has no matrix; [] never happens
    matrix: list[dict[str, Any]] | None = None
    matrix_dynamic: bool = False  # matrix comes from an expression evaluated at run time


@record(slots=True)
class WorkflowPlan:
    workflow: Workflow
    jobs: dict[str, PlannedJob]
    stages: list[list[str]]  # job keys in topological levels

    @property
    def file(self) -> str:
        return self.workflow.path


@record(slots=True)
class Plan:
    event: Event
    workflows: list[WorkflowPlan] = field(default_factory=list)
    not_triggered: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def stages(jobs: dict[str, list[str]]) -> list[list[str]]:
    """Topological levels (Kahn), keeping YAML order inside a level; cycles raise."""
    remaining = dict(jobs)
    done: set[str] = set()
    levels: list[list[str]] = []
    while remaining:
        level = [k for k, needs in remaining.items() if all(n in done for n in needs)]
        if not level:
            cycle = " -> ".join([*remaining, next(iter(remaining))])
            raise WorkflowError(f"jobs depend on each other in a cycle: {cycle}", kind="job-needs")
        levels.append(level)
        done.update(level)
        for k in level:
            del remaining[k]
    return levels


def plan_workflow(
    workflow: Workflow,
    *,
    only_job: str | None = None,
    matrix_filter: dict[str, str] | None = None,
) -> WorkflowPlan:
    """Expand static matrices and order the jobs; ``only_job`` keeps it and what it needs."""
    keys = list(workflow.jobs)
    if only_job is not None:
        if only_job not in workflow.jobs:
            raise WorkflowError(
                f"job '{only_job}' not found in {workflow.path}; jobs are: {', '.join(keys)}",
                workflow.pos,
                kind="job",
            )
        wanted: set[str] = set()
        todo = [only_job]
        while todo:
            k = todo.pop()
            if k not in wanted:
                wanted.add(k)
                todo.extend(workflow.jobs[k].needs)
        keys = [k for k in keys if k in wanted]
    planned: dict[str, PlannedJob] = {}
    for key in keys:
        job = workflow.jobs[key]
        pj = PlannedJob(key=key, job=job, needs=list(job.needs))
        matrix = job.strategy.matrix if job.strategy else None
        if job.strategy is not None and job.strategy.expression is not None:
            pj.matrix_dynamic = True  # the whole strategy is known only when the job starts
        elif matrix is not None:
            if holds_expression(matrix):
                pj.matrix_dynamic = True
            else:
                from conveyor.workflow.matrix import expand_matrix

                try:
                    pj.matrix = expand_matrix(matrix)
                except Exception as e:  # MatrixError, with the job's position
                    pos = job.strategy.pos if job.strategy else job.pos
                    raise WorkflowError(f"jobs.{key}.strategy.matrix: {e}", pos, "matrix") from e
                if matrix_filter:
                    pj.matrix = filter_matrix(pj.matrix, matrix_filter)
        planned[key] = pj
    levels = stages({k: [n for n in p.needs if n in planned] for k, p in planned.items()})
    return WorkflowPlan(workflow=workflow, jobs=planned, stages=levels)


def filter_matrix(combos: list[dict[str, Any]], wanted: dict[str, str]) -> list[dict[str, Any]]:
    """``--matrix K:V``: keep combinations whose K, printed, equals V (keys missing are kept)."""
    from conveyor.expr import to_string

    return [c for c in combos if all(k not in c or to_string(c[k]) == v for k, v in wanted.items())]


def plan(
    workflows: list[Workflow],
    event: Event,
    repo: Path,
    *,
    only_job: str | None = None,
    matrix_filter: dict[str, str] | None = None,
    ignore_filters: bool = False,
) -> Plan:
    """Which workflows this event triggers, and each one's job plan. With
    ``ignore_filters`` a workflow that listens to the event runs whatever its filters say
    (``conveyor run --ignore-filters``)."""
    from conveyor.workflow.triggers import match_trigger

    result = Plan(event=event)
    for wf in workflows:
        decision = match_trigger(wf.on, event, repo)
        if not decision.triggered and not (ignore_filters and event.name in wf.on):
            result.not_triggered.append((wf.path, decision.reason))
            continue
        if only_job is not None and only_job not in wf.jobs:
            result.not_triggered.append((wf.path, f"has no job '{only_job}'"))
            continue
        result.workflows.append(plan_workflow(wf, only_job=only_job, matrix_filter=matrix_filter))
    return result
