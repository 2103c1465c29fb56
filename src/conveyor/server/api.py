"""The REST API, shaped like GitHub's Actions API where one exists
(``/api/v1/repos/{owner}/{name}/actions/...``). Every route names the scope it needs;
a token (``Authorization: Bearer``), a browser session or, for reading a public
repository, nobody at all."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conveyor.server import models as m
from conveyor.server.auth import allows
from conveyor.server.state import State
from conveyor.server.views import iso as _iso
from conveyor.server.views import run_json

router = APIRouter(prefix="/api/v1")
CSRF_HEADER = "X-Conveyor-CSRF"


class Caller(BaseModel):
    scope: str  # "" when anonymous
    user: str


def state_of(request: Request) -> State:
    state: State = request.app.state.conveyor
    return state


def caller(request: Request) -> Caller:
    from conveyor.server.auth import session_user, token_scope

    state = state_of(request)
    header = request.headers.get("authorization", "")
    with state.db.session() as s:
        if header.lower().startswith(("bearer ", "token ")):
            found = token_scope(s, header.split(" ", 1)[1].strip())
            if found is None:
                raise HTTPException(401, "bad token", {"WWW-Authenticate": "Bearer"})
            return Caller(scope=found[0], user=found[1])
        cookie = request.cookies.get("conveyor_session")
        if cookie:
            found = session_user(s, cookie)
            # a browser session changes things only from our own pages: they send this
            # header, which another site's form or script cannot (CSRF)
            unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
            if found is not None and not (unsafe and not request.headers.get(CSRF_HEADER)):
                return Caller(scope=found[0], user=found[1])
    proxy = state.settings.trusted_user_header
    if proxy and request.headers.get(proxy):
        return Caller(scope="admin", user=request.headers[proxy])
    return Caller(scope="", user="")


def need(who: Caller, scope: str, repo: m.Repo | None = None) -> None:
    if scope == "read" and repo is not None and repo.public:
        return
    if not who.scope:
        raise HTTPException(401, "authentication required", {"WWW-Authenticate": "Bearer"})
    if not allows(who.scope, scope):
        raise HTTPException(403, f"this needs the '{scope}' scope; you have '{who.scope}'")


def _repo(s: Session, owner: str, name: str) -> m.Repo:
    repo = s.scalars(select(m.Repo).where(m.Repo.full_name == f"{owner}/{name}")).first()
    if repo is None:
        raise HTTPException(404, f"no repository {owner}/{name}")
    return repo


def allowed_repo(request: Request, owner: str, name: str, who: Caller, scope: str) -> int:
    """The repository's id, once ``who`` may act on it with ``scope`` (else 401/403/404)."""
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, scope, repo)
        return repo.id


def allowed_run(
    request: Request, owner: str, name: str, run_id: int, who: Caller, scope: str
) -> None:
    """404 unless the repository has the run; 401/403 unless ``who`` has ``scope``."""
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, scope, repo)
        _run(s, repo, run_id)


def _run(s: Session, repo: m.Repo, run_id: int) -> m.Run:
    run = s.get(m.Run, run_id)
    if run is None or run.repo_id != repo.id:
        raise HTTPException(404, f"no run {run_id} in {repo.full_name}")
    return run


def job_json(s: Any, job: m.Job) -> dict[str, Any]:
    steps = s.scalars(select(m.Step).where(m.Step.job_id == job.id).order_by(m.Step.number))
    return {
        "id": job.id,
        "run_id": job.run_id,
        "name": job.name,
        "job_id": job.job_id,
        "needs": json.loads(job.needs or "[]"),
        "status": job.status,
        "conclusion": job.conclusion,
        "environment": job.environment or None,
        "reason": job.reason,
        "runner_name": job.worker,
        "run_attempt": job.attempts,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "completed_at": _iso(job.completed_at),
        "steps": [
            {
                "number": st.number,
                "name": st.name,
                "status": st.status,
                "conclusion": st.conclusion,
                "started_at": _iso(st.started_at),
                "completed_at": _iso(st.completed_at),
            }
            for st in steps
        ],
    }


class RepoIn(BaseModel):
    full_name: str
    clone_url: str
    webhook_secret: str = ""
    default_branch: str = "main"
    public: bool = False


@router.get("/repos", tags=["repositories"])
def list_repos(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    state = state_of(request)
    with state.db.session() as s:
        repos = [r for r in s.scalars(select(m.Repo).order_by(m.Repo.full_name))]
        shown = [r for r in repos if r.public or allows(who.scope or "none", "read")]
        if not who.scope and not shown:
            need(who, "read")
        return {
            "total_count": len(shown),
            "repositories": [
                {
                    "full_name": r.full_name,
                    "clone_url": r.clone_url,
                    "public": r.public,
                    "default_branch": r.default_branch,
                }
                for r in shown
            ],
        }


@router.post("/repos", status_code=201, tags=["repositories"])
def add_repo(body: RepoIn, request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    need(who, "admin")
    from conveyor.server.admin import add_repository

    try:
        add_repository(
            state_of(request),
            body.full_name,
            body.clone_url,
            body.webhook_secret,
            default_branch=body.default_branch,
            public=body.public,
        )
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    return {"full_name": body.full_name}


@router.get("/repos/{owner}/{name}/actions/runs", tags=["runs"])
def list_runs(
    owner: str,
    name: str,
    request: Request,
    branch: str | None = None,
    event: str | None = None,
    status: str | None = None,
    per_page: int = Query(30, ge=1, le=100),
    page: int = Query(1, ge=1),
    who: Caller = Depends(caller),
) -> dict[str, Any]:
    state = state_of(request)
    with state.db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        q = select(m.Run).where(m.Run.repo_id == repo.id)
        if branch:
            q = q.where(m.Run.head_branch == branch)
        if event:
            q = q.where(m.Run.event == event)
        if status in ("queued", "in_progress", "waiting", "completed"):
            q = q.where(m.Run.status == status)
        elif status:  # GitHub accepts a conclusion here too
            q = q.where(m.Run.conclusion == status)
        total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = s.scalars(q.order_by(m.Run.id.desc()).limit(per_page).offset((page - 1) * per_page))
        return {"total_count": total, "workflow_runs": [run_json(r, repo) for r in rows]}


@router.get("/repos/{owner}/{name}/actions/runs/{run_id}", tags=["runs"])
def get_run(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        return run_json(_run(s, repo, run_id), repo)


@router.get("/repos/{owner}/{name}/actions/runs/{run_id}/jobs", tags=["runs"])
def list_jobs(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        _run(s, repo, run_id)
        jobs = list(s.scalars(select(m.Job).where(m.Job.run_id == run_id).order_by(m.Job.id)))
        return {"total_count": len(jobs), "jobs": [job_json(s, j) for j in jobs]}


def _job(s: Session, repo: m.Repo, job_id: int) -> m.Job:
    job = s.get(m.Job, job_id)
    run = s.get(m.Run, job.run_id) if job is not None else None
    if job is None or run is None or run.repo_id != repo.id:
        raise HTTPException(404, f"no job {job_id} in {repo.full_name}")
    return job


@router.get("/repos/{owner}/{name}/actions/jobs/{job_id}", tags=["runs"])
def get_job(
    owner: str, name: str, job_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        return job_json(s, _job(s, repo, job_id))


@router.get("/repos/{owner}/{name}/actions/jobs/{job_id}/logs", tags=["logs"])
def job_logs(
    owner: str, name: str, job_id: int, request: Request, who: Caller = Depends(caller)
) -> PlainTextResponse:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        _job(s, repo, job_id)
        chunks = s.scalars(
            select(m.LogChunk.text).where(m.LogChunk.job_id == job_id).order_by(m.LogChunk.seq)
        )
        body = "".join(chunks)
    return PlainTextResponse(
        body, headers={"Content-Disposition": f'attachment; filename="job-{job_id}.log"'}
    )


@router.get("/repos/{owner}/{name}/actions/jobs/{job_id}/logs/stream", tags=["logs"])
async def stream_logs(
    owner: str,
    name: str,
    job_id: int,
    request: Request,
    offset: int = 0,
    who: Caller = Depends(caller),
) -> StreamingResponse:
    """Server-Sent Events: ``log`` events carry text, with the byte offset after them as
    the event id; reconnecting with ``Last-Event-ID`` (or ``?offset=``) resumes there.
    An ``end`` event says the job has ended."""
    from conveyor.server.stream import log_events

    state = state_of(request)
    with state.db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        _job(s, repo, job_id)
    resume = request.headers.get("last-event-id")
    start = int(resume) if resume and resume.isdigit() else offset
    return StreamingResponse(
        log_events(state, job_id, start, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


class Review(BaseModel):
    comment: str = ""
    environment: str | None = None  # None: every environment the run waits for


@router.post("/repos/{owner}/{name}/actions/runs/{run_id}/approve", tags=["approvals"])
def approve(
    owner: str,
    name: str,
    run_id: int,
    request: Request,
    body: Review | None = None,
    who: Caller = Depends(caller),
) -> dict[str, Any]:
    return _review(request, owner, name, run_id, "approved", body or Review(), who)


@router.post("/repos/{owner}/{name}/actions/runs/{run_id}/reject", tags=["approvals"])
def reject(
    owner: str,
    name: str,
    run_id: int,
    request: Request,
    body: Review | None = None,
    who: Caller = Depends(caller),
) -> dict[str, Any]:
    return _review(request, owner, name, run_id, "rejected", body or Review(), who)


def _review(
    request: Request, owner: str, name: str, run_id: int, decision: str, body: Review, who: Caller
) -> dict[str, Any]:
    from conveyor.server.admin import review

    state = state_of(request)
    allowed_run(request, owner, name, run_id, who, "approve")
    try:
        envs = review(state, run_id, decision, who.user or "token", body.comment, body.environment)
    except PermissionError as e:
        raise HTTPException(403, str(e)) from None
    except ValueError as e:
        raise HTTPException(409, str(e)) from None
    return {"run_id": run_id, "state": decision, "environments": envs}


@router.get("/repos/{owner}/{name}/actions/runs/{run_id}/pending_deployments", tags=["approvals"])
def pending(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> list[dict[str, Any]]:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        _run(s, repo, run_id)
        jobs = s.scalars(select(m.Job).where(m.Job.run_id == run_id, m.Job.status == "waiting"))
        envs = sorted({j.environment for j in jobs if j.environment})
        return [
            {
                "environment": {"name": e},
                "wait_timer": 0,
                "current_user_can_approve": allows(who.scope or "none", "approve"),
            }
            for e in envs
        ]


@router.post("/repos/{owner}/{name}/actions/runs/{run_id}/cancel", status_code=202, tags=["runs"])
def cancel(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    state = state_of(request)
    with state.db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "trigger", repo)
        run = _run(s, repo, run_id)
        if run.status == "completed":
            raise HTTPException(409, f"run {run_id} has already completed")
        run.cancel_requested = True
    state.poke()
    return {"run_id": run_id, "cancel_requested": True}


@router.post("/repos/{owner}/{name}/actions/runs/{run_id}/rerun", status_code=201, tags=["runs"])
def rerun(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    return _rerun(request, owner, name, run_id, who, failed_only=False)


@router.post(
    "/repos/{owner}/{name}/actions/runs/{run_id}/rerun-failed-jobs", status_code=201, tags=["runs"]
)
def rerun_failed(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    return _rerun(request, owner, name, run_id, who, failed_only=True)


def _rerun(
    request: Request, owner: str, name: str, run_id: int, who: Caller, *, failed_only: bool
) -> dict[str, Any]:
    from conveyor.server.admin import rerun_run

    state = state_of(request)
    allowed_run(request, owner, name, run_id, who, "trigger")
    try:
        rerun_run(state, run_id, failed_only=failed_only)
    except ValueError as e:
        raise HTTPException(409, str(e)) from None
    return {"run_id": run_id}


class Dispatch(BaseModel):
    ref: str
    inputs: dict[str, Any] = {}


@router.post(
    "/repos/{owner}/{name}/actions/workflows/{workflow}/dispatches",
    status_code=204,
    tags=["triggers"],
)
def dispatch(
    owner: str,
    name: str,
    workflow: str,
    body: Dispatch,
    request: Request,
    who: Caller = Depends(caller),
) -> Response:
    from conveyor.server.admin import dispatch_workflow

    state = state_of(request)
    repo_id = allowed_repo(request, owner, name, who, "trigger")
    from conveyor.server.triggers import TriggerError

    try:
        dispatch_workflow(state, repo_id, workflow, body.ref, body.inputs, who.user)
    except (ValueError, TriggerError) as e:  # no such workflow, ref or input; a bad value
        raise HTTPException(422, str(e)) from None
    return Response(status_code=204)


class EnvironmentIn(BaseModel):
    reviewers: list[str] = []
    required: bool | None = None
    wait_timer: int = 0
    branches: list[str] = []
    tags: list[str] = []
    windows: list[dict[str, Any]] = []
    variables: dict[str, str] = {}
    prevent_self_review: bool = False


@router.put("/repos/{owner}/{name}/environments/{env}", tags=["environments"])
def put_environment(
    owner: str,
    name: str,
    env: str,
    body: EnvironmentIn,
    request: Request,
    who: Caller = Depends(caller),
) -> dict[str, Any]:
    from conveyor.server.admin import set_environment

    state = state_of(request)
    repo_id = allowed_repo(request, owner, name, who, "admin")
    try:
        set_environment(state, repo_id, env, body.model_dump())
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    return {"name": env, **body.model_dump()}


class SecretIn(BaseModel):
    value: str
    environment: str = ""


@router.put("/repos/{owner}/{name}/actions/secrets/{secret}", status_code=204, tags=["secrets"])
def put_secret(
    owner: str,
    name: str,
    secret: str,
    body: SecretIn,
    request: Request,
    who: Caller = Depends(caller),
) -> Response:
    from conveyor.server.admin import set_secret

    state = state_of(request)
    repo_id = allowed_repo(request, owner, name, who, "admin")
    set_secret(state, repo_id, secret, body.value, body.environment)
    return Response(status_code=204)


@router.get("/repos/{owner}/{name}/actions/runs/{run_id}/artifacts", tags=["artifacts"])
def artifacts(
    owner: str, name: str, run_id: int, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        _run(s, repo, run_id)
        rows = list(s.scalars(select(m.Artifact).where(m.Artifact.run_id == run_id)))
        base = f"/api/v1/repos/{repo.full_name}/actions/artifacts"
        return {
            "total_count": len(rows),
            "artifacts": [
                {
                    "id": a.id,
                    "name": a.name,
                    "size_in_bytes": a.size,
                    "archive_download_url": f"{base}/{a.id}/zip",
                }
                for a in rows
            ],
        }


@router.get("/repos/{owner}/{name}/actions/artifacts/{artifact_id}/zip", tags=["artifacts"])
def artifact_zip(
    owner: str, name: str, artifact_id: int, request: Request, who: Caller = Depends(caller)
) -> Response:
    import io
    import zipfile
    from pathlib import Path

    with state_of(request).db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        a = s.get(m.Artifact, artifact_id)
        run = s.get(m.Run, a.run_id) if a is not None else None
        if a is None or run is None or run.repo_id != repo.id:
            raise HTTPException(404, "no such artifact")
        root, art_name = Path(a.path), a.name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            z.write(p, p.name if root.is_file() else p.relative_to(root).as_posix())
    return Response(
        buf.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{art_name}.zip"'},
    )
