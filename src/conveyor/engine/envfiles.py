"""Parsers for the step file commands: GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_PATH.

Mirrors actions/runner ``FileCommandManager.cs`` (``EnvFileKeyValuePairs`` and
``AddPathFileCommand``) as it behaves on Linux and macOS.
"""

from __future__ import annotations

import re

__all__ = ["EnvFileError", "parse_env_file", "parse_path_file"]

# File.ReadAllText / ReadAllLines drop a leading byte-order mark.
_BOM = "\ufeff"
# StreamReader.ReadLine (used by File.ReadAllLines) ends lines at CRLF, CR or LF.
_ANY_NEWLINE = r"\r\n|\r|\n"  # compiled on first use, not at import


class EnvFileError(Exception):
    """The file is malformed. GitHub fails the step after applying the entries before the error.

    ``pairs`` holds those earlier entries: the runner enumerates the file lazily and has
    already applied them when it reaches the bad line.
    """

    def __init__(self, message: str, pairs: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.pairs: list[tuple[str, str]] = pairs if pairs is not None else []


def _read_line(text: str, index: int, windows: bool) -> tuple[str | None, int, str | None]:
    """Return (line, next index, newline consumed); line is None at end of text."""
    if index >= len(text):
        return None, index, None
    lf = text.find("\n", index)
    if lf < 0:
        return text[index:], len(text), None
    # Only the Windows runner treats CRLF as a newline; elsewhere the CR stays in the line.
    if windows and lf > index and text[lf - 1] == "\r":
        return text[index : lf - 1], lf + 1, "\r\n"
    return text[index:lf], lf + 1, "\n"


def parse_env_file(text: str, *, windows: bool = False) -> list[tuple[str, str]]:
    """Parse ``NAME=value`` lines and ``NAME<<DELIM`` heredocs, in file order.

    Later duplicates are returned too; callers fold them (last one wins). Exact runner
    quirks kept on purpose:

    * only empty lines are skipped; a whitespace-only line is an error;
    * ``=`` vs ``<<``: whichever occurs first in the line decides the form;
    * off Windows only LF ends a line, so a CR before it stays in values and delimiters;
    * ``=value`` yields an empty name (the runner's emptiness check tests the whole line,
      so it never fires); a heredoc needs a non-empty name and delimiter;
    * every heredoc body line must end with a newline; the closing delimiter may not.
    """
    if text.startswith(_BOM):
        text = text[1:]
    pairs: list[tuple[str, str]] = []
    index = 0
    line, index, _ = _read_line(text, index, windows)
    while line is not None:
        if line:
            eq = line.find("=")
            heredoc = line.find("<<")
            if eq >= 0 and (heredoc < 0 or eq < heredoc):
                name, value = line.split("=", 1)
                pairs.append((name, value))
            elif heredoc >= 0:
                name, delimiter = line.split("<<", 1)
                if not name or not delimiter:
                    raise EnvFileError(
                        f"Invalid format '{line}'. Name must not be empty and delimiter must not"
                        " be empty",
                        pairs,
                    )
                start = end = index
                body, index, newline = _read_line(text, index, windows)
                while body != delimiter:
                    if body is None:
                        raise EnvFileError(
                            f"Invalid value. Matching delimiter not found '{delimiter}'", pairs
                        )
                    if newline is None:
                        raise EnvFileError("Invalid value. EOF marker missing new line.", pairs)
                    end = index - len(newline)
                    body, index, newline = _read_line(text, index, windows)
                pairs.append((name, text[start:end] if end > start else ""))
            else:
                raise EnvFileError(f"Invalid format '{line}'", pairs)
        line, index, _ = _read_line(text, index, windows)
    return pairs


def parse_path_file(text: str) -> list[str]:
    """Directories from GITHUB_PATH, in file order; only empty lines are skipped.

    The runner prepends each in turn (removing an earlier equal entry), so the last line
    ends up first on PATH. Whitespace is kept: ``" /opt/bin"`` is a distinct directory.
    """
    if text.startswith(_BOM):
        text = text[1:]
    lines = re.split(_ANY_NEWLINE, text)
    return [line for line in lines if line]
