"""Webhook deliveries from GitHub, Gitea, Forgejo and Gogs, read without a web framework.

The server's route hands over the headers and raw body; this module checks the signature,
names the event and turns the payload into a ``Trigger``: the ref and commit a run is for.
Gitea and Forgejo send GitHub-shaped payloads (they even send ``X-GitHub-Event``), so one
parser serves all; the few differences are mapped here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from conveyor.records import record

_HEX = re.compile(r"[0-9a-fA-F]{64}")

# GitHub's list ("Skipping workflow runs"); the docs give them in lower case only, and
# GitHub matches them regardless of case, so we do too.
_SKIP_MARKERS = ("[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]")
# the documented alternative: a last trailer ``skip-checks:true`` (or ``skip-checks: true``)
# after two empty lines; git's default clean-up keeps only one, so it needs --cleanup=verbatim
_SKIP_TRAILER = re.compile(r"\n\n\n(?:[^\n]+\n)*skip-checks: ?true\s*\Z")

# Gitea says "synchronized" where GitHub says "synchronize"
_PR_ACTIONS = {"synchronized": "synchronize"}


@record(frozen=True, slots=True)
class Trigger:
    """What a delivery asks for. ``sha`` empty: the caller resolves ``ref`` (or, with ``ref``
    empty too, the default branch). ``deleted``: a push that removed the ref, which starts no
    run. ``pr_number`` for pull_request and pull_request_target."""

    event: str
    ref: str
    sha: str
    payload: dict[str, Any]
    head_message: str
    before: str = ""
    deleted: bool = False
    pr_number: int | None = None
    repo_full_name: str = ""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    # plain dicts are case-sensitive; HTTP header names are not
    lowered = name.lower()
    for key, v in headers.items():
        if key.lower() == lowered:
            return v
    return None


def _first_header(headers: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = _header(headers, name)
        if value:
            return value.strip()
    return None


def signature_header(headers: Mapping[str, str]) -> str | None:
    """The delivery's HMAC-SHA256 signature as ``sha256=<hex>``: GitHub's
    ``X-Hub-Signature-256`` as is, Gitea's, Forgejo's and Gogs' bare hex given the prefix."""
    github = _first_header(headers, ("X-Hub-Signature-256",))
    if github:
        return github
    bare = _first_header(headers, ("X-Gitea-Signature", "X-Forgejo-Signature", "X-Gogs-Signature"))
    if not bare:
        return None
    return bare if bare.startswith("sha256=") else f"sha256={bare}"


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` (``sha256=<hex>``) is the HMAC-SHA256 of ``body`` under ``secret``.
    An empty secret verifies nothing: whether unsigned deliveries are welcome is the
    caller's decision, not something an empty key should decide silently."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    given = header[len("sha256=") :].strip()
    if not _HEX.fullmatch(given):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())


def event_name(headers: Mapping[str, str]) -> str | None:
    return _first_header(
        headers, ("X-GitHub-Event", "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event")
    )


def delivery_id(headers: Mapping[str, str]) -> str | None:
    return _first_header(
        headers, ("X-GitHub-Delivery", "X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery")
    )


def _zeros(sha: str) -> bool:
    return bool(sha) and set(sha) == {"0"}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _push_message(payload: dict[str, Any]) -> str:
    head = _dict(payload.get("head_commit"))
    if "message" in head:
        return _str(head["message"])
    commits = payload.get("commits")
    if isinstance(commits, list) and commits:
        return _str(_dict(commits[-1]).get("message"))
    return ""


def _ref_of(ref_type: object, name: str) -> str:
    if name.startswith("refs/"):
        return name
    return f"refs/tags/{name}" if ref_type == "tag" else f"refs/heads/{name}"


def parse(event: str, payload: dict[str, Any], *, head_message: str = "") -> Trigger | None:
    """The run a delivery asks for; None for ``ping`` (answer it with 200 "pong").

    ``pull_request``: ref ``refs/pull/N/merge`` and the PR's *head* sha. GitHub's GITHUB_SHA
    there is the test-merge commit, which only GitHub computes; the head commit is what we
    have and what the PR author pushed. ``head_message`` (the head commit's message, which
    PR payloads lack) lets ``skip_ci`` work for pull requests too.
    """
    if event == "ping":
        return None
    repo_name = _str(_dict(payload.get("repository")).get("full_name"))
    if event == "push":
        after = _str(payload.get("after"))
        return Trigger(
            event=event,
            ref=_str(payload.get("ref")),
            sha=after,
            payload=payload,
            head_message=_push_message(payload),
            before=_str(payload.get("before")),
            deleted=payload.get("deleted") is True or _zeros(after),
            repo_full_name=repo_name,
        )
    if event in ("pull_request", "pull_request_target"):
        pr = _dict(payload.get("pull_request"))
        number = payload.get("number", pr.get("number"))
        number = number if isinstance(number, int) else None
        action = _str(payload.get("action"))
        if action in _PR_ACTIONS:
            payload = {**payload, "action": _PR_ACTIONS[action]}
        if event == "pull_request":
            ref = f"refs/pull/{number}/merge" if number is not None else ""
            sha = _str(_dict(pr.get("head")).get("sha"))
        else:
            # pull_request_target runs the base branch's latest commit: the caller resolves it
            base = _str(_dict(pr.get("base")).get("ref"))
            ref, sha = (_ref_of("branch", base) if base else ""), ""
        return Trigger(
            event=event,
            ref=ref,
            sha=sha,
            payload=payload,
            head_message=head_message,
            pr_number=number,
            repo_full_name=repo_name,
        )
    if event == "create":
        name = _str(payload.get("ref"))
        ref = _ref_of(payload.get("ref_type"), name) if name else ""
        return Trigger(event, ref, "", payload, "", repo_full_name=repo_name)
    # delete (its ref names what is gone; GitHub runs it on the default branch) and the
    # rest: a full ref when the payload has one (workflow_dispatch), else the default branch
    ref = _str(payload.get("ref"))
    ref = ref if ref.startswith("refs/") and event != "delete" else ""
    return Trigger(event, ref, "", payload, "", repo_full_name=repo_name)


def skip_ci(message: str) -> bool:
    """Whether a head commit's message asks GitHub not to start push / pull_request runs:
    one of the bracketed markers anywhere, or the ``skip-checks: true`` trailer (GitHub's
    docs offer it for workflow runs too, not only for checks)."""
    lowered = message.lower()
    if any(marker in lowered for marker in _SKIP_MARKERS):
        return True
    return _SKIP_TRAILER.search(message.replace("\r\n", "\n")) is not None


def skips(event: str) -> bool:
    """Whether ``skip_ci`` applies to the event: push and pull_request only (GitHub says
    pull_request_target, for one, still runs)."""
    return event in ("push", "pull_request")
