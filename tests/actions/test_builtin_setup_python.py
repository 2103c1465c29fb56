from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import setup_python
from conveyor.actions.builtin.semver import Version

from .conftest import MakeCall

PYENV = Path.home() / ".pyenv" / "versions"
REAL_ENV = {"HOME": str(Path.home()), "PATH": os.environ.get("PATH", "")}


def installed(version: str) -> Path:
    prefix = PYENV / version
    if not (prefix / "bin" / "python").exists():
        pytest.skip(f"Python {version} is not installed under {PYENV}")
    return prefix


def fake_prefix(root: Path, name: str) -> Path:
    """A pyenv-looking install whose `python` is a small script."""
    bin_dir = root / name / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "python"
    exe.write_text(f"#!/bin/sh\necho {name}\n")
    exe.chmod(0o755)
    return root / name


@pytest.fixture
def fake_pyenv(tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "pyenv"
    for name in ("3.11.2", "3.11.9", "3.12.1", "3.13.0rc1", "pypy3.10-7.3.12", "notaversion"):
        fake_prefix(root / "versions", name)
    return {"PYENV_ROOT": str(root), "PATH": "/nonexistent", "HOME": str(tmp_path / "home")}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("3.11", "3.11.9"),
        ("3.11.2", "3.11.2"),
        ("3.x", "3.12.1"),
        (">=3.11 <3.12", "3.11.9"),
        ("3.13-dev", "3.13.0-rc1"),
        ("pypy3.10", "pypy3.10.0-7.3.12"),
    ],
)
def test_version_spec_selection(make_call: MakeCall, fake_pyenv, spec: str, expected: str) -> None:
    call = make_call("actions/setup-python@v5", {"python-version": spec}, env=fake_pyenv)
    setup_python.main(call)
    assert call.outputs["python-version"] == expected


def test_allow_prereleases(make_call: MakeCall, fake_pyenv) -> None:
    with pytest.raises(ActionFailed):
        setup_python.main(
            make_call("a/setup-python@v5", {"python-version": "3.13"}, env=fake_pyenv)
        )
    call = make_call(
        "actions/setup-python@v5",
        {"python-version": "3.13", "allow-prereleases": "true"},
        env=fake_pyenv,
    )
    setup_python.main(call)
    assert call.outputs["python-version"] == "3.13.0-rc1"


def test_not_found_lists_available(make_call: MakeCall, fake_pyenv) -> None:
    call = make_call("actions/setup-python@v5", {"python-version": "3.9"}, env=fake_pyenv)
    with pytest.raises(ActionFailed) as err:
        setup_python.main(call)
    message = str(err.value)
    assert message.startswith("Python 3.9 was not found. Available: 3.13.0-rc1 (")
    assert "3.11.9 (" in message and "notaversion" not in message
    assert message.endswith("Install it with pyenv or set python-version to one of these.")


def test_real_interpreter_env_and_path(make_call: MakeCall) -> None:
    prefix = installed("3.12.1")
    call = make_call(
        "actions/setup-python@v5", {"python-version": "3.12", "cache": "pip"}, env=REAL_ENV
    )
    setup_python.main(call)
    found = setup_python.discover(call)
    newest_312 = max(i.version for i in found if (i.version.major, i.version.minor) == (3, 12))
    assert call.outputs["python-version"] == str(newest_312)
    chosen = Path(call.outputs["python-path"])
    out = subprocess.run(
        [chosen, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == call.outputs["python-version"]
    location = call.env_updates["pythonLocation"]
    assert call.env_updates["Python3_ROOT_DIR"] == location
    assert call.env_updates["PKG_CONFIG_PATH"] == location + "/lib/pkgconfig"
    assert call.path_updates[-1] == str(Path(location) / "bin")
    assert call.outputs["cache-hit"] == "false"
    # a later step runs with the updated PATH and finds this interpreter as `python`
    path = os.pathsep.join([*reversed(call.path_updates), "/usr/bin", "/bin"])
    later = subprocess.run(
        ["sh", "-c", "python -c 'import sys; print(sys.prefix)'"],
        env={"PATH": path},
        capture_output=True,
        text=True,
        check=True,
    )
    assert later.stdout.strip() == location
    assert prefix.exists()


def test_python_version_file_and_no_env_update(make_call: MakeCall, dirs) -> None:
    installed("3.11.7")
    (dirs["workspace"] / ".python-version").write_text("3.11.7\n")
    call = make_call("actions/setup-python@v5", {"update-environment": "false"}, env=REAL_ENV)
    setup_python.main(call)
    assert call.outputs["python-version"] == "3.11.7"
    assert call.env_updates == {} and call.path_updates == []


def test_multiple_versions_last_is_default(make_call: MakeCall) -> None:
    installed("3.11.7")
    installed("3.13.0")
    call = make_call("actions/setup-python@v5", {"python-version": "3.11.7\n3.13.0"}, env=REAL_ENV)
    setup_python.main(call)
    assert call.outputs["python-version"] == "3.13.0"
    assert call.path_updates[-1].endswith("3.13.0/x64/bin")
    assert any(p.endswith("3.11.7/x64/bin") for p in call.path_updates)


def test_missing_version_file_fails(make_call: MakeCall) -> None:
    with pytest.raises(ActionFailed, match="doesn't exist"):
        setup_python.main(make_call("actions/setup-python@v5", {"python-version-file": "x.txt"}))


def test_prerelease_ordering() -> None:
    assert Version.parse("3.13.0-rc1") < Version.parse("3.13.0")  # type: ignore[operator]
    assert setup_python.to_semantic("3.13.0rc1", False) == "3.13.0-rc1"


def test_job_gets_its_own_installation_with_pip(make_call: MakeCall) -> None:
    # pip install in a job must not change the machine's interpreter (GitHub: fresh VM)
    installed("3.12.1")
    call = make_call("actions/setup-python@v5", {"python-version": "3.12"}, env=REAL_ENV)
    setup_python.main(call)
    exe = call.outputs["python-path"]
    location = call.env_updates["pythonLocation"]
    probe = subprocess.run(
        [exe, "-c", "import sys, pip; print(sys.prefix, sys.base_prefix, pip.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert probe[:2] == [location, location]
    assert probe[2].startswith(location + "/lib/python3.12/site-packages/pip/")
    assert not (Path(location) / "pyvenv.cfg").exists()
    pip = Path(exe).parent / "pip"
    head = pip.read_text().splitlines()[0]
    assert head == f"#!{Path(exe).parent / 'python3.12'}"
