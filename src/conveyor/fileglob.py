"""@actions/glob on this machine: the one implementation behind hashFiles(), actions/cache and
actions/upload-artifact.

Patterns, one a line (trimmed; blank lines and ``#`` comments skipped): leading ``!`` excludes
(each further ``!`` flips it back); ``*``, ``?`` and ``[...]`` match within a path segment and
``**`` any number of segments; names starting with ``.`` are matched like any other;
``\\`` escapes; matching is case-sensitive. A relative pattern is rooted at the working
directory, ``~`` or ``~/...`` at the home directory; ``.`` is allowed only as the first
segment and ``..`` nowhere. A trailing ``/`` matches directories only.

Like the toolkit's globber, the search starts at each pattern's *search path* (the literal
segments before the first glob), walks depth-first with each directory's entries in byte
order (what Node's ``readdir`` returns) and only descends where some pattern may still match.
Options are the toolkit's ``GlobOptions`` under snake_case names.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from enum import IntFlag
from typing import Final

from conveyor.records import record

GLOBSTAR: Final = None


# --- wildcards that never backtrack

# An atom takes one character of a class: once, optionally, any number of times; DIRS is
# the regex (?:.*/)?, which the workflow filters' ``**/`` needs.
ONE: Final = 0
OPTIONAL: Final = 1
STAR: Final = 2
DIRS: Final = 3
Atom = tuple[int, re.Pattern[str]]
ANY: Final = re.compile(".", re.DOTALL)


@record(frozen=True, slots=True)
class Wildcard:
    """A pattern matched against a whole string.

    Python's regex engine backtracks, so ``*a*a*a*a*b`` against a long name takes time
    exponential in the number of stars. Patterns with at most one star use a regex (fast,
    and linear then); the others run all atoms at once on a set of states (Thompson's NFA),
    in time linear in the text.
    """

    atoms: tuple[Atom, ...]
    regex: re.Pattern[str] | None

    def fullmatch(self, text: str) -> bool:
        if self.regex is not None:
            return self.regex.fullmatch(text) is not None
        return _run(self.atoms, text)


def wildcard(atoms: Sequence[Atom]) -> Wildcard:
    stars = sum(1 for kind, _ in atoms if kind >= STAR)
    regex = re.compile(regex_source(atoms), re.DOTALL) if stars <= 1 else None
    return Wildcard(tuple(atoms), regex)


def regex_source(atoms: Sequence[Atom]) -> str:
    """The atoms as a regex (one that may backtrack)."""
    quantifier = ("", "?", "*")
    return "".join(
        "(?:.*/)?" if kind == DIRS else test.pattern + quantifier[kind] for kind, test in atoms
    )


def _closure(atoms: tuple[Atom, ...], states: set[int]) -> set[int]:
    """``states`` plus every state reachable by skipping optional atoms."""
    stack = list(states)
    while stack:
        state = stack.pop()
        if state < len(atoms) and atoms[state][0] != ONE and state + 1 not in states:
            states.add(state + 1)
            stack.append(state + 1)
    return states


def _run(atoms: tuple[Atom, ...], text: str) -> bool:
    # state i: before atom i; len(atoms): matched; len(atoms) + 1 + i: inside DIRS atom i
    end = len(atoms)
    current = _closure(atoms, {0})
    for ch in text:
        following: set[int] = set()
        for state in current:
            if state > end:  # inside (?:.*/): take anything; a "/" may also end it
                following.add(state)
                if ch == "/":
                    following.add(state - end)
            elif state < end:
                kind, test = atoms[state]
                if kind == DIRS:
                    following.add(end + 1 + state)
                    if ch == "/":
                        following.add(state + 1)
                elif test.match(ch):
                    following.add(state if kind == STAR else state + 1)
        if not following:
            return False
        current = _closure(atoms, following)
    return end in current


_Segment = Wildcard | None  # None is ``**``


class GlobError(Exception):
    """An invalid pattern, or a broken symbolic link the options do not allow to skip."""


class MatchKind(IntFlag):
    NONE = 0
    DIRECTORY = 1
    FILE = 2
    ALL = 3


@record(frozen=True, slots=True)
class GlobOptions:
    """@actions/glob's options with its defaults."""

    follow_symbolic_links: bool = True
    implicit_descendants: bool = True  # `dir` also matches everything below dir
    match_directories: bool = True  # matched directories are results too
    omit_broken_symbolic_links: bool = True  # else GlobError when walking one
    exclude_hidden_files: bool = False  # skip names starting with "." (and what is below them)


# --- patterns


@record(frozen=True)
class Pattern:
    negate: bool
    segments: tuple[str, ...]  # glob segments below the filesystem root
    trailing_separator: bool  # the pattern ended in "/": directories only
    implicit: bool  # added by implicit_descendants: its final ** needs a segment to match
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

    def with_descendants(self) -> Pattern:
        return Pattern(self.negate, (*self.segments, "**"), False, True, (*self.compiled, GLOBSTAR))

    def match(self, path: str) -> MatchKind:
        parts = [s for s in path.split("/") if s]
        if self.compiled and self.compiled[-1] is GLOBSTAR and not self.implicit:
            # the toolkit appends "/" so that `/foo/**` matches `/foo` itself
            parts.append("")
        if _match(self.compiled, parts, 0, 0, partial=False):
            return MatchKind.DIRECTORY if self.trailing_separator else MatchKind.ALL
        return MatchKind.NONE

    def partial_match(self, path: str) -> bool:
        """Whether something below ``path`` may match (so the walk must descend)."""
        parts = [s for s in path.split("/") if s]
        return _match(self.compiled, parts, 0, 0, partial=True)


def escape(path: str) -> str:
    """``path`` as a pattern matching exactly itself."""
    return re.sub(r"([\\*?\[])", r"\\\1", path)


def parse(line: str, cwd: str, home: str | None = None) -> Pattern:
    """One pattern line (already known not to be blank or a comment)."""
    pattern = line.strip()
    negate = False
    while pattern.startswith("!"):
        negate = not negate
        pattern = pattern[1:].strip()
    if not pattern:
        raise GlobError("pattern cannot be empty")
    literals = [_literal(s) for s in _split(pattern)]
    for i, text in enumerate(literals):
        if (text == "." and i > 0) or text == "..":
            raise GlobError(
                f"Invalid pattern '{pattern}'. Relative pathing '.' and '..' is not allowed."
            )
    if pattern == "." or pattern.startswith("./"):
        pattern = escape(cwd) + pattern[1:]
    elif pattern == "~" or pattern.startswith("~/"):
        pattern = escape(home or os.path.expanduser("~")) + pattern[1:]
    elif not pattern.startswith("/"):
        pattern = escape(cwd) + "/" + pattern
    segments = tuple(s for s in pattern.split("/") if s)
    compiled = tuple(_compile(s) for s in segments)
    return Pattern(negate, segments, pattern.endswith("/"), False, compiled)


def _split(pattern: str) -> list[str]:
    # the toolkit's Path(): a rooted pattern's first segment is the root itself
    parts = [s for s in pattern.split("/") if s]
    return ["/", *parts] if pattern.startswith("/") else parts


def _literal(segment: str) -> str | None:
    """The literal text of a segment, or None when it contains glob syntax."""
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        if ch == "\\" and i + 1 < n:
            out.append(segment[i + 1])
            i += 2
            continue
        if ch in "*?":
            return None
        if ch == "[" and (close := _class_end(segment, i)) >= 0:
            inner = _unescape(segment[i + 1 : close])
            if len(inner) > 1:
                return None
            if inner:  # `[*]`, `[[]`: one escaped character
                out.append(inner)
                i = close + 1
                continue
        out.append(ch)
        i += 1
    return "".join(out) or None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _class_end(segment: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1."""
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
    return wildcard(_segment_atoms(segment))


_NOT_SLASH: Final = re.compile("[^/]")


def _literal_atom(ch: str) -> Atom:
    return ONE, re.compile(re.escape(ch), re.DOTALL)


def _segment_atoms(segment: str) -> list[Atom]:
    out: list[Atom] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        if ch == "\\" and i + 1 < n:
            out.append(_literal_atom(segment[i + 1]))
            i += 2
        elif ch == "*":
            out.append((STAR, _NOT_SLASH))
            while i < n and segment[i] == "*":
                i += 1
        elif ch == "?":
            out.append((ONE, _NOT_SLASH))
            i += 1
        elif (
            ch == "["
            and (close := _class_end(segment, i)) > i + 1
            and (cls := _char_class(segment[i + 1 : close])) is not None
        ):
            out.append((ONE, cls))
            i = close + 1
        else:  # a lone "[", "[]" or a class regex refuses (`[z-a]`) is literal, as minimatch
            out.append(_literal_atom(ch))
            i += 1
    return out


def _char_class(body: str) -> re.Pattern[str] | None:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    if not body:
        return re.compile("(?!)")  # `[!]` matches nothing (minimatch)
    parts: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            i += 1
            ch = body[i]
        elif ch == "-" and parts and i + 1 < len(body):
            parts.append("-")  # a range
            i += 1
            continue
        parts.append(re.escape(ch) if ch != "-" else r"\-")
        i += 1
    try:
        return re.compile("[" + ("^" if negate else "") + "".join(parts) + "]", re.DOTALL)
    except re.error:
        return None


def _match(
    pat: tuple[_Segment, ...],
    parts: list[str],
    pi: int,
    si: int,
    *,
    partial: bool,
    failed: set[tuple[int, int]] | None = None,
) -> bool:
    """minimatch's matchOne: a ``**`` only consumes segments that are there.

    ``failed`` remembers the (pattern, path) positions that cannot match, so that several
    ``**`` cost a product of lengths, not an exponential.
    """
    if failed is None:
        failed = set()
    while pi < len(pat) and si < len(parts):
        seg = pat[pi]
        if seg is GLOBSTAR:
            if pi == len(pat) - 1:
                return True  # a final ** swallows the rest
            for k in range(si, len(parts)):
                if (pi + 1, k) not in failed:
                    if _match(pat, parts, pi + 1, k, partial=partial, failed=failed):
                        return True
                    failed.add((pi + 1, k))
            return partial  # the path ran out inside the **: something below may match
        if not parts[si] or not seg.fullmatch(parts[si]):
            return False
        pi += 1
        si += 1
    if si == len(parts):
        return pi == len(pat) or partial
    return si == len(parts) - 1 and parts[si] == ""


# --- the walk


class Globber:
    """The toolkit's ``glob.create(patterns, options)``: ``search_paths`` and ``glob()``."""

    def __init__(
        self,
        patterns: Iterable[str],
        cwd: str | os.PathLike[str],
        *,
        home: str | None = None,
        options: GlobOptions | None = None,
    ) -> None:
        self.options = options or GlobOptions()
        cwd = os.fspath(cwd)
        lines = (line.strip() for text in patterns for line in text.split("\n"))
        self.patterns = [parse(x, cwd, home) for x in lines if x and not x.startswith("#")]
        self.search_paths = _search_paths(self.patterns)

    def glob(self) -> list[str]:
        return list(self.walk())

    def walk(self, within: str | None = None) -> Iterator[str]:
        """Matching paths (files, and directories when ``match_directories``), depth-first.

        With ``within`` (a directory) only paths under it are wanted: the walk skips every
        directory that is neither below it nor on the way to it (``hashFiles('~/**')``
        must not read the whole home directory to keep the workspace's files).
        """
        inside = within.rstrip("/") + "/" if within is not None else None
        patterns: list[Pattern] = []
        for p in self.patterns:
            patterns.append(p)
            if self.options.implicit_descendants and (
                p.trailing_separator or not p.segments or p.segments[-1] != "**"
            ):
                patterns.append(p.with_descendants())
        includes = [p for p in patterns if not p.negate]
        stack = [(s, 1) for s in reversed(_search_paths(patterns)) if os.path.lexists(s)]
        chain: list[str] = []  # real paths of the directories being walked, for cycles
        while stack:
            path, level = stack.pop()
            if inside is not None and not (
                (path + "/").startswith(inside) or inside.startswith(path.rstrip("/") + "/")
            ):
                continue
            kind = _classify(patterns, path)
            if not kind and not any(p.partial_match(path) for p in includes):
                continue
            st = self._stat(path, level, chain)
            if st is None:
                continue
            if self.options.exclude_hidden_files and os.path.basename(path).startswith("."):
                continue
            if stat.S_ISDIR(st.st_mode):
                if kind & MatchKind.DIRECTORY and self.options.match_directories:
                    yield path
                names = sorted(os.listdir(path), key=os.fsencode, reverse=True)
                stack.extend((os.path.join(path, name), level + 1) for name in names)
            elif kind & MatchKind.FILE:
                yield path

    def _stat(self, path: str, level: int, chain: list[str]) -> os.stat_result | None:
        """The item's stat; None for a skipped broken link, a cycle or a vanished item."""
        if not self.options.follow_symbolic_links:
            try:
                return os.lstat(path)
            except FileNotFoundError:
                return None
        try:
            st = os.stat(path)
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ELOOP):
                raise
            if not os.path.lexists(path):
                return None
            if self.options.omit_broken_symbolic_links:
                return None
            raise GlobError(
                f"No information found for the path '{path}'. "
                "This may indicate a broken symbolic link."
            ) from None
        if stat.S_ISDIR(st.st_mode):
            real = os.path.realpath(path)
            del chain[level - 1 :]
            if real in chain:
                return None  # a symlink cycle
            chain.append(real)
        return st


def _classify(patterns: list[Pattern], path: str) -> MatchKind:
    # later patterns win: an exclude clears what earlier includes matched
    result = MatchKind.NONE
    for p in patterns:
        if p.negate:
            result &= ~p.match(path)
        else:
            result |= p.match(path)
    return result


def _search_paths(patterns: list[Pattern]) -> list[str]:
    """Search paths of the include patterns, without duplicates or descendants of another."""
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


# --- minimatch on names


_BRACES: Final = re.compile(r"\{([^{}]*,[^{}]*)\}")
# `{a,b}{a,b}...` doubles with every group: bounds of our own keep one pattern from turning
# into millions (the alternatives past them are not tried)
MAX_BRACE_EXPANSIONS: Final = 1_000
_MAX_BRACE_WORK: Final = 1_000_000  # characters rewritten while expanding


def _expand_braces(pattern: str) -> list[str]:
    done: list[str] = []
    todo = [pattern]
    work = 0
    while todo and len(done) < MAX_BRACE_EXPANSIONS and work < _MAX_BRACE_WORK:
        text = todo.pop()
        work += len(text)
        m = _BRACES.search(text)
        if not m:
            done.append(text)
            continue
        alts = m.group(1).split(",")
        todo.extend(text[: m.start()] + alt + text[m.end() :] for alt in reversed(alts))
    return done


_SLASH: Final = _literal_atom("/")


def name_matches(pattern: str, name: str) -> bool:
    """minimatch(name, pattern) for a name without ``/`` (download-artifact's ``pattern``):
    braces expand, and a wildcard never matches a leading dot (minimatch's default)."""
    for alt in _expand_braces(pattern):
        if name.startswith(".") and not alt.startswith("."):
            continue
        atoms: list[Atom] = []
        for i, seg in enumerate(alt.split("/")):
            if i:
                atoms.append(_SLASH)
            atoms.extend([(STAR, ANY)] if seg == "**" else _segment_atoms(seg))
        if wildcard(atoms).fullmatch(name):
            return True
    return False
