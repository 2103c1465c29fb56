"""A job's log as Server-Sent Events: what is stored from the offset on, then live
chunks as they are stored, until the job ends or the browser goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy import select

from conveyor.server import models as m
from conveyor.server.live import Chunk
from conveyor.server.state import State

_KEEPALIVE = 5.0


def _event(name: str, data: str, event_id: int | None = None) -> str:
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\n{lines}\n"


def _stored(state: State, job_id: int, start: int) -> tuple[list[Chunk], bool]:
    with state.db.session() as s:
        rows = s.execute(
            select(m.LogChunk.offset, m.LogChunk.text)
            .where(m.LogChunk.job_id == job_id)
            .order_by(m.LogChunk.seq)
        ).all()
        job = s.get(m.Job, job_id)
        ended = job is None or job.status == "completed"
    chunks = [Chunk(o, t) for o, t in rows if o + len(t.encode()) > start]
    return chunks, ended


def _ended(state: State, job_id: int) -> bool:
    with state.db.session() as s:
        job = s.get(m.Job, job_id)
        return job is None or job.status == "completed"


def _part(chunk: Chunk, start: int) -> tuple[str, int]:
    """The chunk's text from byte ``start`` on, and the offset after it."""
    raw = chunk.text.encode()
    end = chunk.offset + len(raw)
    if chunk.offset >= start:
        return chunk.text, end
    return raw[start - chunk.offset :].decode("utf-8", "replace"), end


async def log_events(state: State, job_id: int, start: int, request: Request) -> AsyncIterator[str]:
    queue = state.broker.subscribe(job_id)
    try:
        yield "retry: 2000\n\n"
        chunks, ended = await asyncio.to_thread(_stored, state, job_id, start)
        sent = start
        for chunk in chunks:
            text, sent = _part(chunk, sent)
            yield _event("log", text, sent)
        while not ended:
            try:
                chunk = await asyncio.wait_for(queue.get(), timeout=_KEEPALIVE)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                ended = await asyncio.to_thread(_ended, state, job_id)
                yield ": keep-alive\n\n"
                continue
            if chunk.end:
                break
            if chunk.offset + len(chunk.text.encode()) <= sent:
                continue  # stored before we read: already sent
            text, sent = _part(chunk, sent)
            yield _event("log", text, sent)
        # anything stored between the last chunk and the end
        chunks, _ = await asyncio.to_thread(_stored, state, job_id, sent)
        for chunk in chunks:
            text, sent = _part(chunk, sent)
            yield _event("log", text, sent)
        yield _event("end", "", sent)
    finally:
        state.broker.unsubscribe(job_id, queue)
