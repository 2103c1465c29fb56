"""``workflow_dispatch --input``: typed ``inputs``, string ``github.event.inputs``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import Repo

DISPATCH = """
on:
  workflow_dispatch:
    inputs:
      level:
        type: choice
        options: [info, debug]
        default: info
      dry:
        type: boolean
        default: true
      count:
        type: number
        default: 3
      note:
        type: string
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: |
          cat > {out}/typed.json <<'EOF'
          ${{{{ toJSON(inputs) }}}}
          EOF
          cat > {out}/event.json <<'EOF'
          ${{{{ toJSON(github.event.inputs) }}}}
          EOF
          cp "$GITHUB_EVENT_PATH" {out}/payload.json
      - if: inputs.dry && inputs.count == 4
        run: touch {out}/typed-condition
"""


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def dispatch(repo: Repo, out: Path) -> Repo:
    repo.workflow(DISPATCH.format(out=out), "dispatch.yml")
    repo.commit()
    return repo


def _read(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def test_inputs_are_typed_and_event_inputs_are_strings(dispatch: Repo, out: Path) -> None:
    res = dispatch.run("workflow_dispatch", "--input", "level=debug", "--input", "count=4")
    assert res.code == 0, res.output
    assert _read(out / "typed.json") == {"level": "debug", "dry": True, "count": 4, "note": ""}
    strings = {"level": "debug", "dry": "true", "count": "4", "note": ""}
    assert _read(out / "event.json") == strings
    payload = _read(out / "payload.json")
    assert isinstance(payload, dict) and payload["inputs"] == strings
    assert (out / "typed-condition").exists()


def test_defaults_apply_without_input(dispatch: Repo, out: Path) -> None:
    res = dispatch.run("workflow_dispatch")
    assert res.code == 0, res.output
    assert _read(out / "typed.json") == {"level": "info", "dry": True, "count": 3, "note": ""}
    assert _read(out / "event.json") == {"level": "info", "dry": "true", "count": "3", "note": ""}
    assert not (out / "typed-condition").exists()


def test_event_file_inputs_are_overridden_by_option(
    dispatch: Repo, out: Path, tmp_path: Path
) -> None:
    event = tmp_path / "dispatch.json"
    event.write_text(json.dumps({"ref": "main", "inputs": {"level": "debug", "dry": "false"}}))
    res = dispatch.run("workflow_dispatch", "-e", str(event), "--input", "dry=true")
    assert res.code == 0, res.output
    typed = _read(out / "typed.json")
    assert typed == {"level": "debug", "dry": True, "count": 3, "note": ""}


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("level=loud", "input 'level' must be one of 'info', 'debug'; got 'loud'"),
        ("dry=yes", "input 'dry' is a boolean"),
        ("count=many", "input 'count' is a number"),
        ("colour=red", "unexpected input 'colour'; the triggered workflows define: count, dry"),
    ],
)
def test_bad_inputs_exit_2(dispatch: Repo, out: Path, arg: str, message: str) -> None:
    res = dispatch.run("workflow_dispatch", "--input", arg, "--dry-run")
    assert res.code == 2
    assert message in res.err
    assert list(out.iterdir()) == []


def test_required_input_missing(repo: Repo) -> None:
    repo.workflow(
        "on:\n  workflow_dispatch:\n    inputs:\n      who:\n        required: true\n"
        "jobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n",
        "d.yml",
    )
    repo.commit()
    res = repo.run("workflow_dispatch", "--list")
    assert res.code == 2
    assert ".github/workflows/d.yml: required input 'who' was not provided" in res.err


def test_each_workflow_gets_its_own_inputs(dispatch: Repo, out: Path) -> None:
    dispatch.workflow(
        "on: workflow_dispatch\njobs:\n  p:\n    runs-on: x\n    steps: [{run: 'true'}]\n",
        "plain.yml",
    )
    dispatch.commit()
    res = dispatch.run("workflow_dispatch", "--input", "level=debug", "--list")
    assert res.code == 0, res.output  # looking is fine: both are listed
    assert "dispatch.yml" in res.out and "plain.yml" in res.out
    res = dispatch.run("workflow_dispatch", "--input", "level=debug")
    assert res.code == 0, res.output  # both run; plain.yml defines no inputs and gets none
    assert _read(out / "typed.json") == {"level": "debug", "dry": True, "count": 3, "note": ""}
    (out / "typed.json").unlink()
    res = dispatch.run(
        "workflow_dispatch", "-W", ".github/workflows/dispatch.yml", "--input", "level=debug"
    )
    assert res.code == 0, res.output
    assert _read(out / "typed.json") == {"level": "debug", "dry": True, "count": 3, "note": ""}
