"""The one end-to-end test harness: a throwaway repository, `conveyor` run on it, the result.

- ``Repo``: a folder (a git repository unless ``init=False``) with a fixed author; write
  files and workflows, commit, then ``run`` (`conveyor run`) or ``cli`` (any command).
- ``Result``: exit code, stdout/stderr, the ``--report`` JSON and lookups into it (workflow,
  job, step, outputs), the run's log files.
- ``conveyor(*argv)``: one call without a repository (``--help``, ``--version``).

Every call picks how Conveyor runs with ``how``: ``"inprocess"`` calls
``conveyor.cli.main.main(argv)`` with stdout/stderr captured (fast; monkeypatching works),
``"module"`` starts ``python -m conveyor`` and ``"script"`` the installed ``conveyor``
script (black box: a real process, real exit status).

Tests get a ``Repo`` from the ``make_repo`` fixture (tests/conftest.py), which also
isolates the environment (``isolate``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

How = Literal["inprocess", "module", "script"]
Autocommit = Literal["never", "first", "always"]

SCRIPT = Path(sys.executable).with_name("conveyor")
SUBPROCESS_TIMEOUT = 120.0

AUTHOR_NAME = "Ada Lovelace"
AUTHOR_EMAIL = "ada@example.com"
# git run by the harness, and Conveyor as a child process, commit as this author whatever
# the machine's configuration says
GIT_ENV = {
    "GIT_AUTHOR_NAME": AUTHOR_NAME,
    "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
    "GIT_COMMITTER_NAME": AUTHOR_NAME,
    "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
    "GIT_CONFIG_NOSYSTEM": "1",
}

# what the machine (or an outer CI run of this suite) sets that would leak into a run
_LEAKY_PREFIXES = ("GITHUB_", "RUNNER_", "INPUT_")
_LEAKY = frozenset({"CI", "NO_COLOR", "FORCE_COLOR", "CONVEYOR_DATA_DIR", "CONVEYOR_ACTIONS_URL"})


def isolate(monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    """Drop the environment a run must not see and give it its own action cache.

    In-process runs read ``os.environ`` and child processes inherit it, so this one
    change serves both.
    """
    for name in list(os.environ):
        if name in _LEAKY or name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(cache))
    # the machine's own ~/.config/conveyor/config.yml must not change what tests see
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cache / "config-home"))
    monkeypatch.delenv("CONVEYOR_CONFIG", raising=False)
    monkeypatch.delenv("CONTAINERS_REGISTRIES_CONF", raising=False)


def git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd`` as the fixed author, unsigned; its stdout, stripped."""
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write ``{relative path: text}`` below ``root``; the text is dedented."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


# -- running conveyor ---------------------------------------------------------------------


def _text_stream() -> io.TextIOWrapper:
    # like pytest's capsys: a text stream with an encoding, not a terminal
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)


def _value(stream: io.TextIOWrapper) -> str:
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


@contextlib.contextmanager
def _environ(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _in_process(argv: list[str], cwd: Path | None, env: Mapping[str, str]) -> tuple[int, str, str]:
    from conveyor.cli.main import main

    out, err = _text_stream(), _text_stream()
    try:
        with (
            _environ(env),
            contextlib.chdir(cwd) if cwd else contextlib.nullcontext(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(argv)
            except SystemExit as e:  # argparse's usage errors: as the process would exit
                code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        # keep what it printed before raising for pytest's failure report
        sys.stdout.write(_value(out))
        sys.stderr.write(_value(err))
        raise
    return code, _value(out), _value(err)


def child_command(how: How) -> list[str]:
    """The command line that starts Conveyor as a child process."""
    if how == "module":
        return [sys.executable, "-m", "conveyor"]
    if how == "script":
        return [str(SCRIPT)]
    raise ValueError(f"{how!r} does not start a process")


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # NO_COLOR: a child's output is plain whatever the flags (pass NO_COLOR="" to undo)
    return {**os.environ, **GIT_ENV, "NO_COLOR": "1", **(extra or {})}


def conveyor(
    *argv: str,
    how: How = "inprocess",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = SUBPROCESS_TIMEOUT,
    root: Path | None = None,
    report: Path | None = None,
) -> Result:
    """``conveyor ARGV``; ``report`` is where --report was told to write (read back if it
    was), ``root`` the repository the run directory belongs to."""
    if how == "inprocess":
        code, out, err = _in_process(list(argv), cwd, env or {})
    else:
        proc = subprocess.run(
            [*child_command(how), *argv],
            cwd=cwd,
            env=child_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    return Result.of(code, out, err, root=root, report=report)


# -- what came out ------------------------------------------------------------------------


def _matrix_has(job: dict[str, Any], matrix: Mapping[str, Any]) -> bool:
    values = job.get("matrix") or {}
    return all(values.get(k) == v for k, v in matrix.items())


@dataclass
class Result:
    """One call of ``conveyor``: exit code, output, and the ``--report`` JSON (``{}`` when
    none was written). ``wf`` picks a workflow by name or file; ``**matrix`` a combination."""

    code: int
    out: str
    err: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    root: Path | None = None

    @classmethod
    def of(cls, code: int, out: str, err: str, *, root: Path | None, report: Path | None) -> Result:
        data: dict[str, Any] = {}
        if report is not None and report.exists():
            data = json.loads(report.read_text(encoding="utf-8"))
        return cls(code, out, err, data, root)

    # text ------------------------------------------------------------------------------

    @property
    def output(self) -> str:
        """stdout then stderr."""
        return self.out + self.err

    @property
    def run_dir(self) -> Path:
        assert self.root is not None and self.report.get("run_id") is not None, self.output
        return self.root / ".conveyor" / "runs" / str(self.report["run_id"])

    @property
    def logs(self) -> str:
        """Every job log of the run ('' when nothing ran)."""
        if self.root is None or self.report.get("run_id") is None:
            return ""
        log_dir = self.run_dir / "logs"
        files = sorted(log_dir.glob("*.log")) if log_dir.is_dir() else []
        return "\n".join(p.read_text(encoding="utf-8") for p in files)

    def text(self) -> str:
        """stdout, stderr and the job logs."""
        return "\n".join([self.out, self.err, self.logs])

    def all_text(self) -> str:
        """Everything the run wrote: output, logs, the report and the step summaries (for
        checking that a secret leaked nowhere)."""
        parts = [self.out, self.err, self.logs, json.dumps(self.report)]
        if self.report.get("run_id") is not None:
            summaries = self.run_dir / "summaries"
            if summaries.is_dir():
                parts.extend(p.read_text(encoding="utf-8") for p in summaries.iterdir())
        return "\n".join(parts)

    # the report ------------------------------------------------------------------------

    @property
    def conclusion(self) -> str:
        return str(self.report.get("conclusion"))

    @property
    def workflows(self) -> list[dict[str, Any]]:
        return list(self.report.get("workflows", []))

    def workflow(self, name: str | None = None) -> dict[str, Any]:
        """The workflow named ``name`` (or whose file ends with it); without a name, the
        only one."""
        wfs = self.workflows
        if name is None:
            assert len(wfs) == 1, (wfs, self.output)
            return wfs[0]
        for wf in wfs:
            if wf["name"] == name or wf["file"].endswith(name):
                return wf
        raise AssertionError(f"no workflow {name!r} in {[w['name'] for w in wfs]}\n{self.output}")

    def jobs(self, job_id: str | None = None, wf: str | None = None) -> list[dict[str, Any]]:
        """The top-level jobs (all of them, or those with ``job_id``) in report order."""
        wfs = self.workflows if wf is None else [self.workflow(wf)]
        jobs = [j for w in wfs for j in w["jobs"]]
        return [j for j in jobs if job_id is None or j["id"] == job_id]

    def all_jobs(self, wf: str | None = None) -> list[dict[str, Any]]:
        """The jobs with those of called workflows after their caller."""
        found: list[dict[str, Any]] = []

        def walk(jobs: list[dict[str, Any]]) -> None:
            for j in jobs:
                found.append(j)
                walk(j.get("jobs") or [])

        walk(self.jobs(wf=wf))
        return found

    def job(self, job_id: str, wf: str | None = None, **matrix: Any) -> dict[str, Any]:
        """The one job with ``job_id``: a top-level job, else one of a called workflow."""
        found = [j for j in self.jobs(job_id, wf) if _matrix_has(j, matrix)]
        if not found:
            found = [j for j in self.all_jobs(wf) if j["id"] == job_id and _matrix_has(j, matrix)]
        assert len(found) == 1, (
            f"{len(found)} jobs {job_id!r} {matrix or ''} in "
            f"{[(j['id'], j.get('matrix')) for j in self.all_jobs(wf)]}\n{self.output}"
        )
        return found[0]

    def step(
        self, job_id: str, step: str | int, wf: str | None = None, **matrix: Any
    ) -> dict[str, Any]:
        """A step of ``job`` by index, id or name (the first that matches)."""
        steps: list[dict[str, Any]] = self.job(job_id, wf, **matrix)["steps"]
        if isinstance(step, int):
            return steps[step]
        for st in steps:
            if step in (st.get("id"), st.get("name")):
                return st
        raise AssertionError(
            f"no step {step!r} in {[(s.get('id'), s.get('name')) for s in steps]}\n{self.output}"
        )

    def outputs(
        self, job_id: str, step: str | int, wf: str | None = None, **matrix: Any
    ) -> dict[str, str]:
        return self.step(job_id, step, wf, **matrix)["outputs"]  # type: ignore[no-any-return]


RunWorkflow = Callable[..., Result]


# -- the repository -----------------------------------------------------------------------


class Repo:
    """A throwaway repository at ``root``; reports and event files go to ``tmp``.

    ``how`` is how its runs start Conveyor (see the module). ``autocommit`` says whether
    ``run`` commits first: ``"first"`` until something was committed, ``"always"``, or
    ``"never"`` (the test commits). ``init=False`` leaves a plain folder (never committed).
    """

    def __init__(
        self,
        root: Path,
        *,
        tmp: Path | None = None,
        how: How = "inprocess",
        autocommit: Autocommit = "first",
        init: bool = True,
    ) -> None:
        self.root = root
        self.tmp = tmp or root.parent
        self.how: How = how
        # a plain folder has nothing to commit to
        self.autocommit: Autocommit = autocommit if init else "never"
        self._committed = False
        root.mkdir(parents=True, exist_ok=True)
        if init:
            self.git("init", "-q", "-b", "main")
            # Conveyor reads the actor (github.actor) from the repository's config
            self.git("config", "user.name", AUTHOR_NAME)
            self.git("config", "user.email", AUTHOR_EMAIL)
            self.git("config", "commit.gpgsign", "false")

    # files and git -------------------------------------------------------------------

    def write(self, path: str, text: str) -> Path:
        write_files(self.root, {path: text})
        return self.root / path

    def write_files(self, files: Mapping[str, str]) -> None:
        write_files(self.root, files)

    def workflow(self, text: str, name: str = "ci.yml") -> Path:
        return self.write(f".github/workflows/{name}", text)

    def event(self, payload: Mapping[str, Any], name: str = "event.json") -> Path:
        """A webhook payload file for ``--eventpath``."""
        path = self.tmp / name
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def set_remote(self, url: str, name: str = "origin") -> None:
        """``origin`` names github.repository (owner/name)."""
        self.git("remote", "add", name, url)

    def commit(self, message: str = "change") -> str:
        """Commit everything (even nothing); the new HEAD."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        self._committed = True
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    # conveyor -------------------------------------------------------------------------

    @property
    def report_path(self) -> Path:
        return self.tmp / "report.json"

    def cli(
        self,
        command: str,
        *args: str,
        how: How | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = SUBPROCESS_TIMEOUT,
    ) -> Result:
        """``conveyor COMMAND -C root ARGS``, as it is (no --no-color, no report)."""
        return conveyor(
            command,
            "-C",
            str(self.root),
            *args,
            how=how or self.how,
            env=env,
            timeout=timeout,
            root=self.root,
        )

    def _run_argv(self, args: tuple[str, ...], event: str | None, commit: bool | None) -> list[str]:
        if commit is None:
            commit = self.autocommit == "always" or (
                self.autocommit == "first" and not self._committed
            )
        if commit:
            self.commit()
        self.report_path.unlink(missing_ok=True)  # a report read back is this run's
        # the test's own arguments come last: a --report of its own wins
        head = ["run", *([event] if event else []), "-C", str(self.root)]
        return [*head, "--report", str(self.report_path), "--no-color", *args]

    def run(
        self,
        *args: str,
        event: str | None = None,
        commit: bool | None = None,
        how: How | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = SUBPROCESS_TIMEOUT,
    ) -> Result:
        """``conveyor run [EVENT] -C root --report FILE --no-color ARGS``; ``commit``
        overrides ``autocommit`` for this run."""
        return conveyor(
            *self._run_argv(args, event, commit),
            how=how or self.how,
            env=env,
            timeout=timeout,
            root=self.root,
            report=self.report_path,
        )

    def start(
        self,
        *args: str,
        event: str | None = None,
        commit: bool | None = None,
        how: How = "module",
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[str]:
        """``run`` in a child process left running (to signal it); stderr goes to stdout.
        ``finish`` waits for it."""
        argv = self._run_argv(args, event, commit)
        return subprocess.Popen(
            [*child_command(how), *argv],
            env=child_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def finish(self, proc: subprocess.Popen[str], timeout: float | None = 30) -> Result:
        out, _ = proc.communicate(timeout=timeout)
        return Result.of(proc.returncode, out, "", root=self.root, report=self.report_path)


RepoFactory = Callable[..., Repo]


@dataclass
class EngineRun:
    """A run made in-process through the engine's own entry points (as the server will):
    its report, the store it was recorded in, and every event a collecting sink saw."""

    report: Any
    store: Any
    run_id: int
    run_dir: Path
    events: list[Any]

    def lines(self, job: str | None = None) -> list[str]:
        """The masked log lines (of the job whose id is ``job``, or all)."""
        from conveyor.engine.events import LogLine

        return [
            line
            for e in self.events
            if isinstance(e, LogLine) and (job is None or (e.job and e.job.job_id == job))
            for line in e.text.split("\n")
        ]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def engine_run(
    root: Path,
    workflow: str,
    *,
    secrets: Mapping[str, str] | None = None,
    executor: str | None = None,
    sinks: list[Any] | None = None,
    capacity: int | None = None,
) -> EngineRun:
    """Write ``workflow`` to ``root`` (a plain folder is enough), then plan and run it with
    ``start_run``/``run_to_end``, its events going to the store and to a collecting sink
    (plus ``sinks``); ``executor`` names a registered executor for every job, ``capacity``
    is `--jobs`."""
    from conveyor.engine.context import repo_info
    from conveyor.engine.events import EventBus
    from conveyor.engine.masking import Masker
    from conveyor.engine.recording import LogSink, StoreSink
    from conveyor.engine.runenv import RunEnv
    from conveyor.engine.start import run_to_end, start_run
    from conveyor.workflow.event import load_event
    from conveyor.workflow.loader import load_workflow
    from conveyor.workflow.plan import plan

    path = root / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(workflow), encoding="utf-8")
    event = load_event("push", root, None)
    the_plan = plan([load_workflow(path, root)], event, root)
    repo = repo_info(root)
    started = start_run(root / ".conveyor", repo, event)
    masker = Masker()
    for value in (secrets or {}).values():
        masker.add(value)
    events: list[Any] = []

    class Collect:
        def handle(self, event: Any) -> None:
            events.append(event)

        def close(self) -> None:
            pass

    store_sink = StoreSink(started.store, started.run_id)
    run = RunEnv(
        repo=repo,
        event=event,
        event_path=started.event_path,
        run_id=started.run_id,
        run_number=started.run_id,
        run_dir=started.run_dir,
        cache_dir=root / ".conveyor" / "cache",
        tool_cache=root / ".conveyor" / "tools",
        actions_dir=root / ".conveyor" / "actions",
        bus=EventBus([store_sink, LogSink(started.run_dir), Collect(), *(sinks or [])]),
        masker=masker,
        secrets=dict(secrets or {}),
        base_env=dict(os.environ),
        executor=executor,
    )
    if capacity:
        run.capacity = capacity
    report = run_to_end(the_plan, run)
    return EngineRun(report, started.store, started.run_id, started.run_dir, events)
