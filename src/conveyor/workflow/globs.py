"""GitHub's filter patterns for branches, tags and paths.

Syntax (docs: "Filter pattern cheat sheet"):

- ``*`` any run of characters except ``/``; ``**`` any run including ``/``
  (``**/`` may also match nothing, so ``**/README.md`` matches ``README.md``)
- ``?`` zero or one of the preceding character; ``+`` one or more of it
- ``[...]`` one character listed or in a range; ranges only within a-z, A-Z, 0-9
- ``\\`` escapes a special character (``* ? + [ ] \\ !``); before any other
  character it is a literal backslash (file paths may contain one)
- a leading ``!`` negates the pattern; ``match_filters`` handles that, so
  ``compile_pattern`` takes the pattern body only.

Malformed patterns (``?``/``+`` with nothing to repeat, ``[]``, an unclosed
``[``, a bad range) raise ``GlobError``: GitHub rejects them as well.
"""

from __future__ import annotations

import re
from functools import lru_cache

from conveyor.fileglob import ANY, DIRS, ONE, OPTIONAL, STAR, Atom, Wildcard, wildcard

_ESCAPABLE = frozenset("*?+[]\\!")
_RANGES = (("a", "z"), ("A", "Z"), ("0", "9"))


class GlobError(ValueError):
    """A filter pattern that GitHub would reject."""


_NOT_SLASH = re.compile("[^/]")


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Translate ``[...]`` starting at ``start``; return (regex, index after ``]``)."""
    i = start + 1
    parts: list[str] = []
    while i < len(pattern) and pattern[i] != "]":
        c = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            end = pattern[i + 2]
            if not any(lo <= c <= end <= hi for lo, hi in _RANGES):
                raise GlobError(f"invalid range '{c}-{end}' in {pattern!r}: use a-z, A-Z or 0-9")
            parts.append(f"{re.escape(c)}-{re.escape(end)}")
            i += 3
            continue
        if c == "-" and parts and i + 1 < len(pattern) and pattern[i + 1] == "]":
            raise GlobError(f"range without an end in {pattern!r}")
        parts.append(re.escape(c))
        i += 1
    if i >= len(pattern):
        raise GlobError(f"missing ']' in {pattern!r}")
    if not parts:
        raise GlobError(f"empty '[]' in {pattern!r}")
    return "[" + "".join(parts) + "]", i + 1


def _char(c: str) -> Atom:
    return ONE, re.compile(re.escape(c), re.DOTALL)


def _translate(pattern: str) -> list[Atom]:
    out: list[Atom] = []
    # True when the last atom is a plain character or [...] that may take a ? or +
    can_repeat = False
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                if pattern.startswith("**/", i):
                    out.append((DIRS, ANY))
                    i += 3
                else:
                    out.append((STAR, ANY))
                    i += 2
            else:
                out.append((STAR, _NOT_SLASH))
                i += 1
            can_repeat = False
        elif c in "?+":
            if not can_repeat:
                raise GlobError(f"'{c}' in {pattern!r} must follow a plain character or [...]")
            test = out[-1][1]
            if c == "?":
                out[-1] = (OPTIONAL, test)
            else:  # one or more: the one, then any number
                out.append((STAR, test))
            can_repeat = False
            i += 1
        elif c == "[":
            atom, i = _bracket(pattern, i)
            out.append((ONE, re.compile(atom, re.DOTALL)))
            can_repeat = True
        elif c == "\\" and i + 1 < n and pattern[i + 1] in _ESCAPABLE:
            out.append(_char(pattern[i + 1]))
            can_repeat = True
            i += 2
        else:
            out.append(_char(c))
            can_repeat = True
            i += 1
    return out


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Wildcard:
    """Compile one pattern body (without a leading ``!``) to a full-string matcher; it never
    backtracks, so no pattern takes exponential time (``**/**/**/x``, ``*a*a*a*b``)."""
    if pattern == "":
        raise GlobError("filter pattern cannot be empty")
    return wildcard(_translate(pattern))


def split_negation(pattern: str) -> tuple[bool, str]:
    """Return (negated, body) for a filter entry."""
    if pattern.startswith("!"):
        return True, pattern[1:]
    return False, pattern


def value_included(value: str, patterns: list[str]) -> bool:
    """Whether ``value`` survives the ordered list: the last matching pattern decides."""
    included = False
    for raw in patterns:
        negated, body = split_negation(raw)
        if compile_pattern(body).fullmatch(value):
            included = not negated
    return included


def match_filters(values: list[str], patterns: list[str]) -> bool:
    """True when at least one value is included by ``patterns`` (GitHub order rules)."""
    return any(value_included(v, patterns) for v in values)


def first_included(values: list[str], patterns: list[str]) -> str | None:
    """The first value that ``patterns`` include, for human-readable reasons."""
    for v in values:
        if value_included(v, patterns):
            return v
    return None
