"""The GitHub Actions ``${{ }}`` expression language.

Semantics follow GitHub's documentation and the reference implementation in
actions/runner (``src/Sdk/Expressions``); see docs/ notes in each module.
"""

from __future__ import annotations

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
