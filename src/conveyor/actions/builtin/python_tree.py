"""A job-private Python installation laid out from one on this machine (setup-python).

On GitHub, ``pythonLocation`` is a real installation (``$RUNNER_TOOL_CACHE/Python/<v>/x64``)
on a fresh VM, so uv, tox, nox and hatch take it as the requested system Python. A venv
would not do (uv refuses a venv as a system interpreter), and the machine's own installation
must not change when a job runs ``pip install``. So each job gets a tree that shares the
read-only bulk with the original:

- ``bin/``: a copy of the interpreter (CPython finds its prefix from the real path of its
  executable, so a symlink would report the original's prefix); the original's links
  (``python``, ``python3``, ``pip``...) as links; its scripts (pip, pydoc, idle, 2to3)
  rewritten to run the copy; its other files copied. Scripts of packages the machine
  added are left out.
- ``lib/pythonX.Y/*``: symlinks to the original's standard library entries.
- ``lib/pythonX.Y/site-packages``: only pip, setuptools and wheel (what a fresh tool-cache
  Python holds; the machine's other packages stay out, as on GitHub), their files
  hardlinked. pip, uv and Python's bytecode writer replace a file rather than write into it,
  so installing, upgrading or uninstalling in the job leaves the original as it was; a job
  that writes into one of those files in place (``cp`` over it, ``>>``) would reach it.
- ``lib/libpython*``, ``lib/pkgconfig/python*.pc``, ``include/python*``: symlinks.

Hardlinks fall back to copies (another filesystem, or files of another owner).
"""

from __future__ import annotations

import csv
import fnmatch
import os
import re
import shutil
from pathlib import Path

# the installation's own names in bin/ (not the scripts of packages the machine added)
_OWN = re.compile(r"^((python|pydoc|idle|2to3|pyvenv).*|(pip|easy_install|wheel)[\d.]*(-[\d.]+)?)$")
_SEED = re.compile(r"^(pip|setuptools|wheel)-[^-]+\.dist-info$")
PIP_MAIN = "import sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n"
_SHEBANG_MAX = 127  # longer #! lines are cut by older kernels; pip uses /bin/sh then


def unsuitable(prefix: Path, major_minor: str) -> str:
    """Why no tree can be laid out from the installation at ``prefix`` ('' when one can)."""
    stdlib = prefix / "lib" / f"python{major_minor}"
    if (prefix / "pyvenv.cfg").exists():
        return "it is a virtual environment"
    if not (prefix / "bin" / f"python{major_minor}").is_file():
        return f"it has no bin/python{major_minor}"
    if not (stdlib / "os.py").is_file():
        return f"its standard library is not in {stdlib}"
    if (stdlib / "EXTERNALLY-MANAGED").exists():
        return "it is the system's Python (EXTERNALLY-MANAGED)"
    if not (stdlib / "site-packages").is_dir():
        return f"it has no {stdlib}/site-packages"
    return ""


def build(prefix: Path, dest: Path, major_minor: str) -> None:
    """Lay out the tree of ``prefix`` at ``dest`` (absent), all or nothing; OSError."""
    work = dest.with_name(dest.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)  # left by a step that was stopped
    try:
        _lay_out(prefix, work, dest, major_minor)
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _lay_out(prefix: Path, root: Path, final: Path, major_minor: str) -> None:
    name = f"python{major_minor}"
    stdlib = prefix / "lib" / name
    site = root / "lib" / name / "site-packages"
    site.mkdir(parents=True)
    with os.scandir(stdlib) as entries:
        for entry in entries:
            if entry.name != "site-packages":
                os.symlink(entry.path, root / "lib" / name / entry.name)
    _seed(stdlib / "site-packages", site)
    _symlink_matching(prefix / "lib", root / "lib", "libpython*")
    _symlink_matching(prefix / "lib" / "pkgconfig", root / "lib" / "pkgconfig", "python*.pc")
    _symlink_matching(prefix / "include", root / "include", "python*")
    _bin(prefix / "bin", root / "bin", final / "bin", name)


def _symlink_matching(source: Path, dest: Path, pattern: str) -> None:
    try:
        names = [n for n in os.listdir(source) if fnmatch.fnmatch(n, pattern)]
    except OSError:
        return
    for n in names:
        dest.mkdir(parents=True, exist_ok=True)
        os.symlink(source / n, dest / n)


def _seed(source: Path, dest: Path) -> None:
    """pip, setuptools and wheel: the top-level entries their RECORD lists."""
    for dist in sorted(os.listdir(source)):
        if not _SEED.match(dist):
            continue
        tops, files = {dist}, []
        try:
            with open(source / dist / "RECORD", newline="") as record:
                rows = list(csv.reader(record))
        except OSError:
            rows = [[dist.split("-")[0] + "/__init__.py"]]
        for row in rows:
            path = row[0] if row else ""
            if not path or path.startswith(("..", "/")):
                continue  # scripts (../../../bin/pip) are laid out with bin/
            top, _, rest = path.partition("/")
            if rest and top != "__pycache__":
                tops.add(top)
            else:
                files.append(path)
        for top in sorted(tops):
            if (source / top).is_dir():
                _link_tree(source / top, dest / top)
        for path in files:
            if (source / path).is_file() and not (dest / path).exists():
                (dest / path).parent.mkdir(parents=True, exist_ok=True)
                _link(source / path, dest / path)


def _link_tree(source: Path | str, dest: Path | str) -> None:
    os.mkdir(dest)
    with os.scandir(source) as entries:
        for entry in entries:
            target = os.path.join(dest, entry.name)
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), target)
            elif entry.is_dir():
                _link_tree(entry.path, target)
            else:
                _link(entry.path, target)


def _link(source: Path | str, dest: Path | str) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _bin(source: Path, dest: Path, final: Path, python: str) -> None:
    dest.mkdir()
    old = str(source) + "/"
    with os.scandir(source) as entries:
        for entry in entries:
            if not _OWN.match(entry.name):
                continue
            target = dest / entry.name
            if entry.is_symlink():
                link = os.readlink(entry.path)
                if link.startswith(old) and "/" not in link[len(old) :]:
                    link = link[len(old) :]  # a sibling named absolutely: the tree's own
                os.symlink(link, target)
            elif entry.is_file():
                _bin_file(Path(entry.path), target, final / python)
    version = python[len("python") :]  # "3.12"
    for alias in ("python", "python" + version.split(".")[0]):
        if not os.path.lexists(dest / alias):
            os.symlink(python, dest / alias)
    if (dest.parent / "lib" / python / "site-packages" / "pip").is_dir():
        for alias in ("pip", "pip" + version.split(".")[0], "pip" + version):
            if not os.path.lexists(dest / alias):
                write_script(dest / alias, final / python, PIP_MAIN)


def _bin_file(source: Path, dest: Path, python: Path) -> None:
    """A script of the installation's Python made to run the copy (run by the original, it
    would install into the original); other files copied (they are small)."""
    with open(source, "rb") as f:
        head = f.read(512).decode("utf-8", "surrogateescape")
    first, _, rest = head.partition("\n")
    exe = first[2:].strip() if first.startswith("#!/") else ""
    if first == "#!/bin/sh" and rest.startswith("'''exec' "):  # pip's form for a long path
        exe = rest[len("'''exec' ") :].split(" ", 1)[0].strip('"')
    if not os.path.basename(exe).startswith("python"):
        shutil.copy2(source, dest)
        return
    body = source.read_text(encoding="utf-8", errors="surrogateescape").partition("\n")[2]
    if first == "#!/bin/sh":
        body = body.partition("\n' '''\n")[2]
    write_script(dest, python, body)


def write_script(path: Path, python: Path, body: str) -> None:
    """A Python script run by ``python`` (through /bin/sh when its path is too long)."""
    if len(str(python)) + 2 <= _SHEBANG_MAX:
        head = f"#!{python}\n"
    else:
        head = f"#!/bin/sh\n'''exec' \"{python}\" \"$0\" \"$@\"\n' '''\n"
    path.write_text(head + body, encoding="utf-8", errors="surrogateescape")
    path.chmod(0o755)
