"""What docker/metadata-action gets from csv-parse and from JavaScript itself.

- ``parse_csv``/``input_list``: csv-parse (relaxed column count, empty lines skipped, ``#``
  comments anywhere outside quotes) and the toolkit's ``getInputList`` built on it.
- ``js_number``, ``js_str``, ``js_match``, ``locale_key``: ``Number()``, how a value prints,
  ``String.match`` and an ICU-like ``localeCompare`` order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from conveyor.actions.base import ActionFailed

# -- csv-parse -----------------------------------------------------------------------------


def parse_csv(text: str, *, comment: str = "", relax_quotes: bool = False) -> list[list[str]]:
    """Records of ``text`` split on commas and newlines, ``"`` quoting (``""`` inside)."""
    records: list[list[str]] = []
    record_: list[str] = []
    field_: list[str] = []
    quoting = was_quoting = commenting = False
    line, i, n = 1, 0, len(text)

    def end_field() -> None:
        nonlocal was_quoting
        record_.append("".join(field_))
        field_.clear()
        was_quoting = False

    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if quoting:
            if c == '"' and nxt == '"':
                field_.append('"')
                i += 2
                continue
            if c == '"':
                quoting, was_quoting = False, True
                if nxt not in ("", ",", "\n", "\r") and not (comment and nxt == comment):
                    if not relax_quotes:
                        raise ActionFailed(
                            f'Invalid Closing Quote: got "{nxt}" at line {line} instead of '
                            "delimiter, record delimiter, trimable character or comment"
                        )
                    field_.insert(0, '"')  # relaxed: the quotes are kept as text
                    field_.append('"')
                i += 1
                continue
            line += 1 if c == "\n" else 0
            field_.append(c)
            i += 1
            continue
        if c in "\r\n":
            step = 2 if c == "\r" and nxt == "\n" else 1
            empty = not record_ and not field_ and not was_quoting
            if not empty:
                end_field()
                records.append(list(record_))
            record_.clear()
            commenting = False
            line += 1
            i += step
            continue
        if commenting:
            i += 1
            continue
        if c == '"':
            if field_ and not relax_quotes:
                raise ActionFailed(
                    f"Invalid Opening Quote: a quote is found on field {len(record_)} at line "
                    f'{line}, value is "{"".join(field_)}"'
                )
            if field_:
                field_.append(c)
            else:
                quoting = True
        elif comment and c == comment:
            commenting = True
        elif c == ",":
            end_field()
        else:
            field_.append(c)
        i += 1
    if quoting:
        raise ActionFailed(f"Quote Not Closed: an opening quote at line {line} is never closed")
    if record_ or field_ or was_quoting:
        end_field()
        records.append(list(record_))
    return records


def input_list(value: str) -> list[str]:
    """A multi-line list input as ``getInputList(name, {ignoreComma: true, comment: '#'})``
    reads it: one entry a line (quoted newlines kept), comments cut off.

    Entries that are blank once trimmed are dropped (the action crashes on them)."""
    value = value.strip()
    if not value:
        return []
    out = [",".join(rec) for rec in parse_csv(value, comment="#", relax_quotes=True)]
    return [item.strip() for item in out if item and item.strip()]


def first_record(text: str) -> list[str]:
    """The fields of one tags/flavor/images entry (strict quotes, as the action parses it)."""
    records = parse_csv(text)
    if not records:
        raise ActionFailed(f"Empty entry: '{text}'")
    return records[0]


# -- JavaScript values ---------------------------------------------------------------------

_JS_DECIMAL = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)")


def js_number(text: str) -> float:
    """``Number(text)``: blank is 0, hex/octal/binary literals, NaN for anything else."""
    s = text.strip()
    if not s:
        return 0.0
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if s[:2].lower() == prefix:
            try:
                return float(int(s[2:], base))
            except ValueError:
                return math.nan
    if _JS_DECIMAL.fullmatch(s):
        return float(s.replace("Infinity", "inf"))
    return math.nan


def js_str(value: Any) -> str:
    """How handlebars prints a value: nothing for null/undefined, arrays comma-joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, list | tuple):
        return ",".join(js_str(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _js_regex(source: str, flags: str = "") -> tuple[re.Pattern[str], bool]:
    """A JavaScript regular expression as Python's; the flag says whether it is global."""
    options = 0
    for flag in flags:
        if flag not in "gimsuyd" or flags.count(flag) > 1:
            raise ActionFailed(f"Invalid flags supplied to RegExp constructor '{flags}'")
        options |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}.get(flag, 0)
    pattern = re.sub(r"\(\?<(?![=!])", "(?P<", source)
    pattern = re.sub(r"\\k<(\w+)>", r"(?P=\1)", pattern)
    try:
        return re.compile(pattern, options | re.ASCII), "g" in flags
    except re.error as e:
        raise ActionFailed(f"Invalid regular expression: /{source}/: {e}") from None


def js_match(text: str, source: str, flags: str = "") -> list[str | None] | None:
    """``text.match(new RegExp(source, flags))``: the match and its groups, or with ``g``
    every whole match; None when nothing matches."""
    regex, is_global = _js_regex(source, flags)
    if is_global:
        found = [m.group(0) for m in regex.finditer(text)]
        return list(found) if found else None
    m = regex.search(text)
    return [m.group(0), *m.groups()] if m else None


# ICU's root collation puts spaces, then punctuation in this order, then symbols and digits
# before letters; letters compare without case first, lower case before upper on a tie
_PUNCTUATION = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


def locale_key(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    """A sort key that orders strings as ``a.localeCompare(b)`` does for label names."""
    primary: list[tuple[int, str]] = []
    tertiary: list[int] = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[0] if ch.isalpha() else ch
        if ch.isspace():
            primary.append((0, ch))
        elif ch in _PUNCTUATION:
            primary.append((1, f"{_PUNCTUATION.index(ch):03d}"))
        elif ch.isdigit():
            primary.append((3, ch))
        elif ch.isalpha():
            primary.append((4, base.lower()))
        else:
            primary.append((2, ch))
        tertiary.append(1 if ch.isupper() else 0)
    return tuple(primary), tuple(tertiary)
