"""Read workflow files into the data model, validating them fully first."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from conveyor.workflow.errors import Pos, WorkflowError, WorkflowErrors
from conveyor.workflow.files import discover_workflows
from conveyor.workflow.model import NOWHERE, Job, Step, Strategy, Workflow
from conveyor.workflow.validate import format_error, validate_workflow
from conveyor.workflow.yamlload import MAX_DEPTH_WORKFLOW, Doc, load_yaml, paused_gc
from conveyor.workflow.yamlload import Path as DocPath

__all__ = [
    "discover_workflows",
    "format_error",
    "load_workflow",
    "normalize_on",
    "parse_workflow",
]


def parse_workflow(text: str, file: str) -> Workflow:
    """Parse and validate one workflow; raises WorkflowErrors listing every problem."""
    with paused_gc():
        try:
            doc = load_yaml(text, file, MAX_DEPTH_WORKFLOW)
        except WorkflowError as exc:
            raise WorkflowErrors([exc]) from None
        errors = validate_workflow(doc, file)
        if errors:
            raise WorkflowErrors(errors)
        return _Builder(doc, file).workflow()


def load_workflow(path: Path, root: Path) -> Workflow:
    """Load ``path``; errors name the file relative to ``root``, e.g. .github/workflows/ci.yml."""
    try:
        label = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        label = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        error = WorkflowError(f"file is not valid UTF-8: {exc.reason}", Pos(label, 1, 1), "yaml")
        raise WorkflowErrors([error]) from None
    return parse_workflow(text, label)


def normalize_on(value: Any) -> dict[str, dict[str, Any]]:
    """``on`` as {event: config}; config is {} when the event has no filters.

    ``schedule`` becomes {"cron": [expr, ...], "entries": [the mappings as written]}.
    """
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, list):
        return {str(event): {} for event in value}
    out: dict[str, dict[str, Any]] = {}
    for event, config in (value or {}).items():
        if event == "schedule" and isinstance(config, list):
            out[event] = {"cron": [e["cron"] for e in config], "entries": config}
        else:
            out[event] = dict(config) if isinstance(config, dict) else {}
    return out


def text(value: Any) -> str:
    """A scalar as GitHub turns it into text (true, 3.1, 10)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value)


def _opt_text(value: Any) -> str | None:
    return None if value is None else text(value)


def _text_map(value: Any) -> dict[str, str]:
    return {k: text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _mapping_or_expr(value: Any) -> dict[str, Any] | str:
    """A mapping as a dict; a ``${{ }}`` written in its place stays a string."""
    if isinstance(value, str):
        return value
    return dict(value or {})


def _map_or_expr(value: Any) -> Any:
    """`env`/`with` as written: a mapping, or one expression that yields one at run time."""
    return value if isinstance(value, str) else dict(value or {})


def _needs(value: Any) -> list[str]:
    if value is None:
        return []
    return [text(v) for v in value] if isinstance(value, list) else [text(value)]


def _defaults_run(value: Any) -> dict[str, str]:
    run = value.get("run") if isinstance(value, dict) else None
    return _text_map(run)


class _Builder:
    """Turns a validated document into model objects."""

    def __init__(self, doc: Doc, file: str) -> None:
        self.doc = doc
        self.file = file

    def pos(self, path: DocPath, key: bool = False) -> Pos:
        found = self.doc.key_pos(path) if key else self.doc.pos(path)
        return found or NOWHERE

    def workflow(self) -> Workflow:
        wf: dict[str, Any] = self.doc.value
        return Workflow(
            path=self.file,
            name=_opt_text(wf.get("name")),
            run_name=_opt_text(wf.get("run-name")),
            on=normalize_on(wf.get("on")),
            env=dict(wf.get("env") or {}),
            defaults_run=_defaults_run(wf.get("defaults")),
            jobs={job_id: self.job(job_id, job) for job_id, job in wf["jobs"].items()},
            concurrency=wf.get("concurrency"),
            permissions=wf.get("permissions"),
            pos=self.pos(()),
        )

    def job(self, job_id: str, job: dict[str, Any]) -> Job:
        path: DocPath = ("jobs", job_id)
        secrets = job.get("secrets")
        return Job(
            id=job_id,
            name=_opt_text(job.get("name")),
            needs=_needs(job.get("needs")),
            runs_on=job.get("runs-on"),
            if_=_opt_text(job.get("if")),
            env=_map_or_expr(job.get("env")),
            defaults_run=_defaults_run(job.get("defaults")),
            steps=[self.step(path, i, s) for i, s in enumerate(job.get("steps") or [])],
            outputs=_text_map(job.get("outputs")),
            strategy=self.strategy(path, job["strategy"]) if "strategy" in job else None,
            timeout_minutes=job.get("timeout-minutes"),
            continue_on_error=job.get("continue-on-error", False),
            container=job.get("container"),
            services=_mapping_or_expr(job.get("services")),
            environment=job.get("environment"),
            concurrency=job.get("concurrency"),
            permissions=job.get("permissions"),
            uses=_opt_text(job.get("uses")),
            with_=dict(job.get("with") or {}),
            secrets=dict(secrets) if isinstance(secrets, dict) else secrets,
            pos=self.pos(path, key=True),
        )

    def strategy(self, job_path: DocPath, value: dict[str, Any] | str | None) -> Strategy:
        pos = self.pos((*job_path, "strategy"), key=True)
        if isinstance(value, str):  # one expression, evaluated when the job is about to run
            return Strategy(expression=value, pos=pos)
        value = value or {}
        return Strategy(
            matrix=value.get("matrix"),
            fail_fast=value.get("fail-fast", True),
            max_parallel=value.get("max-parallel"),
            pos=pos,
        )

    def step(self, job_path: DocPath, index: int, step: dict[str, Any]) -> Step:
        return Step(
            index=index,
            id=_opt_text(step.get("id")),
            name=_opt_text(step.get("name")),
            uses=_opt_text(step.get("uses")),
            run=_opt_text(step.get("run")),
            shell=_opt_text(step.get("shell")),
            working_directory=_opt_text(step.get("working-directory")),
            with_=_map_or_expr(step.get("with")),
            env=_map_or_expr(step.get("env")),
            if_=_opt_text(step.get("if")),
            continue_on_error=step.get("continue-on-error", False),
            timeout_minutes=step.get("timeout-minutes"),
            pos=self.pos((*job_path, "steps", index)),
        )
