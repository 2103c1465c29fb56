"""The GitHub Actions ``${{ }}`` expression language.

Semantics follow GitHub's documentation and the reference implementation in
actions/runner (``src/Sdk/Expressions``); see docs/ notes in each module.

Names are loaded on first use (PEP 562): a run whose workflow holds no expression never
pays for the parser, and ``conveyor.expr.errors`` can be imported alone.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.expr.ast import Node
    from conveyor.expr.coerce import to_string, truthy
    from conveyor.expr.context import STANDARD_CONTEXTS, EvalContext
    from conveyor.expr.errors import ExprError
    from conveyor.expr.evaluator import evaluate
    from conveyor.expr.functions import to_json
    from conveyor.expr.parser import parse, uses_status_function
    from conveyor.expr.template import (
        contains_expression,
        evaluate_condition,
        evaluate_value,
        interpolate,
    )

_WHERE = {
    "Node": "ast",
    "to_string": "coerce",
    "truthy": "coerce",
    "STANDARD_CONTEXTS": "context",
    "EvalContext": "context",
    "ExprError": "errors",
    "evaluate": "evaluator",
    "to_json": "functions",
    "parse": "parser",
    "uses_status_function": "parser",
    "contains_expression": "template",
    "evaluate_condition": "template",
    "evaluate_value": "template",
    "interpolate": "template",
}

__all__ = [
    "STANDARD_CONTEXTS",
    "EvalContext",
    "ExprError",
    "Node",
    "contains_expression",
    "evaluate",
    "evaluate_condition",
    "evaluate_value",
    "interpolate",
    "parse",
    "to_json",
    "to_string",
    "truthy",
    "uses_status_function",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'conveyor.expr' has no attribute '{name}'")
    full = f"conveyor.expr.{module}"
    __import__(full)  # importlib.import_module's work, without importing importlib
    value = getattr(sys.modules[full], name)
    globals()[name] = value
    return value
