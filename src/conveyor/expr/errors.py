"""The single exception type raised by the expression package."""

from __future__ import annotations


class ExprError(Exception):
    """A parse or evaluation error in a ``${{ }}`` expression.

    ``str()`` names the problem, the 1-based column (when known) and the
    expression text, so users can find the mistake in their workflow file.
    """

    def __init__(self, reason: str, expression: str = "", column: int | None = None) -> None:
        self.reason = reason
        self.expression = expression
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.reason
        if self.column is not None:
            text += f" at column {self.column}"
        if self.expression:
            text += f" in expression: {self.expression}"
        return text

    def with_expression(self, expression: str) -> ExprError:
        """Return a copy that names ``expression`` (used when the text was not known)."""
        return ExprError(self.reason, expression, self.column)
