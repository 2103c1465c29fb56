"""hashFiles(): the runner's hashFiles script on top of @actions/glob semantics.

Patterns are newline-split, trimmed, ``#`` comments skipped, ``!`` negates; relative
patterns are rooted at the workspace; a pattern matching a directory implicitly
matches everything below it; ``*``/``?``/``[...]`` match within a segment and ``**``
matches any number of segments (dot files included, case-sensitive). Matching files
under the workspace are visited depth-first with each directory's entries in byte
order (Node's readdir order); the result is sha256 over the concatenated sha256
digests of the files, or '' when nothing matched.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from typing import Final

from conveyor.expr.errors import ExprError
from conveyor.records import record

GLOBSTAR: Final = None
_DIRECTORY: Final = 1
_FILE: Final = 2
_ALL: Final = 3
_Segment = re.Pattern[str] | None


class _PatternError(Exception):
    pass


@record(frozen=True)
class _Pattern:
    negate: bool
    segments: tuple[str, ...]  # raw glob segments below the filesystem root
    trailing_separator: bool
    compiled: tuple[_Segment, ...]

    @property
    def search_path(self) -> str:
        literal: list[str] = []
        for seg in self.segments:
            text = _literal(seg)
            if text is None:
                break
            literal.append(text)
        return "/" + "/".join(literal)

    def with_descendants(self) -> _Pattern:
        return _Pattern(self.negate, (*self.segments, "**"), False, (*self.compiled, GLOBSTAR))

    def match(self, parts: list[str]) -> int:
        if _match(self.compiled, parts, 0, 0, partial=False):
            return _DIRECTORY if self.trailing_separator else _ALL
        return 0

    def partial_match(self, parts: list[str]) -> bool:
        return _match(self.compiled, parts, 0, 0, partial=True)


def _literal(segment: str) -> str | None:
    """The literal text of a segment, or None when it contains glob syntax."""
    out: list[str] = []
    i = 0
    n = len(segment)
    while i < n:
        ch = segment[i]
        if ch == "\\" and i + 1 < n:
            out.append(segment[i + 1])
            i += 2
            continue
        if ch in "*?":
            return None
        if ch == "[" and i + 1 < n:
            close = _class_end(segment, i)
            if close >= 0:
                inner = segment[i + 1 : close].replace("\\", "")
                if len(inner) > 1:
                    return None
                if inner:
                    out.append(inner)
                    i = close + 1
                    continue
        out.append(ch)
        i += 1
    return "".join(out) or None


def _class_end(segment: str, start: int) -> int:
    i = start + 1
    while i < len(segment):
        if segment[i] == "\\" and i + 1 < len(segment):
            i += 2
            continue
        if segment[i] == "]":
            return i
        i += 1
    return -1


def _compile(segment: str) -> _Segment:
    if segment == "**":
        return GLOBSTAR
    out: list[str] = []
    i = 0
    n = len(segment)
    while i < n:
        ch = segment[i]
        if ch == "\\" and i + 1 < n:
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            while i < n and segment[i] == "*":
                i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[" and (close := _class_end(segment, i)) > i + 1:
            out.append(_char_class(segment[i + 1 : close]))
            i = close + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out), re.DOTALL)


def _char_class(body: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    parts: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            ch = body[i + 1]
            i += 1
        if ch == "-" and parts and i + 1 < len(body):
            parts.append("-")
        else:
            parts.append(re.escape(ch) if ch != "-" else r"\-")
        i += 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _match(pat: tuple[_Segment, ...], parts: list[str], pi: int, si: int, *, partial: bool) -> bool:
    while pi < len(pat) and si < len(parts):
        seg = pat[pi]
        if seg is GLOBSTAR:
            if pi == len(pat) - 1:
                return True
            return any(
                _match(pat, parts, pi + 1, k, partial=partial) for k in range(si, len(parts) + 1)
            )
        if not seg.fullmatch(parts[si]):
            return False
        pi += 1
        si += 1
    if si < len(parts):
        return False
    # Path used up: a partial match may continue below; trailing ** also matches zero segments.
    return partial or all(seg is GLOBSTAR for seg in pat[pi:])


def _escape(path: str) -> str:
    return re.sub(r"([\\*?\[])", r"\\\1", path)


def _parse_pattern(line: str, cwd: str) -> _Pattern:
    negate = False
    while line.startswith("!"):
        negate = not negate
        line = line[1:].strip()
    if not line:
        raise _PatternError("pattern cannot be empty")
    raw_segments = [s for s in line.split("/") if s]
    literals = [_literal(s) for s in raw_segments]
    for i, text in enumerate(literals):
        if (text == "." and i > 0) or text == "..":
            raise _PatternError(
                f"Invalid pattern '{line}'. Relative pathing '.' and '..' is not allowed."
            )
    if line == "." or line.startswith("./"):
        line = _escape(cwd) + line[1:]
    elif line == "~" or line.startswith("~/"):
        line = _escape(os.path.expanduser("~")) + line[1:]
    elif not line.startswith("/"):
        line = _escape(cwd) + "/" + line
    elif not (line + "/").startswith(_escape(cwd).rstrip("/") + "/"):
        # GitHub's docs: hashFiles('/src/*.js') means `src` at the repository root
        line = _escape(cwd) + line
    trailing = line.endswith("/")
    segments = tuple(s for s in line.split("/") if s)
    return _Pattern(negate, segments, trailing, tuple(_compile(s) for s in segments))


def _search_paths(patterns: list[_Pattern]) -> list[str]:
    includes = [p.search_path for p in patterns if not p.negate]
    candidates = set(includes)
    result: list[str] = []
    for path in includes:
        if path in result:
            continue
        parent, current = os.path.dirname(path), path
        while parent != current:
            if parent in candidates:
                break
            parent, current = os.path.dirname(parent), parent
        else:
            result.append(path)
    return result


def _classify(patterns: list[_Pattern], parts: list[str]) -> int:
    result = 0
    for p in patterns:
        if p.negate:
            result &= ~p.match(parts)
        else:
            result |= p.match(parts)
    return result


def _glob(patterns: list[_Pattern], follow: bool) -> Iterator[str]:
    stack: list[tuple[str, int]] = []
    for search in _search_paths(patterns):
        if os.path.lexists(search):
            stack.insert(0, (search, 1))
    chain: list[str] = []  # real paths of the directories being walked, for cycle checks
    includes = [p for p in patterns if not p.negate]
    while stack:
        path, level = stack.pop()
        parts = [s for s in path.split("/") if s]
        kind = _classify(patterns, parts)
        if not kind and not any(p.partial_match(parts) for p in includes):
            continue
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except FileNotFoundError:
            continue  # broken symlink (omitted, as @actions/glob does by default)
        if stat.S_ISDIR(st.st_mode):
            if follow:
                real = os.path.realpath(path)
                del chain[level - 1 :]
                if real in chain:
                    continue
                chain.append(real)
            if kind & _DIRECTORY:
                yield path
            names = sorted(os.listdir(path), key=os.fsencode, reverse=True)
            stack.extend((os.path.join(path, name), level + 1) for name in names)
        elif kind & _FILE:
            yield path


def hash_files(patterns: list[str], workspace: str) -> str:
    """Hash the files matching ``patterns`` (hashFiles() arguments) under ``workspace``."""
    follow = False
    if patterns and patterns[0].startswith("--"):
        if patterns[0].lower() != "--follow-symbolic-links":
            raise ExprError(
                f"invalid glob option {patterns[0]}, available option: '--follow-symbolic-links'"
            )
        follow = True
        patterns = patterns[1:]
    cwd = os.path.realpath(workspace)  # the runner starts the hash script with cwd = workspace
    try:
        lines = (line.strip() for line in "\n".join(patterns).split("\n"))
        parsed = [_parse_pattern(line, cwd) for line in lines if line and not line.startswith("#")]
        parsed = [q for p in parsed for q in _with_implicit_descendants(p)]
        outer = hashlib.sha256()
        count = 0
        prefix = cwd.rstrip("/") + "/"
        for path in _glob(parsed, follow):
            if not path.startswith(prefix) or os.path.isdir(path):
                continue  # outside the workspace, or a directory (maybe via a symlink)
            with open(path, "rb") as handle:
                outer.update(hashlib.file_digest(handle, "sha256").digest())
            count += 1
    except (OSError, _PatternError) as exc:
        joined = ", ".join(patterns)
        raise ExprError(f"hashFiles('{joined}') failed: {exc}") from exc
    return outer.hexdigest() if count else ""


def _with_implicit_descendants(p: _Pattern) -> list[_Pattern]:
    # A pattern matching a directory also matches everything below it.
    if p.trailing_separator or not p.segments or p.segments[-1] != "**":
        return [p, p.with_descendants()]
    return [p]
