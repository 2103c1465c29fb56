"""hashFiles(): the runner's hashFiles script on top of @actions/glob (``conveyor.fileglob``).

Patterns are the globber's (newline-split, ``#`` comments, ``!`` excludes, ``**``; a directory
implicitly matches everything below it), rooted at the workspace; as GitHub documents, a
leading ``/`` outside the workspace means the workspace root. Symbolic links are followed only
with ``--follow-symbolic-links``. The files matched under the workspace, in the globber's
depth-first byte order, are hashed: sha256 over the concatenated sha256 digests of the files,
or '' when nothing matched.
"""

from __future__ import annotations

import hashlib
import os

from conveyor.expr.errors import ExprError
from conveyor.fileglob import Globber, GlobError, GlobOptions, escape


def hash_files(patterns: list[str], workspace: str, home: str | None = None) -> str:
    """Hash the files matching ``patterns`` (hashFiles() arguments) under ``workspace``;
    ``~`` in a pattern is ``home`` (default: this process's home directory)."""
    follow = False
    if patterns and patterns[0].startswith("--"):
        if patterns[0].lower() != "--follow-symbolic-links":
            raise ExprError(
                f"invalid glob option {patterns[0]}, available option: '--follow-symbolic-links'"
            )
        follow = True
        patterns = patterns[1:]
    cwd = os.path.realpath(workspace)  # the runner starts the hash script with cwd = workspace
    try:
        lines = [_rooted(line, cwd) for line in "\n".join(patterns).split("\n")]
        options = GlobOptions(follow_symbolic_links=follow)
        globber = Globber(lines, cwd, home=home, options=options)
        outer = hashlib.sha256()
        count = 0
        prefix = cwd.rstrip("/") + "/"
        for path in globber.walk(within=cwd):
            if not path.startswith(prefix) or os.path.isdir(path):
                continue  # outside the workspace, or a directory (maybe via a symlink)
            with open(path, "rb") as handle:
                outer.update(hashlib.file_digest(handle, "sha256").digest())
            count += 1
    except (OSError, GlobError) as exc:
        joined = ", ".join(patterns)
        raise ExprError(f"hashFiles('{joined}') failed: {exc}") from exc
    return outer.hexdigest() if count else ""


def _rooted(line: str, cwd: str) -> str:
    """GitHub's docs: hashFiles('/src/*.js') means `src` at the repository root."""
    text = line.strip()
    if not text or text.startswith("#"):
        return text
    bangs = ""
    while text.startswith("!"):
        bangs += "!"
        text = text[1:].strip()
    root = escape(cwd).rstrip("/") + "/"
    if text.startswith("/") and not (text + "/").startswith(root):
        text = escape(cwd) + text
    return bangs + text
