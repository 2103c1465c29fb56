"""One thread that fires deadlines: step/job timeouts and cancellation kills.

A thread per step (threading.Timer) would cost more than a trivial step itself.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable


class Watchdog:
    def __init__(self) -> None:
        # handle -> (deadline, callback): the deadlines still to fire, few at a time (one or
        # two per running job), so the next is found by a scan; a cancelled one goes at once
        self._deadlines: dict[int, tuple[float, Callable[[], None]]] = {}
        self._cond = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> int:
        with self._cond:
            handle = next(self._ids)
            self._deadlines[handle] = (time.monotonic() + delay, callback)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return handle

    def cancel(self, handle: int) -> None:
        with self._cond:
            self._deadlines.pop(handle, None)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._deadlines:
                    self._cond.wait()
                # the earliest; of equal deadlines the first scheduled (handles ascend)
                handle = min(self._deadlines, key=lambda h: self._deadlines[h][0])
                when, callback = self._deadlines[handle]
                now = time.monotonic()
                if when > now:
                    self._cond.wait(when - now)
                    continue
                del self._deadlines[handle]
            # a failed kill must not stop other deadlines
            with contextlib.suppress(Exception):
                callback()


WATCHDOG = Watchdog()
