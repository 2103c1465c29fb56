from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import setup_node

from .conftest import MakeCall


def fake_node(home: Path, version: str) -> Path:
    bin_dir = home / ".nvm" / "versions" / "node" / f"v{version}" / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "node"
    exe.write_text(f"#!/bin/sh\necho v{version}\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def nodes(dirs) -> dict[str, Path]:
    return {v: fake_node(dirs["home"], v) for v in ("18.19.0", "22.1.0", "23.0.0-rc.1")}


def real_node() -> str:
    exe = shutil.which("node")
    if not exe:
        pytest.skip("node is not installed on this machine")
    return subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("18", "v18.19.0"),
        ("v18.19", "v18.19.0"),
        ("18.x", "v18.19.0"),
        ("lts/*", "v22.1.0"),
        ("lts/hydrogen", "v18.19.0"),
        ("latest", "v22.1.0"),
        ("node", "v22.1.0"),
        (">=17 <19", "v18.19.0"),
        ("22.1.0", "v22.1.0"),
    ],
)
def test_specs_with_nvm_installs(make_call: MakeCall, nodes, spec: str, expected: str) -> None:
    call = make_call("actions/setup-node@v4", {"node-version": spec})
    setup_node.main(call)
    assert call.outputs["node-version"] == expected
    assert call.path_updates == [str(nodes[expected[1:]].parent)]


def test_real_node_on_path(make_call: MakeCall, nodes) -> None:
    version = real_node()
    major = version.lstrip("v").split(".")[0]
    call = make_call("actions/setup-node@v4", {"node-version": major})
    setup_node.main(call)
    assert call.outputs["node-version"] == version
    node = Path(call.path_updates[0]) / "node"
    assert (
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        == version
    )


def test_missing_version_lists_available(make_call: MakeCall, nodes) -> None:
    with pytest.raises(ActionFailed) as err:
        setup_node.main(make_call("actions/setup-node@v4", {"node-version": "14"}))
    assert "Unable to find Node version '14'" in str(err.value)
    assert "v22.1.0 (" in str(err.value) and "v18.19.0 (" in str(err.value)


def test_node_version_files(make_call: MakeCall, nodes, dirs) -> None:
    (dirs["workspace"] / ".nvmrc").write_text("lts/hydrogen\n")
    call = make_call("actions/setup-node@v4", {"node-version-file": ".nvmrc"})
    setup_node.main(call)
    assert call.outputs["node-version"] == "v18.19.0"
    (dirs["workspace"] / "package.json").write_text(json.dumps({"engines": {"node": ">=20"}}))
    call = make_call("actions/setup-node@v4", {"node-version-file": "package.json"})
    setup_node.main(call)
    assert call.outputs["node-version"] == "v22.1.0"
    with pytest.raises(ActionFailed, match="does not exist"):
        setup_node.main(make_call("actions/setup-node@v4", {"node-version-file": "nope"}))


def test_prerelease_only_when_asked(make_call: MakeCall, nodes) -> None:
    call = make_call("actions/setup-node@v4", {"node-version": "23.0.0-rc.1"})
    setup_node.main(call)
    assert call.outputs["node-version"] == "v23.0.0-rc.1"
    with pytest.raises(ActionFailed):
        setup_node.main(make_call("actions/setup-node@v4", {"node-version": "23"}))
