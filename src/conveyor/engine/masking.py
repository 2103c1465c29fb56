"""Secret masking for log lines and reports, as the GitHub runner's SecretMasker does it.

Per registered value the runner also masks these encodings (``HostContext`` registers the
``ValueEncoders`` below): base64 of the UTF-8 bytes, and of those bytes shifted by one
and two (so the secret is caught inside a longer base64 blob), the command-line escape
(``"`` -> ``\\"``), the expression-string escape (``'`` -> ``''``), the JSON string
escape, ``Uri.EscapeDataString``, the XML escape, and the value without surrounding
double quotes.

Every occurrence of every variation is located (overlapping ones too), overlapping or
touching ranges are merged, and each merged range becomes a single ``***``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Any

from conveyor.jsontext import json_escape

__all__ = ["MASK", "Masker", "encoded_variations"]

MASK = "***"

_LINE_BREAKS = re.compile(r"[\r\n]+")
# Up to this many values a loop of `in` scans beats one regex alternation (measured).
_PREFILTER_THRESHOLD = 32

_XML = {"<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "&": "&amp;"}
_XML_NEEDS_ESCAPE = re.compile("[<>\"'&]")


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def encoded_variations(value: str) -> list[str]:
    """The runner's ValueEncoders applied to ``value``: distinct, non-empty, in order."""
    raw = value.encode("utf-8", "surrogatepass")
    out = [
        _b64(raw),
        # Shifted forms: with fewer bytes than the shift the runner encodes the whole value.
        _b64(raw[1:] if len(raw) > 1 else raw),
        _b64(raw[2:] if len(raw) > 2 else raw),
        value.replace('"', '\\"'),  # CommandLineArgumentEscape
        value.replace("'", "''"),
        json_escape(value),
    ]
    # Uri.EscapeDataString keeps only RFC 3986 unreserved characters; on a lone surrogate
    # .NET throws and the encoder adds nothing.
    with contextlib.suppress(UnicodeEncodeError):
        from urllib.parse import quote

        out.append(quote(value, safe="-_.~"))
    out.append(_XML_NEEDS_ESCAPE.sub(lambda m: _XML[m.group()], value))
    if len(value) > 8 and value.startswith('"') and value.endswith('"'):
        out.append(value[1:-1])
    seen: set[str] = set()
    result: list[str] = []
    for v in out:
        if v and v not in seen:
            seen.add(v)
            result.append(v)
    return result


class Masker:
    """Thread-safe set of secrets; ``mask`` is lock-free and cheap when nothing matches.

    Writers build a new immutable tuple under a lock and swap the reference; readers just
    load the current tuple, so a concurrent ``add`` is seen either fully or not at all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._originals: frozenset[str] = frozenset()
        # Snapshot read by mask(): every registered value and encoding (sorted only for
        # determinism) plus, when there are many, one compiled alternation that rejects a
        # clean line in a single scan.
        self._state: tuple[tuple[str, ...], re.Pattern[str] | None] = ((), None)

    @property
    def secrets(self) -> frozenset[str]:
        """Values passed to ``add`` (and their individual lines), without encodings."""
        return self._originals

    def add(self, secret: str) -> None:
        """Register a secret and its encodings; empty or whitespace-only values are ignored.

        The value is masked as given (``::add-mask::`` does not trim). A multi-line value
        also registers each of its lines, trimmed, as the runner does for secrets, because
        child-process output is masked one line at a time. Callers registering
        ``secrets.*`` should pass ``value.strip()``: the runner trims those first.
        """
        if not secret or secret.isspace():
            return
        candidates = [secret]
        if "\r" in secret or "\n" in secret:
            candidates.extend(part.strip() for part in _LINE_BREAKS.split(secret))
        with self._lock:
            new = [c for c in dict.fromkeys(candidates) if c and c not in self._originals]
            if not new:
                return
            values = set(self._state[0])
            for c in new:
                values.add(c)
                values.update(encoded_variations(c))
            ordered = tuple(sorted(values, key=lambda v: (-len(v), v)))
            prefilter = (
                re.compile("|".join(map(re.escape, ordered)))
                if len(ordered) > _PREFILTER_THRESHOLD
                else None
            )
            self._originals = self._originals | frozenset(new)
            self._state = (ordered, prefilter)

    def mask(self, text: str) -> str:
        """Replace every secret occurrence; merged overlapping/adjacent hits become one ``***``."""
        values, prefilter = self._state
        if not values or not text:
            return text
        if prefilter is not None and prefilter.search(text) is None:
            return text
        hits: list[tuple[int, int]] | None = None
        for v in values:
            # `in` is a fast C scan; the vast majority of lines leave here with no allocation.
            if v in text:
                if hits is None:
                    hits = []
                n = len(v)
                i = text.find(v)
                while i >= 0:
                    hits.append((i, i + n))
                    i = text.find(v, i + 1)
        if hits is None:
            return text
        hits.sort()
        parts: list[str] = []
        pos = 0
        cur_start, cur_end = hits[0]
        for start, end in hits[1:]:
            if start <= cur_end:  # overlapping or touching: one mask, as the runner merges
                if end > cur_end:
                    cur_end = end
            else:
                parts.append(text[pos:cur_start])
                parts.append(MASK)
                pos = cur_end
                cur_start, cur_end = start, end
        parts.append(text[pos:cur_start])
        parts.append(MASK)
        parts.append(text[cur_end:])
        return "".join(parts)

    def mask_obj(self, value: Any) -> Any:
        """Mask strings inside dicts/lists/tuples (keys included); other values unchanged."""
        if isinstance(value, str):
            return self.mask(value)
        if not self._state[0]:
            return value
        if isinstance(value, dict):
            return {self.mask_obj(k): self.mask_obj(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask_obj(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.mask_obj(v) for v in value)
        return value
