"""The scanner that needs nothing but this machine: an inventory of the target's root
filesystem matched against the local OSV database."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from conveyor.scan.base import Finding, Runner, ScanError, Target
from conveyor.scan.image import image_root
from conveyor.scan.inventory import inventory, os_release
from conveyor.scan.osv import Database, load, match


def os_ecosystem(root: Path) -> str:
    """OSV's ecosystem for the root's distribution (``Debian:12``), "" when unknown."""
    release = os_release(root)
    name = {"debian": "Debian", "ubuntu": "Ubuntu"}.get(release.get("ID", "").lower(), "")
    version = release.get("VERSION_ID", "")
    return f"{name}:{version}" if name and version else name


class BuiltinScanner:
    """``Scanner``: the packages of an image or a folder against an OSV folder."""

    name = "conveyor"

    def __init__(self, db_dir: Path, runner: Runner) -> None:
        self.db_dir = db_dir
        self.runner = runner
        self._db: Database | None = None
        self.os_name = ""  # the scanned system, e.g. "debian 12.5", once scanned

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = load(self.db_dir)
        return self._db

    @contextlib.contextmanager
    def _root(self, target: Target) -> Iterator[Path]:
        if target.kind == "image":
            with image_root(self.runner, target.ref) as root:
                yield root
        elif target.kind == "fs":
            root = Path(target.ref)
            if not root.is_dir():
                raise ScanError(f"{target.ref}: no such folder to scan")
            yield root
        else:
            raise ScanError(f"scan kind '{target.kind}' is not supported (image, fs)")

    def scan(self, target: Target) -> list[Finding]:
        deadline = time.monotonic() + target.timeout if target.timeout else None
        db = self.db  # a missing or empty database fails before anything is mounted
        with self._root(target) as root:
            release = os_release(root)
            self.os_name = " ".join(
                filter(None, (release.get("ID", ""), release.get("VERSION_ID", "")))
            )
            packages = inventory(root, target.skip_dirs, target.pkg_types, deadline)
            return match(db, packages, os_ecosystem(root))
