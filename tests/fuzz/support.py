"""What every fuzz target shares: the example budget, the hang watchdog and the checks
that an error is a clean one.

``CONVEYOR_FUZZ=long`` turns the brief CI run (a few hundred derandomized examples per
target) into a campaign of ``CONVEYOR_FUZZ_EXAMPLES`` (default 20,000) random ones.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

from conveyor.workflow.errors import WorkflowError, WorkflowErrors

LONG = os.environ.get("CONVEYOR_FUZZ", "") == "long"
# per input: a test of "no hang", not of speed, so generous even on a loaded CI machine
BUDGET_SECONDS = float(os.environ.get("CONVEYOR_FUZZ_BUDGET", "5"))

T = TypeVar("T")


def fuzz_settings(ci_examples: int) -> Callable[[T], T]:
    """Hypothesis settings for one target: ``ci_examples`` in CI, many more when LONG."""
    examples = int(os.environ.get("CONVEYOR_FUZZ_EXAMPLES", "20000")) if LONG else ci_examples
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not LONG,  # CI runs the same inputs every time
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that no ``except Exception`` hides it."""


@contextmanager
def watchdog(seconds: float = BUDGET_SECONDS) -> Iterator[None]:
    """Fail the example if the body runs longer than ``seconds`` (SIGALRM, main thread)."""

    message = f"no result within {seconds} s: a hang or an exponential case"
    fired = []

    def expired(signum: int, frame: Any) -> None:
        fired.append(True)
        raise Hang(message)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:  # the alarm struck where its exception was swallowed (a gc callback)
        raise Hang(message)


def check_workflow_errors(exc: WorkflowError | WorkflowErrors, file: str) -> None:
    """A clean workflow error: a message and a file:line:col in ``file`` for each problem."""
    errors = exc.errors if isinstance(exc, WorkflowErrors) else [exc]
    assert errors, "WorkflowErrors without any error"
    for err in errors:
        assert err.message.strip(), f"empty message: {err!r}"
        assert err.pos is not None, f"no position: {err}"
        assert err.pos.file == file, f"wrong file: {err}"
        assert err.pos.line >= 1 and err.pos.col >= 1, f"bad position: {err}"
        assert str(err).startswith(f"{file}:{err.pos.line}:{err.pos.col}: ")
