"""The engine's event stream, seen by a sink of our own as the server will see it: every
event of a run in order, log lines already masked, and the store written as it goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conveyor.engine.events import (
    Annotation,
    ArtifactUploaded,
    Event,
    GroupStarted,
    JobFinished,
    JobStarted,
    LogLine,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Summary,
)
from conveyor.engine.request import JobRequest
from conveyor.workflow.loader import load_workflow
from tests.harness import engine_run

WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: one
        run: |
          echo "::group::setup"
          echo "inside the group"
          echo "::endgroup::"
          echo "token is $TOKEN"
          echo "::warning file=a.py,line=3::look here"
          echo "x=1" >> "$GITHUB_OUTPUT"
          echo "# done" >> "$GITHUB_STEP_SUMMARY"
        env:
          TOKEN: ${{ secrets.TOKEN }}
      - run: exit 3
      - if: always()
        run: echo after
"""


class Collect:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.closed = False

    def handle(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.closed = True


class Broken:
    def handle(self, event: Event) -> None:
        raise OSError("disk full")

    def close(self) -> None:
        pass


def _run(root: Path, sinks: list[Any], secrets: dict[str, str]) -> tuple[Any, Any]:
    done = engine_run(root, WORKFLOW, secrets=secrets, sinks=sinks)
    return done.report, done


def test_a_sink_sees_the_run_in_order_and_masked(tmp_path: Path) -> None:
    sink = Collect()
    report, started = _run(tmp_path, [sink], {"TOKEN": "s3cr3t-value"})
    kinds = [type(e).__name__ for e in sink.events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert kinds.index("JobStarted") < kinds.index("StepStarted") < kinds.index("JobFinished")
    assert sink.closed

    lines = [e.text for e in sink.events if isinstance(e, LogLine)]
    assert "token is ***" in lines
    assert not any("s3cr3t-value" in repr(e) for e in sink.events)
    assert "inside the group" in lines
    assert [e.title for e in sink.events if isinstance(e, GroupStarted)] == ["setup"]
    (note,) = [e for e in sink.events if isinstance(e, Annotation)]
    assert (note.level, note.message, note.file, note.line) == ("warning", "look here", "a.py", "3")

    started_steps = [e.name for e in sink.events if isinstance(e, StepStarted)]
    assert started_steps == ['Run echo "::group::setup"', "Run exit 3", "Run echo after"]
    finished = [e.report for e in sink.events if isinstance(e, StepFinished)]
    assert [(r.outcome, r.outputs) for r in finished] == [
        ("success", {"x": "1"}),
        ("failure", {}),
        ("success", {}),
    ]
    (summary,) = [e for e in sink.events if isinstance(e, Summary)]
    assert summary.markdown == "# done\n"
    (job_end,) = [e for e in sink.events if isinstance(e, JobFinished)]
    assert job_end.report.conclusion == "failure"
    (end,) = [e for e in sink.events if isinstance(e, RunFinished)]
    assert end.data["conclusion"] == "failure" == report.conclusion
    assert isinstance(sink.events[0], RunStarted) and sink.events[0].run_id == started.run_id
    assert isinstance(sink.events[1], JobStarted)

    # the store sink kept the same steps, and the job's log, masked
    steps = started.store.steps(started.run_id)
    assert [s.conclusion for _, s in steps] == ["success", "failure", "success"]
    log = Path(job_end.job.log).read_text()
    assert "token is ***" in log and "s3cr3t" not in log
    assert (started.run_dir / "summaries" / f"{job_end.job.key}.md").read_text() == "# done\n"


def test_a_failing_sink_is_dropped_and_the_run_goes_on(tmp_path: Path) -> None:
    sink = Collect()
    report, _ = _run(tmp_path, [Broken(), sink], {})
    assert report.conclusion == "failure"  # the workflow's own `exit 3`
    warnings = [e.text for e in sink.events if isinstance(e, LogLine) and e.job is None]
    assert warnings == ["Warning: Broken stopped: disk full"]
    assert isinstance(sink.events[-1], RunFinished)


@pytest.mark.parametrize("secrets_ref", ["", "call-1"])
def test_a_job_request_is_plain_data(tmp_path: Path, secrets_ref: str) -> None:
    (tmp_path / "ci.yml").write_text(WORKFLOW)
    wf = load_workflow(tmp_path / "ci.yml", tmp_path)
    request = JobRequest(
        workflow=wf.path,
        workflow_env={"A": "${{ github.sha }}"},
        workflow_defaults={"shell": "bash"},
        key="build",
        job=wf.jobs["build"],
        name="build (3.12)",
        label="build (3.12)",
        log_name="ci.yml-build-3.12",
        github={"sha": "abc", "event": {"ref": "refs/heads/main"}},
        matrix={"python": "3.12", "os": ["a", "b"]},
        strategy={"fail-fast": True, "job-index": 0},
        needs={"lint": {"result": "success", "outputs": {}}},
        secrets_ref=secrets_ref,
    )
    text = request.to_json()
    assert "s3cr3t" not in text  # secrets travel by reference, never as values
    again = JobRequest.from_json(text)
    assert again == request
    assert again.job.steps[0].env == {"TOKEN": "${{ secrets.TOKEN }}"}
    assert again.job.steps[0].pos == request.job.steps[0].pos


def test_an_uploaded_artifact_is_an_event(tmp_path: Path) -> None:
    done = engine_run(
        tmp_path,
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo hello > out.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: result
                  path: out.txt
        """,
    )
    assert done.report.conclusion == "success"
    (artifact,) = done.of(ArtifactUploaded)
    assert (artifact.name, artifact.size) == ("result", 6)
    assert (Path(artifact.path) / "out.txt").read_text() == "hello\n"


def test_output_comes_a_read_at_a_time_in_order_with_commands_between(tmp_path: Path) -> None:
    long_line = "x" * 200_000  # longer than one read of the pipe
    done = engine_run(
        tmp_path,
        f"""
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo before
                  echo "::warning::in between"
                  echo after
                  printf '{long_line}\\n'
                  printf 'crlf\\r\\nlast without newline'
        """,
    )
    assert done.report.conclusion == "success"
    lines = done.lines("a")
    assert lines.index("before") < lines.index("after")
    assert lines[-2:] == ["crlf", "last without newline"]
    assert long_line in lines
    order = [
        e.text if isinstance(e, LogLine) else "ANNOTATION"
        for e in done.events
        if isinstance(e, LogLine | Annotation) and (not isinstance(e, LogLine) or not e.style)
    ]
    assert order[:3] == ["before", "ANNOTATION", "after" + order[2][5:]]
