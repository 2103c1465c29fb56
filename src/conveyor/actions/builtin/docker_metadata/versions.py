"""The two version schemes docker/metadata-action reads from a tag: node-semver's strict
``valid()`` with the fields its ``{{...}}`` patterns see, and PEP 440 as @renovate/pep440
normalises it (``v1.0-RC.1`` is ``1.0rc1``, ``1.2post1`` is ``1.2.post1``)."""

from __future__ import annotations

import math
import re
from typing import Any

from conveyor.actions.builtin.docker_metadata.js import js_number, js_str
from conveyor.records import record

_MAX_SAFE = 2**53 - 1
_NUM = r"0|[1-9][0-9]*"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)"
_BUILD_ID = r"[0-9a-zA-Z-]+"
_SEMVER = re.compile(
    rf"v?({_NUM})\.({_NUM})\.({_NUM})"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?"
)


def parse_semver(text: str) -> dict[str, Any] | None:
    """The fields of a valid semver (``v`` prefix allowed), as the action hands them to its
    patterns; None when it is not one."""
    m = _SEMVER.fullmatch(text.strip()) if len(text) <= 256 else None
    if m is None:
        return None
    major, minor, patch = (int(g) for g in m.groups()[:3])
    if max(major, minor, patch) > _MAX_SAFE:
        return None
    ids = m.group(4).split(".") if m.group(4) else []
    pre: list[int | str] = [int(p) if p.isdigit() and int(p) < _MAX_SAFE else p for p in ids]
    version = f"{major}.{minor}.{patch}" + (f"-{'.'.join(map(str, pre))}" if pre else "")
    return {
        "raw": text,
        "version": version,
        "major": major,
        "minor": minor,
        "patch": patch,
        "prerelease": pre,
        "build": m.group(5).split(".") if m.group(5) else [],
        "loose": True,
        "includePrerelease": False,
        "options": {"loose": True},
    }


_PEP440 = re.compile(
    r"v?(?:(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?P<pre>[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?"
    r"(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?)"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?",
    re.IGNORECASE,
)
_SPELLINGS = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
_SPELLINGS |= {"rev": "post", "r": "post"}


@record(frozen=True)
class Pep440:
    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None
    post: tuple[str, int] | None
    dev: tuple[str, int] | None
    local: tuple[str, ...] | None

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None or self.dev is not None

    @property
    def is_postrelease(self) -> bool:
        return self.post is not None

    @property
    def is_devrelease(self) -> bool:
        return self.dev is not None

    def part(self, index: int) -> int:
        """major (0), minor (1) or patch (2); 0 when the release is shorter."""
        return self.release[index] if index < len(self.release) else 0

    @property
    def normalized(self) -> str:
        out = f"{self.epoch}!" if self.epoch else ""
        out += ".".join(map(str, self.release))
        if self.pre:
            out += f"{self.pre[0]}{self.pre[1]}"
        for extra in (self.post, self.dev):
            if extra:
                out += f".{extra[0]}{extra[1]}"
        if self.local:
            # the library prints its list of local parts the way JavaScript prints arrays
            out += "+" + ",".join(self.local)
        return out


def _letter(letter: str | None, number: str | None) -> tuple[str, int] | None:
    if letter:
        lowered = letter.lower()
        return (_SPELLINGS.get(lowered, lowered), int(number or 0))
    return ("post", int(number)) if number else None


def _local_part(part: str) -> str:
    number = js_number(part)
    return part.lower() if math.isnan(number) else js_str(number)


def parse_pep440(text: str) -> Pep440 | None:
    m = _PEP440.fullmatch(text)
    if m is None:
        return None
    local = m.group("local")
    return Pep440(
        epoch=int(m.group("epoch") or 0),
        release=tuple(int(r) for r in m.group("release").split(".")),
        pre=_letter(m.group("pre_l"), m.group("pre_n")),
        post=_letter(m.group("post_l"), m.group("post_n1") or m.group("post_n2")),
        dev=_letter(m.group("dev_l"), m.group("dev_n")),
        local=tuple(_local_part(p) for p in re.split(r"[._-]", local)) if local else None,
    )
