"""Just enough of a Kubernetes API client for bringing a cluster up and saying how it
is: JSON over HTTPS with the cluster's CA and the admin token (no client library)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Api:
    server: str  # https://127.0.0.1:PORT
    token: str
    ca: Path


def call(api: Api, method: str, path: str, body: Any = None, timeout: float = 5) -> tuple[int, Any]:
    """(HTTP status, the decoded JSON body or the text); status 0 when nothing answers."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api.server + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {api.token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    context = ssl.create_default_context(cafile=str(api.ca))
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, _decode(response.read())
    except urllib.error.HTTPError as e:
        return e.code, _decode(e.read())
    except (OSError, ssl.SSLError):
        return 0, None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace").strip()


def healthy(url: str, timeout: float = 2) -> bool:
    """``url`` answers 200 "ok" (controllers' /healthz serve a self-signed certificate
    and need no credentials; etcd's /health is plain HTTP)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return bool(response.status == 200)
    except (OSError, ssl.SSLError):
        return False


def ready_nodes(api: Api, prefix: str = "") -> tuple[int, int]:
    """(nodes whose name starts with ``prefix``, how many of them are Ready)."""
    status, body = call(api, "GET", "/api/v1/nodes")
    if status != 200:
        return 0, 0
    nodes = [n for n in body.get("items", []) if n["metadata"]["name"].startswith(prefix)]
    ready = sum(
        1
        for n in nodes
        for c in n.get("status", {}).get("conditions", [])
        if c.get("type") == "Ready" and c.get("status") == "True"
    )
    return len(nodes), ready
