"""aquasecurity/trivy-action, offline: the same inputs, Trivy's table, JSON and SARIF,
and its exit-code rule, from conveyor's own scanner (``conveyor.scan``).

No vulnerability database can be downloaded here, so the findings come from a folder of
OSV records named by ``CONVEYOR_VULN_DB`` (default ``~/.cache/conveyor/vulndb``); without
one the step fails saying so, never "0 vulnerabilities". On a connected machine
``CONVEYOR_SCANNER=trivy`` (or ``grype``) runs that binary instead, reports unchanged.
Images are read from the local store (``podman image mount``), never pulled. Only
vulnerabilities are looked for: the inputs for secrets, misconfigurations, licences,
templates, SBOMs and policies fail naming themselves.
"""

from __future__ import annotations

import os
import re

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.docker_tools import CallTools
from conveyor.scan.base import SEVERITIES, Finding, ScanError, Scanner, Target
from conveyor.scan.builtin import BuiltinScanner
from conveyor.scan.external import from_env
from conveyor.scan.osv import db_path
from conveyor.scan.policy import counts, parse_ignore_file, parse_severities, select
from conveyor.scan.report import FORMATS, table, to_json, to_sarif

INPUTS: dict[str, dict[str, str]] = {
    "scan-type": {"default": "image"},
    "image-ref": {"default": ""},
    "input": {"default": ""},
    "scan-ref": {"default": "."},
    "exit-code": {"default": ""},
    "ignore-unfixed": {"default": "false"},
    "vuln-type": {"default": "os,library"},
    "severity": {"default": ",".join(SEVERITIES)},
    "format": {"default": "table"},
    "template": {"default": ""},
    "output": {"default": ""},
    "skip-dirs": {"default": ""},
    "skip-files": {"default": ""},
    "cache-dir": {"default": "${{ github.workspace }}/.cache/trivy"},
    "timeout": {"default": ""},
    "ignore-policy": {"default": ""},
    "hide-progress": {"default": ""},
    "list-all-pkgs": {"default": "false"},
    "scanners": {"default": ""},
    "trivyignores": {"default": ""},
    "github-pat": {"default": ""},
    "trivy-config": {"default": ""},
    "tf-vars": {"default": ""},
    "limit-severities-for-sarif": {"default": ""},
    "docker-host": {"default": ""},
    "version": {"default": "v0.72.0"},
    "cache": {"default": "true"},
    "skip-setup-trivy": {"default": "false"},
    "token-setup-trivy": {"default": "${{ github.token }}"},
}

# inputs whose feature this scanner does not have: set, they fail naming themselves
_REFUSED = {
    "input": "scanning an image tarball (load it with `podman load` and use image-ref)",
    "template": "templates",
    "ignore-policy": "OPA/Rego ignore policies",
    "trivy-config": "trivy.yaml configuration files",
    "tf-vars": "Terraform (misconfiguration) scanning",
    "skip-files": "skip-files (use skip-dirs)",
}
_SCAN_TYPES = {"image": "image", "fs": "fs", "rootfs": "fs", "repo": "fs"}


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _duration(text: str) -> float | None:
    """Go's ``5m0s``/``90s``/``1h`` as seconds; None when empty."""
    text = text.strip()
    if not text:
        return None
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ActionFailed(f"timeout: '{text}' is not a duration like 5m0s")
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def _check(call: ActionCall) -> None:
    for name, what in _REFUSED.items():
        if call.input(name).strip():
            raise ActionFailed(f"{name}: {what} is not supported by conveyor's scanner")
    if call.bool_input("list-all-pkgs"):
        raise ActionFailed("list-all-pkgs: listing every package is not supported")
    scan_type = call.input("scan-type", "image").strip().lower()
    if scan_type not in _SCAN_TYPES:
        raise ActionFailed(
            f"scan-type: '{scan_type}' is not supported by conveyor's scanner "
            "(image, fs, rootfs, repo with a local path)"
        )
    fmt = call.input("format", "table").strip().lower()
    if fmt not in FORMATS:
        raise ActionFailed(f"format: '{fmt}' is not supported ({', '.join(FORMATS)})")
    others = [s for s in _csv(call.input("scanners").lower()) if s != "vuln"]
    if others:
        raise ActionFailed(
            f"scanners: {','.join(others)} not supported; conveyor's scanner finds "
            "vulnerabilities only (scanners: vuln)"
        )
    wrong = [t for t in _csv(call.input("vuln-type", "os,library").lower())
             if t not in ("os", "library")]  # fmt: skip
    if wrong:
        raise ActionFailed(f"vuln-type: unknown {','.join(wrong)} (os, library)")


def _ignored(call: ActionCall) -> set[str]:
    """Ids from ``trivyignores`` (plain or one ``.trivyignore.yaml``), else the
    workspace's ``.trivyignore`` as Trivy reads it by default."""
    files = _csv(call.input("trivyignores"))
    if not files:
        default = call.workspace / ".trivyignore"
        return parse_ignore_file(default.read_text()) if default.is_file() else set()
    ids: set[str] = set()
    for name in files:
        path = call.workspace / name
        if not path.is_file():
            raise ActionFailed(f"trivyignores: cannot find ignorefile '{name}'")
        call.log(f"Found ignorefile '{name}'")
        if path.suffix in (".yml", ".yaml"):
            import yaml  # only for this rare case

            data = yaml.safe_load(path.read_text()) or {}
            for item in data.get("vulnerabilities") or []:
                if isinstance(item, dict) and item.get("id"):
                    ids.add(str(item["id"]))
        else:
            ids |= parse_ignore_file(path.read_text())
    return ids


def _scanner(call: ActionCall, env: dict[str, str]) -> Scanner:
    tools = CallTools(call)
    external = from_env(env, tools)
    if external is not None:
        call.log(f"Scanning with {external.binary} (CONVEYOR_SCANNER)")
        return external
    folder = db_path(env)
    call.log(f"Scanning with conveyor's scanner, OSV database {folder}")
    return BuiltinScanner(folder, tools)


def _target(call: ActionCall) -> Target:
    kind = _SCAN_TYPES[call.input("scan-type", "image").strip().lower()]
    ref = call.input("image-ref").strip() or call.input("scan-ref", ".").strip()
    if kind == "fs":
        if "://" in ref or ref.startswith("git@"):
            raise ActionFailed(f"scan-ref: remote repository '{ref}' is not supported; check out")
        path = (call.workspace / ref).resolve()
        if not path.exists():
            raise ActionFailed(f"scan-ref: {ref} does not exist in the workspace")
        ref = str(path)
    elif not ref or ref == ".":
        raise ActionFailed("image-ref: an image reference is needed for scan-type image")
    return Target(
        kind=kind,
        ref=ref,
        skip_dirs=tuple(_csv(call.input("skip-dirs"))),
        pkg_types=tuple(_csv(call.input("vuln-type", "os,library").lower())),
        timeout=_duration(call.input("timeout")),
    )


def _render(fmt: str, findings: list[Finding], artifact: str, kind: str, os_name: str) -> str:
    if fmt == "json":
        return to_json(findings, artifact, "container_image" if kind == "image" else "filesystem",
                       os_name)  # fmt: skip
    if fmt == "sarif":
        return to_sarif(findings, artifact)
    return ""


def main(call: ActionCall) -> None:
    try:
        _main(call)
    except ScanError as e:
        raise ActionFailed(str(e)) from None


def _main(call: ActionCall) -> None:
    _check(call)
    for name in ("docker-host", "cache-dir"):
        value = call.input(name).strip()
        if value and not value.endswith(".cache/trivy") and "${{" not in value:
            call.log(f"{name}: not used (images come from the local store; no cache needed)")
    fmt = call.input("format", "table").strip().lower()
    target = _target(call)
    artifact = call.input("image-ref").strip() or call.input("scan-ref", ".").strip()
    severities = parse_severities(call.input("severity", ",".join(SEVERITIES)))
    if fmt == "sarif" and not call.bool_input("limit-severities-for-sarif"):
        call.log("Building SARIF report with all severities")
        severities = SEVERITIES
    exit_code = call.input("exit-code", "0").strip()
    if not exit_code.isdigit():
        raise ActionFailed(f"exit-code: '{exit_code}' is not a number")
    env = {**os.environ, **call.env}
    scanner = _scanner(call, env)
    findings = scanner.scan(target)
    kept = select(findings, severities, call.bool_input("ignore-unfixed"), _ignored(call))
    os_name = getattr(scanner, "os_name", "")
    for line in table(kept, artifact, severities, os_name).splitlines():
        call.log(line)
    report = _render(fmt, kept, artifact, target.kind, os_name)
    output = call.input("output").strip()
    if output:
        path = call.workspace / output
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report or table(kept, artifact, severities, os_name))
        call.log(f"Report written to {output}")
    elif report:
        for line in report.splitlines():
            call.log(line)
    if kept and int(exit_code) != 0:
        total = counts(kept)
        summary = ", ".join(f"{s}: {total[s]}" for s in reversed(SEVERITIES) if total[s])
        raise ActionFailed(
            f"{len(kept)} vulnerabilit{'y' if len(kept) == 1 else 'ies'} found in "
            f"{artifact} ({summary}); exit-code {exit_code}"
        )
