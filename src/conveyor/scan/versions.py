"""Version ordering per ecosystem: dpkg's for Debian, PEP 440 for PyPI, semver for npm.

``compare(ecosystem, a, b)`` is negative, zero or positive like ``cmp``. A version an
ecosystem's grammar rejects falls back to a generic digits-and-letters ordering, so one
odd record never stops a scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# --- Debian (dpkg's lib/dpkg/version.c) -------------------------------------------------


def _order(text: str, i: int) -> int:
    """dpkg's ``order()``: ``~`` before the end, the end before letters, letters before
    other characters; digits are compared separately."""
    if i >= len(text):
        return 0
    c = text[i]
    if c.isdigit():
        return 0
    if c.isascii() and c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac, bc = _order(a, i), _order(b, j)
            if ac != bc:
                return ac - bc
            i, j = i + 1, j + 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i, j = i + 1, j + 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _debian_parts(version: str) -> tuple[int, str, str]:
    version = version.strip()
    epoch = 0
    if ":" in version:
        head, _, version = version.partition(":")
        epoch = int(head) if head.isdigit() else 0
    upstream, sep, revision = version.rpartition("-")
    if not sep:
        upstream, revision = version, ""
    return epoch, upstream, revision


def debian_compare(a: str, b: str) -> int:
    """dpkg --compare-versions: epoch, then upstream, then revision."""
    ea, ua, ra = _debian_parts(a)
    eb, ub, rb = _debian_parts(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _verrevcmp(ua, ub) or _verrevcmp(ra, rb)


# --- PEP 440 -------------------------------------------------------------------------------

_PEP440 = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PRE = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "rc": "rc", "pre": "rc",
        "preview": "rc"}  # fmt: skip
_NEG = (-1,)  # sorts before any (0, ...) / (1, ...) tuple
_POS = (2,)


def pep440_key(version: str) -> tuple[Any, ...] | None:
    """A sort key with packaging's ordering (dev < a < b < rc < final < post; local
    labels after the public version), or None when ``version`` is not PEP 440."""
    m = _PEP440.match(version)
    if not m:
        return None
    release = [int(p) for p in m.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre: tuple[Any, ...] = _POS
    if m.group("pre_l"):
        pre = (1, _PRE[m.group("pre_l").lower()], int(m.group("pre_n") or 0))
    post: tuple[Any, ...] = _NEG
    if m.group("post_n1") or m.group("post_l"):
        post = (1, int(m.group("post_n1") or m.group("post_n2") or 0))
    dev: tuple[Any, ...] = _POS
    if m.group("dev_l"):
        dev = (1, int(m.group("dev_n") or 0))
        if pre == _POS and post == _NEG:
            pre = _NEG  # 1.0.dev1 comes before 1.0a1
    local: tuple[Any, ...] = ()
    if m.group("local"):
        local = tuple(
            (1, int(p), "") if p.isdigit() else (0, 0, p.lower())
            for p in re.split(r"[-_.]", m.group("local"))
        )
    return (int(m.group("epoch") or 0), tuple(release), pre, post, dev, (0, *local))


def pep440_compare(a: str, b: str) -> int:
    ka, kb = pep440_key(a), pep440_key(b)
    if ka is None or kb is None:
        return generic_compare(a, b)
    return (ka > kb) - (ka < kb)


# --- semver (npm) ---------------------------------------------------------------------------

_SEMVER = re.compile(
    r"^\s*[v=]?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)


def semver_key(version: str) -> tuple[Any, ...] | None:
    """A sort key with semver 2.0.0's precedence (build metadata ignored), or None."""
    m = _SEMVER.match(version)
    if not m:
        return None
    core = tuple(int(g or 0) for g in m.group(1, 2, 3))
    if not m.group(4):
        return (core, (1,))
    # numeric identifiers sort numerically and before alphanumeric ones; fewer sorts first
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in m.group(4).split("."))
    return (core, (0, ids))


def semver_compare(a: str, b: str) -> int:
    ka, kb = semver_key(a), semver_key(b)
    if ka is None or kb is None:
        return generic_compare(a, b)
    return (ka > kb) - (ka < kb)


# --- anything else ---------------------------------------------------------------------------


def generic_compare(a: str, b: str) -> int:
    """Runs of digits numerically, runs of letters alphabetically, punctuation ignored."""

    def key(v: str) -> list[tuple[int, int, str]]:
        return [
            (1, int(p), "") if p.isdigit() else (0, 0, p)
            for p in re.findall(r"\d+|[A-Za-z]+", v.lower())
        ]

    ka, kb = key(a), key(b)
    return (ka > kb) - (ka < kb)


_BY_ECOSYSTEM: dict[str, Callable[[str, str], int]] = {
    "debian": debian_compare,
    "ubuntu": debian_compare,
    "pypi": pep440_compare,
    "npm": semver_compare,
}


def comparator(ecosystem: str) -> Callable[[str, str], int]:
    """The ordering for an OSV ecosystem name (``Debian:12`` orders as ``Debian``)."""
    base = ecosystem.partition(":")[0].strip().lower()
    return _BY_ECOSYSTEM.get(base, generic_compare)


def compare(ecosystem: str, a: str, b: str) -> int:
    return comparator(ecosystem)(a, b)
