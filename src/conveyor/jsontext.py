"""JSON string escaping as the runner's Newtonsoft.Json writes it.

Shared by ``toJSON`` (what workflows print) and the secret masker (which must also hide a
secret's JSON-escaped form): quote, backslash and the short control escapes, other
controls and U+0085, U+2028, U+2029 as lowercase ``\\uXXXX``; everything else literal.
"""

from __future__ import annotations

import re

_SHORT = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
# compiled on first use (re caches it), not by every start-up's import
_CONTROLS = "[\x00-\x1f\x85\u2028\u2029]"


def _escape_one(m: re.Match[str]) -> str:
    ch = m.group()
    return _SHORT.get(ch) or f"\\u{ord(ch):04x}"


def json_escape(text: str) -> str:
    """``text`` escaped for inside a JSON string (without the quotes)."""
    # str.replace for the common two: a callback per character is ~100x slower, which
    # shows on megabytes of quotes (toJSON(toJSON(...)) doubles them at every level)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    return re.sub(_CONTROLS, _escape_one, text) if re.search(_CONTROLS, text) else text
