"""Live output: every line prefixed with its job, coloured on a terminal, groups folded.

Everything printed is masked first; the job's log file gets every line, folded or not.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from conveyor.engine.masking import Masker

_COLOURS = ("36", "35", "34", "33", "32", "96", "95", "94", "93", "92")
RESULT_COLOUR = {"success": "32", "failure": "31", "cancelled": "33", "skipped": "90"}


def use_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


class Console:
    """The terminal, shared by all jobs of a run."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        colour: bool | None = None,
        verbose: bool = False,
        quiet: bool = False,
    ) -> None:
        self.stream = stream or sys.stdout
        self.colour = use_colour(self.stream) if colour is None else colour
        self.verbose = verbose
        self.quiet = quiet
        self._lock = threading.Lock()
        self._next = 0

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def colour_for_job(self) -> str:
        with self._lock:
            c = _COLOURS[self._next % len(_COLOURS)]
            self._next += 1
            return c

    def write(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()


class JobOutput:
    """One job's output: prefix, masking, group folding, log file."""

    def __init__(self, console: Console, label: str, log_path: Path, masker: Masker) -> None:
        self.console = console
        self.masker = masker
        self.label = label
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._prefix = console.paint(f"[{label}]", console.colour_for_job()) + " "
        self._group_depth = 0
        self._hidden: list[str] = []  # folded lines of the current step, shown if it fails

    def _log_line(self, text: str) -> None:
        self._log.write(f"{time.strftime('%H:%M:%S')} {text}\n")

    def line(self, text: str) -> None:
        """A line of step output."""
        text = self.masker.mask(text)
        self._log_line(text)
        if self._group_depth and not self.console.verbose:
            self._hidden.append(text)
        else:
            self.console.write(self._prefix + "  " + text)

    def info(self, text: str, colour: str | None = None) -> None:
        """A line from Conveyor itself (step start/end, annotations)."""
        text = self.masker.mask(text)
        self._log_line(text)
        shown = self.console.paint(text, colour) if colour else text
        self.console.write(self._prefix + shown)

    def group(self, title: str) -> None:
        title = self.masker.mask(title)
        self._log_line(f"::group::{title}")
        if not self._group_depth:
            self.console.write(self._prefix + "  " + self.console.paint(f"▸ {title}", "1"))
        self._group_depth += 1

    def endgroup(self) -> None:
        self._log_line("::endgroup::")
        self._group_depth = max(0, self._group_depth - 1)

    def step_started(self) -> None:
        self._group_depth = 0
        self._hidden.clear()

    def step_failed(self) -> None:
        """Unfold what the step's groups hid: the failure's context belongs on screen."""
        for text in self._hidden:
            self.console.write(self._prefix + "  " + text)
        self._hidden.clear()
        self._group_depth = 0

    def close(self) -> None:
        self._log.close()
