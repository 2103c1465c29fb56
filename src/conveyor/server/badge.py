"""Status badges: a workflow's latest result as an SVG, shaped like GitHub Actions' badge.

Flat style: the workflow name on a grey left half, the status on a coloured right half,
rounded corners and a faint text shadow. Text widths come from a table of Verdana 11px
advances (as shields.io measures), so a badge fits its words without a font on the server.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = {
    "passing": "#4c1",
    "failing": "#e05d44",
    "cancelled": "#9f9f9f",
    "in progress": "#dfb317",
    "no status": "#9f9f9f",
    "skipped": "#9f9f9f",
}

_FAILED = frozenset({"failure", "timed_out", "startup_failure"})
_RUNNING = frozenset({"queued", "in_progress", "waiting", "pending", "requested"})

# Advance widths of Verdana at 11px; anything else (other scripts, symbols) counts as _WIDE.
_WIDTHS: dict[str, float] = {
    " ": 3.9, "!": 4.3, '"': 5.0, "#": 9.0, "$": 7.0, "%": 11.8, "&": 8.0, "'": 2.7,
    "(": 4.9, ")": 4.9, "*": 7.0, "+": 9.0, ",": 4.0, "-": 4.9, ".": 4.0, "/": 4.9,
    ":": 4.9, ";": 4.9, "<": 9.0, "=": 9.0, ">": 9.0, "?": 6.0, "@": 11.0, "[": 4.9,
    "\\": 4.9, "]": 4.9, "^": 9.0, "_": 7.0, "`": 7.0, "{": 7.0, "|": 4.9, "}": 7.0,
    "~": 9.0,
    "a": 6.7, "b": 6.8, "c": 5.8, "d": 6.8, "e": 6.6, "f": 3.9, "g": 6.8, "h": 7.0,
    "i": 3.0, "j": 3.8, "k": 6.5, "l": 3.0, "m": 10.7, "n": 7.0, "o": 6.7, "p": 6.8,
    "q": 6.8, "r": 4.7, "s": 5.7, "t": 4.3, "u": 7.0, "v": 6.5, "w": 9.0, "x": 6.5,
    "y": 6.5, "z": 5.8,
    "A": 7.5, "B": 7.5, "C": 7.7, "D": 8.5, "E": 6.9, "F": 6.3, "G": 8.5, "H": 8.3,
    "I": 4.6, "J": 5.0, "K": 7.6, "L": 6.1, "M": 9.3, "N": 8.2, "O": 8.6, "P": 6.6,
    "Q": 8.6, "R": 7.6, "S": 7.5, "T": 6.8, "U": 8.1, "V": 7.5, "W": 10.9, "X": 7.5,
    "Y": 6.8, "Z": 7.5,
}  # fmt: skip
_DIGIT = 7.0
_WIDE = 11.0
_PAD = 6  # each half: text plus this much on either side


def text_width(text: str) -> float:
    """About how wide ``text`` is in Verdana 11px."""
    return sum(_DIGIT if c.isdigit() else _WIDTHS.get(c, _WIDE) for c in text)


def badge_status(conclusion: str | None, status: str | None = None) -> str:
    """The badge word for a run. GitHub's badge shows the latest *completed* run, so the
    caller passes that one; ``status`` only matters when there is none yet (a first run
    still going shows "in progress", no run at all "no status")."""
    if conclusion is None:
        return "in progress" if status in _RUNNING else "no status"
    if conclusion == "success":
        return "passing"
    if conclusion in _FAILED:
        return "failing"
    if conclusion in ("cancelled", "skipped"):
        return conclusion
    return "no status"  # neutral, stale, action_required: nothing to claim


def badge_svg(label: str, status: str) -> str:
    """An SVG badge ``label | status``; an unknown status word is drawn grey."""
    colour = COLOURS.get(status, COLOURS["no status"])
    left = round(text_width(label)) + 2 * _PAD
    right = round(text_width(status)) + 2 * _PAD
    width = left + right
    name = escape(label, {'"': "&quot;"})
    word = escape(status, {'"': "&quot;"})
    title = f"{name}: {word}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img"'
        f' aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        '<g clip-path="url(#r)">'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-size="11"'
        ' font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision">'
        f"{_text(left / 2, name)}{_text(left + right / 2, word)}</g></svg>"
    )


def _text(x: float, escaped: str) -> str:
    # the shadow is the same text one pixel lower, dark and mostly transparent
    return (
        f'<text aria-hidden="true" x="{x:g}" y="15" fill="#010101" fill-opacity=".3">'
        f"{escaped}</text>"
        f'<text x="{x:g}" y="14">{escaped}</text>'
    )
