"""actions/setup-go: use a Go toolchain already on this machine (never downloads).

Looked for as ``go`` on PATH, ``/usr/local/go``, ``~/sdk/go*`` and
``RUNNER_TOOL_CACHE/go/<version>/<arch>``. Specs: ``1.22`` (newest 1.22.x), ``1.22.3``,
ranges (``^1.21``), ``stable``/``oldstable``; ``go-version-file`` reads the ``go`` line of
go.mod/go.work, the ``golang`` line of .tool-versions, or a plain version file. Like the action:
``<goroot>/bin`` and ``$(go env GOPATH)/bin`` go on PATH, ``GOTOOLCHAIN=local`` is exported,
GOROOT only for Go < 1.9. ``cache`` (default true) is a no-op with ``cache-hit=false``;
``check-latest``, ``architecture`` and ``token`` are no-ops.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.procs import run
from conveyor.actions.builtin.semver import Range, Version
from conveyor.actions.builtin.step import expand_user, warn
from conveyor.records import record

INPUTS: dict[str, dict[str, str]] = {
    "go-version": {"default": ""},
    "go-version-file": {"default": ""},
    "check-latest": {"default": "false"},
    "token": {"default": "${{ github.server_url == 'https://github.com' && github.token || '' }}"},
    "cache": {"default": "true"},
    "cache-dependency-path": {"default": ""},
    "architecture": {"default": ""},
}


@record
class GoRoot:
    version: Version
    root: Path
    raw: str  # as `go version` prints it, without "go": 1.22.3, 1.23rc1

    @property
    def executable(self) -> Path:
        return self.root / "bin" / "go"


def make_semver(version: str) -> Version | None:
    """Go's version syntax as semver: 1.22 -> 1.22.0, 1.23rc1 -> 1.23.0-rc.1."""
    m = re.fullmatch(r"(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?", version.strip())
    if not m:
        return None
    pre = (m.group(4), m.group(5)) if m.group(4) else ()
    return Version(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), pre)


def main(call: ActionCall) -> None:
    spec = _version_spec(call)
    call.env_updates["GOTOOLCHAIN"] = "local"
    found = discover(call)
    if spec:
        chosen = select(found, spec)
        if chosen is None:
            available = ", ".join(f"{g.raw} ({g.root})" for g in found) or "none"
            raise ActionFailed(
                f"Unable to find Go version '{spec}' on this machine. Available: {available}. "
                "Install it (for example under ~/sdk) or set go-version to one of these."
            )
        _add_path(call, str(chosen.root / "bin"))
        if chosen.version < Version(1, 9, 0):
            call.env_updates["GOROOT"] = str(chosen.root)
        call.log(f"Successfully set up Go version {spec}")
    else:
        call.log(
            "[warning]go-version input was not specified. The action "
            "will try to use pre-installed version."
        )
        on_path = _on_path(call) or (found[0] if found else None)
        if on_path is None:
            raise ActionFailed("Unable to find go on this machine")
        chosen = on_path
    env = {**call.env, **call.env_updates}
    probe = run(call, [chosen.executable, "env", "GOPATH", "GOVERSION"], cwd=call.temp, env=env)
    lines = probe.stdout.splitlines()
    if probe.exit.code != 0 or len(lines) < 2:
        raise ActionFailed(f"`{chosen.executable} env` failed: {probe.stderr.strip()}")
    gopath = lines[0].split(os.pathsep)[0].strip()
    if gopath:
        Path(gopath, "bin").mkdir(parents=True, exist_ok=True)
        _add_path(call, str(Path(gopath) / "bin"))
    version = lines[1].strip().removeprefix("go")
    call.log(f"go version go{version}")
    call.outputs["go-version"] = version
    if call.bool_input("cache", True):
        call.log("cache: Go module and build caching is not done by conveyor's setup-go (no-op)")
        call.outputs["cache-hit"] = "false"


def _add_path(call: ActionCall, entry: str) -> None:
    if entry in call.path_updates:
        call.path_updates.remove(entry)
    call.path_updates.append(entry)


def _on_path(call: ActionCall) -> GoRoot | None:
    for directory in call.env.get("PATH", "").split(os.pathsep):
        exe = Path(directory or ".") / "go"
        if exe.is_file():
            return _probe_root(call, exe.resolve().parent.parent)
    return None


def _version_spec(call: ActionCall) -> str:
    version = call.input("go-version").strip()
    version_file = call.input("go-version-file")
    if version and version_file:
        warn(
            call,
            "Both go-version and go-version-file inputs are "
            "specified, only go-version will be used",
        )
    if version or not version_file:
        return version
    path = call.workspace / expand_user(version_file, call)
    if not path.exists():
        raise ActionFailed(f"The specified go version file at: {version_file} does not exist")
    return parse_version_file(path)


def parse_version_file(path: Path) -> str:
    contents = path.read_text()
    if path.name in ("go.mod", "go.work"):
        m = re.search(r"^go (\d+(\.\d+)*)", contents, re.M)
        return m.group(1) if m else ""
    if path.name == ".tool-versions":
        m = re.search(r"^golang\s+([^\n#]+)", contents, re.M)
        return m.group(1).strip() if m else ""
    return contents.strip()


def discover(call: ActionCall) -> list[GoRoot]:
    home = Path(call.env.get("HOME") or os.path.expanduser("~"))
    roots: list[Path] = [Path("/usr/local/go")]
    roots += sorted(p for p in (home / "sdk").glob("go*") if p.is_dir())
    roots += sorted(p.parent.parent for p in (call.tool_cache / "go").glob("*/*/bin/go"))
    for directory in call.env.get("PATH", "").split(os.pathsep):
        exe = Path(directory or ".") / "go"
        if exe.is_file():
            roots.append(exe.resolve().parent.parent)
    found: dict[str, GoRoot] = {}
    for root in roots:
        key = str(root.resolve())
        if key in found or not (root / "bin" / "go").is_file():
            continue
        goroot = _probe_root(call, root)
        if goroot:
            found[key] = goroot
    return sorted(found.values(), key=lambda g: g.version, reverse=True)


def _probe_root(call: ActionCall, root: Path) -> GoRoot | None:
    version_file = root / "VERSION"
    raw = ""
    if version_file.is_file():
        raw = version_file.read_text().splitlines()[0].strip().removeprefix("go")
    if not make_semver(raw):
        env = {**call.env, "GOTOOLCHAIN": "local"}
        probe = run(call, [root / "bin" / "go", "env", "GOVERSION"], env=env)
        raw = probe.stdout.strip().removeprefix("go")
    version = make_semver(raw)
    return GoRoot(version, root, raw) if version else None


def select(found: list[GoRoot], spec: str) -> GoRoot | None:
    lower = spec.strip().lower()
    releases = [g for g in found if not g.version.pre]
    if lower == "stable":
        return releases[0] if releases else None
    if lower == "oldstable":
        if not releases:
            return None
        newest = releases[0].version
        older = [
            g for g in releases if (g.version.major, g.version.minor) < (newest.major, newest.minor)
        ]
        return older[0] if older else None
    exact = make_semver(spec)
    if exact and exact.pre:
        return next((g for g in found if g.version == exact), None)
    try:
        rng = Range(spec.strip().removeprefix("go"))
    except ValueError:
        raise ActionFailed(f"Invalid go-version '{spec}'") from None
    return next((g for g in found if rng.test(g.version)), None)
