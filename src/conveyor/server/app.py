"""The ASGI app, built by a factory from settings: the database (migrated to head), the
coordinator and workers that drive runs, and the HTTP routes (webhooks, git hooks,
API, badges, metrics, health, web UI)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select, text

from conveyor.server import models as m
from conveyor.server.db import Database, database_url, migrate
from conveyor.server.live import Broker
from conveyor.server.metrics import Metrics
from conveyor.server.seal import load_sealer
from conveyor.server.state import Settings, State

log = logging.getLogger("conveyor.server")


def open_state(settings: Settings) -> State:
    """The database (migrated) and what the server's parts share; no threads yet."""
    db = Database(database_url(settings.data_dir, settings.database_url))
    migrate(db.engine)
    state = State(settings, db, load_sealer(settings.data_dir), Broker(), Metrics())
    from conveyor.server.queue import depth

    state.metrics.watch_depth(lambda: depth(db))
    return state


def create_app(settings: Settings, *, start_workers: bool = True) -> FastAPI:
    state = open_state(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            from conveyor.server.runner import recover, start_coordinator

            for line in recover(state):
                log.warning("%s", line)
            from conveyor.server.scheduler import start_scheduler
            from conveyor.server.workers import start_workers as workers

            workers(state)
            start_coordinator(state)
            start_scheduler(state)
        state.ready.set()
        log.info("conveyor server ready on %s", settings.url())
        try:
            yield
        finally:
            state.ready.clear()
            shutdown(state)

    app = FastAPI(
        title="Conveyor",
        version="1",
        lifespan=lifespan,
        description="Runs GitHub Actions workflows on your machines. The Actions API is "
        "shaped like GitHub's (`/api/v1/repos/{owner}/{name}/actions/...`).",
    )
    app.state.conveyor = state

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        problems = []
        if not state.ready.is_set():
            problems.append("starting or stopping")
        try:
            with state.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as e:
            problems.append(f"database: {e}")
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems), status_code=503)
        return PlainTextResponse("ready")

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")

    @app.post("/webhooks/github", tags=["triggers"])
    async def github_webhook(request: Request) -> Response:
        from conveyor.server.intake import webhook

        body = await request.body()
        # database work off the event loop: deliveries and live logs never wait on it
        status, message = await asyncio.to_thread(webhook, state, dict(request.headers), body)
        return JSONResponse({"message": message}, status_code=status)

    @app.post("/hooks/git/{owner}/{name}", tags=["triggers"])
    async def git_hook(owner: str, name: str, request: Request) -> Response:
        from conveyor.server.intake import git_push

        body = (await request.body()).decode("utf-8", "replace")
        status, message = await asyncio.to_thread(git_push, state, f"{owner}/{name}", body)
        return JSONResponse({"message": message}, status_code=status)

    @app.get("/badge/{owner}/{name}/{workflow}", include_in_schema=False)
    def badge(owner: str, name: str, workflow: str, branch: str = "") -> Response:
        from conveyor.server.badge import badge_status, badge_svg

        file = workflow.removesuffix(".svg")
        with state.db.session() as s:
            repo = s.scalars(select(m.Repo).where(m.Repo.full_name == f"{owner}/{name}")).first()
            run = None
            if repo is not None:
                q = select(m.Run).where(
                    m.Run.repo_id == repo.id,
                    m.Run.status == "completed",
                    m.Run.workflow_file.in_([file, f".github/workflows/{file}"]),
                )
                if branch:
                    q = q.where(m.Run.head_branch == branch)
                run = s.scalars(q.order_by(m.Run.id.desc())).first()
            label = run.workflow_name if run is not None else file
            svg = badge_svg(label, badge_status(run.conclusion if run else None, None))
        return Response(
            svg, media_type="image/svg+xml", headers={"Cache-Control": "no-cache, max-age=0"}
        )

    from conveyor.server.api import router

    app.include_router(router)
    from conveyor.server.api_workflows import router as workflows_router

    app.include_router(workflows_router)
    from conveyor.server.agents import router as agents_router

    app.include_router(agents_router)
    from conveyor.server.web import router as web_router

    app.include_router(web_router)
    return app


def shutdown(state: State) -> None:
    """Stop taking work; running jobs are cancelled and recorded, so a graceful stop
    leaves nothing in progress (a crash is recovered at the next start instead)."""
    state.stop.set()
    state.poke()
    for run in list(state.live_runs.values()):
        run.cancel.set("the server is shutting down")
    import time

    deadline = time.monotonic() + 30
    while state.live_runs and time.monotonic() < deadline:
        time.sleep(0.1)
    with state.db.session() as s:  # what could not finish in time is handed back
        for run in s.scalars(select(m.Run).where(m.Run.owner == state.instance)):
            if run.status != "completed":
                run.owner, run.lease_until = "", 0.0
    from conveyor.server.hooksout import close_posters

    close_posters(state)
    state.db.close()
    from conveyor.server.runner import forget

    forget(state)
