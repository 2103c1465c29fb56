"""Live log fan-out: chunks are published here after they are stored, and every
browser watching the job gets them from its own queue (Server-Sent Events)."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

from conveyor.records import record


@record(frozen=True, slots=True)
class Chunk:
    offset: int  # byte offset (UTF-8) of the chunk in the job's whole log
    text: str
    end: bool = False  # the job ended: no more chunks


class Broker:
    """Thread-safe publishing into asyncio subscribers (the web server's loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Chunk]]]]
        self._subs = defaultdict(list)

    def subscribe(self, job_id: int) -> asyncio.Queue[Chunk]:
        queue: asyncio.Queue[Chunk] = asyncio.Queue()
        with self._lock:
            self._subs[job_id].append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, job_id: int, queue: asyncio.Queue[Chunk]) -> None:
        with self._lock:
            subs = self._subs.get(job_id, [])
            self._subs[job_id] = [(lp, q) for lp, q in subs if q is not queue]
            if not self._subs[job_id]:
                del self._subs[job_id]

    def publish(self, job_id: int, chunk: Chunk) -> None:
        with self._lock:
            subs = list(self._subs.get(job_id, ()))
        for loop, queue in subs:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
            except RuntimeError:  # that loop has closed: the browser went away
                self.unsubscribe(job_id, queue)

    def watchers(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._subs.values())
