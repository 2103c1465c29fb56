"""What the fake executor adds beyond the contract: recorded calls and its script language."""

from __future__ import annotations

from pathlib import Path

from conveyor.executors.base import CancelToken, ExecutorRequest, ExitInfo
from tests.executors.fake import JOB_ROOT, FakeExecutor


def _fake(tmp_path: Path) -> FakeExecutor:
    request = ExecutorRequest(job_dir=tmp_path / "job", repo_name="r", tool_cache=tmp_path / "t")
    return FakeExecutor(request)


def test_calls_are_recorded_in_order(tmp_path: Path) -> None:
    fake = _fake(tmp_path)
    paths = fake.prepare()
    fake.write_file(paths.temp / "s.sh", b"x", mode=0o700)
    fake.run(
        ["fake", "echo hi"],
        cwd=paths.workspace,
        env={"A": "1"},
        on_output=lambda _: None,
        timeout=None,
        cancel=CancelToken(),
    )
    assert [name for name, _ in fake.calls] == ["prepare", "write_file", "run"]
    assert fake.calls[-1][1] == (["fake", "echo hi"], paths.workspace, {"A": "1"}, None)


def test_the_job_sees_other_paths_than_the_engine(tmp_path: Path) -> None:
    fake = _fake(tmp_path)
    paths = fake.prepare()
    assert paths.workspace == JOB_ROOT / "r"
    assert fake.host_path(paths.workspace) == tmp_path / "job" / "r"
    assert fake.host_path(paths.tool_cache / "node") == tmp_path / "t" / "node"


def test_unknown_command_fails_and_stops_the_script(tmp_path: Path) -> None:
    fake = _fake(tmp_path)
    paths = fake.prepare()
    out = fake.capture(
        ["fake", "frobnicate", "echo never"], cwd=paths.temp, env={}, cancel=CancelToken()
    )
    assert out.exit == ExitInfo(2)
    assert (out.stdout, out.stderr) == ("", "fake: frobnicate: unknown command\n")
