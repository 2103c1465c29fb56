from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import setup_go

from .conftest import MakeCall


def fake_go(home: Path, version: str) -> Path:
    root = home / "sdk" / f"go{version}"
    (root / "bin").mkdir(parents=True)
    (root / "VERSION").write_text(f"go{version}\ntime 2024-01-01\n")
    exe = root / "bin" / "go"
    exe.write_text(f'#!/bin/sh\necho "$HOME/gopath-fake"\necho go{version}\n')
    exe.chmod(0o755)
    return root


def real_go() -> str:
    exe = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if not exe:
        pytest.skip("go is not installed on this machine")
    out = subprocess.run(
        [exe, "env", "GOVERSION"],
        capture_output=True,
        text=True,
        env={"GOTOOLCHAIN": "local", "HOME": "/tmp", "PATH": "/usr/bin:/bin"},
    )
    return out.stdout.strip().removeprefix("go")


def test_minor_spec_picks_sdk_install(make_call: MakeCall, dirs) -> None:
    root = fake_go(dirs["home"], "1.21.5")
    fake_go(dirs["home"], "1.21.1")
    call = make_call("actions/setup-go@v5", {"go-version": "1.21"})
    setup_go.main(call)
    assert call.outputs["go-version"] == "1.21.5"
    assert call.path_updates[0] == str(root / "bin")
    assert call.env_updates["GOTOOLCHAIN"] == "local"
    assert call.outputs["cache-hit"] == "false"


def test_go_mod_version_file(make_call: MakeCall, dirs) -> None:
    fake_go(dirs["home"], "1.21.5")
    (dirs["workspace"] / "go.mod").write_text("module x\n\ngo 1.21\n")
    call = make_call("actions/setup-go@v5", {"go-version-file": "go.mod", "cache": "false"})
    setup_go.main(call)
    assert call.outputs["go-version"] == "1.21.5"
    assert "cache-hit" not in call.outputs


def test_real_go_stable(make_call: MakeCall, dirs) -> None:
    version = real_go()
    fake_go(dirs["home"], "1.21.5")
    call = make_call("actions/setup-go@v5", {"go-version": "stable"})
    setup_go.main(call)
    assert call.outputs["go-version"] == version
    gopath_bin = Path(call.path_updates[-1])
    assert gopath_bin.name == "bin" and gopath_bin.is_dir()  # $(go env GOPATH)/bin, created
    major_minor = ".".join(version.split(".")[:2])
    call = make_call("actions/setup-go@v5", {"go-version": f"^{major_minor}"})
    setup_go.main(call)
    assert call.outputs["go-version"] == version


def test_missing_go_version(make_call: MakeCall, dirs) -> None:
    fake_go(dirs["home"], "1.21.5")
    with pytest.raises(ActionFailed) as err:
        setup_go.main(make_call("actions/setup-go@v5", {"go-version": "1.19"}))
    assert "Unable to find Go version '1.19'" in str(err.value) and "1.21.5 (" in str(err.value)


def test_version_helpers(tmp_path: Path) -> None:
    assert str(setup_go.make_semver("1.23rc1")) == "1.23.0-rc.1"
    assert str(setup_go.make_semver("go1.20")) == "1.20.0"
    tool_versions = tmp_path / ".tool-versions"
    tool_versions.write_text("nodejs 20.1.0\ngolang 1.22.3 # pinned\n")
    assert setup_go.parse_version_file(tool_versions) == "1.22.3"
