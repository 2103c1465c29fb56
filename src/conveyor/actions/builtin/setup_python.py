"""actions/setup-python: use an interpreter already on this machine (never downloads).

Looked for in ``$PYENV_ROOT/versions/*`` and ``~/.pyenv/versions/*``, the tool cache
(``RUNNER_TOOL_CACHE/Python/<version>/x64``, ``PyPy/...``) and ``python3.X`` on PATH. Version
specs follow setup-python: ``3.12`` (newest 3.12.x), ``3.12.1``, ``3.x``, ranges such as
``>=3.11 <3.13``, ``3.13-dev``, ``pypy3.10``; several lines set up several versions, the last
one being the default. The newest match wins. ``cache`` and ``check-latest`` are no-ops (noted);
``architecture`` only warns when it is not this machine's.

What goes on PATH and in ``pythonLocation`` is the job's own installation, as on GitHub's
fresh VM, so ``pip install`` in a job never changes the machine's interpreter or another
job's: a real installation tree (``sys.prefix == sys.base_prefix``, no pyvenv.cfg) at
``RUNNER_TEMP/setup-python/Python/<version>/x64``, removed with the job, that shares the
original's files (``python_tree``), so uv, tox and nox take it as the system Python asked for.
An interpreter no tree can be laid out from (a distribution's ``/usr/bin/python3.X``, whose
packages the distribution manages; a venv; one whose copy does not find its own prefix) gets a
job-private venv instead, with a log line saying why; so does PyPy, quietly.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import tomllib
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin import python_tree
from conveyor.actions.builtin.procs import run
from conveyor.actions.builtin.semver import Range, Version
from conveyor.actions.builtin.step import expand_user, warn
from conveyor.records import record

INPUTS: dict[str, dict[str, str]] = {
    "python-version": {"default": ""},
    "python-version-file": {"default": ""},
    "cache": {"default": ""},
    "architecture": {"default": ""},
    "check-latest": {"default": "false"},
    "token": {"default": "${{ github.server_url == 'https://github.com' && github.token || '' }}"},
    "cache-dependency-path": {"default": ""},
    "update-environment": {"default": "true"},
    "allow-prereleases": {"default": "false"},
    "freethreaded": {"default": "false"},
    "pip-version": {"default": ""},
    "pip-install": {"default": ""},
}

_PRERELEASE = re.compile(r"(\d+\.\d+\.\d+)((?:a|b|rc)\d*)")
_PYPY_DIR = re.compile(r"^pypy(\d+\.\d+)(?:\.\d+)?-v?(\d+\.\d+\.\d+\S*)$")


@record
class Interpreter:
    version: Version
    prefix: Path
    executable: Path
    pypy: str = ""  # PyPy's own version, for PyPy

    @property
    def label(self) -> str:
        return f"pypy{self.version}-{self.pypy}" if self.pypy else str(self.version)


def main(call: ActionCall) -> None:
    specs = _version_specs(call)
    if not specs:
        warn(
            call,
            "The `python-version` input is not set.  The version of "
            "Python currently in `PATH` will be used.",
        )
        return
    arch = call.input("architecture").lower()
    machine = _machine()
    if arch and arch != machine:
        warn(call, f"architecture '{arch}' requested; this machine's interpreters are {machine}")
    if call.bool_input("check-latest"):
        call.log("check-latest: conveyor uses installed interpreters only; no download check")
    allow_pre = call.bool_input("allow-prereleases")
    found = discover(call)
    for spec in specs:
        chosen = select(found, spec, allow_pre)
        if chosen is None:
            raise ActionFailed(_not_found(spec, found, call))
        _use(call, chosen)
        call.log(f"Successfully set up {'PyPy' if chosen.pypy else 'CPython'} ({chosen.label})")
    cache = call.input("cache")
    if cache:
        call.log(f"cache: '{cache}' caching is not done by conveyor's setup-python (no-op)")
        call.outputs["cache-hit"] = "false"


def _machine() -> str:
    """This machine's architecture as setup-python names it."""
    name = platform.machine().lower()
    return {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(name, name)


def _version_specs(call: ActionCall) -> list[str]:
    version = call.list_input("python-version")
    version_file = call.input("python-version-file")
    if version and version_file:
        warn(
            call,
            "Both python-version and python-version-file inputs are "
            "specified, only python-version will be used.",
        )
    if version:
        return version
    name = version_file or ".python-version"
    path = call.workspace / expand_user(name, call)
    if not path.exists():
        if version_file:
            raise ActionFailed(f"The specified python version file at: {name} doesn't exist.")
        call.log(
            "[warning]Neither 'python-version' nor 'python-version-file' inputs were "
            "supplied. Attempting to find '.python-version' file."
        )
        call.log("[warning].python-version doesn't exist.")
        return []
    specs = _read_version_file(path)
    call.log(f"Resolved {name} as {', '.join(specs)}")
    return specs


def _read_version_file(path: Path) -> list[str]:
    text = path.read_text()
    if path.name == "pyproject.toml":
        data = tomllib.loads(text)
        spec = data.get("project", {}).get("requires-python") or (
            data.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python", "")
        )
        return [str(spec).replace(",", " ")] if spec else []
    if path.name == ".tool-versions":
        for line in text.splitlines():
            fields = line.split("#", 1)[0].split()
            if fields and fields[0] == "python":
                return fields[1:]
        return []
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line]


# --- discovery


def discover(call: ActionCall) -> list[Interpreter]:
    """Every interpreter conveyor can offer, newest first, one per prefix."""
    env = call.env
    roots: list[Path] = []
    if env.get("PYENV_ROOT"):
        roots.append(Path(env["PYENV_ROOT"]) / "versions")
    home = env.get("HOME") or os.path.expanduser("~")
    roots.append(Path(home) / ".pyenv" / "versions")
    found: dict[str, Interpreter] = {}
    for root in roots:
        for entry in _children(root):
            interp = _from_dir_name(entry.name, entry)
            if interp:
                found.setdefault(str(entry.resolve()), interp)
    for impl in ("Python", "PyPy"):
        for entry in _children(call.tool_cache / impl):
            prefix = entry / "x64"
            interp = _from_dir_name(("pypy" + entry.name) if impl == "PyPy" else entry.name, prefix)
            if interp:
                found.setdefault(str(prefix.resolve()), interp)
    known = {str(i.executable.resolve()) for i in found.values()}
    for interp in _from_path(call, env.get("PATH", ""), known):
        found.setdefault(str(interp.prefix), interp)
    return sorted(found.values(), key=lambda i: i.version, reverse=True)


def _children(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []


def _from_dir_name(name: str, prefix: Path) -> Interpreter | None:
    exe = next(
        (prefix / "bin" / n for n in ("python", "python3") if (prefix / "bin" / n).exists()), None
    )
    if exe is None:
        return None
    pypy = _PYPY_DIR.match(name)
    if pypy:
        version = Version.parse(pypy.group(1) + ".0")
        return Interpreter(version, prefix, exe, pypy.group(2)) if version else None
    version = Version.parse(_PRERELEASE.sub(r"\1-\2", name))
    return Interpreter(version, prefix, exe) if version else None


def _from_path(call: ActionCall, path: str, known: set[str]) -> list[Interpreter]:
    out: list[Interpreter] = []
    seen = set(known)
    ours = str(call.temp / "setup-python") + "/"  # what an earlier step set up in this job
    for directory in path.split(os.pathsep):
        if not directory or directory.rstrip("/").endswith("shims"):
            continue
        if (directory.rstrip("/") + "/").startswith(ours):
            continue
        for exe in sorted(Path(directory).glob("python3.[0-9]*")):
            if not re.fullmatch(r"python3\.\d+", exe.name) or not os.access(exe, os.X_OK):
                continue
            real = str(exe.resolve())
            if real in seen:
                continue
            seen.add(real)
            script = "import sys; print(sys.prefix); print(*sys.version_info[:5])"
            probe = run(call, [exe, "-c", script])
            lines = probe.stdout.split("\n")
            if probe.exit.code != 0 or len(lines) < 2:
                continue
            major, minor, micro, level, serial = lines[1].split()
            pre = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(level, "")
            text = f"{major}.{minor}.{micro}" + (f"-{pre}{serial}" if pre else "")
            version = Version.parse(text)
            if version:
                out.append(Interpreter(version, Path(lines[0]), exe))
    return out


# --- selection


def to_semantic(spec: str, allow_prereleases: bool) -> str:
    spec = re.sub(r"^(\d+)\.(\d+)-dev$", r"~\1.\2.0-0", spec.strip())
    spec = _PRERELEASE.sub(r"\1-\2", spec)
    if allow_prereleases:
        spec = re.sub(r"^(\d+)\.(\d+)$", r"~\1.\2.0-0", spec)
    return spec


def select(found: list[Interpreter], spec: str, allow_prereleases: bool) -> Interpreter | None:
    spec = spec.strip()
    if spec.lower().startswith("pypy"):
        m = re.match(r"^pypy-?(\d+(?:\.\d+)*)(?:-v?(\S+))?$", spec.lower())
        if not m:
            raise ActionFailed(f"Invalid 'version' property for PyPy. Got '{spec}'")
        py_range, pypy_spec = Range(m.group(1)), m.group(2)
        pypy_range = Range(pypy_spec) if pypy_spec and pypy_spec != "nightly" else None
        for interp in found:
            pypy_version = Version.parse(interp.pypy) if interp.pypy else None
            if not interp.pypy or not py_range.test(interp.version):
                continue
            if pypy_range is None or (pypy_version and pypy_range.test(pypy_version)):
                return interp
        return None
    try:
        rng = Range(to_semantic(spec, allow_prereleases))
    except ValueError:
        raise ActionFailed(f"Invalid python-version '{spec}'") from None
    return next((i for i in found if not i.pypy and rng.test(i.version)), None)


def _not_found(spec: str, found: list[Interpreter], call: ActionCall) -> str:
    home = call.env.get("HOME") or os.path.expanduser("~")

    def short(p: Path) -> str:
        text = str(p)
        return "~" + text[len(home) :] if home and text.startswith(home.rstrip("/") + "/") else text

    label = spec if spec.lower().startswith("pypy") else f"Python {spec}"
    available = ", ".join(f"{i.label} ({short(i.prefix)})" for i in found) or "none"
    return (
        f"{label} was not found. Available: {available}. "
        "Install it with pyenv or set python-version to one of these."
    )


_PROBE = "import sys; print(sys.prefix); print(getattr(sys, 'base_prefix', ''))"


def install(call: ActionCall, interp: Interpreter) -> tuple[Path | None, str]:
    """The job's own installation of ``interp`` (see the module) and, when that had to be a
    venv, why; '' for a real installation."""
    major_minor = f"{interp.version.major}.{interp.version.minor}"
    why = "PyPy" if interp.pypy else python_tree.unsuitable(interp.prefix, major_minor)
    if not why:
        home = call.temp / "setup-python" / "Python" / interp.label / _machine()
        try:
            if not home.exists():  # an earlier step of this job laid it out
                python_tree.build(interp.prefix, home, major_minor)
        except OSError as err:
            why = f"its job copy could not be laid out ({err})"
        else:
            why = _check(call, home, major_minor)
            if not why:
                return home, ""
            shutil.rmtree(home, ignore_errors=True)
    return _venv(call, interp), why


def _check(call: ActionCall, home: Path, major_minor: str) -> str:
    """Why the tree at ``home`` is not an installation of its own ('' when it is)."""
    out = run(call, [home / "bin" / f"python{major_minor}", "-c", _PROBE])
    lines = out.stdout.split("\n")
    if out.exit.code != 0 or len(lines) < 2:
        return f"its job copy does not start ({out.stderr.strip()[-200:]})"
    prefixes = {os.path.realpath(line) for line in lines[:2] if line}
    if prefixes != {os.path.realpath(home)}:
        return f"its job copy reports sys.prefix {lines[0]}"
    return ""


_VENV = """
import os, sys, venv
venv.create(sys.argv[1], with_pip=False, symlinks=True, clear=True)
try:
    import pip
    print(pip.__path__[0])
except ImportError:
    print("")
"""


def _venv(call: ActionCall, interp: Interpreter) -> Path | None:
    """A job-private venv of the interpreter, for one no tree can be laid out from; None
    for an interpreter without venv (used in place).

    The venv is made without pip (ensurepip costs seconds); the interpreter's own pip
    package is linked in instead, with pip scripts that install into the venv.
    """
    home = call.temp / "setup-python" / interp.label
    out = run(call, [interp.executable, "-c", _VENV, home])
    if out.exit.code != 0:
        raise ActionFailed(
            f"could not create an isolated environment for Python "
            f"{interp.label}: {out.stderr.strip()}"
        )
    pip_dir = out.stdout.strip()
    bin_dir = home / "bin"
    if not (bin_dir / "python").exists():
        return None  # not a CPython with venv (e.g. a bare interpreter): use it in place
    if pip_dir:
        for site in home.glob("lib/python*/site-packages"):
            (site / "pip").symlink_to(pip_dir, target_is_directory=True)
        major_minor = f"{interp.version.major}.{interp.version.minor}"
        for name in ("pip", "pip3", f"pip{major_minor}"):
            python_tree.write_script(bin_dir / name, bin_dir / "python", python_tree.PIP_MAIN)
    return home


def _use(call: ActionCall, interp: Interpreter) -> None:
    prefix = interp.prefix
    installed, why = install(call, interp)
    if why and not interp.pypy:
        gets = "it in place"
        if installed:
            gets = "a venv of it (tools such as uv do not take a venv as a system Python)"
        call.log(f"Python {interp.label} at {prefix}: {why}; the job gets {gets}")
    home = installed or prefix
    bin_dir = home / "bin"
    exe = bin_dir / "python"
    if installed is None and (not exe.exists() or not exe.samefile(interp.executable)):
        # e.g. /usr/bin/python3.11 found on PATH: make `python` and `python3` mean it
        bin_dir = call.temp / "setup-python" / interp.label / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("python", "python3"):
            link = bin_dir / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(interp.executable)
        exe = bin_dir / "python"
    if call.bool_input("update-environment", True):
        location = str(home)
        call.env_updates["pythonLocation"] = location
        call.env_updates["PKG_CONFIG_PATH"] = location + "/lib/pkgconfig"
        call.env_updates["Python_ROOT_DIR"] = location
        call.env_updates["Python2_ROOT_DIR"] = location
        call.env_updates["Python3_ROOT_DIR"] = location
        # a venv has no libpython of its own: the original's
        lib = str((prefix if why else home) / "lib")
        current = call.env_updates.get("LD_LIBRARY_PATH", call.env.get("LD_LIBRARY_PATH", ""))
        if lib not in current.split(":"):
            call.env_updates["LD_LIBRARY_PATH"] = lib + (f":{current}" if current else "")
        for entry in (str(home), str(bin_dir)):
            if entry in call.path_updates:
                call.path_updates.remove(entry)
            call.path_updates.append(entry)
    call.outputs["python-version"] = interp.label
    call.outputs["python-path"] = str(exe)
