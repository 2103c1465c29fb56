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
import functools
import re
import threading

from conveyor.jsontext import json_escape
from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MASK", "Masker", "encoded_variations"]

MASK = "***"

# patterns are compiled on first use (re caches them), not by every start-up's import
_LINE_BREAKS = r"[\r\n]+"
# Up to this many values a loop of `in` scans beats the k-gram index (measured).
_FEW = 32

_XML = {"<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "&": "&amp;"}
_XML_NEEDS_ESCAPE = "[<>\"'&]"


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
    out.append(re.sub(_XML_NEEDS_ESCAPE, lambda m: _XML[m.group()], value))
    if len(value) > 8 and value.startswith('"') and value.endswith('"'):
        out.append(value[1:-1])
    seen: set[str] = set()
    result: list[str] = []
    for v in out:
        if v and v not in seen:
            seen.add(v)
            result.append(v)
    return result


@functools.lru_cache(maxsize=1024)
def _border_free(value: str) -> bool:
    """No proper prefix of ``value`` is also its suffix (KMP failure function), so two of
    its occurrences can touch but never overlap."""
    fail = [0] * len(value)
    k = 0
    for i in range(1, len(value)):
        while k and value[i] != value[k]:
            k = fail[k - 1]
        if value[i] == value[k]:
            k += 1
        fail[i] = k
    return not value or fail[-1] == 0


# Many values: each goes in a tier by length. An occurrence of a value at least 2k-1 long
# always covers one of the text's k-grams that start at a multiple of k, so the text is cut
# into such grams (one C-level findall) and looked up in a set: the cost of a scan does not
# grow with the number of values, and adding one costs its length.
_TIERS = (8, 4, 2)
_TIER_MIN = {k: 2 * k - 1 for k in _TIERS}


@record(slots=True)
class _Index:
    """Values by their k-grams, for each tier; shorter values in ``short``."""

    grams: dict[int, dict[str, list[str]]] = field(
        default_factory=lambda: {k: {} for k in _TIER_MIN}
    )
    keys: dict[int, set[str]] = field(default_factory=lambda: {k: set() for k in _TIER_MIN})
    short: list[str] = field(default_factory=list)
    cuts: dict[int, re.Pattern[str]] = field(default_factory=dict)  # k-grams, once used

    def add(self, value: str) -> None:
        for k in _TIERS:
            if len(value) >= _TIER_MIN[k]:
                if k not in self.cuts:
                    self.cuts[k] = re.compile(f".{{{k}}}", re.S)
                grams, keys = self.grams[k], self.keys[k]
                for i in dict.fromkeys(value[i : i + k] for i in range(len(value) - k + 1)):
                    grams.setdefault(i, []).append(value)
                    keys.add(i)
                return
        self.short.append(value)

    def present(self, text: str) -> list[str]:
        found = [v for v in self.short if v in text]
        for k in _TIERS:
            keys = self.keys[k]
            if not keys:
                continue
            hits = keys.intersection(self.cuts[k].findall(text))
            if hits:
                grams = self.grams[k]
                candidates = {v: None for g in hits for v in grams[g]}
                found.extend(v for v in candidates if v in text)
        return found


@record(slots=True, frozen=True)
class _Snapshot:
    values: tuple[str, ...]  # every value and encoding, while there are few
    many: bool = False  # more than _FEW: look in the masker's index (under its lock)


class Masker:
    """Thread-safe set of secrets; ``mask`` is cheap when nothing matches.

    Writers build a new immutable snapshot under a lock and swap the reference; readers
    just load the current one, so a concurrent ``add`` is seen either fully or not at all.
    Past ``_FEW`` values (``::add-mask::`` in a loop) an index of k-grams takes over, read
    and written under the lock: adding N values costs O(N), and a scan does not grow with N.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._originals: frozenset[str] = frozenset()
        self._state = _Snapshot(())
        self._known: set[str] = set()
        self._index = _Index()

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
            candidates.extend(part.strip() for part in re.split(_LINE_BREAKS, secret))
        with self._lock:
            new = [c for c in dict.fromkeys(candidates) if c and c not in self._originals]
            if not new:
                return
            added: list[str] = []
            for c in new:
                for v in (c, *encoded_variations(c)):
                    if v not in self._known:
                        self._known.add(v)
                        added.append(v)
            for v in added:
                self._index.add(v)
            self._originals = self._originals | frozenset(new)
            if len(self._known) > _FEW:
                self._state = _Snapshot((), many=True)
            else:
                self._state = _Snapshot((*self._state.values, *added))

    def _present(self, state: _Snapshot, text: str) -> list[str]:
        """The values that occur in ``text``."""
        if state.many:
            with self._lock:
                return self._index.present(text)
        # `in` is a fast C scan; most texts hold no secret and leave with an empty list
        return [v for v in state.values if v in text]

    def mask(self, text: str) -> str:
        """Replace every secret occurrence; merged overlapping/adjacent hits become one ``***``."""
        state = self._state
        if not (state.values or state.many) or not text:
            return text
        present = self._present(state, text)
        if not present:
            return text
        if len(present) == 1:
            value = present[0]
            # the common case, one secret on many lines: when two occurrences can neither
            # overlap nor touch, a plain replace is exact
            if value + value not in text and _border_free(value):
                return text.replace(value, MASK)
        hits: list[tuple[int, int]] = []
        for v in present:
            n = len(v)
            i = text.find(v)
            while i >= 0:
                hits.append((i, i + n))
                i = text.find(v, i + 1)
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
        if not (self._state.values or self._state.many):
            return value
        if isinstance(value, dict):
            return {self.mask_obj(k): self.mask_obj(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask_obj(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.mask_obj(v) for v in value)
        return value
