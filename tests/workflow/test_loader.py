from pathlib import Path

import pytest

from conveyor.workflow.errors import Pos, WorkflowErrors
from conveyor.workflow.loader import (
    discover_workflows,
    load_workflow,
    normalize_on,
    parse_workflow,
)

JOBS = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"


def wf_with_on(on_text: str):
    return parse_workflow(f"on:{on_text}\n{JOBS}", "ci.yml")


def test_on_string():
    assert wf_with_on(" push").on == {"push": {}}


def test_on_list():
    assert wf_with_on(" [push, pull_request]").on == {"push": {}, "pull_request": {}}


def test_on_mapping_with_null_and_filters():
    wf = wf_with_on(
        "\n  push:\n    branches: [main]\n    paths-ignore: ['docs/**']\n"
        "  pull_request:\n    types: [opened, synchronize]\n  workflow_dispatch:\n"
    )
    assert wf.on == {
        "push": {"branches": ["main"], "paths-ignore": ["docs/**"]},
        "pull_request": {"types": ["opened", "synchronize"]},
        "workflow_dispatch": {},
    }


def test_on_schedule_and_workflow_run():
    wf = wf_with_on(
        "\n  schedule:\n    - cron: '0 5 * * 1'\n    - cron: '*/15 * * * *'\n"
        "      timezone: Europe/London\n"
        "  workflow_run:\n    workflows: [Build]\n    types: [completed]\n    branches: main\n"
    )
    assert wf.on["schedule"]["cron"] == ["0 5 * * 1", "*/15 * * * *"]
    assert wf.on["schedule"]["entries"][1] == {
        "cron": "*/15 * * * *",
        "timezone": "Europe/London",
    }
    assert wf.on["workflow_run"] == {
        "workflows": ["Build"],
        "types": ["completed"],
        "branches": "main",
    }


def test_on_workflow_call_kept_as_written():
    wf = wf_with_on(
        "\n  workflow_call:\n    inputs:\n      env:\n        type: string\n        default: dev\n"
        "    secrets:\n      token:\n        required: true\n"
        "    outputs:\n      out:\n        value: ${{ jobs.a.outputs.x }}\n"
    )
    call = wf.on["workflow_call"]
    assert call["inputs"] == {"env": {"type": "string", "default": "dev"}}
    assert call["secrets"] == {"token": {"required": True}}
    assert call["outputs"]["out"]["value"] == "${{ jobs.a.outputs.x }}"


def test_normalize_on_direct():
    assert normalize_on({"push": None, "fork": {}}) == {"push": {}, "fork": {}}


FULL = """\
name: CI
run-name: Deploy by ${{ github.actor }}
on: push
env:
  GLOBAL: 1
defaults:
  run:
    shell: bash
    working-directory: src
permissions: read-all
concurrency:
  group: ci-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    name: Build ${{ matrix.os }}
    runs-on: ${{ matrix.os }}
    timeout-minutes: 30
    continue-on-error: ${{ matrix.experimental }}
    env:
      JOB: x
    defaults:
      run:
        shell: pwsh
    outputs:
      version: ${{ steps.ver.outputs.v }}
      number: 3.10
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        os: [ubuntu-latest, windows-latest]
        experimental: [false]
        include:
          - os: macos-latest
            experimental: true
    environment:
      name: prod
      url: https://example.com
    container:
      image: node:20
      options: --cpus 1
    services:
      redis:
        image: redis
        ports: ['6379:6379']
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          version: 3.10
      - id: ver
        name: Version
        run: echo "v=1" >> "$GITHUB_OUTPUT"
        shell: bash
        working-directory: app
        if: github.event_name == 'push'
        env:
          STEP: on
        continue-on-error: true
        timeout-minutes: 5
  deploy:
    needs: build
    if: ${{ success() }}
    uses: octo/repo/.github/workflows/deploy.yml@v1
    with:
      target: prod
      dry: false
    secrets: inherit
    permissions:
      contents: read
      id-token: write
  notify:
    needs: [build, deploy]
    uses: ./.github/workflows/notify.yaml
    secrets:
      token: ${{ secrets.TOKEN }}
"""


@pytest.fixture(scope="module")
def full():
    return parse_workflow(FULL, ".github/workflows/ci.yml")


def test_workflow_level_fields(full):
    assert full.path == ".github/workflows/ci.yml"
    assert full.name == "CI"
    assert full.display_name == "CI"
    assert full.run_name == "Deploy by ${{ github.actor }}"
    assert full.env == {"GLOBAL": 1}
    assert full.defaults_run == {"shell": "bash", "working-directory": "src"}
    assert full.permissions == "read-all"
    assert full.concurrency == {"group": "ci-${{ github.ref }}", "cancel-in-progress": True}
    assert list(full.jobs) == ["build", "deploy", "notify"]
    assert full.pos == Pos(".github/workflows/ci.yml", 1, 1)


def test_job_fields(full):
    job = full.jobs["build"]
    assert job.name == "Build ${{ matrix.os }}"
    assert job.runs_on == "${{ matrix.os }}"
    assert job.timeout_minutes == 30
    assert job.continue_on_error == "${{ matrix.experimental }}"
    assert job.env == {"JOB": "x"}
    assert job.defaults_run == {"shell": "pwsh"}
    assert job.outputs == {"version": "${{ steps.ver.outputs.v }}", "number": "3.1"}
    assert job.environment == {"name": "prod", "url": "https://example.com"}
    assert job.container == {"image": "node:20", "options": "--cpus 1"}
    assert job.services == {"redis": {"image": "redis", "ports": ["6379:6379"]}}
    assert job.needs == []
    assert job.uses is None
    assert job.pos == Pos(".github/workflows/ci.yml", 15, 3)


def test_strategy(full):
    strategy = full.jobs["build"].strategy
    assert strategy is not None
    assert strategy.fail_fast is False
    assert strategy.max_parallel == 2
    assert strategy.matrix["os"] == ["ubuntu-latest", "windows-latest"]
    assert strategy.matrix["include"] == [{"os": "macos-latest", "experimental": True}]
    assert strategy.pos.line == 28


def test_steps(full):
    first, second = full.jobs["build"].steps
    assert first.index == 0
    assert first.uses == "actions/checkout@v4"
    assert first.with_ == {"fetch-depth": 0, "version": 3.1}
    assert first.run is None
    assert first.continue_on_error is False
    assert first.pos == Pos(".github/workflows/ci.yml", 48, 9)
    assert second.index == 1
    assert second.id == "ver"
    assert second.name == "Version"
    assert second.run == 'echo "v=1" >> "$GITHUB_OUTPUT"'
    assert second.shell == "bash"
    assert second.working_directory == "app"
    assert second.if_ == "github.event_name == 'push'"
    assert second.env == {"STEP": "on"}
    assert second.continue_on_error is True
    assert second.timeout_minutes == 5


def test_reusable_workflow_jobs(full):
    deploy = full.jobs["deploy"]
    assert deploy.uses == "octo/repo/.github/workflows/deploy.yml@v1"
    assert deploy.needs == ["build"]
    assert deploy.if_ == "${{ success() }}"
    assert deploy.with_ == {"target": "prod", "dry": False}
    assert deploy.secrets == "inherit"
    assert deploy.permissions == {"contents": "read", "id-token": "write"}
    assert deploy.steps == []
    assert deploy.runs_on is None
    notify = full.jobs["notify"]
    assert notify.needs == ["build", "deploy"]
    assert notify.secrets == {"token": "${{ secrets.TOKEN }}"}


def test_no_strategy_is_none(full):
    assert full.jobs["deploy"].strategy is None


def test_parse_errors_are_collected():
    text = (
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps: 1\n  b:\n    runs-on: x\n    steps: []\n"
    )
    with pytest.raises(WorkflowErrors) as info:
        parse_workflow(text, "w.yml")
    assert len(info.value.errors) == 2
    assert [e.pos.line for e in info.value.errors if e.pos] == [5, 8]


def test_yaml_error_becomes_workflow_errors():
    with pytest.raises(WorkflowErrors) as info:
        parse_workflow("on: [push\n", "w.yml")
    assert info.value.errors[0].kind == "yaml"


def test_discover_and_load(tmp_path: Path):
    folder = tmp_path / ".github" / "workflows"
    (folder / "nested").mkdir(parents=True)
    (folder / "b.yaml").write_text(f"on: push\n{JOBS}")
    (folder / "a.yml").write_text(f"name: A\non: push\n{JOBS}")
    (folder / "notes.txt").write_text("x")
    (folder / "nested" / "c.yml").write_text(f"on: push\n{JOBS}")
    found = discover_workflows(tmp_path)
    assert [p.name for p in found] == ["a.yml", "b.yaml"]
    wf = load_workflow(found[0], tmp_path)
    assert wf.path == ".github/workflows/a.yml"
    assert wf.name == "A"


def test_load_errors_use_relative_label(tmp_path: Path):
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "bad.yml"
    path.write_text("on: push\njobs:\n  a:\n    runs-on: x\n")
    with pytest.raises(WorkflowErrors) as info:
        load_workflow(path, tmp_path)
    assert str(info.value.errors[0]).startswith(".github/workflows/bad.yml:3:3:")


def test_discover_without_folder(tmp_path: Path):
    assert discover_workflows(tmp_path) == []


def test_large_workflow():
    lines = ["on: push", "jobs:"]
    for j in range(500):
        lines += [f"  job_{j}:", "    runs-on: ubuntu-latest"]
        if j:
            lines.append(f"    needs: job_{j - 1}")
        lines.append("    steps:")
        for s in range(10):
            lines += [f"      - id: s{s}", f"        run: echo ${{{{ matrix.x }}}} {j}-{s}"]
    wf = parse_workflow("\n".join(lines) + "\n", "big.yml")
    assert len(wf.jobs) == 500
    assert sum(len(job.steps) for job in wf.jobs.values()) == 5000
    last = wf.jobs["job_499"]
    assert last.needs == ["job_498"]
    assert last.steps[9].id == "s9"
    assert last.steps[9].run == "echo ${{ matrix.x }} 499-9"
    assert last.steps[9].pos.line == len(lines) - 1
