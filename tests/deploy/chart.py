"""A small Helm chart for the deploy tests: a Deployment and a Service; ``image`` is one
string, ``fault`` puts the ``conveyor.dev/fault`` label on the pods (kwok's fault stages)."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "values.yaml": "image: registry.local/shop/web:1\nreplicas: 2\nfault: ''\n",
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/instance: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .Release.Name }}
        {{- if .Values.fault }}
        conveyor.dev/fault: {{ .Values.fault }}
        {{- end }}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          ports: [{name: http, containerPort: 8080}]
""",
    "templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app.kubernetes.io/instance: {{ .Release.Name }}}
  ports: [{name: http, port: 80, targetPort: http}]
""",
}


def write_chart(folder: Path) -> Path:
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
