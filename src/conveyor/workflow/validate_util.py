"""Shared pieces of workflow validation: where errors go and how they read."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from conveyor.records import field, record
from conveyor.workflow.errors import Pos, WorkflowError
from conveyor.workflow.yamlload import Doc, Path

# Kinds that appear in brackets at the end of each message, like actionlint's rule names.
K_KEY = "unknown-key"
K_TYPE = "type"
K_REQUIRED = "required"
K_ID = "id"
K_EVENTS = "events"
K_NEEDS = "job-needs"
K_STEP = "step"
K_CALL = "reusable-workflow"
K_FILTER = "filter"
K_INPUT = "inputs"
K_CRON = "cron"
K_EXPR = "expression"
K_VALUE = "value"


@record
class Ctx:
    """Collects every problem found in one document."""

    doc: Doc
    file: str
    errors: list[WorkflowError] = field(default_factory=list)

    def at_value(self, path: Path) -> Pos:
        return self.doc.pos(path) or Pos(self.file, 1, 1)

    def at_key(self, path: Path) -> Pos:
        return self.doc.key_pos(path) or Pos(self.file, 1, 1)

    def error(self, pos: Pos, message: str, kind: str) -> None:
        self.errors.append(WorkflowError(message, pos, kind))


def where(path: Path) -> str:
    """A readable location such as ``jobs.build.steps[2]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the workflow"


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f'string "{value}"' if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a sequence"
    return "a mapping"


def suggest(word: str, options: Iterable[str]) -> str:
    """A did-you-mean hint, or an empty string when nothing is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def quoted(options: Iterable[str]) -> str:
    return ", ".join(f'"{o}"' for o in options)


def has_expr(value: Any) -> bool:
    return isinstance(value, str) and "${{" in value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def check_keys(ctx: Ctx, path: Path, mapping: dict[str, Any], allowed: Sequence[str]) -> None:
    """Report every key of ``mapping`` that is not in ``allowed``."""
    for key in mapping:
        if key not in allowed:
            ctx.error(
                ctx.at_key((*path, key)),
                f'unexpected key "{key}" for {where(path)}{suggest(key, allowed)}; '
                f"allowed keys are {quoted(allowed)}",
                K_KEY,
            )


def require(ctx: Ctx, path: Path, mapping: dict[str, Any], key: str, hint: str = "") -> bool:
    if key in mapping:
        return True
    extra = f"; {hint}" if hint else ""
    ctx.error(ctx.at_key(path), f'"{key}" is required in {where(path)}{extra}', K_REQUIRED)
    return False


def bad_type(ctx: Ctx, path: Path, value: Any, expected: str, hint: str = "") -> None:
    extra = f"; {hint}" if hint else ""
    ctx.error(
        ctx.at_value(path),
        f"{where(path)} must be {expected}, but got {describe(value)}{extra}",
        K_TYPE,
    )


def check_mapping(ctx: Ctx, path: Path, value: Any, expr_ok: bool = False) -> bool:
    """True when ``value`` is a mapping to look inside; reports anything else but expressions."""
    if isinstance(value, dict):
        return True
    if not (expr_ok and has_expr(value)):
        bad_type(ctx, path, value, "a mapping" + (" or an expression" if expr_ok else ""))
    return False


def check_string(ctx: Ctx, path: Path, value: Any, non_empty: bool = False) -> bool:
    """Strings, with numbers and booleans accepted as GitHub converts them to text."""
    if not is_scalar(value) or (non_empty and value == ""):
        bad_type(ctx, path, value, "a non-empty string" if non_empty else "a string")
        return False
    return True


def check_bool(ctx: Ctx, path: Path, value: Any, expr_ok: bool = True) -> None:
    if isinstance(value, bool) or (expr_ok and has_expr(value)):
        return
    hint = 'write true or false (unquoted), or an expression like "${{ ... }}"'
    bad_type(ctx, path, value, "a boolean" if not expr_ok else "a boolean or an expression", hint)


def check_number(ctx: Ctx, path: Path, value: Any, expr_ok: bool = True) -> None:
    if is_number(value) or (expr_ok and has_expr(value)):
        return
    what = "a number" if not expr_ok else "a number or an expression"
    bad_type(ctx, path, value, what, "write a plain number such as 30")


def check_string_list(
    ctx: Ctx, path: Path, value: Any, expr_ok: bool = False, single_ok: bool = True
) -> list[str]:
    """A non-empty string or a sequence of them; returns the strings found."""
    if isinstance(value, list):
        out: list[str] = []
        for i, item in enumerate(value):
            if check_string(ctx, (*path, i), item, non_empty=True):
                out.append(str(item))
        return out
    if single_ok and is_scalar(value) and value != "":
        return [str(value)]
    if expr_ok and has_expr(value):
        return []
    expected = "a sequence of strings" if not single_ok else "a string or a sequence of strings"
    bad_type(ctx, path, value, expected)
    return []


def check_string_map(ctx: Ctx, path: Path, value: Any, expr_ok: bool = False) -> None:
    """A mapping of names to scalar values (env, with, outputs ...)."""
    if not check_mapping(ctx, path, value, expr_ok):
        return
    for key, item in value.items():
        if key == "":
            ctx.error(ctx.at_key((*path, key)), f"{where(path)} has an empty key", K_VALUE)
        if item is not None and not is_scalar(item):
            bad_type(ctx, (*path, key), item, "a string, number or boolean")


def format_error(err: WorkflowError, source_text: str) -> str:
    """The actionlint-style line plus the source line and a ``^~~`` marker under the column."""
    head = str(err)
    if err.pos is None or err.pos.line < 1:
        return head
    lines = source_text.splitlines()
    if err.pos.line > len(lines):
        return head
    line = lines[err.pos.line - 1]
    col = max(err.pos.col - 1, 0)
    width = 0
    for ch in line[col:]:
        if ch.isspace() or ch in ":,]}":
            break
        width += 1
    marker = " " * col + "^" + "~" * max(width - 1, 0)
    return f"{head}\n{line}\n{marker}"
