"""JSON text without the ``json`` package, whose import is ~3% of a one-step run.

``json_escape``: strings escaped as the runner's Newtonsoft.Json writes them, shared by
``toJSON`` (what workflows print) and the secret masker (which must also hide a secret's
JSON-escaped form): quote, backslash and the short control escapes, other controls and
U+0085, U+2028, U+2029 as lowercase ``\\uXXXX``; everything else literal.

``dumps``: what ``json.dumps`` writes, for the plain data Conveyor records.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SHORT = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
# compiled on first use (re caches it), not by every start-up's import
_CONTROLS = "[\x00-\x1f\x85\u2028\u2029]"


def _escape_one(m: re.Match[str]) -> str:
    ch = m.group()
    return _SHORT.get(ch) or f"\\u{ord(ch):04x}"


def json_escape(text: str) -> str:
    """``text`` escaped for inside a JSON string (without the quotes)."""
    # str.replace for the common two: a callback per character is ~100x slower, which
    # shows on megabytes of quotes (toJSON(toJSON(...)) doubles them at every level)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    return re.sub(_CONTROLS, _escape_one, text) if re.search(_CONTROLS, text) else text


class _NotPlain(Exception):
    """A value ``dumps`` leaves to ``json``."""


# deeper than this, json itself decides (a circular list is its ValueError, not ours)
_DEPTH = 64


def dumps(value: Any, indent: int | None = None) -> str:
    """``json.dumps(value, indent=indent)``, the same text: dicts with string keys, lists,
    tuples, strings, ints, floats, booleans and None are written here; anything else
    (another type, a subclass, other keys, deep nesting) is handed to ``json.dumps``."""
    out: list[str] = []
    try:
        _encode(value, out, None if indent is None else " " * indent, 0)
    except _NotPlain:
        import json

        return json.dumps(value, indent=indent)
    return "".join(out)


def _encode(value: Any, out: list[str], indent: str | None, level: int) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(_float(value))
    elif kind is list or kind is tuple or kind is dict:
        if not value:
            out.append("{}" if kind is dict else "[]")
            return
        if level >= _DEPTH:
            raise _NotPlain
        if indent is None:
            inside, between, end = "", ", ", ""
        else:
            inside = "\n" + indent * (level + 1)
            between, end = "," + inside, "\n" + indent * level
        if kind is dict:
            out.append("{" + inside)
            for i, (key, item) in enumerate(value.items()):
                if type(key) is not str:
                    raise _NotPlain
                if i:
                    out.append(between)
                out.append(_string(key) + ": ")
                _encode(item, out, indent, level + 1)
            out.append(end + "}")
        else:
            out.append("[" + inside)
            for i, item in enumerate(value):
                if i:
                    out.append(between)
                _encode(item, out, indent, level + 1)
            out.append(end + "]")
    else:
        raise _NotPlain


def _string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # nothing to escape: the common case, without loading _json
    from _json import encode_basestring_ascii

    return encode_basestring_ascii(text)


def _float(number: float) -> str:
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)
