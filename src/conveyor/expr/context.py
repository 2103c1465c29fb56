"""The evaluation context handed to every evaluation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from conveyor.records import field, record

# Context names GitHub defines; when one is not supplied at some stage it reads as null.
STANDARD_CONTEXTS: Final = frozenset(
    {
        "github",
        "env",
        "vars",
        "secrets",
        "inputs",
        "matrix",
        "strategy",
        "needs",
        "jobs",
        "steps",
        "job",
        "runner",
    }
)


@record
class EvalContext:
    """Values and callbacks an expression may use.

    ``contexts`` maps context names (``github``, ``env`` ...) to their data; names are
    matched case-insensitively. ``status`` reports the current aggregate status
    (``success`` / ``failure`` / ``cancelled``) for the status functions.
    """

    contexts: Mapping[str, Any] = field(default_factory=dict)
    status: Callable[[], str] | None = None
    workspace: str | None = None
    allow_status: bool = True

    def current_status(self) -> str:
        return self.status() if self.status is not None else "success"
