"""The terminal: the console sink of a run's events.

Every line prefixed with its job, coloured on a terminal, ``::group::`` folded (and
unfolded when the step fails). Presentation lives here and nowhere else.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque

from conveyor.engine.events import (
    Annotation,
    GroupEnded,
    GroupStarted,
    JobFinished,
    JobStarted,
    LogLine,
    StepFinished,
    StepStarted,
    job_result_text,
    step_result_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

    from conveyor.engine.events import Event, JobRef

_COLOURS = ("36", "35", "34", "33", "32", "96", "95", "94", "93", "92")
RESULT_COLOUR = {"success": "32", "failure": "31", "cancelled": "33", "skipped": "90"}
# the colour of each kind of line Conveyor itself prints
STYLE_COLOUR = {
    **RESULT_COLOUR,
    "error": "31",
    "warning": "33",
    "notice": "36",
    "debug": "90",
    "title": "1",
}


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

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def write(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()


# a failed step shows at most this many of its folded lines (the log keeps them all)
_HIDDEN_MAX = 2000


class _JobView:
    """What the console remembers of one job: its prefix and the folded lines."""

    __slots__ = ("depth", "dropped", "hidden", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.depth = 0  # ::group:: nesting in the current step
        # the last folded lines of the current step, shown if it fails; bounded in memory
        self.hidden: deque[str] = deque(maxlen=_HIDDEN_MAX)
        self.dropped = 0


class ConsoleSink:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._jobs: dict[str, _JobView] = {}

    def _view(self, job: JobRef) -> _JobView:
        view = self._jobs.get(job.key)
        if view is None:
            colour = _COLOURS[len(self._jobs) % len(_COLOURS)]
            view = _JobView(self.console.paint(f"[{job.label}]", colour) + " ")
            self._jobs[job.key] = view
        return view

    def handle(self, event: Event) -> None:
        console = self.console
        if isinstance(event, LogLine):
            if event.job is None:
                console.write(self._styled(event.text, event.style))
                return
            view = self._view(event.job)
            if event.style:
                console.write(view.prefix + self._styled(event.text, event.style))
            elif view.depth and not console.verbose:
                lines = event.text.split("\n")
                view.dropped += max(0, len(view.hidden) + len(lines) - _HIDDEN_MAX)
                view.hidden.extend(lines)
            else:
                lead = view.prefix + "  "
                console.write(lead + event.text.replace("\n", "\n" + lead))
        elif isinstance(event, StepStarted):
            view = self._view(event.job)
            view.depth = 0
            view.hidden.clear()
            view.dropped = 0
            console.write(view.prefix + self._styled(f"⭐ {event.name}", "title"))
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, GroupStarted):
            view = self._view(event.job)
            if not view.depth:
                title = console.paint(f"▸ {event.title}", "1")
                console.write(view.prefix + "  " + title)
            view.depth += 1
        elif isinstance(event, GroupEnded):
            view = self._view(event.job)
            view.depth = max(0, view.depth - 1)
        elif isinstance(event, Annotation):
            console.write(self._view(event.job).prefix + self._styled(event.text, event.level))
        elif isinstance(event, JobStarted):
            self._view(event.job)  # colours follow the order jobs start in
        elif isinstance(event, JobFinished):
            rep = event.report
            text = job_result_text(rep)
            console.write(self._view(event.job).prefix + self._styled(text, rep.conclusion))

    def _step_finished(self, event: StepFinished) -> None:
        rep = event.report
        if rep.outcome == "skipped":
            return  # a step whose condition was false prints nothing, as on GitHub
        view = self._view(event.job)
        # unfold what the step's groups hid: the failure's context belongs on screen
        if rep.outcome == "failure" and view.hidden:
            lead = view.prefix + "  "
            if view.dropped:
                self.console.write(f"{lead}... {view.dropped} earlier lines: see the job's log")
            self.console.write(lead + ("\n" + lead).join(view.hidden))
        view.hidden.clear()
        view.dropped = 0
        view.depth = 0
        self.console.write(view.prefix + self._styled(step_result_text(rep), rep.outcome))

    def _styled(self, text: str, style: str) -> str:
        colour = STYLE_COLOUR.get(style)
        return self.console.paint(text, colour) if colour else text

    def close(self) -> None:
        pass
