"""Tarballs of what the images copy from this machine: a pyenv CPython moved to
/usr/local, and a packaged Node.js. Both are unpacked by the Containerfile's ``ADD``."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

from conveyor.images.host import HostPython

PY_PREFIX = "/usr/local"
# what the official images ship in site-packages; the rest is this machine's own installs
_SITE_KEEP = re.compile(
    r"(pip|setuptools|wheel|pkg_resources|_distutils_hack)([-_.].*)?|"
    r"distutils-precedence\.pth|README\.txt"
)
_BIN_KEEP = re.compile(r"(python|pip|pydoc|idle|2to3)[0-9.]*(-config)?|wheel")
# runtime libraries CPython links when dpkg cannot tell us (a machine without dpkg -S)
PYTHON_LIBS_FALLBACK = (
    *("libbz2-1.0", "libexpat1", "libffi8", "libgdbm6", "libgdbm-compat4", "liblzma5"),
    *("libncursesw6", "libreadline8", "libsqlite3-0", "libssl3", "libtinfo6", "libuuid1"),
    *("zlib1g", "libnsl2", "libtirpc3"),
)


def python_tarball(py: HostPython, dest: Path) -> None:
    """``dest``: py's tree as usr/local, without the test suite, the static libpython or
    this machine's extra packages; text files naming the old prefix now name /usr/local."""
    old = str(py.prefix).encode()
    site = f"lib/python{py.minor}/site-packages"
    with tarfile.open(dest, "w") as tar:
        for rel in _walk(py.prefix):
            if _python_skips(rel, py.minor, site):
                continue
            path = py.prefix / rel
            info = tar.gettarinfo(str(path), arcname=f"{PY_PREFIX.strip('/')}/{rel}")
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isreg():
                data = path.read_bytes()
                if old in data and b"\0" not in data[:8192]:
                    # shebangs, sysconfig data, python-config, Makefile, .pc files
                    data = data.replace(old, PY_PREFIX.encode())
                    info.size = len(data)
                _add_bytes(tar, info, data)
            else:
                if info.issym() and info.linkname.startswith(str(py.prefix)):
                    info.linkname = PY_PREFIX + info.linkname[len(str(py.prefix)) :]
                tar.addfile(info)


def _python_skips(rel: str, minor: str, site: str) -> bool:
    parts = rel.split("/")
    if parts[0] == "bin" and len(parts) == 2:
        return not _BIN_KEEP.fullmatch(parts[1])
    if rel.startswith(site + "/"):
        return not _SITE_KEEP.fullmatch(parts[3])
    lib = f"lib/python{minor}/"
    if rel.startswith(lib):
        inner = rel[len(lib) :]
        return (
            inner == "test"
            or inner.startswith("test/")
            or "/idle_test" in inner
            or (inner.startswith("config-") and inner.endswith(".a"))
        )
    return False


def _walk(root: Path) -> Iterator[str]:
    """Relative paths under root, directories before their contents, links not followed."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath).relative_to(root)
        for name in dirnames + sorted(filenames):
            yield str(base / name) if str(base) != "." else name


def _add_bytes(tar: tarfile.TarFile, info: tarfile.TarInfo, data: bytes) -> None:
    import io

    tar.addfile(info, io.BytesIO(data))


def python_packages(py: HostPython) -> list[str]:
    """The Debian packages holding the shared libraries py's binaries and extension modules
    load on this machine (tkinter's X11 stack left out), found with ldd and dpkg -S."""
    elves = [py.prefix / "bin" / f"python{py.minor}"]
    elves += sorted((py.prefix / "lib").glob("libpython*.so.*"))
    elves += [
        so
        for so in sorted((py.prefix / "lib" / f"python{py.minor}" / "lib-dynload").glob("*.so"))
        if not so.name.startswith("_tkinter")
    ]
    libs: set[str] = set()
    for elf in elves:
        proc = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            found = re.search(r"=> (/\S+)", line)
            if found and not found[1].startswith(str(py.prefix)):
                # with merged /usr, dpkg knows each file by the one spelling its package
                # used (/lib/... or /usr/lib/...): ask for both
                real = os.path.realpath(os.path.dirname(found[1]))
                name = os.path.basename(found[1])
                libs |= {f"{real}/{name}", f"{real.removeprefix('/usr')}/{name}"}
    if not libs:
        return list(PYTHON_LIBS_FALLBACK)
    proc = subprocess.run(["dpkg", "-S", *sorted(libs)], capture_output=True, text=True)
    packages = {line.split(":")[0] for line in proc.stdout.splitlines() if ": /" in line}
    return sorted(packages) if packages else list(PYTHON_LIBS_FALLBACK)


def node_tarball(dest: Path) -> None:
    """``dest``: the installed ``nodejs`` package's files but its docs; the npm and corepack
    it bundles as they are on disk now (``npm install -g npm`` upgrades them in place)."""
    listing = subprocess.run(
        ["dpkg", "-L", "nodejs"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    modules = "/usr/lib/node_modules/"
    bundled = sorted({m.split("/")[4] for m in listing if m.startswith(modules) and m != modules})
    names = [n for n in listing if n.startswith("/usr/") and not n.startswith(modules)]
    for package in bundled:
        names += [
            modules + package,
            *(modules + package + "/" + r for r in _walk(Path(modules + package))),
        ]
    with tarfile.open(dest, "w") as tar:
        for name in names:
            if name.startswith("/usr/share/doc"):
                continue
            try:
                mode = os.lstat(name).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and name.count("/") < 3:
                continue  # /usr/bin, /usr/lib...: already in the base, keep its modes
            info = tar.gettarinfo(name, arcname=name.lstrip("/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isreg():
                with open(name, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
