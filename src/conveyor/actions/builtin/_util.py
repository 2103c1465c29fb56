"""Helpers shared by the built-in actions: semver ranges, @actions/glob-style globbing, git."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from functools import total_ordering
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.records import record

# --- logging


def warn(call: ActionCall, message: str) -> None:
    """A warning line, as the runner prints ``core.warning`` in the raw log."""
    call.log(f"Warning: {message}")


def expand_user(path: str, call: ActionCall) -> str:
    """Basic ``~`` expansion, using HOME from the step environment when there is one."""
    if path == "~" or path.startswith("~/"):
        home = call.env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


def unset(value: str) -> bool:
    """True for an empty input, or an action.yml default expression nobody evaluated."""
    return value.strip() == "" or value.strip().startswith("${{")


# --- processes


def run(
    argv: Sequence[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command quietly, capturing text output (never raises on a non-zero exit)."""
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def git(*args: str | Path, cwd: Path, check: bool = True) -> str:
    """Run git; return stdout stripped of the final newline; ActionFailed on error if check."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = run(["git", *args], cwd=cwd, env=env)
    if check and proc.returncode != 0:
        shown = " ".join(str(a) for a in args)
        raise ActionFailed(f"git {shown} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.rstrip("\n")


# --- semver (node-semver subset)

_VERSION = re.compile(
    r"^\s*[v=]?\s*(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)


@total_ordering
@record(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version | None:
        m = _VERSION.match(text)
        if not m:
            return None
        pre = tuple(m.group(4).split(".")) if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def _key(self) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int, str], ...]]:
        # a release sorts after all of its prereleases; numeric identifiers sort before text ones
        ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.core, 0 if self.pre else 1, ids)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return f"{base}-{'.'.join(self.pre)}" if self.pre else base


@record(frozen=True)
class _Comparator:
    op: str  # one of < <= > >= =
    version: Version

    def test(self, v: Version) -> bool:
        if self.op == "=":
            return v == self.version
        if self.op == "<":
            return v < self.version
        if self.op == "<=":
            return v <= self.version
        if self.op == ">":
            return v > self.version
        return v >= self.version


_PARTIAL = re.compile(
    r"^(?P<op>~>|~|\^|>=|<=|>|<|=)?\s*v?(?P<maj>\d+|[xX*])?(?:\.(?P<min>\d+|[xX*]))?"
    r"(?:\.(?P<pat>\d+|[xX*]))?(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def _num(part: str | None) -> int | None:
    return None if part is None or part in ("x", "X", "*") else int(part)


def _expand(token: str) -> list[_Comparator]:
    """One range token (``^1.2``, ``>=3.11``, ``1.x``, ``~3.8.0-0``) as plain comparators."""
    m = _PARTIAL.match(token)
    if not m:
        raise ValueError(f"invalid version range token '{token}'")
    op = m.group("op") or ""
    maj, mi, pa = _num(m.group("maj")), _num(m.group("min")), _num(m.group("pat"))
    pre = tuple(m.group("pre").split(".")) if m.group("pre") else ()
    if maj is None:
        if op in ("", "=", ">=", "<=", "~", "^", "~>"):
            return []  # any version
        return [_Comparator("<", Version(0, 0, 0, ("0",)))]  # nothing
    low = Version(maj, mi or 0, pa or 0, pre)
    if mi is None:
        upper: Version | None = Version(maj + 1, 0, 0, ("0",))
    elif pa is None:
        upper = Version(maj, mi + 1, 0, ("0",))
    else:
        upper = None
    if op in ("", "="):
        if upper is None:
            return [_Comparator("=", low)]
        return [_Comparator(">=", low), _Comparator("<", upper)]
    if op in ("~", "~>"):
        hi = Version(maj + 1, 0, 0, ("0",)) if mi is None else Version(maj, mi + 1, 0, ("0",))
        return [_Comparator(">=", low), _Comparator("<", hi)]
    if op == "^":
        if maj > 0 or mi is None:
            hi = Version(maj + 1, 0, 0, ("0",))
        elif mi > 0 or pa is None:
            hi = Version(0, mi + 1, 0, ("0",))
        else:
            hi = Version(0, 0, (pa or 0) + 1, ("0",))
        return [_Comparator(">=", low), _Comparator("<", hi)]
    if op == ">":
        return [_Comparator(">=", upper)] if upper is not None else [_Comparator(">", low)]
    if op == "<=":
        return [_Comparator("<", upper)] if upper is not None else [_Comparator("<=", low)]
    return [_Comparator(op, low)]  # >= and <


class Range:
    """A node-semver range: ``||`` alternatives of space-separated comparators, hyphen ranges."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.sets: list[list[_Comparator]] = []
        for alt in spec.split("||"):
            alt = re.sub(r"(~>|>=|<=|>|<|=|~|\^)\s+", r"\1", alt.strip())
            hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alt)
            comps: list[_Comparator] = []
            if hyphen:
                comps += _expand(">=" + hyphen.group(1))
                comps += _expand("<=" + hyphen.group(2))
            else:
                for token in alt.split():
                    comps += _expand(token)
            self.sets.append(comps)

    def test(self, v: Version) -> bool:
        for comps in self.sets:
            if not all(c.test(v) for c in comps):
                continue
            if v.pre and not any(c.version.pre and c.version.core == v.core for c in comps):
                continue  # prereleases only match a comparator on the same major.minor.patch
            return True
        return False


# --- globbing (@actions/glob)


def _segment_regex(segment: str) -> str:
    out, i = "", 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "[":
            end = segment.find("]", i + 2)
            if end == -1:
                out += re.escape(ch)
            else:
                body = segment[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out += "[" + body.replace("\\", "\\\\") + "]"
                i = end
        else:
            out += re.escape(ch)
        i += 1
    return out


def has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


@record
class _Pattern:
    negate: bool
    exact: re.Pattern[str]
    descendants: re.Pattern[str] | None
    dirs_only: bool
    search_path: str

    def match(self, item: str, is_dir: bool) -> bool:
        if self.exact.match(item) and (is_dir or not self.dirs_only):
            return True
        return self.descendants is not None and self.descendants.match(item) is not None


def _compile(line: str, base: str, implicit_descendants: bool, call: ActionCall) -> _Pattern | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    negate = False
    while line.startswith("!"):
        negate, line = not negate, line[1:].strip()
    line = expand_user(line, call)
    dirs_only = line.endswith("/")
    full = os.path.normpath(os.path.join(base, line))
    segments = full.strip("/").split("/")
    literal: list[str] = []
    for seg in segments:
        if has_glob(seg):
            break
        literal.append(seg)
    search_path = "/" + "/".join(literal)
    parts = ["(?:/.*)?" if seg == "**" else "/" + _segment_regex(seg) for seg in segments]
    body = "^" + "".join(parts)
    descendants = re.compile(body + "/.+$", re.DOTALL) if implicit_descendants else None
    return _Pattern(negate, re.compile(body + "$", re.DOTALL), descendants, dirs_only, search_path)


def _search_roots(paths: list[str]) -> list[str]:
    """Search paths without duplicates or descendants of another search path."""
    roots: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(p)
    return roots


@record
class GlobResult:
    matches: list[str]  # absolute paths, in walk order
    search_paths: list[str]  # search paths of the include patterns, as globber.getSearchPaths()


def glob(
    patterns: Sequence[str],
    base: Path,
    call: ActionCall,
    *,
    implicit_descendants: bool = True,
    exclude_hidden: bool = False,
) -> GlobResult:
    """Match multi-line globs like @actions/glob (follows symlinks, ``!`` excludes, ``**``)."""
    maybe = (_compile(x, str(base), implicit_descendants, call) for x in patterns)
    compiled = [p for p in maybe if p]
    includes = [p for p in compiled if not p.negate]
    search = []
    for p in includes:
        if p.search_path not in search:
            search.append(p.search_path)
    matches: list[str] = []
    for root in _search_roots(search):
        for item, is_dir in _walk(root, exclude_hidden):
            matched = False
            for p in compiled:
                if p.negate:
                    matched = matched and not p.match(item, is_dir)
                elif p.match(item, is_dir):
                    matched = True
            if matched:
                matches.append(item)
    return GlobResult(matches, search)


def _walk(root: str, exclude_hidden: bool) -> Iterator[tuple[str, bool]]:
    if not os.path.lexists(root):
        return
    stack = [root]
    seen: set[tuple[int, int]] = set()
    while stack:
        item = stack.pop()
        if exclude_hidden and os.path.basename(item).startswith("."):
            continue
        try:
            st = os.stat(item)
        except OSError:
            continue  # broken symlink: omitted
        is_dir = os.path.isdir(item)
        yield item, is_dir
        if is_dir:
            ident = (st.st_dev, st.st_ino)
            if ident in seen:
                continue  # symlink cycle
            seen.add(ident)
            try:
                children = sorted(os.listdir(item), reverse=True)
            except OSError:
                continue
            stack.extend(os.path.join(item, c) for c in children)


def _expand_braces(pattern: str) -> list[str]:
    m = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if not m:
        return [pattern]
    out: list[str] = []
    for alt in m.group(1).split(","):
        out += _expand_braces(pattern[: m.start()] + alt + pattern[m.end() :])
    return out


def name_matches(pattern: str, name: str) -> bool:
    """minimatch(name, pattern) for names without ``/`` (braces, ``*``, ``?``, ``[...]``)."""
    for alt in _expand_braces(pattern):
        if name.startswith(".") and not alt.startswith("."):
            continue  # minimatch: a wildcard never matches a leading dot
        regex = "/".join(".*" if seg == "**" else _segment_regex(seg) for seg in alt.split("/"))
        if re.fullmatch(regex, name, re.DOTALL):
            return True
    return False
