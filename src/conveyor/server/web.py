"""The web UI: server-rendered pages (Jinja2, autoescaped) with a little JavaScript for
live logs and statuses. Reading follows the API's rules (a session, a trusted proxy
header or a public repository); a page nobody may read sends the browser to /login."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conveyor.server import models as m
from conveyor.server.api import Caller, caller, state_of
from conveyor.server.auth import SESSION_SECONDS, allows

router = APIRouter()

_HERE = Path(__file__).parent
_STATIC = {"app.css": "text/css", "app.js": "text/javascript"}
_VERSION = hashlib.sha256(
    b"".join((_HERE / "static" / f).read_bytes() for f in _STATIC)
).hexdigest()
_ENV = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PER_PAGE = 25
LOG_INLINE_BYTES = 2_000_000  # logs past this (per page) are fetched by the page's script
STATUSES = ("queued", "waiting", "in_progress", "completed", "success", "failure", "cancelled")
LABELS = {
    "success": ("✓", "Success"),
    "failure": ("✗", "Failure"),
    "cancelled": ("⊘", "Cancelled"),
    "skipped": ("↷", "Skipped"),
    "timed_out": ("◔", "Timed out"),
    "neutral": ("◦", "Neutral"),
    "action_required": ("!", "Action required"),
    "in_progress": ("◐", "In progress"),
    "queued": ("○", "Queued"),
    "waiting": ("‖", "Waiting"),
    "completed": ("●", "Completed"),
}


def shown(status: str, conclusion: str | None) -> str:
    """The one word a badge shows: the conclusion once completed, else the status."""
    return conclusion if status == "completed" and conclusion else status


def _age(t: float | None) -> str:
    if t is None:
        return ""
    s = max(0, int(time.time() - t))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit} ago"
    return "just now" if s < 5 else f"{s}s ago"


def _duration(start: float | None, end: float | None) -> str:
    if start is None:
        return ""
    s = max(0, int((end or time.time()) - start))
    h, rest = divmod(s, 3600)
    return f"{h}h {rest // 60}m" if h else f"{rest // 60}m {rest % 60}s" if s >= 60 else f"{s}s"


def _iso(t: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else ""


_ENV.globals.update(
    labels=LABELS, shown=shown, age=_age, duration=_duration, iso=_iso, version=_VERSION[:12]
)


def _page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    who: Caller = ctx.get("who") or caller(request)
    ctx["who"] = who
    html = _ENV.get_template(template).render(request=request, user=who.user, **ctx)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def _safe_next(target: str) -> str:
    """Only a path on this server: never another site (an open redirect)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/static/{file}", include_in_schema=False)
def static(file: str) -> Response:
    if file not in _STATIC:
        return Response("not found", status_code=404)
    return FileResponse(
        _HERE / "static" / file,
        media_type=_STATIC[file],
        headers={"Cache-Control": "public, max-age=86400"},  # links carry ?v=<hash>
    )


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _page(request, "login.html", next=_safe_next(next), name="", error="")


@router.post("/login", include_in_schema=False)
def login_post(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    from conveyor.server.auth import login

    with state_of(request).db.session() as s:
        token = login(s, name, password)
    if token is None:
        error = "Wrong name or password."
        return _page(request, "login.html", 401, next=_safe_next(next), name=name, error=error)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        "conveyor_session",
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
def logout(request: Request) -> RedirectResponse:
    from conveyor.server.auth import logout as end

    cookie = request.cookies.get("conveyor_session")
    if cookie:
        with state_of(request).db.session() as s:
            end(s, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("conveyor_session")
    return response


def _filters(request: Request, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in keys}


def _runs(s: Session, request: Request, q: Any, filters: dict[str, str]) -> dict[str, Any]:
    """One page of runs (newest first) matching the filters, and the pager's links."""
    if filters.get("branch"):
        q = q.where(m.Run.head_branch == filters["branch"])
    if filters.get("event"):
        q = q.where(m.Run.event == filters["event"])
    status = filters.get("status")
    if status in ("queued", "waiting", "in_progress", "completed"):
        q = q.where(m.Run.status == status)
    elif status:
        q = q.where(m.Run.conclusion == status)
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    rows = s.execute(q.order_by(m.Run.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    kept = {k: v for k, v in filters.items() if v}

    def link(n: int) -> str:
        return "?" + urlencode({**kept, "page": n})

    return {
        "runs": [(run, repo.full_name) for run, repo in rows],
        "total": total,
        "page": page,
        "prev": link(page - 1) if page > 1 else "",
        "next": link(page + 1) if page * PER_PAGE < total else "",
    }


def _choices(s: Session, repo_ids: Any) -> dict[str, Any]:
    def distinct(col: Any) -> list[str]:
        q = select(col).where(m.Run.repo_id.in_(repo_ids), col != "").distinct()
        return sorted(s.scalars(q.limit(200)))

    return {"branches": distinct(m.Run.head_branch), "events": distinct(m.Run.event)}


@router.get("/", include_in_schema=False)
def index(request: Request) -> Response:
    who = caller(request)
    filters = _filters(request, ("repository", "branch", "event", "status"))
    with state_of(request).db.session() as s:
        q = select(m.Repo).order_by(m.Repo.full_name)
        if not allows(who.scope or "none", "read"):
            q = q.where(m.Repo.public.is_(True))
        repos = list(s.scalars(q))
        if not repos and not who.scope:
            return _to_login(request)
        visible = [r.id for r in repos]
        if filters["repository"]:
            visible = [r.id for r in repos if r.full_name == filters["repository"]]
        runs = select(m.Run, m.Repo).join(m.Repo, m.Repo.id == m.Run.repo_id)
        listing = _runs(s, request, runs.where(m.Run.repo_id.in_(visible)), filters)
        return _page(
            request,
            "index.html",
            who=who,
            repos=[r.full_name for r in repos],
            filters=filters,
            statuses=STATUSES,
            **_choices(s, [r.id for r in repos]),
            **listing,
        )


def _readable(s: Session, who: Caller, owner: str, name: str) -> m.Repo | None:
    repo = s.scalars(select(m.Repo).where(m.Repo.full_name == f"{owner}/{name}")).first()
    if repo is None or repo.public or allows(who.scope or "none", "read"):
        return repo
    return None


def _not_found(request: Request, who: Caller, what: str) -> Response:
    if not who.scope:  # say nothing about what exists to someone not logged in
        return _to_login(request)
    return _page(request, "error.html", 404, who=who, message=f"There is no {what}.")


@router.get("/ui/{owner}/{name}", include_in_schema=False)
def repo_page(owner: str, name: str, request: Request) -> Response:
    who = caller(request)
    filters = _filters(request, ("branch", "event", "status"))
    dispatch = _dispatch_forms(request, who, owner, name)
    with state_of(request).db.session() as s:
        repo = _readable(s, who, owner, name)
        if repo is None:
            return _not_found(request, who, f"repository {owner}/{name}")
        runs = select(m.Run, m.Repo).join(m.Repo, m.Repo.id == m.Run.repo_id)
        listing = _runs(s, request, runs.where(m.Run.repo_id == repo.id), filters)
        return _page(
            request,
            "repo.html",
            who=who,
            repo=repo,
            filters=filters,
            statuses=STATUSES,
            environments=_environments(s, repo, state_of(request).settings.protected_environments),
            dispatch=dispatch,
            **_choices(s, [repo.id]),
            **listing,
        )


def _dispatch_forms(request: Request, who: Caller, owner: str, name: str) -> dict[str, Any]:
    """What the "Run workflow" section shows: the default branch's dispatchable workflows,
    to those who may trigger runs only (reading them fetches the repository)."""
    if not allows(who.scope or "none", "trigger"):
        return {"shown": False}
    from conveyor.server.api_workflows import dispatchable
    from conveyor.server.triggers import TriggerError

    state = state_of(request)
    with state.db.session() as s:
        repo = _readable(s, who, owner, name)
        repo_id = repo.id if repo is not None else None
    if repo_id is None:
        return {"shown": False}
    try:
        branch, workflows = dispatchable(state, repo_id)
    except TriggerError as e:
        return {"shown": True, "error": str(e), "branch": "", "workflows": []}
    return {"shown": True, "error": "", "branch": branch, "workflows": workflows}


def _environments(s: Session, repo: m.Repo, protected: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each environment (configured or deployed to) with its latest deployment."""
    rules = {
        e.name: e for e in s.scalars(select(m.Environment).where(m.Environment.repo_id == repo.id))
    }
    latest = (
        select(m.Job.environment, func.max(m.Job.id))
        .join(m.Run, m.Run.id == m.Job.run_id)
        .where(m.Run.repo_id == repo.id, m.Job.environment != "")
        .group_by(m.Job.environment)
    )
    last = dict(s.execute(latest).tuples().all())
    out = []
    for env in sorted(set(rules) | set(last)):
        job = s.get(m.Job, last[env]) if env in last else None
        run = s.get(m.Run, job.run_id) if job is not None else None
        reviewers = json.loads(rules[env].reviewers or "[]") if env in rules else []
        out.append(
            {
                "name": env,
                "job": job,
                "run": run,
                "reviewers": reviewers,
                "protected": env not in rules and env in protected,
            }
        )
    return out


_STAMP = re.compile(r"^(\d\d:\d\d:\d\d) (.*)$", re.S)


def log_tree(text: str) -> list[dict[str, Any]]:
    """A log's lines, ``::group::``/``::endgroup::`` folded (as the page's script does)."""
    out: list[dict[str, Any]] = []
    group: list[dict[str, Any]] | None = None
    for raw in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        found = _STAMP.match(raw)
        ts, body = (found.group(1), found.group(2)) if found else ("", raw)
        if body.startswith("::group::"):
            group = []
            out.append({"ts": ts, "title": body[9:], "lines": group})
        elif body == "::endgroup::":
            group = None
        else:
            (out if group is None else group).append({"ts": ts, "text": body})
    return out


def _markdown(text: str) -> Markup:
    from markdown_it import MarkdownIt

    # html off: raw HTML in a summary is shown as text, never run
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def graph(jobs: list[m.Job]) -> dict[str, Any]:
    """The job graph's layout: YAML jobs (matrix instances grouped) in columns by their
    depth along ``needs``, and the edges between them, in SVG coordinates."""
    groups: dict[str, list[m.Job]] = {}
    for job in jobs:
        groups.setdefault(job.job_id, []).append(job)
    needs = {
        g: {n for j in js for n in json.loads(j.needs or "[]") if n in groups}
        for g, js in groups.items()
    }
    depth: dict[str, int] = {}

    def depth_of(g: str, seen: frozenset[str] = frozenset()) -> int:
        if g not in depth:
            deps = [depth_of(n, seen | {g}) for n in needs[g] if n not in seen | {g}]
            depth[g] = 1 + max(deps) if deps else 0
        return depth[g]

    node_w, node_h, gap_x, gap_y, head, pad = 180, 30, 56, 20, 24, 12
    columns: dict[int, float] = {}  # depth -> next free y
    boxes: dict[str, dict[str, Any]] = {}
    for g, js in groups.items():
        d = depth_of(g)
        x, y = pad + d * (node_w + gap_x), columns.get(d, pad)
        matrix = len(js) > 1
        top = y + head if matrix else y
        nodes = [
            {"job": j, "x": x + (8 if matrix else 0), "y": top + i * (node_h + 6)}
            for i, j in enumerate(js)
        ]
        height = (top - y) + len(js) * (node_h + 6) - 6 + (8 if matrix else 0)
        boxes[g] = {
            "id": g,
            "x": x,
            "y": y,
            "w": node_w + (16 if matrix else 0),
            "h": height,
            "matrix": matrix,
            "nodes": nodes,
        }
        columns[d] = y + height + gap_y
    edges = []
    for g, box in boxes.items():
        for n in sorted(needs[g]):
            a = boxes[n]
            x1, y1, x2, y2 = a["x"] + a["w"], a["y"] + a["h"] / 2, box["x"], box["y"] + box["h"] / 2
            mid = (x1 + x2) / 2
            edges.append(f"M{x1:g},{y1:g} C{mid:g},{y1:g} {mid:g},{y2:g} {x2:g},{y2:g}")
    width = max((b["x"] + b["w"] for b in boxes.values()), default=0) + pad
    height = max(columns.values(), default=pad) - gap_y + pad
    return {
        "groups": list(boxes.values()),
        "edges": edges,
        "width": width,
        "height": max(height, 0),
        "node_w": node_w,
        "node_h": node_h,
    }


@router.get("/ui/{owner}/{name}/runs/{run_id}", include_in_schema=False)
def run_page(owner: str, name: str, run_id: int, request: Request) -> Response:
    who = caller(request)
    with state_of(request).db.session() as s:
        repo = _readable(s, who, owner, name)
        run = s.get(m.Run, run_id) if repo is not None else None
        if repo is None or run is None or run.repo_id != repo.id:
            return _not_found(request, who, f"run {run_id} in {owner}/{name}")
        jobs = list(s.scalars(select(m.Job).where(m.Job.run_id == run.id).order_by(m.Job.id)))
        ids = [j.id for j in jobs]
        steps: dict[int, list[m.Step]] = {}
        for st in s.scalars(select(m.Step).where(m.Step.job_id.in_(ids)).order_by(m.Step.number)):
            steps.setdefault(st.job_id, []).append(st)
        # open at first: what runs or waits, what failed, or every job of a small run
        opened = {
            j.id
            for j in jobs
            if j.status in ("in_progress", "waiting") or j.conclusion == "failure" or len(jobs) <= 4
        }
        logs: dict[int, list[dict[str, Any]]] = {}
        budget = LOG_INLINE_BYTES
        for j in jobs:
            if j.id in opened and j.status == "completed" and j.log_size <= budget:
                budget -= j.log_size
                q = (
                    select(m.LogChunk.text)
                    .where(m.LogChunk.job_id == j.id)
                    .order_by(m.LogChunk.seq)
                )
                logs[j.id] = log_tree("".join(s.scalars(q)))
        annotations = list(
            s.scalars(
                select(m.Annotation).where(m.Annotation.job_id.in_(ids)).order_by(m.Annotation.id)
            )
        )
        artifacts = list(
            s.scalars(select(m.Artifact).where(m.Artifact.run_id == run.id).order_by(m.Artifact.id))
        )
        pending = sorted({j.environment for j in jobs if j.status == "waiting" and j.environment})
        scope = who.scope or "none"
        return _page(
            request,
            "run.html",
            who=who,
            repo=repo,
            run=run,
            jobs=jobs,
            names={j.id: j.name for j in jobs},
            opened=opened,
            steps=steps,
            logs=logs,
            annotations=annotations,
            artifacts=artifacts,
            summaries=[(j, _markdown(j.summary)) for j in jobs if j.summary.strip()],
            pending=pending,
            graph=graph(jobs),
            can_trigger=allows(scope, "trigger"),
            can_approve=allows(scope, "approve"),
            api=f"/api/v1/repos/{repo.full_name}/actions",
            title=(run.head_message.splitlines() or [run.workflow_name])[0],
        )
