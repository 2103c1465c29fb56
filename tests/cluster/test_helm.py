"""Helm 4, built by the cluster package, installs a small chart and waits for it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conveyor.cluster import helm_binary
from tests.cluster.support import Cluster, eventually, get_json

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      containers:
      - name: app
        image: "example.local/app:{{ .Values.tag }}"
        ports: [{containerPort: 8080}]
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 80, targetPort: 8080}]
"""


def _chart(root: Path) -> Path:
    chart = root / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 2\ntag: '1'\npodLabels: {}\n")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT)
    (chart / "templates" / "service.yaml").write_text(SERVICE)
    return chart


def _helm(cluster: Cluster, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    helm = helm_binary(4)
    # helm's caches and config in the test's folder, not the user's
    env = {
        **cluster.env,
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    return subprocess.run(
        [str(helm), f"--kubeconfig={cluster.kubeconfig}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_helm4_upgrade_install_waits_for_ready(cluster: Cluster, tmp_path: Path) -> None:
    version = _helm(cluster, tmp_path, "version", "--short")
    assert version.stdout.startswith("v4."), version.stdout + version.stderr
    chart = _chart(tmp_path)
    proc = _helm(
        cluster, tmp_path, "upgrade", "--install", "tiny", str(chart), "--wait", "--timeout", "60s"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert get_json(cluster, "deployment", "tiny")["status"]["readyReplicas"] == 2

    def both_pods_serve() -> bool:
        slices = get_json(cluster, "endpointslices", "-l", "kubernetes.io/service-name=tiny")
        ready = {
            a
            for s in slices["items"]
            for e in s.get("endpoints") or []
            if e.get("conditions", {}).get("ready")
            for a in e["addresses"]
        }
        return len(ready) == 2

    # the endpoint controller follows the pods a moment later
    eventually("Service tiny has both pods as ready endpoints", both_pods_serve)


def test_helm4_wait_fails_when_pods_never_become_ready(cluster: Cluster, tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    proc = _helm(
        cluster,
        tmp_path,
        "upgrade",
        "--install",
        "stuck",
        str(chart),
        "--wait",
        "--timeout",
        "5s",
        "--set-string",
        "podLabels.conveyor\\.dev/fault=not-ready",
    )
    assert proc.returncode != 0, proc.stdout
