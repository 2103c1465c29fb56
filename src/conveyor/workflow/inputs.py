"""Typed inputs for ``workflow_dispatch`` and ``workflow_call``.

Docs: "on.workflow_dispatch.inputs", "on.workflow_call.inputs", "inputs context".

- ``workflow_dispatch`` types: string (the default), boolean, number, choice,
  environment. ``workflow_call`` requires a type: boolean, number or string.
- An input that is neither given nor defaulted is ``""`` for string-like types,
  ``false`` for boolean and ``0`` for number (documented for ``workflow_call``;
  we use the same rule for ``workflow_dispatch``).
- The ``inputs`` context keeps booleans and numbers typed; ``github.event.inputs``
  (``workflow_dispatch`` only) holds the same values as strings.
- A default holding ``${{ }}`` is returned unchanged for the engine to evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from conveyor.workflow.matrix import format_number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DISPATCH_TYPES = ("string", "boolean", "number", "choice", "environment")
CALL_TYPES = ("boolean", "number", "string")

# compiled on first use (re caches them), not by every start-up's import
_INT = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


class InputError(Exception):
    """Inputs that GitHub would refuse for this workflow."""


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if value is None:
        return ""
    return str(value)


def _parse(name: str, kind: str, value: Any, options: list[str]) -> Any:
    """Convert one given or default value to the input's type."""
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise InputError(f"input '{name}' is a boolean: expected 'true' or 'false', got {value!r}")
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        text = value.strip() if isinstance(value, str) else ""
        if re.fullmatch(_INT, text):
            return int(text)
        if re.fullmatch(_NUMBER, text):
            return float(text)
        raise InputError(f"input '{name}' is a number: {value!r} is not a number")
    text = _as_text(value)
    if kind == "choice" and text not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise InputError(f"input '{name}' must be one of {allowed}; got {text!r}")
    return text


def _definitions(spec: Mapping[str, Any] | None, event: str) -> dict[str, dict[str, Any]]:
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise InputError(f"{event} inputs must be a mapping")
    allowed = CALL_TYPES if event == "workflow_call" else DISPATCH_TYPES
    defs: dict[str, dict[str, Any]] = {}
    for name, raw in spec.items():
        d = dict(raw) if isinstance(raw, Mapping) else {}
        if raw is not None and not isinstance(raw, Mapping):
            raise InputError(f"input '{name}' must be a mapping")
        if "type" not in d and event == "workflow_call":
            raise InputError(f"input '{name}' of workflow_call needs a type")
        kind = d.get("type") or "string"
        if kind not in allowed:
            raise InputError(
                f"input '{name}' has type {kind!r}; {event} allows {', '.join(allowed)}"
            )
        opts = d.get("options")
        if kind == "choice":
            if not isinstance(opts, list) or not opts:
                raise InputError(f"choice input '{name}' needs a non-empty 'options' list")
            d["options"] = [_as_text(o) for o in opts]
        elif opts is not None:
            raise InputError(f"input '{name}' has 'options' but is not of type choice")
        d["type"] = kind
        defs[str(name)] = d
    return defs


def _empty(kind: str) -> Any:
    if kind == "boolean":
        return False
    if kind == "number":
        return 0
    return ""


def _check_given(defs: dict[str, dict[str, Any]], given: Mapping[str, Any]) -> None:
    unknown = sorted(k for k in given if k not in defs)
    if unknown:
        names = ", ".join(f"'{k}'" for k in unknown)
        allowed = ", ".join(defs) if defs else "none (the workflow defines no inputs)"
        raise InputError(f"unexpected input(s) {names}; allowed inputs: {allowed}")


def resolve_dispatch_inputs(
    spec: Mapping[str, Any] | None,
    given: Mapping[str, Any],
    *,
    event: str = "workflow_dispatch",
) -> dict[str, Any]:
    """The ``inputs`` context: every defined input, typed, in definition order.

    ``given`` holds strings (CLI/API style); for ``workflow_call`` typed values
    from ``with:`` are accepted too.
    """
    defs = _definitions(spec, event)
    _check_given(defs, given)
    result: dict[str, Any] = {}
    for name, d in defs.items():
        kind: str = d["type"]
        options: list[str] = d.get("options", [])
        value = given.get(name)
        if value is not None:
            result[name] = _parse(name, kind, value, options)
            continue
        if d.get("default") is not None:
            default = d["default"]
            if isinstance(default, str) and "${{" in default:
                result[name] = default  # evaluated later by the engine
            else:
                result[name] = _parse(name, kind, default, options)
            continue
        if d.get("required") is True:
            raise InputError(f"required input '{name}' was not provided")
        result[name] = _empty(kind)
    return result


def resolve_call_inputs(spec: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """``resolve_dispatch_inputs`` with ``workflow_call`` rules."""
    return resolve_dispatch_inputs(spec, given, event="workflow_call")


def dispatch_event_inputs(
    spec: Mapping[str, Any] | None, given: Mapping[str, Any]
) -> dict[str, str]:
    """``github.event.inputs`` for ``workflow_dispatch``: the same values as strings."""
    resolved = resolve_dispatch_inputs(spec, given)
    out: dict[str, str] = {}
    for name, value in resolved.items():
        raw = given.get(name)
        # keep what the user typed ("1.50" stays "1.50"), else render the value
        out[name] = raw if isinstance(raw, str) else _as_text(value)
    return out
