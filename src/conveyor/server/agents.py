"""The agent protocol over HTTP (docs/agent-protocol.md): lease a job, heartbeat, send
log text and step results, complete. The server's own workers make the same queue
calls in-process (``workers``); an agent elsewhere makes them here, with a token of
scope ``agent``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from conveyor.server import models as m
from conveyor.server import queue
from conveyor.server.api import Caller, caller, need, state_of
from conveyor.server.auth import AGENT
from conveyor.server.db import now
from conveyor.server.live import Chunk
from conveyor.server.sink import append_log
from conveyor.server.state import State

router = APIRouter(prefix="/api/v1/agent", tags=["agents"])


class LeaseIn(BaseModel):
    agent: str
    ttl: float = 30.0


class AgentIn(BaseModel):
    agent: str


class LogIn(BaseModel):
    agent: str
    text: str


class StepIn(BaseModel):
    agent: str
    number: int
    name: str
    status: str  # in_progress | completed
    conclusion: str | None = None


class CompleteIn(BaseModel):
    agent: str
    conclusion: str
    report: dict[str, Any] = {}


@router.post("/lease")
def lease(body: LeaseIn, request: Request, who: Caller = Depends(caller)) -> Response:
    """The oldest queued job, leased to ``agent`` for ``ttl`` seconds; 204 when none."""
    need(who, AGENT)
    state = state_of(request)
    got = queue.lease(state.db, f"agent:{body.agent}", min(max(body.ttl, 5.0), 600.0))
    if got is None:
        return Response(status_code=204)
    data = _context(state, got)
    return Response(json.dumps(data), media_type="application/json")


def _context(state: State, got: queue.Lease) -> dict[str, Any]:
    """What an agent needs to run the job: the request, the commit, the event, and the
    secrets the job may read (sent only to agents, over this authenticated call)."""
    from conveyor.server.triggers import repo_secrets

    with state.db.session() as s:
        run = s.get(m.Run, got.run_id)
        assert run is not None
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        context = {
            "repository": repo.full_name,
            "clone_url": repo.clone_url,
            "sha": run.head_sha,
            "ref": run.ref,
            "event": run.event,
            "payload": json.loads(run.payload),
            "run_id": run.id,
            "run_number": run.run_number,
            "run_attempt": run.run_attempt,
            "workflow": run.workflow_file,
        }
        repo_id = repo.id
    run_env = state.live_runs.get(got.run_id)
    request = json.loads(got.request)
    secrets = repo_secrets(state, repo_id)
    ref = request.get("secrets_ref", "")
    if run_env is not None and ref:
        secrets = dict(run_env.secret_set(ref))
    return {
        "job_id": got.job_id,
        "run_id": got.run_id,
        "attempt": got.attempt,
        "lease_until": got.until,
        "request": request,
        "run": context,
        "secrets": secrets,
    }


def _held(state: State, job_id: int, agent: str) -> m.Job:
    with state.db.session() as s:
        job = s.get(m.Job, job_id)
        if job is None or job.worker != f"agent:{agent}" or job.status != "in_progress":
            raise HTTPException(409, "this agent does not hold the job's lease")
        s.expunge(job)
        return job


@router.post("/jobs/{job_id}/heartbeat")
def heartbeat(
    job_id: int, body: LeaseIn, request: Request, who: Caller = Depends(caller)
) -> dict[str, str]:
    """``{"state": "ok" | "cancel" | "lost"}``: on cancel, stop the job (its `always()`
    steps still run) and complete it; on lost, stop and drop it."""
    need(who, AGENT)
    state = state_of(request)
    answer = queue.heartbeat(state.db, job_id, f"agent:{body.agent}", body.ttl)
    token = state.job_tokens.get(job_id)
    if answer == "ok" and token is not None and token.is_set():
        answer = "cancel"  # cancel-in-progress, fail-fast: the scheduler cancelled it
    return {"state": answer}


@router.post("/jobs/{job_id}/logs", status_code=204)
def logs(job_id: int, body: LogIn, request: Request, who: Caller = Depends(caller)) -> Response:
    """Append log text (whole lines, already masked by the agent; masked again here
    with the run's secrets when this server drives the run)."""
    need(who, AGENT)
    state = state_of(request)
    _held(state, job_id, body.agent)
    text = body.text if body.text.endswith("\n") else body.text + "\n"
    with state.db.session() as s:
        job = s.get(m.Job, job_id)
        assert job is not None
        run_env = state.live_runs.get(job.run_id)
        if run_env is not None:
            text = run_env.masker.mask(text)
        chunk = append_log(s, job, text, now())
    state.broker.publish(job_id, chunk)
    return Response(status_code=204)


@router.post("/jobs/{job_id}/steps", status_code=204)
def steps(job_id: int, body: StepIn, request: Request, who: Caller = Depends(caller)) -> Response:
    need(who, AGENT)
    state = state_of(request)
    _held(state, job_id, body.agent)
    with state.db.session() as s:
        row = s.scalars(
            select(m.Step).where(m.Step.job_id == job_id, m.Step.number == body.number)
        ).first()
        if row is None:
            row = m.Step(job_id=job_id, number=body.number, name=body.name, started_at=now())
            s.add(row)
        row.name, row.status, row.conclusion = body.name, body.status, body.conclusion
        if body.status == "completed":
            row.completed_at = now()
    return Response(status_code=204)


@router.post("/jobs/{job_id}/complete", status_code=204)
def complete(
    job_id: int, body: CompleteIn, request: Request, who: Caller = Depends(caller)
) -> Response:
    """The job's end: its conclusion and its report (engine JobReport as JSON data:
    ``outputs`` feed the jobs that need it)."""
    need(who, AGENT)
    if body.conclusion not in ("success", "failure", "cancelled", "skipped"):
        raise HTTPException(422, "conclusion: success, failure, cancelled or skipped")
    state = state_of(request)
    report = _report(job_id, state, body)
    if not queue.complete(state.db, job_id, f"agent:{body.agent}", body.conclusion, report):
        raise HTTPException(409, "this agent does not hold the job's lease")
    state.broker.publish(job_id, Chunk(0, "", end=True))
    state.poke()
    return Response(status_code=204)


def _report(job_id: int, state: State, body: CompleteIn) -> str:
    """The agent's report as the engine's JobReport (``records`` JSON data)."""
    from conveyor.engine.report import JobReport
    from conveyor.records import to_data

    with state.db.session() as s:
        job = s.get(m.Job, job_id)
        request = json.loads(job.request) if job is not None else {}
    data = body.report
    report = JobReport(
        id=str(data.get("id") or request.get("key", "")),
        name=str(data.get("name") or (job.name if job is not None else "")),
        matrix=request.get("matrix"),
        outputs={str(k): str(v) for k, v in (data.get("outputs") or {}).items()},
        duration=float(data.get("duration") or 0.0),
        error=data.get("error"),
    )
    report.conclusion = body.conclusion  # type: ignore[assignment]
    return json.dumps(to_data(report))
