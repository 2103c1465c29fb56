"""``conveyor deploy``, ``conveyor rollback`` and ``conveyor deployments``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

DEPLOY_EPILOG = """\
examples:
  conveyor deploy staging --image 127.0.0.1:5000/shop/api:main-1a2b3c4
  conveyor deploy production --image shop/api@sha256:... --strategy blue-green
  conveyor rollback staging                 the last good revision again
  conveyor rollback staging --to 4          a given Helm revision
  conveyor deployments staging --json       the history, newest first

environments are declared in .conveyor.yml (see docs/deploy.md):
  environments:
    staging:
      namespace: shop
      chart: deploy/chart
      image-value: image
      verify: {ready-within: 20}

exit status: 0 deployed (or rolled back on request), 1 the deploy failed and was
rolled back or could not be, 2 bad input (unknown environment, no chart, bad kubeconfig).
"""


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    deploy = sub.add_parser(
        "deploy",
        help="deploy an image to an environment with Helm, verify it, roll back on failure",
        description="Helm upgrade --install of the environment's chart with the image, then "
        "verification through the API server (rollout, readiness, smoke checks); when it "
        "fails, the last good revision is restored and verified.",
        epilog=DEPLOY_EPILOG,
        formatter_class=fmt,
    )
    _common(deploy)
    deploy.add_argument(
        "--image", default="", metavar="REF", help="image reference (tag or digest)"
    )
    deploy.add_argument("--chart", default="", metavar="DIR", help="chart path in the repository")
    deploy.add_argument("--release", default="", help="Helm release name")
    deploy.add_argument("--namespace", default="", help="Kubernetes namespace")
    deploy.add_argument("--values", action="append", default=[], metavar="FILE")
    deploy.add_argument("--set", action="append", default=[], metavar="K=V", dest="sets")
    deploy.add_argument("--image-value", default=None, metavar="KEY",
                        help="the Helm value that receives --image (e.g. image)")  # fmt: skip
    deploy.add_argument("--strategy", default="", choices=("rolling", "blue-green"))
    deploy.add_argument("--timeout", type=float, default=0.0, metavar="SECONDS")
    rollback = sub.add_parser(
        "rollback",
        help="serve an earlier revision of an environment again",
        description="Roll an environment back: Helm rollback to the last good revision (or "
        "--to REVISION), verified; blue-green switches the Service back to the idle colour.",
        epilog=DEPLOY_EPILOG,
        formatter_class=fmt,
    )
    _common(rollback)
    rollback.add_argument("--to", type=int, default=None, metavar="REVISION")
    history = sub.add_parser(
        "deployments",
        help="the deploy history of the environments",
        description="Every deploy and rollback, newest first: revision, image, result, "
        "reason, time to detect and to restore.",
        formatter_class=fmt,
    )
    history.add_argument("environment", nargs="?", default=None, metavar="ENV")
    history.add_argument("-C", "--directory", default=".", metavar="DIR", help="the repository")
    history.add_argument("--json", action="store_true", help="as a JSON list")
    history.add_argument("--limit", type=int, default=50, metavar="N")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("environment", metavar="ENV", help="an environment of .conveyor.yml")
    parser.add_argument("-C", "--directory", default=".", metavar="DIR", help="the repository")
    parser.add_argument("--config", metavar="FILE", help="Conveyor's configuration file")
    parser.add_argument("--kubeconfig", default="", metavar="FILE", help="default: $KUBECONFIG")
    parser.add_argument("-s", "--secret", action="append", default=[], metavar="K=V",
                        help="a secret (e.g. the environment's kubeconfig-secret)")  # fmt: skip


def cmd_deploy(args: argparse.Namespace) -> int:
    from conveyor.cli.options import UsageError, collect_secrets, pairs
    from conveyor.deploy.model import DeployError
    from conveyor.deploy.run import DeployRequest, deploy, environment, rollback

    root = Path(args.directory).resolve()
    try:
        settings = _settings(root, args.config)
        env = environment(settings.environments, args.environment, settings.files)
        request = DeployRequest(
            root=root,
            environment=env.name,
            kubeconfig=args.kubeconfig,
            secrets=collect_secrets(argparse.Namespace(secret=args.secret, secret_file=[])),
            trigger="cli" if args.command == "deploy" else "rollback",
        )
        if args.command == "deploy":
            request.image = args.image
            request.chart, request.release, request.namespace = (
                args.chart,
                args.release,
                args.namespace,
            )
            request.values = list(args.values)
            request.sets = pairs(args.sets, "=", "--set")
            request.image_value = args.image_value
            request.strategy = args.strategy
            request.timeout = args.timeout
            outcome = deploy(request, env, _say)
        else:
            outcome = rollback(request, env, args.to, _say)
    except (DeployError, UsageError) as e:
        print(f"conveyor {args.command}: {e}", file=sys.stderr)
        return 2
    print(_summary(env.name, outcome))
    wanted = "deployed" if args.command == "deploy" else "rolled-back"
    return 0 if outcome.result == wanted else 1


def _settings(root: Path, explicit: str | None) -> Any:
    from conveyor.cli.run import load_settings

    return load_settings(root, explicit)


def _say(line: str) -> None:
    print(line, flush=True)


def _summary(env: str, outcome: Any) -> str:
    text = f"{env}: {outcome.result}, revision {outcome.revision}"
    if outcome.serving and outcome.serving != outcome.revision:
        text += f"; revision {outcome.serving} serves"
    if outcome.color:
        text += f" ({outcome.color})"
    if outcome.reason:
        text += f"\n  reason: {outcome.reason}"
    if outcome.failure is not None:
        for event in outcome.failure.events:
            text += f"\n  event: {event}"
    if outcome.detect_seconds or outcome.restore_seconds:
        text += (f"\n  failure detected {outcome.detect_seconds:.1f}s after the apply, "
                 f"restored in {outcome.restore_seconds:.1f}s")  # fmt: skip
    return text


def cmd_deployments(args: argparse.Namespace) -> int:
    from conveyor.store.db import Store
    from conveyor.store.paths import data_dir

    path = data_dir(Path(args.directory).resolve()) / "conveyor.db"
    rows: list[dict[str, Any]] = []
    if path.exists():
        store = Store(path)
        try:
            rows = store.deployments(args.environment, args.limit)
        finally:
            store.close()
    items = [_public(r) for r in rows]
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    if not items:
        what = f"environment '{args.environment}'" if args.environment else "any environment"
        print(f"no deploys recorded for {what}", file=sys.stderr)
        return 0
    for item in items:
        back = f" -> {item['rolled_back_to']}" if item["rolled_back_to"] else ""
        print(f"{item['started_at']}  {item['environment']:<12} rev {item['revision']:<4} "
              f"{item['result']:<12}{back}  {item['image']}")  # fmt: skip
        if item["reason"]:
            print(f"    {item['reason']}")
    return 0


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A history row as printed by --json (times in UTC, ISO 8601)."""
    item = dict(row)
    item["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["started_at"]))
    item["commit"] = item["sha"]
    return item
