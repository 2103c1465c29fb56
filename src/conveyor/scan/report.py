"""Reports in Trivy's shapes: the table it prints, its JSON (schema 2) and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conveyor.scan.base import SEVERITIES, Finding
from conveyor.scan.policy import counts

FORMATS = ("table", "json", "sarif")
_TYPES = {"Debian": "debian", "Ubuntu": "ubuntu", "PyPI": "python-pkg", "npm": "node-pkg"}
_LANG_TITLES = {"PyPI": "Python", "npm": "Node.js"}
_COLUMNS = ("Library", "Vulnerability", "Severity", "Status", "Installed Version",
            "Fixed Version", "Title")  # fmt: skip


def _groups(
    findings: Sequence[Finding], artifact: str, os_name: str
) -> list[tuple[str, str, list[Finding]]]:
    """(target, type, findings) in Trivy's order: the OS first, then each language."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        kind = _TYPES.get(f.ecosystem, f.ecosystem.lower())
        if f.kind == "os":
            target = f"{artifact} ({os_name})" if os_name else artifact
        else:
            target = _LANG_TITLES.get(f.ecosystem, f.ecosystem)
        groups.setdefault((target, kind), []).append(f)
    return [(target, kind, items) for (target, kind), items in groups.items()]


def _summary(findings: Sequence[Finding], severities: Sequence[str]) -> str:
    total = counts(findings)
    shown = [s for s in SEVERITIES if s in severities]
    parts = ", ".join(f"{s}: {total[s]}" for s in shown)
    return f"Total: {len(findings)} ({parts})"


def table(
    findings: Sequence[Finding],
    artifact: str,
    severities: Sequence[str] = SEVERITIES,
    os_name: str = "",
) -> str:
    """Trivy's table: a heading and a count per target, then one row per finding."""
    if not findings:
        return f"{artifact}\n{_summary([], severities)}\n"
    out: list[str] = []
    for target, kind, items in _groups(findings, artifact, os_name):
        heading = f"{target} ({kind})" if not target.endswith(")") else target
        rows = [
            (f.package, f.id, f.severity, "fixed" if f.fixed else "affected", f.installed,
             f.fixed, f.title)
            for f in items
        ]  # fmt: skip
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_COLUMNS)]

        def line(left: str, mid: str, right: str, widths: list[int] = widths) -> str:
            return left + mid.join("─" * (w + 2) for w in widths) + right

        def row(cells: Sequence[str], widths: list[int] = widths) -> str:
            padded = (f" {c.ljust(w)} " for c, w in zip(cells, widths, strict=True))
            return "│" + "│".join(padded) + "│"

        out += ["", heading, "=" * len(heading), _summary(items, severities), ""]
        out += [line("┌", "┬", "┐"), row(_COLUMNS), line("├", "┼", "┤")]
        out += [row(r) for r in rows]
        out.append(line("└", "┴", "┘"))
    return "\n".join(out).lstrip("\n") + "\n"


def to_json(
    findings: Sequence[Finding], artifact: str, artifact_type: str, os_name: str = ""
) -> str:
    """Trivy's JSON report (SchemaVersion 2), the fields tools read from it."""
    results = [
        {
            "Target": target,
            "Class": "os-pkgs" if items[0].kind == "os" else "lang-pkgs",
            "Type": kind,
            "Vulnerabilities": [
                {
                    "VulnerabilityID": f.id,
                    "PkgName": f.package,
                    "PkgPath": f.source,
                    "InstalledVersion": f.installed,
                    "FixedVersion": f.fixed,
                    "Status": "fixed" if f.fixed else "affected",
                    "Severity": f.severity,
                    "Title": f.title,
                    "PrimaryURL": f.url,
                }
                for f in items
            ],
        }
        for target, kind, items in _groups(findings, artifact, os_name)
    ]
    report = {
        "SchemaVersion": 2,
        "ArtifactName": artifact,
        "ArtifactType": artifact_type,
        "Results": results,
    }
    return json.dumps(report, indent=2) + "\n"


_LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note",
           "UNKNOWN": "note"}  # fmt: skip
_SCORES = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "2.0", "UNKNOWN": "0.0"}


def to_sarif(findings: Sequence[Finding], artifact: str, tool_version: str = "0.1.0") -> str:
    """SARIF 2.1.0 as GitHub code scanning takes it: one rule per vulnerability id, one
    result per affected package, located at the file the package was found in."""
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    results: list[dict[str, object]] = []
    for f in findings:
        if f.id not in index:
            index[f.id] = len(rules)
            text = f.title or f.id
            rules.append(
                {
                    "id": f.id,
                    "name": "OsPackageVulnerability"
                    if f.kind == "os"
                    else "LanguageSpecificPackageVulnerability",
                    "shortDescription": {"text": text},
                    "fullDescription": {"text": text},
                    "defaultConfiguration": {"level": _LEVELS[f.severity]},
                    "helpUri": f.url,
                    "help": {
                        "text": f"Vulnerability {f.id}\nSeverity: {f.severity}\n{text}",
                        "markdown": f"**Vulnerability {f.id}**\n\nSeverity: {f.severity}\n\n{text}",
                    },
                    "properties": {
                        "precision": "very-high",
                        "security-severity": _SCORES[f.severity],
                        "tags": ["vulnerability", "security", f.severity],
                    },
                }
            )
        message = (
            f"Package: {f.package}\nInstalled Version: {f.installed}\nVulnerability {f.id}\n"
            f"Severity: {f.severity}\nFixed Version: {f.fixed or 'none'}\nLink: [{f.id}]({f.url})"
        )
        results.append(
            {
                "ruleId": f.id,
                "ruleIndex": index[f.id],
                "level": _LEVELS[f.severity],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": f.source or artifact,
                                "uriBaseId": "ROOTPATH",
                            },
                            "region": {
                                "startLine": 1,
                                "startColumn": 1,
                                "endLine": 1,
                                "endColumn": 1,
                            },
                        },
                        "message": {"text": f"{f.source or artifact}: {f.package}@{f.installed}"},
                    }
                ],
            }
        )
    sarif = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "conveyor-scan",
                        "fullName": "Conveyor vulnerability scanner (Trivy-compatible)",
                        "informationUri": "https://ossf.github.io/osv-schema/",
                        "version": tool_version,
                        "rules": rules,
                    }
                },
                "results": results,
                "columnKind": "utf16CodeUnits",
                "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
                "properties": {"artifactName": artifact},
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
