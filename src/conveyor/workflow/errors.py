"""One error type for everything a person wrote wrong in a workflow file.

Printed like actionlint: ``file:line:col: message [kind]``.
"""

from __future__ import annotations

from conveyor.records import record


@record(frozen=True, slots=True)
class Pos:
    """Where a node starts in its file; line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class WorkflowError(Exception):
    """A problem in a workflow file that the author can fix."""

    def __init__(self, message: str, pos: Pos | None = None, kind: str = "syntax") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.kind = kind

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"{where}{self.message} [{self.kind}]"


class WorkflowErrors(Exception):
    """Several problems found in one pass, so the author can fix them together."""

    def __init__(self, errors: list[WorkflowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
