"""What the images take from this machine: its Debian mirror, its pyenv Pythons and its
Node.js. Everything here is cheap (file reads, one dpkg-query) because it runs on every
``conveyor images`` call, even when nothing needs building."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUITE = "bookworm"
APT_SOURCES = Path("/etc/apt")


@dataclass(frozen=True)
class Mirrors:
    """Where the images' packages come from: the suite's mirror and its security mirror."""

    main: str
    security: str | None
    updates: bool  # whether the machine also uses SUITE-updates


@dataclass(frozen=True)
class HostPython:
    version: str  # "3.12.1"
    minor: str  # "3.12"
    prefix: Path  # ~/.pyenv/versions/3.12.1

    def fingerprint(self) -> str:
        """Changes when the interpreter is rebuilt or reinstalled, not on every pip install."""
        parts = [self.version]
        for rel in (f"bin/python{self.minor}", f"lib/libpython{self.minor}.so.1.0"):
            try:
                st = (self.prefix / rel).stat()
            except OSError:
                continue
            parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
        return " ".join(parts)


@dataclass(frozen=True)
class HostNode:
    """A self-contained Node.js installed by a Debian package (NodeSource's ``nodejs``):
    one binary that needs only libc and libstdc++, plus npm and corepack."""

    version: str  # "20.20.2"
    package_version: str  # "20.20.2-1nodesource1+repack1"

    @property
    def major(self) -> str:
        return self.version.split(".")[0]


class NoMirror(Exception):
    pass


def debian_mirrors(root: Path = APT_SOURCES) -> Mirrors:
    """The mirror this machine's apt uses for SUITE (so images build wherever apt works);
    CONVEYOR_DEBIAN_MIRROR overrides it."""
    override = os.environ.get("CONVEYOR_DEBIAN_MIRROR")
    entries = list(_apt_entries(root))
    suites = {suite: uri for uri, suite in entries}
    main = override or suites.get(SUITE)
    if not main:
        raise NoMirror(
            f"no Debian {SUITE} mirror in {root}/sources.list*; "
            "set CONVEYOR_DEBIAN_MIRROR (e.g. to your Debian mirror's /debian URL)"
        )
    return Mirrors(
        main=main.rstrip("/"),
        security=(suites.get(f"{SUITE}-security") or "").rstrip("/") or None,
        updates=f"{SUITE}-updates" in suites,
    )


def _apt_entries(root: Path) -> list[tuple[str, str]]:
    """(uri, suite) of every binary ``deb`` source with the ``main`` component."""
    found: list[tuple[str, str]] = []
    lists = [root / "sources.list", *sorted((root / "sources.list.d").glob("*.list"))]
    for path in lists:
        for line in _read(path).splitlines():
            words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
            if len(words) >= 4 and words[0] == "deb" and "main" in words[3:]:
                found.append((words[1], words[2]))
    for path in sorted((root / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", _read(path)):
            fields = _deb822(stanza)
            if "deb" not in fields.get("types", "").split():
                continue
            if fields.get("enabled", "yes").lower() == "no":
                continue
            if "main" not in fields.get("components", "").split():
                continue
            for uri in fields.get("uris", "").split():
                found.extend((uri, suite) for suite in fields.get("suites", "").split())
    return found


def _deb822(stanza: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in stanza.splitlines():
        if line.startswith("#"):
            continue
        if line[:1].isspace() and key:
            fields[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            fields[key] = value.strip()
    return fields


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def pyenv_pythons(minors: tuple[str, ...]) -> dict[str, HostPython]:
    """The newest CPython x.y.z under pyenv for each wanted x.y (builds like 3.13.0t skipped)."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    best: dict[str, tuple[tuple[int, ...], HostPython]] = {}
    try:
        names = os.listdir(root)
    except OSError:
        return {}
    for name in names:
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", name)
        if not match:
            continue
        minor = f"{match[1]}.{match[2]}"
        prefix = root / name
        if minor not in minors or not (prefix / "bin" / f"python{minor}").exists():
            continue
        key = tuple(int(g) for g in match.groups())
        if minor not in best or key > best[minor][0]:
            best[minor] = (key, HostPython(name, minor, prefix))
    return {minor: py for minor, (_, py) in best.items()}


# what a self-contained node binary may link against: all of it is in the Debian base
_NODE_LIBS = {"linux-vdso", "libdl", "libstdc++", "libm", "libgcc_s", "libpthread", "libc"}


def host_node() -> HostNode | None:
    """The machine's Debian-packaged Node.js, if it is self-contained enough to copy."""
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Status}\t${Version}", "nodejs"],
            capture_output=True,
            text=True,
            check=False,
        )
        ldd = subprocess.run(["ldd", "/usr/bin/node"], capture_output=True, text=True)
    except OSError:
        return None
    status, _, package_version = proc.stdout.partition("\t")
    if proc.returncode != 0 or not status.endswith(" installed") or ldd.returncode != 0:
        return None
    for line in ldd.stdout.splitlines():
        name = line.split()[0].split("/")[-1].split(".so")[0] if line.strip() else ""
        if name and name not in _NODE_LIBS and not name.startswith("ld-linux"):
            return None  # Debian's own nodejs links libnode, libuv...: not copyable
    upstream = package_version.split(":")[-1].split("-")[0].split("~")[0].split("+")[0]
    if not re.fullmatch(r"\d+\.\d+\.\d+", upstream):
        return None
    return HostNode(upstream, package_version)
