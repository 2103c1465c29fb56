"""Deliveries in: signed GitHub-format (and Gitea/Forgejo) webhooks and notes from the
``post-receive`` hook. Each is checked, answered at once, and turned into runs on a
thread of its own (fetching the repository can take a while)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conveyor.server import models as m
from conveyor.server.db import now
from conveyor.server.state import State

log = logging.getLogger("conveyor.server")


def webhook(state: State, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    from conveyor.server import webhooks as wh

    event = wh.event_name(headers)
    delivery = wh.delivery_id(headers)
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not event:
        return _count(state, "malformed", 400, "expected a JSON body and an event header")
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    with state.db.session() as s:
        repo = s.scalars(select(m.Repo).where(m.Repo.full_name == full_name)).first()
        secret = state.sealer.open(repo.webhook_secret) if repo is not None else ""
        repo_id = repo.id if repo is not None else 0
    # an unknown repository is refused like a bad signature: nothing tells a caller
    # which repositories exist
    if (
        repo_id == 0
        or not secret
        or not wh.verify_signature(secret, body, wh.signature_header(headers))
    ):
        return _count(state, "bad-signature", 401, "signature does not match")
    if delivery and not _first_delivery(state, delivery, event, full_name):
        return _count(state, "replayed", 200, f"delivery {delivery} was already handled")
    trigger = wh.parse(event, payload)
    if trigger is None:
        return _count(state, "ping", 200, "pong")
    if trigger.deleted:
        return _count(state, "ignored", 200, "a deleted ref starts no run")
    if wh.skips(event) and wh.skip_ci(trigger.head_message):
        return _count(state, "skipped", 200, "skipped: the head commit asks not to run CI")
    _start(
        state,
        repo_id,
        trigger.event,
        trigger.payload,
        trigger.sha,
        trigger.ref,
        trigger.head_message,
    )
    return _count(state, "accepted", 202, "accepted")


def git_push(state: State, full_name: str, body: str) -> tuple[int, str]:
    """The post-receive hook's note: ``old new ref`` lines. The commits are taken from
    the registered clone URL, never from the note, so the note needs no signature."""
    from conveyor.server.hooks import parse_hook_body

    try:
        updates = parse_hook_body(body)
    except ValueError as e:
        return _count(state, "malformed", 400, str(e))
    with state.db.session() as s:
        repo = s.scalars(select(m.Repo).where(m.Repo.full_name == full_name)).first()
        if repo is None:
            return _count(state, "unknown-repo", 404, f"no repository {full_name} is registered")
        repo_id, clone_url = repo.id, repo.clone_url
    threading.Thread(
        target=_pushes, args=(state, repo_id, full_name, clone_url, updates), daemon=True
    ).start()
    return _count(state, "accepted", 202, f"{len(updates)} ref update(s) accepted")


def _pushes(
    state: State, repo_id: int, full_name: str, clone_url: str, updates: list[tuple[str, str, str]]
) -> None:
    from conveyor.server import webhooks as wh
    from conveyor.server.gitmirror import push_payload
    from conveyor.server.triggers import create_runs, sync_mirror

    try:
        with state.db.session() as s:
            repo = s.get(m.Repo, repo_id)
            assert repo is not None
            s.expunge(repo)
        mirror = sync_mirror(state, repo)
        for old, new, ref in updates:
            if set(new) == {"0"}:
                continue  # a deleted branch or tag
            payload = push_payload(
                mirror, ref, old, new, repo_full_name=full_name, clone_url=clone_url
            )
            message = str((payload.get("head_commit") or {}).get("message") or "")
            if wh.skip_ci(message):
                log.info("%s %s: skipped ([skip ci])", full_name, ref)
                continue
            create_runs(state, repo_id, "push", payload, sha=new, ref=ref, head_message=message)
    except Exception:
        log.exception("%s: a push could not start runs", full_name)


def _start(
    state: State,
    repo_id: int,
    event: str,
    payload: dict[str, Any],
    sha: str,
    ref: str,
    message: str,
) -> None:
    from conveyor.server.triggers import create_runs

    def work() -> None:
        try:
            create_runs(state, repo_id, event, payload, sha=sha, ref=ref, head_message=message)
        except Exception:
            log.exception("a %s delivery could not start runs", event)

    threading.Thread(target=work, daemon=True).start()


def _first_delivery(state: State, delivery: str, event: str, repo: str) -> bool:
    try:
        with state.db.session() as s:
            s.add(m.Delivery(delivery=delivery, event=event, repo=repo, outcome="", at=now()))
    except IntegrityError:
        return False
    return True


def _count(state: State, outcome: str, status: int, message: str) -> tuple[int, str]:
    state.metrics.webhooks.labels(outcome).inc()
    return status, message
