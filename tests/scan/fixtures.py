"""A fake root filesystem and OSV records for the scan tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DPKG_STATUS = """\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2+b1
Description: Secure Sockets Layer toolkit
 - shared libraries

Package: zlib1g
Status: install ok installed
Source: zlib
Version: 1:1.2.13.dfsg-1

Package: removed-thing
Status: deinstall ok config-files
Version: 1.0-1

Package: tzdata
Status: install ok installed
Version: 2024a-0+deb12u1
"""

METADATA = """\
Metadata-Version: 2.1
Name: {name}
Version: {version}
Summary: a package

Long description.
"""


def python_dist(root: Path, site: str, name: str, version: str) -> None:
    info = root / site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(METADATA.format(name=name, version=version))


def npm_package(root: Path, folder: str, name: str, version: str) -> None:
    pkg = root / folder / "node_modules" / name
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "package.json").write_text(json.dumps({"name": name, "version": version}))


def make_rootfs(root: Path) -> Path:
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(DPKG_STATUS)
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian"\n')
    python_dist(root, "usr/lib/python3/dist-packages", "requests", "2.19.0")
    python_dist(root, "usr/local/lib/python3.11/site-packages", "Jinja2", "3.1.2")
    egg = root / "usr/local/lib/python3.11/site-packages/old_thing-0.1.egg-info"
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text(METADATA.format(name="old.thing", version="0.1"))
    npm_package(root, "app", "lodash", "4.17.20")
    npm_package(root, "app", "@babel/core", "7.0.0")
    return root


def osv(
    ident: str,
    ecosystem: str,
    name: str,
    *,
    introduced: str = "0",
    fixed: str | None = None,
    last_affected: str | None = None,
    versions: list[str] | None = None,
    severity: str | None = "HIGH",
    cvss: str | None = None,
    aliases: list[str] | None = None,
    summary: str = "",
    withdrawn: bool = False,
    ranges: bool = True,
) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": introduced}]
    if fixed:
        events.append({"fixed": fixed})
    if last_affected:
        events.append({"last_affected": last_affected})
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    if ranges:
        kind = "SEMVER" if ecosystem == "npm" else "ECOSYSTEM"
        affected["ranges"] = [{"type": kind, "events": events}]
    if versions is not None:
        affected["versions"] = versions
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "summary": summary or f"{name} is vulnerable",
        "aliases": aliases or [],
        "affected": [affected],
    }
    if severity:
        record["database_specific"] = {"severity": severity}
    if cvss:
        record["severity"] = [{"type": "CVSS_V3", "score": cvss}]
    if withdrawn:
        record["withdrawn"] = "2024-02-01T00:00:00Z"
    return record


def write_db(folder: Path, *records: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    return folder


REQUESTS_CVE = osv(
    "GHSA-x84v-xcm2-53pg",
    "PyPI",
    "requests",
    fixed="2.20.0",
    aliases=["CVE-2018-18074"],
    summary="Insufficiently Protected Credentials in Requests",
)
