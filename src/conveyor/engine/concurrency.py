"""Concurrency groups: one running and at most one pending job or run per group.

GitHub: a new arrival waits while the group is busy and replaces (cancels) any pending
one; with cancel-in-progress it cancels the running one instead of waiting behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from conveyor.executors.base import CancelToken
from conveyor.records import field, record


@record(slots=True)
class _Group:
    running: CancelToken | None = None
    pending: CancelToken | None = None
    cond: threading.Condition = field(default_factory=threading.Condition)


class ConcurrencyGroups:
    def __init__(self) -> None:
        self._groups: dict[str, _Group] = {}
        self._lock = threading.Lock()

    def acquire(
        self, name: str, cancel_in_progress: bool, token: CancelToken
    ) -> Callable[[], None]:
        """Wait for the group; returns a release function. ``token`` is set if we lose."""
        with self._lock:
            group = self._groups.setdefault(name.lower(), _Group())
        with group.cond:
            if group.pending is not None:
                group.pending.set("concurrency: replaced by a newer pending job")
                group.cond.notify_all()
            if group.running is not None and cancel_in_progress:
                group.running.set("concurrency: cancelled by a newer job (cancel-in-progress)")
            group.pending = token
            while group.running is not None and not token.is_set():
                group.cond.wait(0.1)
            if group.pending is token:
                group.pending = None
            if token.is_set():
                return lambda: None
            group.running = token

        def release() -> None:
            with group.cond:
                if group.running is token:
                    group.running = None
                group.cond.notify_all()

        return release
