"""The common ``conveyor run`` command lines, parsed without argparse.

Importing argparse and building the ``run`` parser is ~9% of a one-step run. The command
lines people and scripts type most (``run``, ``run -C DIR --list``, ``run push -j test
-s TOKEN``...) are parsed here into the namespace argparse would give; anything else
(help, a bad or abbreviated option, ``--opt=value``, a value that starts with ``-``, two
of --list/--graph/--dry-run...) returns ``None``, and argparse parses it, errors included.
``tests/cli/test_quickargs.py`` holds both to the same results.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace
else:
    from types import SimpleNamespace as Namespace

# option -> (dest, kind): "flag" (store_true), "one" (a value; the last one wins), "append"
_OPTIONS: dict[str, tuple[str, str]] = {
    "-C": ("directory", "one"),
    "--directory": ("directory", "one"),
    "-W": ("workflows", "one"),
    "--workflows": ("workflows", "one"),
    "-j": ("job", "one"),
    "--job": ("job", "one"),
    "-e": ("eventpath", "one"),
    "--eventpath": ("eventpath", "one"),
    "--input": ("input", "append"),
    "--var": ("var", "append"),
    "-s": ("secret", "append"),
    "--secret": ("secret", "append"),
    "--secret-file": ("secret_file", "append"),
    "--var-file": ("var_file", "append"),
    "--matrix": ("matrix", "append"),
    "-l": ("list", "flag"),
    "--list": ("list", "flag"),
    "-g": ("graph", "flag"),
    "--graph": ("graph", "flag"),
    "-n": ("dry_run", "flag"),
    "--dry-run": ("dry_run", "flag"),
    "--executor": ("executor", "one"),
    "-P": ("platform", "append"),
    "--platform": ("platform", "append"),
    "--jobs": ("jobs", "one"),
    "--concurrent-jobs": ("jobs", "one"),
    "--report": ("report", "one"),
    "--actions-url": ("actions_url", "one"),
    "--local-repository": ("local_repository", "append"),
    "--offline": ("offline", "flag"),
    "--config": ("config", "one"),
    "--ignore-filters": ("ignore_filters", "flag"),
    "-v": ("verbose", "flag"),
    "--verbose": ("verbose", "flag"),
    "-q": ("quiet", "flag"),
    "--quiet": ("quiet", "flag"),
    "--no-color": ("no_color", "flag"),
}
_MODES = ("list", "graph", "dry_run")  # argparse's mutually exclusive group


def _defaults() -> dict[str, object]:
    """What ``conveyor run`` alone gives (the ``run`` parser's defaults)."""
    return {
        "command": "run",
        "event": "push",
        "directory": ".",
        "workflows": None,
        "job": None,
        "eventpath": None,
        "input": [],
        "var": [],
        "secret": [],
        "secret_file": [],
        "var_file": [],
        "matrix": [],
        "list": False,
        "graph": False,
        "dry_run": False,
        "executor": None,
        "platform": [],
        "jobs": None,
        "report": None,
        "actions_url": None,
        "local_repository": [],
        "offline": False,
        "config": None,
        "ignore_filters": False,
        "verbose": False,
        "quiet": False,
        "no_color": False,
    }


def parse_run(argv: list[str]) -> Namespace | None:
    """``argv`` (``run ...``) as argparse would parse it, or ``None``: let argparse do it."""
    if not argv or argv[0] != "run":
        return None
    values = _defaults()
    event: str | None = None
    i = 1
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token:
            return None
        if not token.startswith("-"):
            if event is not None:
                return None  # argparse: unrecognized arguments
            event = token
            continue
        option = _OPTIONS.get(token)
        if option is None:
            return None  # --help, --opt=value, -Cdir, -lq, an abbreviation, a typo, --
        dest, kind = option
        if kind == "flag":
            values[dest] = True
            continue
        if i >= len(argv) or not argv[i] or argv[i].startswith("-"):
            return None  # a missing value, or one argparse might read as an option
        value = argv[i]
        i += 1
        if kind == "append":
            values[dest].append(value)  # type: ignore[attr-defined]
        elif dest == "jobs":
            if not value.isdigit() or not value.isascii() or int(value) < 1:
                return None  # argparse's message for a bad --jobs
            values[dest] = int(value)
        elif dest == "executor" and value not in ("host", "container"):
            return None  # argparse's message for a bad choice
        else:
            values[dest] = value
    if sum(bool(values[mode]) for mode in _MODES) > 1:
        return None  # argparse: not allowed with
    if event is not None:
        values["event"] = event
    return Namespace(**values)
