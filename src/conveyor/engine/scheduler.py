"""Running a workflow plan: the needs DAG, matrices, fail-fast, max-parallel, job `if`,
job-level continue-on-error, concurrency groups, reusable workflow calls."""

from __future__ import annotations

import re
import threading
import time
from _queue import SimpleQueue  # queue.py's own, without queue.py's imports
from collections import deque

from conveyor.engine import strategy
from conveyor.engine.job import JobRunner
from conveyor.engine.report import Conclusion, JobReport, WorkflowReport, combine
from conveyor.engine.request import JobRequest
from conveyor.engine.runenv import RunEnv
from conveyor.engine.scope import Origin
from conveyor.executors.base import CancelToken
from conveyor.records import field, record
from conveyor.workflow.plan import PlannedJob, WorkflowPlan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record(slots=True)
class NodeResult:
    """A job of the DAG after it ran, all matrix combinations folded into one."""

    result: Conclusion  # what needs.<id>.result says
    outputs: dict[str, str] = field(default_factory=dict)
    reports: list[JobReport] = field(default_factory=list)
    failed: bool = False  # counts against the workflow's conclusion


def merge_outputs(reports: list[JobReport]) -> dict[str, str]:
    """A matrix job's outputs: "combined from all jobs inside the matrix" (docs "Using Job
    Outputs in a Matrix Job"); for each name the last combination to complete that actually
    set a value wins, so an empty value never hides another combination's."""
    outputs: dict[str, str] = {}
    for rep in reports:
        for name, value in rep.outputs.items():
            if value != "" or name not in outputs:
                outputs[name] = value
    return outputs


# compiled on first use (re caches it), not by every start-up's import
_SAFE = r"[^A-Za-z0-9_.-]+"


class WorkflowRunner:
    def __init__(
        self,
        run: RunEnv,
        wplan: WorkflowPlan,
        *,
        github: dict[str, Any],
        inputs: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        cancel: CancelToken | None = None,
        label: str = "",
        log_prefix: str = "",
        origin: Origin | None = None,
    ) -> None:
        self.run = run
        self.origin = origin or Origin()  # the workflow file's repository, for `$/`
        self.plan = wplan
        self.github = github
        self.inputs = inputs or {}
        self.secrets = secrets if secrets is not None else run.secrets
        self.secrets_ref = "" if secrets is None else run.add_secret_set(secrets)
        self.cancel = cancel or CancelToken(run.cancel)
        self.label = label
        self.log_prefix = log_prefix or re.sub(_SAFE, "-", wplan.file.rsplit("/", 1)[-1])
        self.results: dict[str, NodeResult] = {}

    def execute(self) -> WorkflowReport:
        wf = self.plan.workflow
        report = WorkflowReport(name=wf.display_name, file=wf.path)
        start = time.monotonic()
        self._run_dag([k for level in self.plan.stages for k in level])
        for key in self.plan.jobs:
            if key in self.results:
                report.jobs.extend(self.results[key].reports)
        conclusions: list[Conclusion] = []
        for r in self.results.values():
            if r.failed:
                conclusions.append("failure")
            elif r.result == "cancelled":
                conclusions.append("cancelled")
            elif r.result == "skipped":
                conclusions.append("skipped")
            else:
                conclusions.append("success")
        report.conclusion = combine(conclusions)
        if report.conclusion == "skipped" and conclusions:
            report.conclusion = "success" if not self.cancel.is_set() else "cancelled"
        report.duration = time.monotonic() - start
        return report

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
        """A called workflow's jobs, run like this workflow's (``calls.Caller``)."""
        sub = WorkflowRunner(
            self.run,
            wplan,
            github=self.github,
            inputs=inputs,
            secrets=secrets,
            cancel=cancel,
            label=label,
            log_prefix=log_prefix,
            origin=origin,
        )
        report = sub.execute()
        jobs = {k: {"result": r.result, "outputs": r.outputs} for k, r in sub.results.items()}
        return report, jobs

    def _run_dag(self, pending: list[str]) -> None:
        """Start every job whose needs are done, at most ``run.capacity`` at a time; a lone
        ready job runs on this thread. Linear in jobs and needs: each finished job only
        looks at the jobs that need it."""
        done: SimpleQueue[tuple[str, NodeResult | BaseException]] = SimpleQueue()
        jobs = self.plan.jobs
        blockers: dict[str, int] = {}
        dependents: dict[str, list[str]] = {}
        ready: deque[str] = deque()
        for key in pending:
            needs = [n for n in dict.fromkeys(jobs[key].needs) if n not in self.results]
            blockers[key] = len(needs)
            for n in needs:
                dependents.setdefault(n, []).append(key)
            if not needs:
                ready.append(key)
        cap = max(1, self.run.capacity)
        running = 0

        def work(key: str) -> None:
            try:
                done.put((key, self._run_node(jobs[key])))
            except BaseException as e:  # re-raised on the scheduling thread
                done.put((key, e))

        def finished(key: str, result: NodeResult) -> None:
            self.results[key] = result
            for dep in dependents.pop(key, ()):
                blockers[dep] -= 1
                if blockers[dep] == 0:
                    ready.append(dep)

        while ready or running:
            if len(ready) == 1 and not running:
                key = ready.popleft()
                finished(key, self._run_node(jobs[key]))
                continue
            while ready and running < cap:
                key = ready.popleft()
                threading.Thread(target=work, args=(key,), name=f"job-{key}", daemon=True).start()
                running += 1
            key, result = done.get()
            running -= 1
            if isinstance(result, BaseException):
                raise result
            finished(key, result)

    # -- one DAG node ---------------------------------------------------------------------

    def needs_context(self, pj: PlannedJob) -> dict[str, Any]:
        return {
            n: {"result": self.results[n].result, "outputs": self.results[n].outputs}
            for n in pj.needs
            if n in self.results
        }

    def _ancestors(self, pj: PlannedJob) -> list[str]:
        seen: dict[str, None] = {}
        todo = list(pj.needs)
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen[key] = None
            if key in self.plan.jobs:
                todo.extend(self.plan.jobs[key].needs)
        return list(seen)

    def _needs_status(self, pj: PlannedJob) -> str:
        """The status a job's `if` sees: success() and failure() look at every ancestor,
        not only direct needs (docs "Expressions > failure"; actions/runner#2205)."""
        if self.cancel.is_set():
            return "cancelled"
        results = [self.results[n].result for n in self._ancestors(pj) if n in self.results]
        if "failure" in results:
            return "failure"
        if "cancelled" in results:
            return "failure"
        if "skipped" in results:
            return "skipped"  # success(), failure() and cancelled() are all false
        return "success"

    def _eval_ctx(self, pj: PlannedJob, status: str, matrix: dict[str, Any] | None = None) -> Any:
        from conveyor.expr import EvalContext

        return EvalContext(
            contexts={
                "github": self.github,
                "needs": self.needs_context(pj),
                "vars": self.run.vars,
                "inputs": self.inputs,
                "matrix": matrix or {},
                "strategy": {},
                "secrets": self.secrets,
                "env": {},
                "runner": {},
                "job": {},
            },
            status=lambda: status,
        )

    def _run_node(self, pj: PlannedJob) -> NodeResult:
        status = self._needs_status(pj)
        job = pj.job
        if not job.if_ and status == "success":
            go = True  # the implicit success(), without loading the expression engine
        else:
            from conveyor.expr import evaluate_condition
            from conveyor.expr.errors import ExprError

            try:
                go = bool(evaluate_condition(job.if_ or "", self._eval_ctx(pj, status)))
            except ExprError as e:
                return self._failed_before_start(pj, f"jobs.{pj.key}.if: {e}")
        if not go:
            rep = JobReport(id=pj.key, name=job.name or pj.key, conclusion="skipped")
            if status == "cancelled":
                rep.conclusion = "cancelled"
            return NodeResult(result=rep.conclusion, reports=[rep])
        if job.strategy is None:  # one instance: no strategy or matrix to evaluate
            return self._run_matrix(pj, [None])
        from conveyor.expr.errors import ExprError

        try:
            pj = strategy.resolve(pj, lambda: self._eval_ctx(pj, "success"))
        except (ExprError, ValueError) as e:
            return self._failed_before_start(pj, f"jobs.{pj.key}.strategy: {e}")
        from conveyor.workflow.matrix import MatrixError

        try:
            combos = strategy.combinations(pj, lambda: self._eval_ctx(pj, "success"))
        except (ExprError, ValueError, MatrixError) as e:
            return self._failed_before_start(pj, f"jobs.{pj.key}.strategy.matrix: {e}")
        return self._run_matrix(pj, combos)

    def _failed_before_start(self, pj: PlannedJob, message: str) -> NodeResult:
        message = self.run.masker.mask(message)
        self.run.message(f"[{self.label}{pj.key}] Error: {message}")
        rep = JobReport(id=pj.key, name=pj.job.name or pj.key, conclusion="failure", error=message)
        return NodeResult(result="failure", reports=[rep], failed=True)

    def job_name(self, pj: PlannedJob, matrix: dict[str, Any] | None) -> str:
        raw = pj.job.name
        if raw and "${{" in raw:
            from conveyor.expr import evaluate_value, to_string

            try:
                return to_string(evaluate_value(raw, self._eval_ctx(pj, "success", matrix)))
            except Exception:
                return raw
        base = raw or pj.key
        if not matrix:
            return base
        from conveyor.workflow.matrix import job_display_name

        return job_display_name(base, matrix)

    def _run_matrix(self, pj: PlannedJob, combos: list[dict[str, Any] | None]) -> NodeResult:
        fail_fast, limit = strategy.limits(pj, lambda: self._eval_ctx(pj, "success"), len(combos))
        matrix_cancel = CancelToken(self.cancel)
        reports: list[JobReport | None] = [None] * len(combos)
        failed_flags = [False] * len(combos)
        finished: list[JobReport] = []  # in the order the combinations completed
        lock = threading.Lock()
        todo = iter(enumerate(combos))  # combinations start in order, max-parallel at once

        def worker() -> None:
            while True:
                with lock:
                    item = next(todo, None)
                if item is None:
                    return
                i, combo = item
                rep, counted_failure = self._run_instance(
                    pj, combo, i, len(combos), fail_fast, limit, matrix_cancel
                )
                with lock:
                    reports[i] = rep
                    failed_flags[i] = counted_failure
                    finished.append(rep)
                if counted_failure and fail_fast and len(combos) > 1:
                    matrix_cancel.set("fail-fast")

        workers = min(limit, max(1, self.run.capacity), len(combos))
        if workers <= 1:
            worker()
        else:
            threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        final = [r for r in reports if r is not None]
        outputs = merge_outputs(finished)
        failed = any(failed_flags)
        if failed:
            result: Conclusion = "failure"
        elif any(r.conclusion == "cancelled" for r in final):
            result = "cancelled"
        else:
            result = "success"
        return NodeResult(result=result, outputs=outputs, reports=final, failed=failed)

    def _run_instance(
        self,
        pj: PlannedJob,
        combo: dict[str, Any] | None,
        index: int,
        total: int,
        fail_fast: bool,
        max_parallel: int,
        matrix_cancel: CancelToken,
    ) -> tuple[JobReport, bool]:
        """Run one matrix combination; returns its report and whether it fails the workflow."""
        name = self.job_name(pj, combo)
        if matrix_cancel.is_set():
            return JobReport(id=pj.key, name=name, matrix=combo, conclusion="cancelled"), False
        cancel = CancelToken(matrix_cancel)
        release = self._acquire_concurrency(pj, combo, cancel)
        try:
            if cancel.is_set():
                return JobReport(id=pj.key, name=name, matrix=combo, conclusion="cancelled"), False
            if pj.job.uses:  # a reusable workflow call: its jobs run nested
                from conveyor.engine.calls import run_call

                rep = run_call(self, pj, combo, name, cancel)
                return rep, rep.conclusion == "failure"
            log_name = self.run.unique_name(f"{self.log_prefix}-{re.sub(_SAFE, '-', name)}")
            wf = self.plan.workflow
            spec = JobRequest(
                workflow=wf.path,
                workflow_env=wf.env,
                workflow_defaults=wf.defaults_run,
                key=pj.key,
                job=pj.job,
                name=name,
                label=f"{self.label}{name}",
                github=self.github,
                matrix=combo,
                strategy={
                    "fail-fast": fail_fast,
                    "job-index": index,
                    "job-total": total,
                    "max-parallel": max_parallel,
                },
                needs=self.needs_context(pj),
                inputs=self.inputs,
                secrets_ref=self.secrets_ref,
                log_name=log_name,
                origin=self.origin,
            )
            if self.run.dispatcher is not None:  # the server's queue and its workers
                rep = self.run.dispatcher.dispatch(spec, cancel)
            else:
                with self.run.job_slot():
                    rep = JobRunner(self.run, spec, cancel).run_job()
        finally:
            release()
        counted = rep.conclusion == "failure" and not self._job_continue_on_error(pj, combo)
        return rep, counted

    def _job_continue_on_error(self, pj: PlannedJob, combo: dict[str, Any] | None) -> bool:
        raw = pj.job.continue_on_error
        if isinstance(raw, bool):
            return raw
        from conveyor.expr import evaluate_value, truthy

        return truthy(evaluate_value(raw, self._eval_ctx(pj, "success", combo)))

    def _acquire_concurrency(
        self, pj: PlannedJob, combo: dict[str, Any] | None, cancel: CancelToken
    ) -> Any:
        raw = pj.job.concurrency
        if not raw:
            return lambda: None
        from conveyor.expr import evaluate_value, to_string, truthy

        value = evaluate_value(raw, self._eval_ctx(pj, "success", combo))
        if isinstance(value, dict):
            group = to_string(value.get("group", ""))
            cip = truthy(value.get("cancel-in-progress", False))
        else:
            group, cip = to_string(value), False
        return self.run.concurrency_groups().acquire(group, cip, cancel)
