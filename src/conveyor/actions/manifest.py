"""Reading an action's ``action.yml``: inputs, outputs, and how it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conveyor.records import field, record
from conveyor.workflow.errors import Pos
from conveyor.workflow.model import Step


class ManifestError(Exception):
    pass


@record(slots=True)
class Manifest:
    path: Path
    name: str
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, Any] = field(default_factory=dict)

    @property
    def using(self) -> str:
        return str(self.runs.get("using", "")).lower()


def load_manifest(action_dir: Path, label: str) -> Manifest:
    from conveyor.workflow.yamlload import load_yaml

    for name in ("action.yml", "action.yaml"):
        path = action_dir / name
        if path.is_file():
            break
    else:
        raise ManifestError(
            f"Can't find 'action.yml' or 'action.yaml' for action '{label}' under "
            f"'{action_dir}'. Did you forget to run actions/checkout before running your "
            "local action?"
        )
    doc = load_yaml(path.read_text(encoding="utf-8"), str(path))
    data = doc.value
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict):
        raise ManifestError(f"{path}: an action needs a 'runs' mapping")
    return Manifest(
        path=path,
        name=str(data.get("name") or label),
        inputs={str(k): (v or {}) for k, v in (data.get("inputs") or {}).items()},
        outputs={str(k): (v or {}) for k, v in (data.get("outputs") or {}).items()},
        runs=data["runs"],
    )


def composite_steps(manifest: Manifest) -> list[Step]:
    """The steps of a composite action, as the engine's Step objects."""
    raw_steps = manifest.runs.get("steps")
    if not isinstance(raw_steps, list):
        raise ManifestError(f"{manifest.path}: runs.steps must be a list for a composite action")
    steps: list[Step] = []
    for i, raw in enumerate(raw_steps):
        if not isinstance(raw, dict):
            raise ManifestError(f"{manifest.path}: runs.steps[{i}] must be a mapping")
        if "run" in raw and "shell" not in raw:
            raise ManifestError(
                f"{manifest.path}: runs.steps[{i}]: 'shell' is required for 'run' steps "
                "in a composite action"
            )
        coe = raw.get("continue-on-error", False)
        steps.append(
            Step(
                index=i,
                id=raw.get("id"),
                name=raw.get("name"),
                uses=raw.get("uses"),
                run=raw.get("run"),
                shell=raw.get("shell"),
                working_directory=raw.get("working-directory"),
                with_=dict(raw.get("with") or {}),
                env=dict(raw.get("env") or {}),
                if_=None if raw.get("if") is None else str(raw.get("if")),
                continue_on_error=coe if isinstance(coe, bool) else str(coe),
                timeout_minutes=raw.get("timeout-minutes"),
                pos=Pos(str(manifest.path), 0, 0),
            )
        )
    return steps
