"""Scanners that shell out to a real Trivy or Grype, for machines that can download their
databases: ``CONVEYOR_SCANNER=trivy`` (or ``grype``) with the binary on PATH. Their JSON
reports are read back into ``Finding`` records, so filtering and reports stay the same."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from typing import Any

from conveyor.scan.base import Finding, Runner, ScanError, Target, normalize_severity

SCANNER_VAR = "CONVEYOR_SCANNER"
_TRIVY_CLASS = {"os-pkgs": "os", "lang-pkgs": "library"}


def _go_duration(seconds: float) -> str:
    return f"{int(seconds)}s"


def trivy_argv(binary: str, target: Target) -> list[str]:
    """``trivy image|fs --format json --quiet --scanners vuln ... REF`` for ``target``."""
    argv = [binary, target.kind, "--format", "json", "--quiet", "--scanners", "vuln"]
    argv += ["--pkg-types", ",".join(target.pkg_types)]
    if target.skip_dirs:
        argv += ["--skip-dirs", ",".join(target.skip_dirs)]
    if target.timeout:
        argv += ["--timeout", _go_duration(target.timeout)]
    return [*argv, target.ref]


def grype_argv(binary: str, target: Target) -> list[str]:
    """``grype SOURCE -o json`` (``dir:PATH`` for a folder, ``podman:REF`` for an image)."""
    source = f"dir:{target.ref}" if target.kind == "fs" else f"podman:{target.ref}"
    argv = [binary, source, "-o", "json", "-q"]
    for folder in target.skip_dirs:
        argv += ["--exclude", f"./{folder.strip('/')}/**"]
    return argv


def parse_trivy(report: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for result in report.get("Results") or []:
        kind = _TRIVY_CLASS.get(str(result.get("Class", "")), "library")
        for vuln in result.get("Vulnerabilities") or []:
            found.append(
                Finding(
                    id=str(vuln.get("VulnerabilityID", "")),
                    package=str(vuln.get("PkgName", "")),
                    installed=str(vuln.get("InstalledVersion", "")),
                    fixed=str(vuln.get("FixedVersion", "")),
                    severity=normalize_severity(str(vuln.get("Severity", ""))),
                    title=str(vuln.get("Title", "")),
                    ecosystem=str(result.get("Type", "")),
                    kind=kind,
                    source=str(result.get("Target", "")),
                    aliases=(str(vuln.get("VulnerabilityID", "")),),
                    url=str(vuln.get("PrimaryURL", "")),
                )
            )
    return found


def parse_grype(report: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for item in report.get("matches") or []:
        vuln, artifact = item.get("vulnerability") or {}, item.get("artifact") or {}
        fixes = (vuln.get("fix") or {}).get("versions") or []
        related = [str(r.get("id")) for r in item.get("relatedVulnerabilities") or []]
        locations = artifact.get("locations") or [{}]
        found.append(
            Finding(
                id=str(vuln.get("id", "")),
                package=str(artifact.get("name", "")),
                installed=str(artifact.get("version", "")),
                fixed=", ".join(str(f) for f in fixes),
                severity=normalize_severity(str(vuln.get("severity", ""))),
                title=str(vuln.get("description", "")).splitlines()[0][:120]
                if vuln.get("description")
                else "",
                ecosystem=str(artifact.get("type", "")),
                kind="os" if artifact.get("type") in ("deb", "rpm", "apk") else "library",
                source=str(locations[0].get("path", "")),
                aliases=(str(vuln.get("id", "")), *related),
                url=str(vuln.get("dataSource", "")),
            )
        )
    return found


class ExternalScanner:
    """``Scanner`` running ``trivy`` or ``grype`` through ``runner``."""

    def __init__(self, name: str, binary: str, runner: Runner) -> None:
        if name not in ("trivy", "grype"):
            raise ScanError(f"{SCANNER_VAR}={name}: use trivy or grype (or unset it)")
        self.name = name
        self.binary = binary
        self.runner = runner

    def argv(self, target: Target) -> list[str]:
        build = trivy_argv if self.name == "trivy" else grype_argv
        return build(self.binary, target)

    def scan(self, target: Target) -> list[Finding]:
        out = self.runner.capture(self.argv(target))
        if out.exit.code != 0:
            tail = "\n".join(out.stderr.strip().splitlines()[-5:])
            raise ScanError(f"{self.name} failed (exit {out.exit.code}): {tail}")
        try:
            report = json.loads(out.stdout or "{}")
        except ValueError:
            raise ScanError(f"{self.name} printed no JSON report") from None
        return parse_trivy(report) if self.name == "trivy" else parse_grype(report)


def from_env(env: Mapping[str, str], runner: Runner) -> ExternalScanner | None:
    """The scanner ``CONVEYOR_SCANNER`` asks for, None when it is unset; a ScanError when
    the binary is missing (asking for Trivy and silently getting less is worse)."""
    name = env.get(SCANNER_VAR, "").strip().lower()
    if not name or name in ("builtin", "conveyor"):
        return None
    if name not in ("trivy", "grype"):
        raise ScanError(f"{SCANNER_VAR}={name}: use trivy, grype or builtin")
    binary = shutil.which(name, path=env.get("PATH"))
    if binary is None:
        raise ScanError(f"{SCANNER_VAR}={name}, but {name} is not on PATH")
    return ExternalScanner(name, binary, runner)
