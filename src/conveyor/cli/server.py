"""``conveyor serve`` and the commands that administer a server's data directory:
``repos``, ``tokens``, ``users``, ``hooks install``, ``approve``; and ``dispatch``, which
starts a workflow_dispatch run through a server's API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

DATA_HELP = "the server's data directory (default: $CONVEYOR_DATA_DIR, else ./conveyor-data)"
DB_HELP = "PostgreSQL URL (postgresql://user:pass@host/db); default: SQLite in the data directory"


def _data(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--data-dir",
        default=os.environ.get("CONVEYOR_DATA_DIR", "conveyor-data"),
        metavar="DIR",
        help=DATA_HELP,
    )
    sub.add_argument(
        "--database-url",
        default=os.environ.get("CONVEYOR_DATABASE_URL"),
        metavar="URL",
        help=DB_HELP,
    )


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the server: webhooks, queue, workers, API, web UI",
        description="Serve webhooks (POST /webhooks/github), git hooks, the REST API "
        "(/api/v1, OpenAPI at /docs), the web UI (/), badges, /metrics, /healthz and "
        "/readyz. Runs queue in the database; the server's workers lease and run them.",
        epilog="example:\n  conveyor serve --host 127.0.0.1 --port 8080 --data-dir /srv/conveyor\n"
        "  conveyor serve --database-url postgresql://ci@db/conveyor --workers 4",
        formatter_class=fmt,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    _data(serve)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="jobs run at once by this server (default: CPU count, at least 2; 0: none, "
        "remote agents run every job)",
    )
    serve.add_argument(
        "--lease-ttl",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a job lease's length; a worker silent this long loses its job",
    )
    serve.add_argument(
        "--public-url",
        default="",
        metavar="URL",
        help="how people reach this server (links in statuses and mails)",
    )
    serve.add_argument(
        "--max-runs",
        type=int,
        default=0,
        metavar="N",
        help="runs at once across repositories (0: no limit)",
    )
    serve.add_argument("--max-runs-per-repo", type=int, default=0, metavar="N")
    serve.add_argument(
        "--trusted-user-header",
        default="",
        metavar="HEADER",
        help="trust this header's user name (behind an authenticating proxy)",
    )
    serve.add_argument(
        "--protected-environment",
        action="append",
        default=None,
        metavar="NAME",
        help="environments that need approval unless configured otherwise (default: production)",
    )
    serve.add_argument(
        "--statuses-api",
        default="",
        metavar="URL",
        help="post commit statuses here (https://api.github.com, "
        "https://HOST/api/v3, Gitea's https://HOST/api/v1); token from "
        "$CONVEYOR_STATUS_TOKEN",
    )
    serve.add_argument(
        "--slack-webhook",
        default="",
        metavar="URL",
        help="notify failures and recoveries to this Slack-compatible webhook",
    )
    serve.add_argument(
        "--smtp",
        default="",
        metavar="HOST:PORT",
        help="send failure and recovery mails through this SMTP server",
    )
    serve.add_argument("--mail-from", default="conveyor@localhost", metavar="ADDRESS")
    serve.add_argument(
        "--mail-to",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a recipient of failure and recovery mails (repeatable)",
    )
    serve.add_argument(
        "--log-retention-days",
        type=int,
        default=0,
        metavar="DAYS",
        help="drop the logs of runs completed longer ago (0: keep forever)",
    )
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))

    repos = sub.add_parser("repos", help="register repositories with a server", formatter_class=fmt)
    repos_sub = repos.add_subparsers(dest="repos_command", metavar="ACTION", required=True)
    add = repos_sub.add_parser(
        "add",
        help="register OWNER/NAME",
        description="Register a repository: pushes to it (webhook or git hook) start runs.",
        epilog="example:\n  conveyor repos add shop/api --clone-url /srv/git/api.git "
        '--webhook-secret "$SECRET" --data-dir /srv/conveyor',
        formatter_class=fmt,
    )
    add.add_argument("full_name", metavar="OWNER/NAME")
    add.add_argument(
        "--clone-url",
        required=True,
        metavar="URL",
        help="where the server fetches the repository from",
    )
    add.add_argument(
        "--webhook-secret",
        default="",
        metavar="SECRET",
        help="the secret webhooks are signed with (X-Hub-Signature-256)",
    )
    add.add_argument("--default-branch", default="main", metavar="BRANCH")
    add.add_argument("--public", action="store_true", help="anyone may read its runs and logs")
    _data(add)
    ls = repos_sub.add_parser("list", help="list registered repositories", formatter_class=fmt)
    _data(ls)

    tokens = sub.add_parser("tokens", help="API tokens", formatter_class=fmt)
    tokens_sub = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = tokens_sub.add_parser(
        "create",
        help="create a token (printed once, on stdout)",
        description="Create an API token; send it as 'Authorization: Bearer TOKEN'. Scopes: "
        "read < trigger < approve < admin (each includes the ones before).",
        formatter_class=fmt,
    )
    create.add_argument(
        "--scope", required=True, choices=("read", "trigger", "approve", "admin", "agent")
    )
    create.add_argument("--name", default="", help="what the token is for")
    _data(create)

    users = sub.add_parser("users", help="web UI users", formatter_class=fmt)
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    uadd = users_sub.add_parser(
        "add", help="add a user or set a password (read from stdin)", formatter_class=fmt
    )
    uadd.add_argument("name")
    uadd.add_argument("--scope", default="admin", choices=("read", "trigger", "approve", "admin"))
    uadd.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    _data(uadd)

    hooks = sub.add_parser("hooks", help="git hooks that notify a server", formatter_class=fmt)
    hooks_sub = hooks.add_subparsers(dest="hooks_command", metavar="ACTION", required=True)
    inst = hooks_sub.add_parser(
        "install",
        help="wire a bare repository's post-receive hook",
        description="Install a post-receive hook in a bare repository: every git push "
        "to it tells the server, which fetches the pushed commits from the repository's "
        "registered clone URL and starts runs. An existing hook keeps running (chained).",
        epilog="example:\n  conveyor hooks install /srv/git/api.git --server "
        "http://127.0.0.1:8080 --repo shop/api",
        formatter_class=fmt,
    )
    inst.add_argument("bare_repo", metavar="BARE_REPO_DIR")
    inst.add_argument("--server", required=True, metavar="URL")
    inst.add_argument("--repo", required=True, metavar="OWNER/NAME")
    inst.add_argument("--token", default="", help="a token sent with each notification")

    approve = sub.add_parser(
        "approve",
        help="approve a run's waiting deployment",
        description="Approve (or --reject) the environments a run waits for. Either "
        "through a server (--server URL with --token or $CONVEYOR_TOKEN), or directly in a "
        "data directory (--data-dir).",
        epilog="examples:\n  conveyor approve 42 --repo shop/api --server http://127.0.0.1:8080"
        "\n  conveyor approve 42 --data-dir /srv/conveyor --comment 'release 1.4'",
        formatter_class=fmt,
    )
    approve.add_argument("run", type=int, metavar="RUN")
    approve.add_argument(
        "--repo",
        default="",
        metavar="OWNER/NAME",
        help="the run's repository (with --server; else it is looked up)",
    )
    approve.add_argument("--server", default=os.environ.get("CONVEYOR_SERVER", ""), metavar="URL")
    approve.add_argument("--token", default=os.environ.get("CONVEYOR_TOKEN", ""))
    approve.add_argument("--reject", action="store_true", help="reject instead")
    approve.add_argument("--comment", default="")
    approve.add_argument("--environment", default=None, metavar="NAME")
    approve.add_argument(
        "--user", default=os.environ.get("USER", "cli"), help="who approves (with --data-dir)"
    )
    _data(approve)

    dispatch = sub.add_parser(
        "dispatch",
        help="start a workflow_dispatch run on a server",
        description="Start a workflow's on: workflow_dispatch run through a server's API "
        "(a token of scope trigger: --token or $CONVEYOR_TOKEN; the server: --server or "
        "$CONVEYOR_SERVER). Prints the ids of the runs it started, with their pages.",
        epilog="example:\n  conveyor dispatch deploy.yml --repo shop/api --ref main "
        "--input level=high --server http://127.0.0.1:8080",
        formatter_class=fmt,
    )
    dispatch.add_argument("workflow", metavar="WORKFLOW", help="the workflow's file name")
    dispatch.add_argument("--repo", required=True, metavar="OWNER/NAME")
    dispatch.add_argument(
        "--ref",
        default="",
        metavar="REF",
        help="branch, tag or refs/... to run on (default: the repository's default branch)",
    )
    dispatch.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="inputs",
        help="a workflow input (repeatable)",
    )
    dispatch.add_argument("--server", default=os.environ.get("CONVEYOR_SERVER", ""), metavar="URL")
    dispatch.add_argument("--token", default=os.environ.get("CONVEYOR_TOKEN", ""))


def _state(args: argparse.Namespace) -> object:
    from conveyor.server.app import open_state
    from conveyor.server.state import Settings

    return open_state(Settings(Path(args.data_dir).resolve(), args.database_url))


def cmd_server(args: argparse.Namespace) -> int:
    try:
        return _dispatch(args)
    except ValueError as e:
        print(f"conveyor: {e}", file=sys.stderr)
        return 2
    except PermissionError as e:
        print(f"conveyor: {e}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from typing import Any

    command = args.command
    if command == "serve":
        return _serve(args)
    if command == "hooks":
        from conveyor.server.hooks import install

        path = install(Path(args.bare_repo), args.server, args.repo, args.token)
        print(f"installed {path}: pushes now notify {args.server} for {args.repo}")
        return 0
    if command == "approve" and args.server:
        return _approve_remote(args)
    if command == "dispatch":
        return _dispatch_remote(args)
    state: Any = _state(args)
    try:
        if command == "repos" and args.repos_command == "add":
            from conveyor.server.admin import add_repository

            new = add_repository(
                state,
                args.full_name,
                args.clone_url,
                args.webhook_secret,
                default_branch=args.default_branch,
                public=args.public,
            )
            print(f"{'registered' if new else 'updated'} {args.full_name}")
        elif command == "repos":
            from sqlalchemy import select

            from conveyor.server import models as m

            with state.db.session() as s:
                for r in s.scalars(select(m.Repo).order_by(m.Repo.full_name)):
                    print(f"{r.full_name}\t{r.clone_url}\t{'public' if r.public else 'private'}")
        elif command == "tokens":
            from conveyor.server.auth import create_token

            with state.db.session() as s:
                token = create_token(s, args.scope, args.name)
            print(token)
        elif command == "users":
            from conveyor.server.auth import add_user

            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                import getpass

                password = getpass.getpass(f"password for {args.name}: ")
            if len(password) < 8:
                raise ValueError("a password needs at least 8 characters")
            with state.db.session() as s:
                add_user(s, args.name, password, args.scope)
            print(f"user {args.name} ({args.scope}) saved")
        elif command == "approve":
            from conveyor.server.admin import review

            decision = "rejected" if args.reject else "approved"
            envs = review(state, args.run, decision, args.user, args.comment, args.environment)
            print(f"run {args.run}: {', '.join(envs)} {decision}")
    finally:
        state.db.close()
    return 0


def _approve_remote(args: argparse.Namespace) -> int:
    import httpx

    action = "reject" if args.reject else "approve"
    server = args.server.rstrip("/")
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    repo = args.repo or _repo_of_run(server, headers, args.run)
    url = f"{server}/api/v1/repos/{repo}/actions/runs/{args.run}/{action}"
    body = {"comment": args.comment, "environment": args.environment}
    r = httpx.post(url, json=body, headers=headers, timeout=30)
    if r.status_code != 200:
        print(f"conveyor: {action} failed ({r.status_code}): {_detail(r)}", file=sys.stderr)
        return 1
    data = r.json()
    print(f"run {args.run}: {', '.join(data['environments'])} {data['state']}")
    return 0


def _repo_of_run(server: str, headers: dict[str, str], run: int) -> str:
    """Which registered repository has run ``run`` (run ids are unique on a server)."""
    import httpx

    r = httpx.get(f"{server}/api/v1/repos", headers=headers, timeout=30)
    if r.status_code != 200:
        raise ValueError(f"cannot list the server's repositories ({r.status_code}): {_detail(r)}")
    for repo in r.json()["repositories"]:
        name = repo["full_name"]
        found = httpx.get(f"{server}/api/v1/repos/{name}/actions/runs/{run}", headers=headers)
        if found.status_code == 200:
            return str(name)
    raise ValueError(f"no repository on {server} has a run {run}")


def _detail(r: httpx.Response) -> str:
    if "json" in r.headers.get("content-type", ""):
        detail = r.json().get("detail", r.text)
        return detail if isinstance(detail, str) else str(detail)
    return r.text


def _dispatch_remote(args: argparse.Namespace) -> int:
    """POST the dispatch, then find the runs it started (the API answers 204 without
    them): the workflow's workflow_dispatch runs newer than the newest one before."""
    import httpx

    if not args.server:
        raise ValueError("dispatch needs --server URL (or $CONVEYOR_SERVER)")
    inputs: dict[str, str] = {}
    for item in args.inputs:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ValueError(f"--input {item!r}: expected KEY=VALUE")
        inputs[key] = value
    try:
        new = _post_dispatch(args, inputs)
    except httpx.HTTPError as e:
        print(f"conveyor: dispatch failed: {e}", file=sys.stderr)
        return 1
    if new is None:
        return 1
    base = args.server.rstrip("/")
    for run_id in new:
        print(f"{run_id}\t{base}/ui/{args.repo}/runs/{run_id}")
    if not new:
        print("dispatched")
    return 0


def _post_dispatch(args: argparse.Namespace, inputs: dict[str, str]) -> list[int] | None:
    """The ids of the runs started (maybe none seen in 10 s); None when refused."""
    import time

    import httpx

    base = args.server.rstrip("/")
    api = f"{base}/api/v1/repos/{args.repo}"
    workflow = args.workflow.rsplit("/", 1)[-1]
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    with httpx.Client(headers=headers, timeout=60) as client:
        ref = args.ref
        if not ref:
            r = client.get(f"{base}/api/v1/repos")
            found = [
                x["default_branch"]
                for x in (r.json().get("repositories", []) if r.status_code == 200 else [])
                if x["full_name"] == args.repo
            ]
            ref = found[0] if found else "main"

        def runs() -> list[int]:  # the ids of the workflow's newest dispatched runs
            r = client.get(
                f"{api}/actions/runs", params={"event": "workflow_dispatch", "per_page": 100}
            )
            if r.status_code != 200:
                return []
            return [
                int(run["id"])
                for run in r.json()["workflow_runs"]
                if str(run["path"]).rsplit("/", 1)[-1] == workflow
            ]

        before = max(runs(), default=0)
        r = client.post(
            f"{api}/actions/workflows/{workflow}/dispatches", json={"ref": ref, "inputs": inputs}
        )
        if r.status_code != 204:
            print(f"conveyor: dispatch failed ({r.status_code}): {_detail(r)}", file=sys.stderr)
            return None
        deadline = time.monotonic() + 10
        while True:
            new = sorted(i for i in runs() if i > before)
            if new or time.monotonic() > deadline:
                return new
            time.sleep(0.3)


def _serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from conveyor.server.app import create_app
    from conveyor.server.state import Settings

    logging.basicConfig(
        level=args.log_level.upper(),
        format='{"time":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s",'
        '"message":"%(message)s"}',
    )
    settings = Settings(
        data_dir=Path(args.data_dir).resolve(),
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        workers=args.workers,
        lease_ttl=args.lease_ttl,
        public_url=args.public_url,
        max_runs=args.max_runs,
        max_runs_per_repo=args.max_runs_per_repo,
        trusted_user_header=args.trusted_user_header,
        protected_environments=tuple(args.protected_environment or ("production",)),
        statuses_api=args.statuses_api,
        slack_webhook=args.slack_webhook,
        smtp=_smtp(args),
        log_retention_days=args.log_retention_days,
    )
    app = create_app(settings)
    uvicorn.run(
        app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=30
    )
    return 0


def _smtp(args: argparse.Namespace) -> dict[str, object]:
    if not args.smtp:
        return {}
    host, _, port = args.smtp.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--smtp {args.smtp}: expected HOST:PORT")
    if not args.mail_to:
        raise ValueError("--smtp needs at least one --mail-to")
    return {
        "host": host,
        "port": int(port),
        "sender": args.mail_from,
        "recipients": list(args.mail_to),
        "username": os.environ.get("CONVEYOR_SMTP_USER", ""),
        "password": os.environ.get("CONVEYOR_SMTP_PASSWORD", ""),
    }
