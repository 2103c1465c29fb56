"""Turning ``conveyor run`` options into values: pairs, dotenv files, secrets, inputs.

Everything here runs before planning, so a bad option is reported (exit status 2)
by ``--list``, ``--graph`` and ``--dry-run`` as well as by a real run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from conveyor.workflow.model import Workflow


class UsageError(Exception):
    """Bad input from the person at the keyboard; exit status 2."""


def pairs(items: list[str], sep: str, what: str) -> dict[str, str]:
    """``["a=1", "b=2"]`` -> ``{"a": "1", "b": "2"}``; the value may be empty or hold ``sep``."""
    result: dict[str, str] = {}
    for item in items:
        key, found, value = item.partition(sep)
        if not found or not key.strip():
            raise UsageError(f"{what} '{item}' must look like NAME{sep}VALUE")
        result[key.strip()] = value
    return result


def local_repositories(items: list[str], base: Path) -> dict[str, Path]:
    """``--local-repository [URL/]owner/repo[@ref]=DIR`` (as act's): keys ``owner/repo@ref``
    or, without a ref, ``owner/repo`` (every ref), lower-cased as GitHub matches names."""
    result: dict[str, Path] = {}
    for item in items:
        spec, found, folder = item.partition("=")
        name = spec.split("://", 1)[-1]
        if "://" in spec:  # https://github.com/owner/repo@v1: the host names no folder
            name = name.split("/", 1)[-1]
        repo, at, ref = name.partition("@")
        parts = repo.strip("/").split("/")
        if not found or not folder or len(parts) != 2 or not all(parts) or (at and not ref):
            raise UsageError(
                f"--local-repository '{item}' must look like owner/repo@ref=DIR "
                "(or owner/repo=DIR for every ref)"
            )
        path = (base / folder).resolve()
        if not path.is_dir():
            raise UsageError(f"--local-repository {item}: {folder} is not a directory")
        key = "/".join(parts).lower() + (f"@{ref}" if ref else "")
        result[key] = path
    return result


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        quote, value = value[0], value[1:-1]
        if quote == '"':
            value = value.replace("\\n", "\n").replace('\\"', '"')
        return value
    # unquoted: a ' #' starts a comment, as in docker/compose dotenv files
    hash_at = value.find(" #")
    return value[:hash_at].rstrip() if hash_at >= 0 else value


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines: ``#`` comments, optional ``export``, quotes stripped, ``\\n`` in "..."."""
    result: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export") :].strip()
        key, found, value = line.partition("=")
        key = key.strip()
        if not found or not key or any(c.isspace() for c in key):
            raise UsageError(f"{path}:{n}: expected NAME=VALUE, got '{line.split('=')[0]}...'")
        result[key] = _unquote(value.strip())
    return result


def collect_secrets(args: argparse.Namespace) -> dict[str, str]:
    """``--secret-file`` files in order, then ``--secret``; ``GITHUB_TOKEN`` from the env."""
    secrets: dict[str, str] = {}
    for f in args.secret_file:
        secrets.update(read_dotenv(Path(f)))
    for item in args.secret:
        key, found, value = item.partition("=")
        if not key:
            raise UsageError(f"--secret '{item}' must look like NAME=VALUE or NAME")
        if not found:
            if key not in os.environ:
                raise UsageError(
                    f"--secret {key}: no value given and ${key} is not set "
                    f"(use --secret {key}=VALUE, or export {key})"
                )
            value = os.environ[key]
        secrets[key] = value
    if "GITHUB_TOKEN" not in secrets and os.environ.get("GITHUB_TOKEN"):
        secrets["GITHUB_TOKEN"] = os.environ["GITHUB_TOKEN"]
    return secrets


def collect_vars(args: argparse.Namespace) -> dict[str, str]:
    variables: dict[str, str] = {}
    for f in args.var_file:
        variables.update(read_dotenv(Path(f)))
    variables.update(pairs(args.var, "=", "--var"))
    return variables


@record(slots=True)
class DispatchInputs:
    """What ``--input`` becomes for the triggered workflows."""

    typed: dict[str, Any] = field(default_factory=dict)  # the inputs context
    strings: dict[str, str] = field(default_factory=dict)  # github.event.inputs


def _dispatch_spec(wf: Workflow) -> Mapping[str, Any] | None:
    on = wf.on if isinstance(wf.on, Mapping) else {}
    section = on.get("workflow_dispatch")
    spec = section.get("inputs") if isinstance(section, Mapping) else None
    return spec if isinstance(spec, Mapping) else None


def resolve_inputs(
    event_name: str,
    payload: Mapping[str, Any],
    given: dict[str, str],
    workflows: list[Workflow],
) -> dict[str, DispatchInputs]:
    """The inputs of the triggered workflows, typed per their ``workflow_dispatch.inputs``.

    The given values are the event payload's ``inputs`` (``--eventpath``) overridden by
    ``--input``. Each workflow keeps only the inputs it defines; a name no triggered
    workflow defines is an error, and so is a value its type refuses. Returns each
    workflow's inputs by file.
    """
    if event_name != "workflow_dispatch":
        if given:
            raise UsageError(
                f"--input is for workflow_dispatch; '{event_name}' events have no inputs "
                f"(try: conveyor run workflow_dispatch --input ...)"
            )
        return {}
    from conveyor.workflow.inputs import (
        InputError,
        dispatch_event_inputs,
        resolve_dispatch_inputs,
    )

    from_payload = payload.get("inputs")
    values: dict[str, Any] = dict(from_payload) if isinstance(from_payload, Mapping) else {}
    values.update(given)
    specs = [(wf, _dispatch_spec(wf)) for wf in workflows]
    defined = {str(name) for _, spec in specs for name in (spec or {})}
    unknown = sorted(k for k in values if k not in defined)
    if unknown and workflows:
        names = ", ".join(f"'{k}'" for k in unknown)
        allowed = ", ".join(sorted(defined)) or "none"
        raise UsageError(f"unexpected input {names}; the triggered workflows define: {allowed}")
    results: dict[str, DispatchInputs] = {}
    for wf, spec in specs:
        mine = {k: v for k, v in values.items() if k in (spec or {})}
        try:
            results[wf.path] = DispatchInputs(
                resolve_dispatch_inputs(spec, mine), dispatch_event_inputs(spec, mine)
            )
        except InputError as e:
            raise UsageError(f"{wf.path}: {e}") from None
    if not results:
        return {"": DispatchInputs(strings={k: str(v) for k, v in values.items()})}
    return results
