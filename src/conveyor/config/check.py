"""Located mistakes in a configuration document, collected in one pass."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any

from conveyor.workflow.errors import Pos, WorkflowError
from conveyor.workflow.yamlload import Doc

Where = tuple[str | int, ...]


class Checker:
    """Collects located errors for one document."""

    def __init__(self, doc: Doc, file: str) -> None:
        self.doc = doc
        self.file = file
        self.errors: list[WorkflowError] = []

    def error(self, path: Where, message: str, key: bool = False) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        self.errors.append(WorkflowError(message, pos or Pos(self.file, 1, 1), "config"))

    def unknown(self, path: Where, name: str, known: tuple[str, ...], what: str) -> None:
        close = get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
        self.error(path, f"unknown {what} '{name}'{hint}", key=True)

    def mapping(self, path: Where, value: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.error(path, f"{path[-1]} must be a mapping")
        return False

    def string_map(self, path: Where, value: Any, what: str) -> dict[str, str]:
        if value is None or not self.mapping(path, value):
            return {}
        out: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, str) and item.strip():
                out[str(key)] = item.strip()
            else:
                self.error((*path, key), f"{path[-1]}.{key} must be {what}")
        return out

    def keys(self, path: Where, value: dict[str, Any], known: tuple[str, ...], what: str) -> None:
        for key in value:
            if key not in known:
                self.unknown((*path, key), str(key), known, what)

    def string(self, path: Where, value: Any, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value).strip()
        self.error(path, f"{path[-1]} must be a string")
        return default

    def integer(self, path: Where, value: Any, default: int, minimum: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(path, f"{path[-1]} must be a whole number of at least {minimum}")
            return default
        return value

    def boolean(self, path: Where, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"{path[-1]} must be true or false")
            return default
        return value

    def choice(self, path: Where, value: Any, choices: tuple[str, ...]) -> str:
        if value is None:
            return choices[0]
        if value not in choices:
            self.error(path, f"{path[-1]} must be one of {', '.join(choices)}")
            return choices[0]
        return str(value)

    def strings(self, path: Where, value: Any) -> tuple[str, ...]:
        """A list of strings; one string is a list of one."""
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
            return tuple(value)
        self.error(path, f"{path[-1]} must be a list of strings")
        return ()
