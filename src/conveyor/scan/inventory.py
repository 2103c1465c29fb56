"""The packages a root filesystem holds: dpkg's database, Python distributions' metadata
and npm packages' package.json, read from files (nothing in the tree is run)."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from email.parser import HeaderParser
from pathlib import Path

from conveyor.scan.base import Package, ScanError

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_D = "var/lib/dpkg/status.d"  # distroless images: one file per package
_SITE_DIRS = ("site-packages", "dist-packages")
# folders no package lives in; walking them costs time and may never end (/proc)
_NEVER = ("proc", "sys", "dev")


def normalize_pypi(name: str) -> str:
    """PEP 503's normalized name: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def os_release(root: Path) -> dict[str, str]:
    """``/etc/os-release`` (or ``/usr/lib/os-release``) as a dict; empty when absent."""
    for rel in ("etc/os-release", "usr/lib/os-release"):
        path = root / rel
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        found: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                found[key.strip()] = value.strip().strip("\"'")
        return found
    return {}


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    """Deb822 paragraphs; continuation lines are dropped (no field used here spans lines)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields = {}
        elif not line[0].isspace():
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
    if fields:
        yield fields


def debian_packages(root: Path) -> list[Package]:
    files = [root / DPKG_STATUS]
    status_d = root / DPKG_STATUS_D
    if status_d.is_dir():
        files += sorted(p for p in status_d.iterdir() if p.is_file())
    found: list[Package] = []
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        rel = path.relative_to(root).as_posix()
        for fields in _stanzas(text):
            name, version = fields.get("package", ""), fields.get("version", "")
            status = fields.get("status", "install ok installed").split()
            if not name or not version or status[-1:] != ["installed"]:
                continue
            # "Source: openssl (3.0.11-1)" names the source package and, after a
            # binNMU, its version
            source = fields.get("source", "")
            m = re.match(r"^(\S+)(?:\s+\((\S+)\))?", source)
            found.append(
                Package(
                    name=name,
                    version=version,
                    ecosystem="Debian",
                    source=rel,
                    kind="os",
                    source_name=m.group(1) if m else name,
                    source_version=(m.group(2) or version) if m else version,
                )
            )
    return found


def _walk(root: Path, skip: Iterable[str], deadline: float | None) -> Iterator[Path]:
    """Every folder under ``root`` (symlinks not followed), minus ``skip``."""
    skipped = {s.strip("/") for s in skip if s.strip("/")} | set(_NEVER)
    for folder, dirs, _files in os.walk(root):
        if deadline is not None and time.monotonic() > deadline:
            raise ScanError("timeout: the scan took longer than the step's `timeout` input")
        here = Path(folder)
        rel = here.relative_to(root).as_posix()
        dirs[:] = sorted(d for d in dirs if (d if rel == "." else f"{rel}/{d}") not in skipped)
        yield here


def _python(folder: Path, root: Path) -> Iterator[Package]:
    for entry in sorted(folder.iterdir()):
        if entry.name.endswith(".dist-info"):
            meta = entry / "METADATA"
        elif entry.name.endswith(".egg-info"):
            meta = entry / "PKG-INFO" if entry.is_dir() else entry
        else:
            continue
        try:
            headers = HeaderParser().parsestr(meta.read_text(errors="replace"), headersonly=True)
        except OSError:
            continue
        name, version = headers.get("Name", ""), headers.get("Version", "")
        if name and version:
            yield Package(
                name=str(name).strip(),
                version=str(version).strip(),
                ecosystem="PyPI",
                source=meta.relative_to(root).as_posix(),
                kind="library",
            )


def _npm(folder: Path, root: Path) -> Iterator[Package]:
    """Packages directly in a ``node_modules`` folder, scoped ones (``@scope/x``) too."""
    candidates: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("@") and entry.is_dir():
            candidates += sorted(entry.iterdir())
        elif not entry.name.startswith("."):
            candidates.append(entry)
    for entry in candidates:
        manifest = entry / "package.json"
        try:
            data = json.loads(manifest.read_text(errors="replace"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("name") and data.get("version"):
            yield Package(
                name=str(data["name"]),
                version=str(data["version"]),
                ecosystem="npm",
                source=manifest.relative_to(root).as_posix(),
                kind="library",
            )


def inventory(
    root: Path,
    skip_dirs: Iterable[str] = (),
    pkg_types: Iterable[str] = ("os", "library"),
    deadline: float | None = None,
) -> list[Package]:
    """Every package found under ``root``; ``pkg_types`` picks OS and/or language ones."""
    if not root.is_dir():
        raise ScanError(f"{root} is not a folder")
    kinds = set(pkg_types)
    found: list[Package] = debian_packages(root) if "os" in kinds else []
    if "library" not in kinds:
        return found
    seen: set[tuple[str, str, str]] = set()
    for folder in _walk(root, skip_dirs, deadline):
        if folder.name in _SITE_DIRS:
            packages = list(_python(folder, root))
        elif folder.name == "node_modules":
            packages = list(_npm(folder, root))
        else:
            continue
        for package in packages:
            key = (package.ecosystem, package.name, package.source)
            if key not in seen:
                seen.add(key)
                found.append(package)
    return found
