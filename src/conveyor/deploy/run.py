"""One deploy or rollback, from an environment's name to a row of the deploy history.

Everything that can be checked before the cluster changes is checked first: the
environment exists, the chart is there, the kubeconfig is usable and its cluster answers,
the namespace exists or may be created. Only then does Helm run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conveyor.config.environments import Environment
from conveyor.deploy.helm import chart_exists
from conveyor.deploy.kube import check_access, connect, ensure_namespace
from conveyor.deploy.model import DeployError, Log, Outcome, Strategy, Target
from conveyor.records import field, record


@record(slots=True)
class DeployRequest:
    """What a person or a workflow step asks for; empty fields take the environment's."""

    root: Path
    environment: str
    image: str = ""
    chart: str = ""
    release: str = ""
    namespace: str = ""
    values: list[str] = field(default_factory=list)
    sets: dict[str, str] = field(default_factory=dict)
    image_value: str | None = None
    strategy: str = ""
    kubeconfig: str = ""  # a path, or a kubeconfig's content
    timeout: float = 0.0
    secrets: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    sha: str = ""
    run_id: int | None = None
    trigger: str = "cli"  # cli | workflow | rollback
    data_dir: Path | None = None  # where the history is kept (default: the root's store)


def strategies() -> dict[str, Strategy]:
    """The strategies by name (canary will join them)."""
    from conveyor.deploy.bluegreen import BlueGreen
    from conveyor.deploy.rolling import Rolling

    return {"rolling": Rolling(), "blue-green": BlueGreen()}


def environment(environments: dict[str, Environment], name: str, files: list[str]) -> Environment:
    """The declared environment ``name``. When none is declared at all, an environment
    of that name with the defaults (as GitHub creates an environment a workflow names);
    when others are, a name that is not among them is a mistake."""
    if name in environments:
        return environments[name]
    if not environments:
        return Environment(name=name)
    where = " and ".join(files)
    known = ", ".join(sorted(environments))
    raise DeployError(f"unknown environment '{name}': the environments in {where} are {known}")


def deploy(request: DeployRequest, env: Environment, log: Log) -> Outcome:
    """Deploy, verify, roll back on failure; the outcome is recorded in the history."""
    with _target(request, env, log) as target:
        started = time.time()
        strategy = strategies()[target.strategy]
        outcome = strategy.deploy(target, log)
        _record(request, target, outcome, started)
        return outcome


def rollback(request: DeployRequest, env: Environment, to: int | None, log: Log) -> Outcome:
    with _target(request, env, log) as target:
        started = time.time()
        outcome = strategies()[target.strategy].rollback(target, to, log)
        _record(request, target, outcome, started)
        return outcome


@contextmanager
def _target(request: DeployRequest, env: Environment, log: Log) -> Iterator[Target]:
    root = request.root
    chart_text = request.chart or env.chart
    if not chart_text:
        where = f"in {env.file}" if env.file else "(it is not declared in .conveyor.yml)"
        raise DeployError(
            f"environment '{env.name}' {where} names no chart: give the chart input or "
            "--chart, or declare it with chart: (docs/deploy.md)"
        )
    chart = (root / chart_text).resolve()
    if not chart_exists(chart):
        raise DeployError(f"chart {chart_text}: no Chart.yaml in {chart}")
    strategy = request.strategy or env.strategy
    if strategy not in strategies():
        raise DeployError(f"strategy '{strategy}' is not one of {', '.join(strategies())}")
    values = [(root / v).resolve() for v in (*env.values, *request.values)]
    for v in values:
        if not v.is_file():
            raise DeployError(f"values file {v} does not exist")
    with _kubeconfig(request, env) as kubeconfig:
        api = connect(kubeconfig, env.context)
        namespace = request.namespace or env.namespace
        release = request.release or env.release or chart.name
        said = ensure_namespace(api, namespace, env.create_namespace)
        if said:
            log(said)
        check_access(api, namespace)
        image_value = env.image_value if request.image_value is None else request.image_value
        request.image = full_image(env.image_repository, request.image)
        target = Target(
            env=env,
            release=release,
            namespace=namespace,
            chart=chart,
            image=request.image,
            image_value=image_value,
            values=values,
            sets={**env.set, **request.sets},
            strategy=strategy,
            timeout=request.timeout or float(env.timeout),
            kubeconfig=kubeconfig,
            context=env.context,
            helm=helm_binary(env.helm),
            root=root,
            api=api,
        )
        target.checks_env = {
            "CONVEYOR_ENVIRONMENT": env.name,
            "CONVEYOR_RELEASE": release,
            "CONVEYOR_NAMESPACE": namespace,
            "CONVEYOR_IMAGE": request.image,
            "KUBECONFIG": str(kubeconfig),
        }
        target.last_good = _last_good(request, target)
        log(f"{env.name}: release {release} in namespace {namespace}, with Helm {env.helm} "
            f"({target.helm})")  # fmt: skip
        yield target


def full_image(repository: str, given: str) -> str:
    """``given`` as a full reference: a bare tag (``main-1a2b3c4``) or digest
    (``sha256:...``, ``@sha256:...``) of the environment's ``image-repository``."""
    if not repository or not given or "/" in given:
        return given
    if given.startswith("@"):
        return f"{repository}{given}"
    if given.startswith("sha256:"):
        return f"{repository}@{given}"
    if ":" not in given and "@" not in given:
        return f"{repository}:{given}"
    return given


def helm_binary(major: int) -> Path:
    """Helm ``major`` as ``conveyor cluster build`` made it, else ``helm`` on PATH, else
    built now (about a minute, said as it goes)."""
    from conveyor.cluster import build
    from conveyor.cluster import helm_binary as built
    from conveyor.cluster.versions import bin_dir

    name = f"helm{major}"
    if not build.missing([name]):
        return bin_dir() / name
    found = shutil.which("helm")
    if found:
        return Path(found)
    try:
        return built(major)
    except build.BuildError as e:
        raise DeployError(f"Helm {major} is not installed and could not be built: {e}") from None


@contextmanager
def _kubeconfig(request: DeployRequest, env: Environment) -> Iterator[Path]:
    """The kubeconfig as a file: a path as given, content in a 0600 file in memory
    (/dev/shm) removed afterwards, never on disk."""
    given = request.kubeconfig
    if not given and env.kubeconfig_secret:
        given = request.secrets.get(env.kubeconfig_secret, "")
        if not given:
            raise DeployError(
                f"environment '{env.name}' takes its kubeconfig from secret "
                f"{env.kubeconfig_secret}, which was not given (--secret {env.kubeconfig_secret})"
            )
    if given and ("\n" in given or given.lstrip().startswith(("apiVersion", "{"))):
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        with tempfile.TemporaryDirectory(prefix="conveyor-kube-", dir=base) as tmp:
            path = Path(tmp) / "kubeconfig"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(given)
            yield path
        return
    text = given or env.kubeconfig or os.environ.get("KUBECONFIG", "")
    if not text:
        default = Path.home() / ".kube" / "config"
        if not default.is_file():
            raise DeployError(
                "no kubeconfig: give the kubeconfig input, kubeconfig: or kubeconfig-secret: "
                f"in environment '{env.name}', or set KUBECONFIG (for a local cluster: "
                "conveyor cluster up; export KUBECONFIG=$(conveyor cluster kubeconfig))"
            )
        text = str(default)
    path = Path(os.path.expanduser(text.split(os.pathsep)[0]))
    yield path if path.is_absolute() else (request.root / path)


def _store(request: DeployRequest) -> Any:
    from conveyor.store.db import Store
    from conveyor.store.paths import data_dir

    return Store((request.data_dir or data_dir(request.root)) / "conveyor.db")


def _last_good(request: DeployRequest, target: Target) -> int:
    """The revision to go back to: the newest this history saw serving well, else the
    release's current one (deployed before Conveyor kept its history)."""
    from conveyor.deploy import helm

    try:
        store = _store(request)
        try:
            rows = store.deployments(target.env.name, 200)
        finally:
            store.close()
    except Exception:  # a broken store must not stop a deploy; Helm still knows
        rows = []
    revisions = helm.history(target)
    existing = {int(r["revision"]) for r in revisions}
    for row in rows:
        if row["release"] == target.release and row["result"] in ("deployed", "rolled-back"):
            good = int(row["serving"] or row["revision"] or 0)
            if good in existing:
                return good
    deployed = [int(r["revision"]) for r in revisions if r.get("status") == "deployed"]
    return deployed[-1] if deployed else 0


def _record(request: DeployRequest, target: Target, outcome: Outcome, started: float) -> None:
    digest = request.digest or (request.image.split("@", 1)[1] if "@" in request.image else "")
    details: dict[str, Any] = dict(outcome.details)
    if outcome.failure is not None:
        f = outcome.failure
        details["failure"] = {"kind": f.kind, "pod": f.pod, "container": f.container,
                              "events": f.events}  # fmt: skip
    row = {
        "environment": target.env.name,
        "release": target.release,
        "namespace": target.namespace,
        "revision": outcome.revision,
        "serving": outcome.serving,
        "image": request.image,
        "digest": digest,
        "strategy": target.strategy,
        "result": outcome.result,
        "reason": outcome.reason,
        "rolled_back_to": outcome.rolled_back_to or None,
        "rolled_back_from": details.get("rolled_back_from"),
        "color": outcome.color,
        "sha": request.sha,
        "run_id": request.run_id,
        "trigger": request.trigger,
        "started_at": started,
        "deploy_seconds": round(outcome.deploy_seconds, 3),
        "detect_seconds": round(outcome.detect_seconds, 3),
        "restore_seconds": round(outcome.restore_seconds, 3),
        "details": details,
    }
    store = _store(request)
    try:
        store.add_deployment(row)
    finally:
        store.close()
