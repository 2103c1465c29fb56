"""Helm, as users run it: ``upgrade --install``, ``rollback``, ``history``, ``get manifest``.

Conveyor never passes ``--wait``: it verifies through the API server itself, which is
what lets it tell a crash loop from a slow start and roll back at once. The flags used
here mean the same in Helm 3 and Helm 4.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from conveyor.deploy.model import DeployError, Target


def _base(target: Target) -> list[str]:
    argv = [str(target.helm), "--namespace", target.namespace]
    if str(target.kubeconfig) not in ("", "."):
        argv += ["--kubeconfig", str(target.kubeconfig)]
    if target.context:
        argv += ["--kube-context", target.context]
    return argv


def helm(target: Target, *args: str, timeout: float = 300.0) -> str:
    """Run ``helm ARGS`` for the target's cluster and namespace; stdout, or DeployError
    with Helm's own message."""
    try:
        proc = subprocess.run(
            [*_base(target), *args],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise DeployError(
            f"helm is not installed at {target.helm}: run 'conveyor cluster build' "
            "(it builds Helm 3 and 4), or put helm on PATH"
        ) from None
    except subprocess.TimeoutExpired:
        raise DeployError(f"helm {args[0]} did not finish in {timeout:.0f}s") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().removeprefix("Error: ")
        raise DeployError(f"helm {args[0]} failed: {message}")
    return proc.stdout


def upgrade(target: Target, release: str | None = None, extra: list[str] | None = None) -> int:
    """``helm upgrade --install`` of the target's chart; the new revision."""
    argv = ["upgrade", "--install", release or target.release, str(target.chart)]
    for values in target.values:
        argv += ["--values", str(values)]
    for key, value in target.sets.items():
        argv += ["--set", f"{key}={value}"]
    if target.image and target.image_value:
        argv += ["--set-string", f"{target.image_value}={target.image}"]
    argv += [*(extra or []), "--output", "json"]
    out = helm(target, *argv, timeout=target.timeout)
    try:
        return int(json.loads(out)["version"])
    except (ValueError, KeyError, TypeError):
        return latest_revision(target, release or target.release)


def rollback(target: Target, revision: int, release: str | None = None) -> int:
    """``helm rollback`` to ``revision``; the revision it creates."""
    helm(target, "rollback", release or target.release, str(revision), timeout=target.timeout)
    return latest_revision(target, release or target.release)


def history(target: Target, release: str | None = None) -> list[dict[str, Any]]:
    """The release's revisions, oldest first ([] when it was never installed)."""
    try:
        out = helm(target, "history", release or target.release, "--max", "256", "-o", "json")
    except DeployError as e:
        if "not found" in str(e):
            return []
        raise
    data = json.loads(out or "[]")
    return data if isinstance(data, list) else []


def latest_revision(target: Target, release: str | None = None) -> int:
    revisions = history(target, release)
    return int(revisions[-1]["revision"]) if revisions else 0


def manifest(target: Target, release: str | None = None, revision: int = 0) -> str:
    argv = ["get", "manifest", release or target.release]
    if revision:
        argv += ["--revision", str(revision)]
    return helm(target, *argv)


def uninstall(target: Target, release: str) -> None:
    helm(target, "uninstall", release)


def chart_exists(chart: Path) -> bool:
    return (chart / "Chart.yaml").is_file() or (chart.suffix == ".tgz" and chart.is_file())
