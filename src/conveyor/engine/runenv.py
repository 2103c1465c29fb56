"""What every job of one run shares: the repository, the event, secrets, output, stores."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from conveyor.executors.base import CancelToken
from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.engine.concurrency import ConcurrencyGroups
    from conveyor.engine.context import RepoInfo
    from conveyor.engine.events import EventBus
    from conveyor.engine.masking import Masker
    from conveyor.engine.request import JobDispatcher
    from conveyor.workflow.event import Event


@record(slots=True)
class RunEnv:
    repo: RepoInfo
    event: Event
    event_path: Path
    run_id: int
    run_number: int
    run_dir: Path  # per-run files: logs, artifacts, summaries
    cache_dir: Path  # actions/cache entries, shared across runs
    tool_cache: Path  # RUNNER_TOOL_CACHE
    actions_dir: Path  # remote actions and workflows, cached by commit
    bus: EventBus  # where the run's events go (console, store, report, ...)
    masker: Masker
    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    # workflow_dispatch: each workflow file's typed `inputs` and github.event.inputs strings
    inputs_by_file: dict[str, dict[str, Any]] = field(default_factory=dict)
    event_inputs_by_file: dict[str, dict[str, str]] = field(default_factory=dict)
    remote_base_url: str = "https://github.com"
    offline: bool = False  # never fetch remote actions; use the cache only
    # `--local-repository`: "owner/repo@ref" or "owner/repo" (any ref) -> a local folder
    local_repos: dict[str, Path] = field(default_factory=dict)
    cancel: CancelToken = field(default_factory=CancelToken)  # Ctrl-C, SIGTERM, SIGHUP
    stop_signal: int = 0  # the signal that cancelled the run, if one did
    base_env: dict[str, str] = field(default_factory=dict)  # the runner's own environment
    executor: str | None = None  # a name in conveyor.executors.EXECUTORS; None: by the job
    # `--platform LABEL=IMAGE` (act's -P): jobs whose runs-on has LABEL run in IMAGE
    platforms: dict[str, str] = field(default_factory=dict)
    # Conveyor's config `registries.<host>`: (username, name of the secret with the password)
    registry_logins: dict[str, tuple[str, str]] = field(default_factory=dict)
    # how many jobs run at once, like a runner host's capacity (`--jobs`); every job of the
    # run, of every workflow and called workflow, takes one of these slots while it runs
    capacity: int = field(default_factory=lambda: default_capacity())
    # where a job instance runs: None, here on the scheduler's thread (`conveyor run`);
    # the server hands it to its durable queue, and a worker runs it (server.dispatch)
    dispatcher: JobDispatcher | None = None
    # concurrency groups shared with other runs (the server's, one set per repository, as
    # GitHub scopes them); None: this run's own
    groups: ConcurrencyGroups | None = None
    _slots: threading.Semaphore | None = None
    _groups: ConcurrencyGroups | None = None
    # secrets of called reusable workflows, by reference (a JobRequest holds the reference)
    _secret_sets: dict[str, dict[str, str]] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)
    _names_lock: threading.Lock = field(default_factory=threading.Lock)

    def job_slot(self) -> threading.Semaphore:
        """The run-wide semaphore a job holds while it runs (``capacity`` slots)."""
        with self._names_lock:
            if self._slots is None:
                self._slots = threading.Semaphore(max(1, self.capacity))
            return self._slots

    def concurrency_groups(self) -> ConcurrencyGroups:
        """The run's concurrency groups, one namespace for its workflows' and jobs' (of
        called workflows too), made when a ``concurrency:`` is first met."""
        if self.groups is not None:  # shared with other runs (the server's)
            return self.groups
        with self._names_lock:
            if self._groups is None:
                from conveyor.engine.concurrency import ConcurrencyGroups

                self._groups = ConcurrencyGroups()
            return self._groups

    def fetch(
        self,
        owner: str,
        repo: str,
        ref: str,
        *,
        what: str = "action",
        warn: Callable[[str], None] | None = None,
    ) -> Path:
        """The folder holding ``owner/repo`` at ``ref``: a folder ``--local-repository``
        maps it to, else a clone from the actions server (cached by commit).
        Raises ``actions.remote.FetchError`` saying what to do."""
        name = f"{owner}/{repo}".lower()
        local = self.local_repos.get(f"{name}@{ref}") or self.local_repos.get(name)
        if local is not None:
            return local
        from conveyor.actions.remote import fetch_repo

        return fetch_repo(
            self.actions_dir,
            self.remote_base_url,
            owner,
            repo,
            ref,
            offline=self.offline,
            what=what,
            warn=warn,
        )

    def secret_set(self, ref: str) -> dict[str, str]:
        """The secrets a job reads: the run's own (``""``) or a called workflow's."""
        return self.secrets if not ref else self._secret_sets[ref]

    def add_secret_set(self, secrets: dict[str, str]) -> str:
        """Keep a called workflow's secrets; returns the reference its jobs carry."""
        with self._names_lock:
            ref = f"call-{len(self._secret_sets) + 1}"
            self._secret_sets[ref] = secrets
            return ref

    def message(self, text: str, style: str = "error") -> None:
        """A line about the run rather than one job's steps (masked)."""
        from conveyor.engine.events import LogLine

        self.bus.emit(LogLine(None, self.masker.mask(text), style))

    def unique_name(self, base: str) -> str:
        """A name no other job of this run has (its log file and work directory)."""
        with self._names_lock:
            name, n = base, 1
            while name in self._names:
                n += 1
                name = f"{base}-{n}"
            self._names.add(name)
            return name


def default_capacity() -> int:
    """Jobs at once when `--jobs` isn't given: the CPU count, as act's --concurrent-jobs,
    but at least 4 so a small machine still overlaps jobs that mostly wait."""
    return max(4, os.cpu_count() or 1)
