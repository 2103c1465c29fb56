"""Commit statuses posted back to the forge, the way GitHub's statuses API takes them.

``POST {api_base}/repos/{owner}/{repo}/statuses/{sha}`` with ``state``, ``target_url``,
``description`` and ``context``. GitHub Enterprise (``https://HOST/api/v3``) and Gitea
(``https://HOST/api/v1``) take the same path under their own ``api_base``.

``StatusPoster`` sends from a thread of its own, so a run never waits for the forge: each
status is retried on connection errors, 5xx and 429, and what still fails goes to
``on_error`` with the token masked.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable

import httpx

from conveyor.records import record

STATES = frozenset({"pending", "success", "failure", "error"})
DESCRIPTION_LIMIT = 140  # GitHub refuses longer descriptions (422)
GITHUB_API = "https://api.github.com"  # GitHub Enterprise: https://HOST/api/v3

_RUNNING = frozenset({"queued", "in_progress", "waiting", "pending", "requested"})
_PASSED = frozenset({"success", "skipped", "neutral"})
_FAILED = frozenset({"failure", "timed_out", "startup_failure", "action_required"})


def state_for(status: str, conclusion: str | None) -> str:
    """The status state for a run's (status, conclusion). GitHub has no "cancelled"
    state, so a cancelled run (or any conclusion we do not know) is "error"."""
    if status in _RUNNING or conclusion is None:
        return "pending"
    if conclusion in _PASSED:
        return "success"
    if conclusion in _FAILED:
        return "failure"
    return "error"


def context_for(workflow: str) -> str:
    """The default ``context``: one status line per workflow on the commit."""
    return f"conveyor/{workflow}"


def status_url(api_base: str, owner: str, repo: str, sha: str) -> str:
    return f"{api_base.rstrip('/')}/repos/{owner}/{repo}/statuses/{sha}"


def truncate(description: str) -> str:
    if len(description) <= DESCRIPTION_LIMIT:
        return description
    return description[: DESCRIPTION_LIMIT - 1] + "…"


@record(frozen=True, slots=True)
class _Status:
    owner: str
    repo: str
    sha: str
    body: dict[str, str]


_STOP = object()


class StatusPoster:
    """Posts commit statuses in the background; ``close`` waits for the queue to drain.

    A status is tried up to ``attempts`` times, ``base_delay``, twice that, ... apart (a
    Retry-After in seconds wins), never more than ``max_delay``. A 4xx other than 429 is
    not retried: the same request would be refused again.
    """

    def __init__(
        self,
        api_base: str,
        token: str,
        *,
        attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.api_base = api_base
        self._token = token
        self._attempts = max(attempts, 1)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout
        self._sleep = sleep
        self._on_error = on_error or logging.getLogger(__name__).warning
        self._queue: queue.SimpleQueue[_Status | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="commit-statuses", daemon=True)
        self._thread.start()

    def post(
        self,
        owner: str,
        repo: str,
        sha: str,
        state: str,
        context: str,
        description: str = "",
        target_url: str = "",
    ) -> None:
        """Queues one status and returns at once; empty fields are left out."""
        if state not in STATES:
            raise ValueError(f"commit status state {state!r}: not one of {sorted(STATES)}")
        body = {"state": state, "context": context}
        if description:
            body["description"] = truncate(description)
        if target_url:
            body["target_url"] = target_url
        with self._lock:  # nothing may slip in behind close's stop marker
            if self._closed:
                raise RuntimeError("StatusPoster is closed")
            self._queue.put(_Status(owner, repo, sha, body))

    def close(self, timeout: float | None = None) -> bool:
        """Sends what is queued, then stops; False when ``timeout`` ran out first."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "conveyor",
        }
        with httpx.Client(headers=headers, timeout=self._timeout) as client:
            while (item := self._queue.get()) is not _STOP:
                assert isinstance(item, _Status)
                try:
                    self._deliver(client, item)
                except Exception as e:  # the thread must outlive any one status
                    self._report(item, f"{type(e).__name__}: {e}", "not retried")

    def _deliver(self, client: httpx.Client, item: _Status) -> None:
        url = status_url(self.api_base, item.owner, item.repo, item.sha)
        for attempt in range(self._attempts):
            wait: float | None = None
            try:
                response = client.post(url, json=item.body)
            except httpx.TransportError as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if response.status_code < 300:
                    return
                problem = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code < 500 and response.status_code != 429:
                    self._report(item, problem, "not retried")
                    return
                wait = _retry_after(response.headers.get("Retry-After"))
            if attempt + 1 < self._attempts:
                delay = self._base_delay * 2**attempt if wait is None else wait
                self._sleep(min(delay, self._max_delay))
        self._report(item, problem, f"after {self._attempts} attempts")

    def _report(self, item: _Status, problem: str, how: str) -> None:
        if self._token:
            problem = problem.replace(self._token, "***")
        where = f"{item.owner}/{item.repo}@{item.sha[:12]}"
        what = f"commit status {item.body['context']!r} for {where}"
        self._on_error(f"{what}: {' '.join(problem.split())} ({how})")


def _retry_after(value: str | None) -> float | None:
    # only the seconds form: an HTTP date would need the server's clock to agree with ours
    try:
        seconds = float(value) if value else math.nan
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None
