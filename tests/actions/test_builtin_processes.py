"""Built-ins start every process through the call, so the step's token stops them."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

import conveyor.actions.builtin as builtin_pkg
from conveyor.actions.base import ActionStopped
from conveyor.actions.builtin import checkout, setup_go, setup_node, setup_python
from conveyor.executors.base import CancelToken

from .conftest import MakeCall, git


def hanging_tool(bin_dir: Path, name: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    sleep = shutil.which("sleep") or "/bin/sleep"
    exe = bin_dir / name
    exe.write_text(f"#!/bin/sh\nexec {sleep} 300\n")
    exe.chmod(0o755)


@pytest.mark.parametrize(
    ("uses", "module", "tool", "inputs"),
    [
        ("actions/setup-go@v5", setup_go, "go", {}),  # `go env GOVERSION`
        ("actions/setup-node@v4", setup_node, "node", {"node-version": "20"}),  # `node --version`
        ("actions/setup-python@v5", setup_python, "python3.12", {"python-version": "3.12"}),
    ],
)
def test_a_hanging_probe_is_stopped_by_the_token(
    make_call: MakeCall, dirs, tmp_path: Path, uses, module, tool: str, inputs
) -> None:
    bin_dir = tmp_path / "tool" / "bin"  # a GOROOT-like layout: <root>/bin/go
    hanging_tool(bin_dir, tool)
    token = CancelToken()
    env = {"PATH": str(bin_dir), "HOME": str(dirs["home"])}
    call = make_call(uses, inputs, env=env, token=token)
    timer = threading.Timer(0.2, token.set, args=("timeout",))
    timer.start()
    try:
        with pytest.raises(ActionStopped, match="timeout"):
            module.main(call)
    finally:
        timer.cancel()


def test_checkout_git_is_stopped_by_the_token(make_call: MakeCall, dirs) -> None:
    git(dirs["repo"], "init", "-q")
    (dirs["repo"] / "f.txt").write_text("f")
    git(dirs["repo"], "add", "f.txt")
    git(dirs["repo"], "-c", "commit.gpgsign=false", "commit", "-q", "-m", "one")
    token = CancelToken()
    token.set("cancelled")
    with pytest.raises(ActionStopped, match="cancelled"):
        checkout.main(make_call("actions/checkout@v4", token=token))


def test_no_builtin_starts_a_process_on_its_own() -> None:
    folder = Path(builtin_pkg.__file__).parent
    offenders = [p.name for p in folder.glob("*.py") if "subprocess" in p.read_text()]
    assert offenders == []
