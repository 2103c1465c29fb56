"""Registry mirrors and insecure registries for podman, buildah and skopeo.

They read ``registries.conf`` (containers-registries.conf(5)); ``CONTAINERS_REGISTRIES_CONF``
names a file used instead of ``/etc/containers/registries.conf`` (the drop-ins of
``registries.conf.d`` still apply). The file written here is the system file's settings
with the configured registries' tables replacing any for the same host, so a run's mirrors
never change the machine's configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from conveyor.imageref import is_loopback

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.config.load import Registry

SYSTEM_FILE = Path("/etc/containers/registries.conf")
ENV_VAR = "CONTAINERS_REGISTRIES_CONF"


def needs_file(registries: Iterable[Registry]) -> bool:
    """Whether any registry changes what podman does (a login alone does not)."""
    return any(r.mirrors or r.insecure for r in registries)


def registries_conf(registries: Iterable[Registry], system_text: str = "") -> str:
    """The TOML for ``registries`` over the system file's text (parsed, never edited)."""
    import tomllib  # only when a registry is configured: it imports datetime

    try:
        base: dict[str, Any] = tomllib.loads(system_text) if system_text else {}
    except tomllib.TOMLDecodeError:
        base = {}  # podman itself rejects a broken system file; don't guess at its intent
    ours = [r for r in registries if r.mirrors or r.insecure]
    hosts = {r.host for r in ours}
    kept = [t for t in base.pop("registry", []) if t.get("prefix", t.get("location")) not in hosts]
    for r in ours:
        table: dict[str, Any] = {"prefix": r.host, "location": r.host, "insecure": r.insecure}
        if r.mirrors:
            table["mirror"] = [{"location": m, "insecure": is_loopback(m)} for m in r.mirrors]
        kept.append(table)
    base["registry"] = kept
    return _dump(base)


def write_registries_conf(registries: Iterable[Registry], folder: Path) -> Path | None:
    """Write the file into ``folder`` when it is needed; its path, else None."""
    chosen = list(registries)
    if not needs_file(chosen):
        return None
    try:
        system = SYSTEM_FILE.read_text(encoding="utf-8")
    except OSError:
        system = ""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "registries.conf"
    path.write_text(registries_conf(chosen, system), encoding="utf-8")
    return path


def _dump(doc: dict[str, Any]) -> str:
    """TOML for the shapes registries.conf has: scalars, lists of scalars, tables and
    arrays of tables (JSON strings are valid TOML basic strings)."""
    lines: list[str] = []
    _table(doc, [], lines)
    return "\n".join(lines) + "\n"


def _table(table: dict[str, Any], path: list[str], lines: list[str]) -> None:
    nested: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            nested.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {_value(value)}")
    for key, value in nested:
        here = [*path, json.dumps(key)]
        if isinstance(value, dict):
            lines.append(f"\n[{'.'.join(here)}]")
            _table(value, here, lines)
        else:
            for item in value:
                lines.append(f"\n[[{'.'.join(here)}]]")
                _table(item, here, lines)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value))
