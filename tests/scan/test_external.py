"""The Trivy/Grype wrappers: the argv they would run and how their JSON is read back
(no binary is installed here, so nothing is run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.executors.base import Captured, ExitInfo
from conveyor.scan.base import ScanError, Target
from conveyor.scan.external import (
    ExternalScanner,
    from_env,
    grype_argv,
    parse_grype,
    parse_trivy,
    trivy_argv,
)


def test_trivy_argv() -> None:
    target = Target(kind="image", ref="shop/api:1", skip_dirs=("usr/share",), timeout=300)
    assert trivy_argv("/usr/bin/trivy", target) == [
        "/usr/bin/trivy", "image", "--format", "json", "--quiet", "--scanners", "vuln",
        "--pkg-types", "os,library", "--skip-dirs", "usr/share", "--timeout", "300s",
        "shop/api:1",
    ]  # fmt: skip
    fs = Target(kind="fs", ref="/w/app", pkg_types=("library",))
    assert trivy_argv("trivy", fs)[1] == "fs"
    assert trivy_argv("trivy", fs)[-3:] == ["--pkg-types", "library", "/w/app"]


def test_grype_argv() -> None:
    assert grype_argv("grype", Target(kind="image", ref="shop/api:1")) == [
        "grype", "podman:shop/api:1", "-o", "json", "-q"
    ]  # fmt: skip
    fs = Target(kind="fs", ref="/w/app", skip_dirs=("node_modules",))
    assert grype_argv("grype", fs) == [
        "grype", "dir:/w/app", "-o", "json", "-q", "--exclude", "./node_modules/**"
    ]  # fmt: skip


def test_reports_are_read_back() -> None:
    trivy = {
        "Results": [
            {
                "Target": "Python",
                "Class": "lang-pkgs",
                "Type": "python-pkg",
                "Vulnerabilities": [
                    {"VulnerabilityID": "CVE-2018-18074", "PkgName": "requests",
                     "InstalledVersion": "2.19.0", "FixedVersion": "2.20.0",
                     "Severity": "HIGH", "Title": "creds"},
                ],
            }
        ]
    }  # fmt: skip
    [f] = parse_trivy(trivy)
    assert (f.id, f.package, f.fixed, f.severity, f.kind) == (
        "CVE-2018-18074", "requests", "2.20.0", "HIGH", "library"
    )  # fmt: skip
    grype = {
        "matches": [
            {
                "vulnerability": {"id": "CVE-1", "severity": "Negligible",
                                  "fix": {"versions": ["1.1-1"]}, "description": "x\ny"},
                "artifact": {"name": "zlib1g", "version": "1.0-1", "type": "deb",
                             "locations": [{"path": "/var/lib/dpkg/status"}]},
            }
        ]
    }  # fmt: skip
    [g] = parse_grype(grype)
    assert (g.id, g.severity, g.fixed, g.kind, g.title) == ("CVE-1", "LOW", "1.1-1", "os", "x")


class _Runner:
    def __init__(self, code: int, stdout: str, stderr: str = "") -> None:
        self.out = Captured(exit=ExitInfo(code), stdout=stdout, stderr=stderr)
        self.argv: list[str] = []

    def capture(self, argv, env=None, stdin=None) -> Captured:
        self.argv = list(argv)
        return self.out


def test_the_scanner_runs_the_argv_and_fails_loudly() -> None:
    runner = _Runner(0, '{"Results": []}')
    scanner = ExternalScanner("trivy", "/opt/trivy", runner)
    assert scanner.scan(Target(kind="fs", ref="/w")) == []
    assert runner.argv[:2] == ["/opt/trivy", "fs"]
    with pytest.raises(ScanError, match=r"trivy failed \(exit 1\): DB download failed"):
        ExternalScanner("trivy", "t", _Runner(1, "", "DB download failed")).scan(
            Target(kind="fs", ref="/w")
        )


def test_selection_by_environment(tmp_path: Path) -> None:
    runner = _Runner(0, "")
    assert from_env({}, runner) is None
    assert from_env({"CONVEYOR_SCANNER": "builtin"}, runner) is None
    with pytest.raises(ScanError, match="trivy is not on PATH"):
        from_env({"CONVEYOR_SCANNER": "trivy", "PATH": str(tmp_path)}, runner)
    with pytest.raises(ScanError, match="CONVEYOR_SCANNER=snyk"):
        from_env({"CONVEYOR_SCANNER": "snyk"}, runner)
    fake = tmp_path / "grype"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    chosen = from_env({"CONVEYOR_SCANNER": "Grype", "PATH": str(tmp_path)}, runner)
    assert chosen is not None and chosen.argv(Target(kind="fs", ref="/w"))[0] == str(fake)
