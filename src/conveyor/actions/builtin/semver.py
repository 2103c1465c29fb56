"""node-semver ranges, the subset setup-python, setup-node and setup-go use to pick a version."""

from __future__ import annotations

import re
from functools import total_ordering

from conveyor.records import record

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
