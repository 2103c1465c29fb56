"""A vulnerability database in the OSV format (https://ossf.github.io/osv-schema/): a
folder of OSV JSON files (one record, or a list, a file; ``.zip`` archives of them, as
osv.dev publishes per ecosystem, too), and matching installed packages against it."""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from functools import cmp_to_key
from pathlib import Path
from typing import Any

from conveyor.records import record
from conveyor.scan.base import Finding, Package, ScanError, normalize_severity
from conveyor.scan.base import severity_from_score as _band
from conveyor.scan.inventory import normalize_pypi
from conveyor.scan.versions import comparator

DB_VAR = "CONVEYOR_VULN_DB"
DEFAULT_DB = Path("~/.cache/conveyor/vulndb")


def db_path(env: Mapping[str, str], explicit: str = "") -> Path:
    """``explicit`` (``--db``), else ``$CONVEYOR_VULN_DB``, else ``~/.cache/conveyor/vulndb``;
    a ScanError naming ``CONVEYOR_VULN_DB`` when none holds a database."""
    if explicit:
        where, how = Path(explicit).expanduser(), "--db"
    elif env.get(DB_VAR):
        where, how = Path(env[DB_VAR]).expanduser(), DB_VAR
    else:
        home = env.get("HOME")
        where = Path(home, *DEFAULT_DB.parts[1:]) if home else DEFAULT_DB.expanduser()
        how = "the default"
    if not where.is_dir():
        raise ScanError(
            f"no vulnerability database at {where} ({how}): this machine cannot download "
            f"one; set {DB_VAR} to a folder of OSV JSON files (e.g. unzip osv.dev's "
            f"<ecosystem>/all.zip there) or fill {DEFAULT_DB}"
        )
    return where


def _key(ecosystem: str, name: str) -> tuple[str, str]:
    base = ecosystem.partition(":")[0].strip().lower()
    return base, normalize_pypi(name) if base == "pypi" else name.strip().lower()


@record(slots=True)
class Database:
    """OSV records indexed by (ecosystem, package name); withdrawn ones left out."""

    by_package: dict[tuple[str, str], list[dict[str, Any]]]
    records: int = 0

    def candidates(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        return self.by_package.get(_key(ecosystem, name), [])


def _documents(folder: Path) -> Iterator[tuple[str, Any]]:
    for dirpath, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(dirpath) / name
            try:
                if name.endswith(".json"):
                    yield str(path), json.loads(path.read_bytes())
                elif name.endswith(".zip"):
                    with zipfile.ZipFile(path) as archive:
                        for member in archive.namelist():
                            if member.endswith(".json"):
                                yield f"{path}:{member}", json.loads(archive.read(member))
            except (OSError, ValueError, zipfile.BadZipFile) as e:
                raise ScanError(f"{path}: not a readable OSV file: {e}") from None


def load(folder: Path) -> Database:
    """Every OSV record under ``folder``; a ScanError when there is none (an empty
    database would pass every image)."""
    db = Database(by_package={})
    for where, doc in _documents(folder):
        for entry in doc if isinstance(doc, list) else [doc]:
            if not isinstance(entry, dict) or "id" not in entry:
                raise ScanError(f"{where}: not an OSV record (no 'id')")
            db.records += 1
            if entry.get("withdrawn"):
                continue
            keys = {
                _key(str(pkg.get("ecosystem", "")), str(pkg.get("name", "")))
                for affected in entry.get("affected") or []
                if isinstance(pkg := affected.get("package"), dict)
            }
            for key in keys:
                db.by_package.setdefault(key, []).append(entry)
    if db.records == 0:
        raise ScanError(
            f"the vulnerability database at {folder} holds no OSV records (*.json or *.zip); "
            f"point {DB_VAR} at a folder of OSV JSON files"
        )
    return db


# --- matching --------------------------------------------------------------------------------


def _ecosystem_fits(wanted: str, have: str) -> bool:
    """``Debian:12`` fits a Debian 12 system; a bare ``Debian`` fits any release."""
    w_base, _, w_release = wanted.partition(":")
    h_base, _, h_release = have.partition(":")
    if w_base.strip().lower() != h_base.strip().lower():
        return False
    # Ubuntu's records say "Ubuntu:22.04:LTS"; the release is the part before any ":"
    w_release, h_release = w_release.partition(":")[0].strip(), h_release.partition(":")[0].strip()
    return not w_release or not h_release or w_release == h_release


def _affected_by_range(version: str, rng: Mapping[str, Any], cmp: Any) -> tuple[bool, str]:
    """OSV's evaluation of one ECOSYSTEM/SEMVER range: (affected, its fixed version)."""
    events = [e for e in rng.get("events") or [] if isinstance(e, dict) and e]

    def at(event: Mapping[str, Any]) -> str:
        return str(next(iter(event.values())))

    def order(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        va, vb = at(a), at(b)
        if va == "0" or vb == "0":
            return (vb == "0") - (va == "0")
        return int(cmp(va, vb))

    affected, fixed = False, ""
    for event in sorted(events, key=cmp_to_key(order)):
        if "introduced" in event:
            if event["introduced"] == "0" or cmp(version, str(event["introduced"])) >= 0:
                affected, fixed = True, ""
        elif "fixed" in event:
            if cmp(version, str(event["fixed"])) >= 0:
                affected = False
            elif affected and not fixed:
                fixed = str(event["fixed"])
        elif "last_affected" in event:
            if cmp(version, str(event["last_affected"])) > 0:
                affected = False
        elif "limit" in event and cmp(version, str(event["limit"])) >= 0:
            affected = False
    return affected, fixed if affected else ""


def affects(entry: Mapping[str, Any], ecosystem: str, name: str, version: str) -> tuple[bool, str]:
    """Whether the record covers ``name`` at ``version``, and the version fixing it."""
    cmp = comparator(ecosystem)
    want = _key(ecosystem, name)
    fixes: list[str] = []
    hit = False
    for affected in entry.get("affected") or []:
        pkg = affected.get("package") or {}
        eco = str(pkg.get("ecosystem", ""))
        if _key(eco, str(pkg.get("name", ""))) != want or not _ecosystem_fits(eco, ecosystem):
            continue
        if version in [str(v) for v in affected.get("versions") or []]:
            hit = True
        for rng in affected.get("ranges") or []:
            if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue  # GIT ranges name commits, not package versions
            inside, fixed = _affected_by_range(version, rng, cmp)
            if inside:
                hit = True
                if fixed:
                    fixes.append(fixed)
    if not hit:
        return False, ""
    fixes.sort(key=cmp_to_key(cmp))
    return True, fixes[0] if fixes else ""


# --- severity ----------------------------------------------------------------------------------

_CVSS3_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def _roundup(value: float) -> float:
    """CVSS 3.1's Roundup: the smallest one-decimal number >= value."""
    whole = round(value * 100000)
    return whole / 100000.0 if whole % 10000 == 0 else (math.floor(whole / 10000) + 1) / 10.0


def cvss3_score(vector: str) -> float | None:
    """The base score of a ``CVSS:3.x/AV:..`` vector, or None when it is not one."""
    parts = dict(p.split(":", 1) for p in vector.split("/")[1:] if ":" in p)
    try:
        scope_changed = parts["S"] == "C"
        pr = {"N": 0.85, "L": 0.68 if scope_changed else 0.62, "H": 0.5 if scope_changed else 0.27}
        w = {m: _CVSS3_WEIGHTS[m][parts[m]] for m in _CVSS3_WEIGHTS}
        privileges = pr[parts["PR"]]
    except KeyError:
        return None
    iss = 1 - (1 - w["C"]) * (1 - w["I"]) * (1 - w["A"])
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if scope_changed else 6.42 * iss
    exploitability = 8.22 * w["AV"] * w["AC"] * privileges * w["UI"]
    if impact <= 0:
        return 0.0
    if scope_changed:
        return _roundup(min(1.08 * (impact + exploitability), 10))
    return _roundup(min(impact + exploitability, 10))


def severity(entry: Mapping[str, Any]) -> tuple[str, float | None]:
    """Trivy's severity for a record and, when known, its CVSS score: the record's word
    (``database_specific.severity``, as GitHub's advisories carry it) first, else the
    highest of its ``severity[]`` scores."""
    words = [(entry.get("database_specific") or {}).get("severity")]
    for affected in entry.get("affected") or []:
        for extra in ("database_specific", "ecosystem_specific"):
            words.append((affected.get(extra) or {}).get("severity"))
    best: float | None = None
    for item in entry.get("severity") or []:
        score = str(item.get("score", ""))
        value: float | None = None
        if score.startswith("CVSS:3"):
            value = cvss3_score(score)
        elif item.get("type") == "Ubuntu":
            words.append(score)
        else:
            try:
                value = float(score)
            except ValueError:
                value = None  # a CVSS v4 vector: its score needs the v4 lookup tables
        if value is not None and (best is None or value > best):
            best = value
    for word in words:
        if isinstance(word, str) and normalize_severity(word) != "UNKNOWN":
            return normalize_severity(word), best
    return (_band(best) if best is not None else "UNKNOWN"), best


def _display_id(entry: Mapping[str, Any]) -> str:
    """The CVE when the record has one (Trivy shows CVEs), else its own id."""
    ident = str(entry["id"])
    if ident.startswith("CVE-"):
        return ident
    for alias in entry.get("aliases") or []:
        if str(alias).startswith("CVE-"):
            return str(alias)
    return ident


def _title(entry: Mapping[str, Any]) -> str:
    text = str(entry.get("summary") or "").strip()
    if not text:
        lines = str(entry.get("details") or "").strip().splitlines()
        text = lines[0] if lines else ""
    return text[:120]


def _url(entry: Mapping[str, Any]) -> str:
    for ref in entry.get("references") or []:
        if ref.get("type") == "ADVISORY" and ref.get("url"):
            return str(ref["url"])
    return f"https://osv.dev/vulnerability/{entry['id']}"


def match(db: Database, packages: Iterable[Package], os_ecosystem: str = "") -> list[Finding]:
    """Every (record, package) pair where the package's version is affected. Debian
    packages are looked up by their source package, as Debian's records name it."""
    found: list[Finding] = []
    for package in packages:
        ecosystem = package.ecosystem
        name, version = package.name, package.version
        if package.kind == "os":
            ecosystem = os_ecosystem or package.ecosystem
            name = package.source_name or package.name
            version = package.source_version or package.version
        seen: set[str] = set()
        for entry in db.candidates(ecosystem, name):
            if entry["id"] in seen:
                continue
            seen.add(entry["id"])
            hit, fixed = affects(entry, ecosystem, name, version)
            if not hit:
                continue
            level, _score = severity(entry)
            found.append(
                Finding(
                    id=_display_id(entry),
                    package=package.name,
                    installed=package.version,
                    fixed=fixed,
                    severity=level,
                    title=_title(entry),
                    ecosystem=package.ecosystem,
                    kind=package.kind,
                    source=package.source,
                    aliases=(str(entry["id"]), *(str(a) for a in entry.get("aliases") or [])),
                    url=_url(entry),
                )
            )
    return found
