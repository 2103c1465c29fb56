"""Value kinds, coercions and comparisons, following actions/runner's EvaluationResult.

Python values stand in for GitHub's: None (null), bool, int/float (number, a
double in GitHub), str, Mapping (object), list/tuple (array).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

NULL: Final = 0
BOOLEAN: Final = 1
NUMBER: Final = 2
STRING: Final = 3
ARRAY: Final = 4
OBJECT: Final = 5

# .NET Double.TryParse with AllowLeadingSign | AllowDecimalPoint | AllowExponent.
_DECIMAL_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_RE: Final = re.compile(r"0x[0-9a-fA-F]+")
_OCT_RE: Final = re.compile(r"0o[0-7]+")
# .NET Core matches the invariant infinity/NaN symbols case-insensitively.
_SYMBOLS: Final = {
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
}


class FilteredList(list[Any]):
    """Result of a ``*`` filter; later index operations apply to each element."""


def kind(value: Any) -> int:
    """Classify a Python value as one of GitHub's value kinds."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        return ARRAY
    return OBJECT


def is_primitive(value: Any) -> bool:
    return kind(value) <= STRING


def _int32(value: int) -> float:
    # Int32 parsing of hex/octal digits: 32 bits max, wraps into the negative range.
    if value > 0xFFFFFFFF:
        return math.nan
    return float(value - 0x100000000 if value >= 0x80000000 else value)


def parse_number(text: str) -> float:
    """Convert a string to a number like the runner's ``ExpressionUtility.ParseNumber``."""
    s = text.strip()
    if not s:
        return 0.0
    if _DECIMAL_RE.fullmatch(s):
        return float(s)
    if _HEX_RE.fullmatch(s):
        return _int32(int(s[2:], 16))
    if _OCT_RE.fullmatch(s):
        return _int32(int(s[2:], 8))
    return _SYMBOLS.get(s.lower(), math.nan)


def as_float(value: int | float) -> float:
    """A number as a double; an int beyond a double's range is an infinity, not an error."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def to_number(value: Any) -> float:
    """Number coercion: null->0, bool->1/0, string parsed, array/object->NaN."""
    k = kind(value)
    if k == NUMBER:
        return as_float(value)
    if k == NULL:
        return 0.0
    if k == BOOLEAN:
        return 1.0 if value else 0.0
    if k == STRING:
        return parse_number(value)
    return math.nan


def format_number(value: float) -> str:
    """Format like .NET ``double.ToString("G15", InvariantCulture)`` (negative zero -> "0")."""
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    if value == 0:
        return "0"
    # %g and .NET "G" share thresholds (scientific below 1e-4 or at >= 15 digits)
    # and both trim trailing zeros; .NET writes 'E' and at least two exponent digits.
    text = f"{value:.15g}"
    mantissa, sep, exponent = text.partition("e")
    if not sep:
        return text
    sign = exponent[0]
    digits = exponent[1:].lstrip("0").rjust(2, "0")
    return f"{mantissa}E{sign}{digits}"


def to_string(value: Any) -> str:
    """GitHub's string conversion (used by interpolation, format, join, contains ...)."""
    k = kind(value)
    if k == STRING:
        return str(value)
    if k == NULL:
        return ""
    if k == BOOLEAN:
        return "true" if value else "false"
    if k == NUMBER:
        return format_number(as_float(value))
    return "Array" if k == ARRAY else "Object"


def truthy(value: Any) -> bool:
    """GitHub truthiness: null, false, 0, -0, NaN and '' are falsy; arrays/objects truthy."""
    k = kind(value)
    if k == BOOLEAN:
        return bool(value)
    if k == NULL:
        return False
    if k == NUMBER:
        return not (value == 0 or value != value)
    if k == STRING:
        return bool(value != "")
    return True


def fold(text: str) -> str:
    """Upper-case for OrdinalIgnoreCase: simple 1:1 mappings only, dotless i untouched."""
    if text.isascii():
        return text.upper()
    out = []
    for ch in text:
        up = ch.upper()
        out.append(up if len(up) == 1 and ch != "\u0131" else ch)
    return "".join(out)


def compare_strings(left: str, right: str) -> int:
    """OrdinalIgnoreCase ordering; .NET compares UTF-16 code units, which only differs
    from Python's code-point order beyond the BMP."""
    a, b = fold(left), fold(right)
    joined = a + b
    if not joined.isascii() and max(joined) > "\uffff":
        ea, eb = a.encode("utf-16-be"), b.encode("utf-16-be")
        return (ea > eb) - (ea < eb)
    return (a > b) - (a < b)


def _coerce(left: Any, right: Any) -> tuple[Any, int, Any, int]:
    """JavaScript-like abstract comparison coercion, minus object-to-primitive."""
    lk, rk = kind(left), kind(right)
    while lk != rk:
        if lk == NUMBER and rk == STRING:
            right, rk = parse_number(right), NUMBER
        elif lk == STRING and rk == NUMBER:
            left, lk = parse_number(left), NUMBER
        elif lk in (BOOLEAN, NULL):
            left, lk = to_number(left), NUMBER
        elif rk in (BOOLEAN, NULL):
            right, rk = to_number(right), NUMBER
        else:
            break
    return left, lk, right, rk


def loose_equals(left: Any, right: Any) -> bool:
    """The ``==`` operator."""
    left, lk, right, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == NUMBER:
        return bool(as_float(left) == as_float(right))  # NaN is never equal
    if lk == STRING:
        return left == right or fold(left) == fold(right)
    if lk in (NULL, BOOLEAN):
        return bool(left == right)
    return bool(left is right)  # arrays/objects: reference identity only


def greater_than(left: Any, right: Any) -> bool:
    left, lk, right, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == NUMBER:
        return bool(as_float(left) > as_float(right))
    if lk == STRING:
        return compare_strings(left, right) > 0
    if lk == BOOLEAN:
        return bool(left and not right)
    return False


def less_than(left: Any, right: Any) -> bool:
    left, lk, right, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == NUMBER:
        return bool(as_float(left) < as_float(right))
    if lk == STRING:
        return compare_strings(left, right) < 0
    if lk == BOOLEAN:
        return bool(not left and right)
    return False


_MISSING: Final = object()


def get_key(obj: Mapping[str, Any], key: str) -> Any:
    """Case-insensitive key lookup (contexts are case-insensitive); missing -> _MISSING."""
    try:
        return obj[key]
    except (KeyError, TypeError):
        pass
    folded = fold(key)
    for k, v in obj.items():
        if isinstance(k, str) and fold(k) == folded:
            return v
    return _MISSING
