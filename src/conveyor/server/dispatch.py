"""The engine's ``JobDispatcher`` in the server: a job instance becomes a row in the
durable queue (or waits for its environment's reviewers, timer or deploy window), a
worker leases and runs it, and the scheduler gets the stored report back.

A job that already completed in this run (before a server restart) is not run again:
its stored report is returned, so a restarted run picks up where it was.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from conveyor.engine.report import JobReport
from conveyor.engine.request import JobRequest
from conveyor.executors.base import CancelToken
from conveyor.records import from_data, to_data
from conveyor.server import models as m
from conveyor.server.db import now
from conveyor.server.protection import Rules, ref_allowed, rules_from_row, window_open
from conveyor.server.state import State

_POLL = 0.5


def job_key(request: JobRequest) -> str:
    """Stable across restarts of the run: the job's label and its matrix combination."""
    matrix = json.dumps(request.matrix, sort_keys=True) if request.matrix else ""
    return f"{request.workflow}|{request.label}|{matrix}"


def report_from_json(text: str) -> JobReport:
    report = from_data(json.loads(text))
    if not isinstance(report, JobReport):
        raise ValueError("not a job report")
    return report


class QueueDispatcher:
    def __init__(self, state: State, run_id: int, repo_id: int, ref: str) -> None:
        self.state = state
        self.run_id = run_id
        self.repo_id = repo_id
        self.ref = ref

    def dispatch(self, request: JobRequest, cancel: CancelToken) -> JobReport:
        state = self.state
        key = job_key(request)
        env_name = environment_name(request)
        rules = self._rules(env_name) if env_name else None
        if env_name:
            self._environment_values(request, env_name)
        with state.db.session() as s:
            job = s.scalars(
                select(m.Job).where(m.Job.run_id == self.run_id, m.Job.key == key)
            ).first()
            if job is not None and job.status == "completed" and job.report:
                return report_from_json(job.report)
            if job is None:
                job = m.Job(run_id=self.run_id, key=key, created_at=now(), status="queued")
                s.add(job)
            job.name, job.job_id, job.request = request.name, request.key, request.to_json()
            job.environment = env_name
            job.needs = json.dumps(sorted(request.needs))
            refused = ref_allowed(rules, self.ref) if rules else None
            if refused:
                job.status, job.conclusion, job.reason = "completed", "failure", refused
                job.completed_at = now()
                job.report = _report(request, "failure", refused)
            elif job.status != "in_progress":  # in progress: its lease decides (queue.expire)
                job.status, job.conclusion, job.worker = "queued", None, ""
                if rules is not None and (rules.needs_review and not job.approved):
                    job.status, job.reason = "waiting", f"waiting for review: {rules.name}"
                elif rules is not None and window_open(rules):
                    job.status, job.reason = "waiting", window_open(rules) or ""
            s.flush()
            job_id = job.id
            if job.status == "completed":
                return report_from_json(job.report)
        state.job_ids[(self.run_id, request.log_name)] = job_id
        state.job_tokens[job_id] = cancel
        _mark_run(state, self.run_id)
        state.poke()
        try:
            return self._wait(job_id, request, rules, cancel)
        finally:
            state.job_tokens.pop(job_id, None)

    def _environment_values(self, request: JobRequest, name: str) -> None:
        """The environment's secrets (over the repository's) and variables reach the job,
        as GitHub gives them to jobs that reference the environment."""
        with self.state.db.session() as s:
            rows = s.scalars(
                select(m.Secret).where(
                    m.Secret.repo_id == self.repo_id, m.Secret.environment == name
                )
            )
            secrets = {r.name: self.state.sealer.open(r.sealed) for r in rows}
            env = s.scalars(
                select(m.Environment).where(
                    m.Environment.repo_id == self.repo_id, m.Environment.name == name
                )
            ).first()
            variables = json.loads(env.variables or "{}") if env is not None else {}
        run = self.state.live_runs.get(self.run_id)
        if secrets and run is not None:
            for value in secrets.values():
                run.masker.add(value.strip())
            merged = {**run.secret_set(request.secrets_ref), **secrets}
            request.secrets_ref = run.add_secret_set(merged)
        if variables:
            request.vars = {**request.vars, **variables}

    def _rules(self, name: str) -> Rules | None:
        with self.state.db.session() as s:
            row = s.scalars(
                select(m.Environment).where(
                    m.Environment.repo_id == self.repo_id, m.Environment.name == name
                )
            ).first()
            if row is not None:
                return rules_from_row(row, name)
        if name in self.state.settings.protected_environments:
            return Rules(name=name, required=True)  # protected by default: see docs/server.md
        return None

    def _wait(
        self, job_id: int, request: JobRequest, rules: Rules | None, cancel: CancelToken
    ) -> JobReport:
        state = self.state
        while True:
            with state.db.session() as s:
                job = s.get(m.Job, job_id)
                assert job is not None
                if job.status == "completed":
                    if job.report:
                        return report_from_json(job.report)
                    report = _report(request, job.conclusion or "failure", job.reason)
                    job.report = report
                    return report_from_json(report)
                if cancel.is_set() and job.status in ("queued", "waiting"):
                    job.status, job.conclusion, job.completed_at = "completed", "cancelled", now()
                    job.reason = job.reason if job.status == "waiting" else "cancelled"
                    job.report = _report(request, "cancelled", "cancelled before it started")
                    return report_from_json(job.report)
                if job.status == "waiting" and rules is not None:
                    self._review(s, job, rules)
            if job.status == "queued":
                state.poke()
            state.wait(_POLL)

    def _review(self, s: Any, job: m.Job, rules: Rules) -> None:
        """A waiting job moves on once approved (or fails once rejected), then waits for
        its timer and deploy window."""
        decisions = list(
            s.scalars(
                select(m.Approval)
                .where(m.Approval.run_id == job.run_id, m.Approval.environment == rules.name)
                .order_by(m.Approval.id)
            )
        )
        rejected = [a for a in decisions if a.state == "rejected"]
        if rejected:
            a = rejected[-1]
            job.status, job.conclusion, job.completed_at = "completed", "failure", now()
            job.reason = f"deployment to {rules.name} rejected by {a.user}" + (
                f": {a.comment}" if a.comment else ""
            )
            return
        approved = [a for a in decisions if a.state == "approved"]
        if rules.needs_review and not approved:
            return
        if not job.approved:
            job.approved = True
            job.not_before = (approved[-1].at if approved else now()) + rules.wait_timer * 60
        closed = window_open(rules)
        if closed:
            job.reason = closed
            return
        job.status, job.reason = "queued", ""


def environment_name(request: JobRequest) -> str:
    """The job's environment name, evaluated as the job will evaluate it."""
    raw = request.job.environment
    if raw is None:
        return ""
    name = raw if isinstance(raw, str) else raw.get("name") if isinstance(raw, dict) else None
    if not isinstance(name, str) or not name:
        return ""
    if "${{" not in name:
        return name
    from conveyor.expr import EvalContext, interpolate

    ctx = EvalContext(
        contexts={
            "github": request.github,
            "matrix": request.matrix or {},
            "needs": request.needs,
            "inputs": request.inputs,
            "strategy": request.strategy,
            "vars": {},
            "env": {},
        }
    )
    try:
        return interpolate(name, ctx)
    except Exception:
        return name


def _report(request: JobRequest, conclusion: str, reason: str) -> str:
    report = JobReport(id=request.key, name=request.name, matrix=request.matrix, error=reason)
    report.conclusion = conclusion  # type: ignore[assignment]
    return json.dumps(to_data(report))


def _mark_run(state: State, run_id: int) -> None:
    """The run's status follows its jobs: waiting while one waits for review."""
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        if run is None or run.status == "completed":
            return
        waiting = s.scalars(
            select(m.Job.id).where(m.Job.run_id == run_id, m.Job.status == "waiting")
        ).first()
        run.status = "waiting" if waiting is not None else "in_progress"
