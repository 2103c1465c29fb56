"""actions/setup-node: use a Node.js already on this machine (never downloads).

Looked for as ``node`` on PATH, in ``$NVM_DIR``/``~/.nvm/versions/node/*`` and in
``RUNNER_TOOL_CACHE/node/<version>/<arch>``. Specs: ``20``, ``20.11.1``, ``v20``, ``20.x``,
ranges (``>=18 <21``), ``lts/*``, ``lts/<codename>``, ``lts/-1``, ``latest``/``current``/``node``
(the newest found). Offline there is no release index, so LTS lines are the even majors >= 4,
and ``lts/*`` is the newest LTS line found here. ``registry-url``, ``scope``, ``always-auth``,
``cache``, ``check-latest``, ``architecture`` and ``token`` are accepted no-ops (noted).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.procs import run
from conveyor.actions.builtin.semver import Range, Version
from conveyor.actions.builtin.step import expand_user, warn
from conveyor.records import record

INPUTS: dict[str, dict[str, str]] = {
    "always-auth": {"default": "false"},
    "node-version": {"default": ""},
    "node-version-file": {"default": ""},
    "architecture": {"default": ""},
    "check-latest": {"default": "false"},
    "registry-url": {"default": ""},
    "scope": {"default": ""},
    "token": {"default": "${{ github.server_url == 'https://github.com' && github.token || '' }}"},
    "cache": {"default": ""},
    "package-manager-cache": {"default": "true"},
    "cache-dependency-path": {"default": ""},
    "mirror": {"default": ""},
    "mirror-token": {"default": ""},
}

LTS_CODENAMES: dict[str, int] = {
    "argon": 4,
    "boron": 6,
    "carbon": 8,
    "dubnium": 10,
    "erbium": 12,
    "fermium": 14,
    "gallium": 16,
    "hydrogen": 18,
    "iron": 20,
    "jod": 22,
    "krypton": 24,
}


@record
class Node:
    version: Version
    executable: Path

    @property
    def label(self) -> str:
        return f"v{self.version}"


def main(call: ActionCall) -> None:
    spec = _version_spec(call)
    for name in ("registry-url", "cache", "architecture"):
        if call.input(name):
            call.log(f"{name}: not applied by conveyor's setup-node (no-op)")
    if not spec:
        call.log("[warning]node-version input was not specified; the node on PATH is used")
        return
    found = discover(call)
    chosen = select(found, spec)
    if chosen is None:
        available = ", ".join(f"{n.label} ({n.executable})" for n in found) or "none"
        raise ActionFailed(
            f"Unable to find Node version '{spec}' on this machine. Available: {available}. "
            "Install it (for example with nvm) or set node-version to one of these."
        )
    bin_dir = str(chosen.executable.parent)
    if bin_dir in call.path_updates:
        call.path_updates.remove(bin_dir)
    call.path_updates.append(bin_dir)
    call.outputs["node-version"] = chosen.label
    if call.input("cache"):
        call.outputs["cache-hit"] = "false"
    call.log(f"Found in cache @ {chosen.executable.parent.parent}")
    call.log(f"node: {chosen.label}")


def _version_spec(call: ActionCall) -> str:
    version = call.input("node-version") or call.input("version")
    version_file = call.input("node-version-file")
    if version and version_file:
        warn(
            call,
            "Both node-version and node-version-file inputs are "
            "specified, only node-version will be used",
        )
    if version or not version_file:
        return version.strip()
    path = call.workspace / expand_user(version_file, call)
    if not path.exists():
        raise ActionFailed(f"The specified node version file at: {path} does not exist")
    found = version_from_file(path)
    call.log(f"Resolved {version_file} as {found}")
    return found or ""


def version_from_file(path: Path) -> str | None:
    """node-version-file parsing: package.json (volta, devEngines, engines), .nvmrc & co."""
    contents = path.read_text()
    try:
        manifest = json.loads(contents)
    except ValueError:
        manifest = None
    if isinstance(manifest, dict):
        volta = manifest.get("volta") or {}
        if volta.get("node"):
            return str(volta["node"])
        runtime = (manifest.get("devEngines") or {}).get("runtime")
        entries = runtime if isinstance(runtime, list) else [runtime] if runtime else []
        for entry in entries:
            if str(entry.get("name", "")).lower() == "node" and entry.get("version"):
                return str(entry["version"])
        engines = manifest.get("engines") or {}
        if engines.get("node"):
            return str(engines["node"])
        if volta.get("extends"):
            return version_from_file(path.parent / volta["extends"])
        return None
    action = re.search(r"^\s+using:\s*['\"]?node(\d+)['\"]?\s*(?:#.*)?$", contents, re.M)
    if action:
        return action.group(1)
    found = re.search(r"^(?:node(?:js)?\s+)?v?([^\s]+)$", contents, re.M)
    return found.group(1) if found else contents.strip()


def discover(call: ActionCall) -> list[Node]:
    home = call.env.get("HOME") or os.path.expanduser("~")
    candidates: list[Path] = []
    nvm_roots = [Path(call.env["NVM_DIR"])] if call.env.get("NVM_DIR") else []
    nvm_roots.append(Path(home) / ".nvm")
    for root in nvm_roots:
        candidates += sorted((root / "versions" / "node").glob("v*/bin/node"))
    candidates += sorted((call.tool_cache / "node").glob("*/*/bin/node"))
    for directory in call.env.get("PATH", "").split(os.pathsep):
        if directory and (Path(directory) / "node").is_file():
            candidates.append(Path(directory) / "node")
    nodes: dict[str, Node] = {}
    for exe in candidates:
        real = str(exe.resolve())
        if real in nodes or not os.access(exe, os.X_OK):
            continue
        version = _version_of(call, exe)
        if version:
            nodes[real] = Node(version, exe)
    return sorted(nodes.values(), key=lambda n: n.version, reverse=True)


def _version_of(call: ActionCall, exe: Path) -> Version | None:
    # nvm and the tool cache name the directory after the version: no need to run node
    for part in (exe.parent.parent.name, exe.parent.parent.parent.name):
        version = Version.parse(part)
        if version:
            return version
    probe = run(call, [exe, "--version"])
    return Version.parse(probe.stdout.strip()) if probe.exit.code == 0 else None


def select(found: list[Node], spec: str) -> Node | None:
    spec = spec.strip()
    lower = spec.lower()
    releases = [n for n in found if not n.version.pre]
    if lower in ("latest", "current", "node"):
        return releases[0] if releases else None
    if lower.startswith("lts/"):
        alias = lower[len("lts/") :]
        lts = [n for n in releases if n.version.major >= 4 and n.version.major % 2 == 0]
        if alias == "*":
            return lts[0] if lts else None
        if re.fullmatch(r"-\d+", alias):
            lines = sorted(LTS_CODENAMES.values(), reverse=True)
            index = int(alias[1:])
            if index >= len(lines):
                raise ActionFailed(
                    f'Unable to find LTS release "{alias}" for Node version "{spec}".'
                )
            wanted = lines[index]
        elif alias in LTS_CODENAMES:
            wanted = LTS_CODENAMES[alias]
        else:
            raise ActionFailed(f'Unable to find LTS release "{alias}" for Node version "{spec}".')
        return next((n for n in lts if n.version.major == wanted), None)
    try:
        rng = Range(spec)
    except ValueError:
        raise ActionFailed(f"Invalid node-version '{spec}'") from None
    return next((n for n in found if rng.test(n.version)), None)
