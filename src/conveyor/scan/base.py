"""The scanner plug-in point and the records it hands back."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from typing import Protocol

from conveyor.executors.base import Captured, ExitInfo
from conveyor.records import field, record

# Trivy's severities, lowest first
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")


class ScanError(Exception):
    """The scan could not run (no database, an image that is not there...); the message
    says what to do."""


@record(frozen=True, slots=True)
class Package:
    """One installed package found in a root filesystem."""

    name: str
    version: str
    ecosystem: str  # OSV's: "Debian", "PyPI", "npm"
    source: str  # the file it was read from, relative to the root
    kind: str  # "os" or "library" (Trivy's pkg-types)
    # Debian: the source package (OSV's Debian records are keyed by it) and its version
    source_name: str = ""
    source_version: str = ""


@record(frozen=True, slots=True)
class Finding:
    id: str  # the CVE when the record has one, else the record's id
    package: str
    installed: str
    fixed: str  # "" when no fix is known
    severity: str  # one of SEVERITIES
    title: str
    ecosystem: str
    kind: str = "library"  # "os" or "library"
    source: str = ""  # where the package was found, relative to the scanned root
    aliases: tuple[str, ...] = ()  # the record's id and aliases, for ignore files
    url: str = ""


@record(frozen=True, slots=True)
class Target:
    """What to scan: ``kind`` "image" (``ref`` an image reference) or "fs" (a folder)."""

    kind: str
    ref: str
    skip_dirs: tuple[str, ...] = ()
    pkg_types: tuple[str, ...] = ("os", "library")
    timeout: float | None = None  # seconds
    extra: dict[str, str] = field(default_factory=dict)


class Runner(Protocol):
    """Runs a process to completion (a built-in's step tools, or ``LocalRunner``)."""

    def capture(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Captured: ...


class Scanner(Protocol):
    """The plug-in point: everything found in ``target``, unfiltered by severity."""

    name: str

    def scan(self, target: Target) -> list[Finding]: ...


class LocalRunner:
    """``Runner`` for the command line: plain subprocesses."""

    def capture(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Captured:
        try:
            proc = subprocess.run(
                list(argv), env=env, input=stdin, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            return Captured(exit=ExitInfo(127), stdout="", stderr=f"{argv[0]}: not found")
        return Captured(exit=ExitInfo(proc.returncode), stdout=proc.stdout, stderr=proc.stderr)


def severity_from_score(score: float) -> str:
    """CVSS base score to Trivy's severity (CVSS v3 bands)."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0.0:
        return "LOW"
    return "UNKNOWN"


def normalize_severity(word: str) -> str:
    """GitHub's, Ubuntu's and Grype's words to Trivy's (MODERATE is MEDIUM)."""
    word = word.strip().upper()
    word = {"MODERATE": "MEDIUM", "NEGLIGIBLE": "LOW", "IMPORTANT": "HIGH"}.get(word, word)
    return word if word in SEVERITIES else "UNKNOWN"
