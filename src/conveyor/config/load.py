"""Find, read and check Conveyor's configuration files.

Two files, both optional, the repository's over the user's, key by key:

* the user's: ``$XDG_CONFIG_HOME/conveyor/config.yml`` (``~/.config/...``): this machine's
  images for ``runs-on`` labels, registry mirrors and logins, environments;
* the repository's: ``.conveyor.yml`` at its root (``--config FILE`` or
  ``$CONVEYOR_CONFIG`` name another file instead).

Mistakes are reported like a workflow's: ``file:line:col: message [config]``, every one
found in one pass. Command-line options win over both files.
"""

from __future__ import annotations

import os
from pathlib import Path

from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # the rest is imported when a file is there to read (every run pays this)
    from typing import Any

    from conveyor.config.check import Checker
    from conveyor.config.environments import Environment

REPO_FILES = (".conveyor.yml", ".conveyor.yaml")
EXECUTORS = ("host", "container")
_TOP = ("executor", "platforms", "registries", "environments")
_REGISTRY_KEYS = ("mirrors", "insecure", "username", "password-secret")


@record(frozen=True, slots=True)
class Registry:
    """One registry host's settings (``registries.<host>``)."""

    host: str
    mirrors: tuple[str, ...] = ()
    insecure: bool = False
    username: str = ""
    password_secret: str = ""  # the name of the secret holding the password


@record(slots=True)
class Config:
    """The merged settings; ``files`` lists what was read, lowest precedence first."""

    executor: str | None = None
    platforms: dict[str, str] = field(default_factory=dict)
    registries: dict[str, Registry] = field(default_factory=dict)
    environments: dict[str, Environment] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def config_files(root: Path, explicit: str | None = None) -> list[Path]:
    """The files that apply to repository ``root``, lowest precedence first."""
    found: list[Path] = []
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(base) / "conveyor" / "config.yml"
    if user.is_file():
        found.append(user)
    chosen = explicit or os.environ.get("CONVEYOR_CONFIG")
    if chosen:
        found.append(Path(chosen))  # named on purpose: missing is an error, found on read
    else:  # .conveyor.yml, else .conveyor.yaml
        found.extend([p for p in (root / name for name in REPO_FILES) if p.is_file()][:1])
    return found


def load_config(root: Path, explicit: str | None = None) -> Config:
    """The configuration for ``root``; raises WorkflowErrors listing every mistake."""
    config = Config()
    for path in config_files(root, explicit):
        merge(config, parse_config(_read(path), str(path)))
        config.files.append(str(path))
    return config


def _read(path: Path) -> str:
    from conveyor.workflow.errors import Pos, WorkflowError, WorkflowErrors

    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise WorkflowErrors(
            [
                WorkflowError(
                    f"cannot read configuration: {e.strerror}", Pos(str(path), 1, 1), "config"
                )
            ]
        ) from None
    except UnicodeDecodeError:
        raise WorkflowErrors(
            [WorkflowError("configuration is not UTF-8 text", Pos(str(path), 1, 1), "config")]
        ) from None


def merge(low: Config, high: Config) -> None:
    """``high``'s settings over ``low``'s: the executor, then label by label and registry
    by registry."""
    low.executor = high.executor or low.executor
    low.platforms.update(high.platforms)
    low.registries.update(high.registries)
    low.environments.update(high.environments)


def parse_config(text: str, file: str) -> Config:
    """One file's settings, checked; raises WorkflowErrors with every mistake located."""
    from conveyor.config.check import Checker
    from conveyor.config.environments import parse_environments
    from conveyor.workflow.errors import WorkflowError, WorkflowErrors
    from conveyor.workflow.yamlload import MAX_DEPTH_WORKFLOW, load_yaml

    try:
        doc = load_yaml(text, file, MAX_DEPTH_WORKFLOW)
    except WorkflowError as e:
        raise WorkflowErrors([e]) from None
    check = Checker(doc, file)
    config = Config()
    top = doc.value
    if top is None:
        return config
    if not isinstance(top, dict):
        check.error((), "the configuration must be a mapping (executor:, platforms:, ...)")
        raise WorkflowErrors(check.errors)
    for key in top:
        if key not in _TOP:
            check.unknown((key,), str(key), _TOP, "setting")
    executor = top.get("executor")
    if executor is not None:
        if executor in EXECUTORS:
            config.executor = executor
        else:
            check.error(("executor",), f"executor must be one of {', '.join(EXECUTORS)}")
    config.platforms = check.string_map(("platforms",), top.get("platforms"), "an image")
    registries = top.get("registries")
    if registries is not None and check.mapping(("registries",), registries):
        for host, spec in registries.items():
            registry = _registry(check, str(host), spec)
            if registry is not None:
                config.registries[str(host)] = registry
    config.environments = parse_environments(check, top.get("environments"))
    if check.errors:
        raise WorkflowErrors(check.errors)
    return config


def _registry(check: Checker, host: str, spec: Any) -> Registry | None:
    where = ("registries", host)
    if "/" in host or not host.strip():
        check.error(where, f"'{host}' is not a registry host (host or host:port, no path)")
        return None
    if spec is None:
        return Registry(host)
    if not check.mapping(where, spec):
        return None
    for key in spec:
        if key not in _REGISTRY_KEYS and key != "password":
            check.unknown((*where, key), str(key), _REGISTRY_KEYS, "registry setting")
    mirrors = spec.get("mirrors", [])
    if isinstance(mirrors, str):
        mirrors = [mirrors]
    if not isinstance(mirrors, list) or not all(isinstance(m, str) and m for m in mirrors):
        check.error((*where, "mirrors"), "mirrors must be a list of registry hosts")
        mirrors = []
    insecure = spec.get("insecure", False)
    if not isinstance(insecure, bool):
        check.error((*where, "insecure"), "insecure must be true or false")
        insecure = False
    username = spec.get("username", "")
    secret = spec.get("password-secret", "")
    for key, value in (("username", username), ("password-secret", secret)):
        if not isinstance(value, str):
            check.error((*where, key), f"{key} must be a string")
    if isinstance(username, str) and isinstance(secret, str) and bool(username) != bool(secret):
        check.error(where, "a login needs both username and password-secret")
    if "password" in spec:  # a password in a file is a secret on disk: refuse it by name
        check.error(
            (*where, "password"),
            "write the password as a secret and name it with password-secret "
            "(a configuration file is not a place for secrets)",
        )
    return Registry(
        host,
        tuple(str(m) for m in mirrors),
        insecure,
        username if isinstance(username, str) else "",
        secret if isinstance(secret, str) else "",
    )
