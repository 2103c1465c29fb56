"""Which findings count: Trivy's severity, ``--ignore-unfixed`` and ``.trivyignore``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from conveyor.scan.base import SEVERITIES, Finding, ScanError


def parse_severities(text: str) -> tuple[str, ...]:
    """``CRITICAL,HIGH`` -> the set in Trivy's order; unknown words fail naming them."""
    wanted = [w.strip().upper() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in SEVERITIES]
    if unknown:
        raise ScanError(f"severity: unknown {', '.join(unknown)} (use {','.join(SEVERITIES)})")
    return tuple(s for s in SEVERITIES if s in wanted) or SEVERITIES


def parse_ignore_file(text: str, today: datetime.date | None = None) -> set[str]:
    """Ids from a plain ``.trivyignore``: one a line, ``#`` comments, and an optional
    ``exp:YYYY-MM-DD`` after which the line no longer applies."""
    today = today or datetime.date.today()
    ids: set[str] = set()
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        expiry = next((w[4:] for w in words[1:] if w.startswith("exp:")), "")
        if expiry:
            try:
                if datetime.date.fromisoformat(expiry) < today:
                    continue
            except ValueError:
                raise ScanError(f".trivyignore: '{expiry}' is not a YYYY-MM-DD date") from None
        ids.add(words[0])
    return ids


def select(
    findings: Iterable[Finding],
    severities: Iterable[str] = SEVERITIES,
    ignore_unfixed: bool = False,
    ignored: Iterable[str] = (),
) -> list[Finding]:
    """The findings that count, sorted as Trivy lists them (package, then id)."""
    wanted, skip = set(severities), set(ignored)
    kept = [
        f
        for f in findings
        if f.severity in wanted
        and not (ignore_unfixed and not f.fixed)
        and f.id not in skip
        and not skip.intersection(f.aliases)
    ]
    return sorted(kept, key=lambda f: (f.kind != "os", f.source, f.package, f.id))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    total = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        total[f.severity] = total.get(f.severity, 0) + 1
    return total
