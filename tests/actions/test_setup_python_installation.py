"""actions/setup-python gives each job a real installation of its own, as GitHub's tool cache
on a fresh VM does: ``sys.prefix == sys.base_prefix == pythonLocation`` with no pyvenv.cfg,
so uv takes it as the Python asked for; ``pip install`` in a job changes neither the machine's
interpreter nor the next job's.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conveyor.actions.builtin import setup_python
from tests.harness import Repo, RepoFactory

from .conftest import MakeCall

PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
UV = Path(sys.executable).with_name("uv")  # from requirements-dev.lock


def newest_312() -> Path:
    """The installation setup-python picks for '3.12' on this machine."""
    found = [p for p in PYENV.glob("3.12.*") if re.fullmatch(r"3\.12\.\d+", p.name)]
    if not found:
        pytest.skip(f"no Python 3.12 under {PYENV}")
    return max(found, key=lambda p: int(p.name.split(".")[2]))


def snapshot(prefix: Path) -> dict[str, str]:
    """Every entry of the installation's bin/ and site-packages: kind, size, mtime, content."""
    out: dict[str, str] = {}
    for top in (prefix / "bin", prefix / "lib" / "python3.12" / "site-packages"):
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                path = Path(root, name)
                info = path.lstat()
                if path.is_symlink():
                    out[str(path)] = "link " + os.readlink(path)
                elif path.is_dir():
                    out[str(path)] = "dir"
                else:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    out[str(path)] = f"{info.st_size} {info.st_mtime_ns} {digest}"
    return out


def make_wheel(directory: Path, name: str) -> Path:
    """A one-module wheel, so pip installs it without an index or a build backend."""
    files = {
        f"{name}/__init__.py": "VALUE = 1\n",
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{name}-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    rows = []
    for path, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        rows.append(f"{path},sha256={encoded},{len(text.encode())}")
    files[f"{name}-1.0.dist-info/RECORD"] = "\n".join([*rows, f"{name}-1.0.dist-info/RECORD,,"])
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


UV_WORKFLOW = """
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: sp
        uses: actions/setup-python@v5
        with:
          python-version: '3.12'
      - id: probe
        run: |
          out="$GITHUB_OUTPUT"
          echo "location=$pythonLocation" >> "$out"
          echo "prefixes=$(python -c 'import sys; print(sys.prefix, sys.base_prefix)')" >> "$out"
          echo "cfg=$(test -e "$pythonLocation/pyvenv.cfg" && echo yes || echo no)" >> "$out"
      - id: uv
        env:  # no download, and none of the machine's uv-managed Pythons
          UV_PYTHON_DOWNLOADS: never
          UV_PYTHON_INSTALL_DIR: ${{ runner.temp }}/uv-python
          UV_CACHE_DIR: ${{ runner.temp }}/uv-cache
          UV_NO_CONFIG: "1"
        run: |
          uv venv --python 3.12 .v
          echo "base=$(.v/bin/python -c 'import sys; print(sys.base_prefix)')" >> "$GITHUB_OUTPUT"
          echo "found=$(uv python find 3.12)" >> "$GITHUB_OUTPUT"
"""


@pytest.mark.slow
def test_a_real_installation_that_uv_takes(make_repo: RepoFactory, tmp_path: Path) -> None:
    newest_312()
    assert UV.exists(), f"{UV} missing: run scripts/bootstrap (uv is in requirements-dev.lock)"
    tools = tmp_path / "tools"  # uv alone, not the test venv's python
    tools.mkdir()
    (tools / "uv").symlink_to(UV)
    repo: Repo = make_repo()
    repo.workflow(UV_WORKFLOW)
    r = repo.run(env={"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"})
    assert r.code == 0, r.text()
    out = r.outputs("a", "probe")
    location = out["location"]
    assert location == r.outputs("a", "sp")["python-path"].removesuffix("/bin/python")
    assert out["prefixes"] == f"{location} {location}"
    assert out["cfg"] == "no"
    uv = r.outputs("a", "uv")
    assert uv["base"] == location
    assert uv["found"].startswith(location + "/bin/")
    assert not Path(location).exists()  # removed with its job


PIP_WORKFLOW = """
on: push
jobs:
  install:
    runs-on: ubuntu-latest
    env:
      PIP_DISABLE_PIP_VERSION_CHECK: "1"
    steps:
      - id: sp
        uses: actions/setup-python@v5
        with:
          python-version: '3.12'
      - id: pip
        run: |
          python -m pip install --no-index WHEEL
          echo "module=$(python -c 'import convtiny; print(convtiny.__file__)')" >> "$GITHUB_OUTPUT"
          pip uninstall -y pip
          python -c 'import pip' 2>/dev/null && gone=no || gone=yes
          echo "pip_gone=$gone" >> "$GITHUB_OUTPUT"
  fresh:
    needs: install
    runs-on: ubuntu-latest
    steps:
      - id: sp
        uses: actions/setup-python@v5
        with:
          python-version: '3.12'
      - id: look
        run: |
          echo "module=$(python -c 'import convtiny' 2>&1 | tail -n 1)" >> "$GITHUB_OUTPUT"
          echo "pip=$(pip --version)" >> "$GITHUB_OUTPUT"
"""


@pytest.mark.slow
def test_pip_in_a_job_changes_neither_the_machine_nor_the_next_job(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    original = newest_312()
    before = snapshot(original)
    wheel = make_wheel(tmp_path, "convtiny")
    repo: Repo = make_repo()
    repo.workflow(PIP_WORKFLOW.replace("WHEEL", str(wheel)))
    r = repo.run()
    assert r.code == 0, r.text()
    first = r.outputs("install", "sp")["python-path"].removesuffix("/bin/python")
    assert r.outputs("install", "sp")["python-version"] == original.name
    pip = r.outputs("install", "pip")
    assert pip["module"] == f"{first}/lib/python3.12/site-packages/convtiny/__init__.py"
    assert pip["pip_gone"] == "yes"
    # the machine's interpreter: the package is not there, its pip still is, nothing changed
    seen = subprocess.run(
        [original / "bin" / "python3.12", "-c", "import convtiny"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "No module named 'convtiny'" in seen.stderr
    assert snapshot(original) == before
    # the next job: its own tree, without the package and with pip
    second = r.outputs("fresh", "sp")["python-path"].removesuffix("/bin/python")
    assert second != first
    look = r.outputs("fresh", "look")
    assert look["module"] == "ModuleNotFoundError: No module named 'convtiny'"
    assert look["pip"].startswith("pip ")
    assert f"from {second}/lib/python3.12/site-packages/pip " in look["pip"]


def test_a_distribution_python_gets_a_venv_and_says_why(
    make_call: MakeCall, dirs: dict[str, Path]
) -> None:
    # Debian's /usr/bin/python3.X keeps its packages under /usr/lib/python3/dist-packages and
    # marks itself EXTERNALLY-MANAGED: no tree is laid out from it
    system = sorted(Path("/usr/lib").glob("python3.*/EXTERNALLY-MANAGED"))
    if not system or not Path("/usr/bin", system[-1].parent.name).exists():
        pytest.skip("no EXTERNALLY-MANAGED /usr/bin/python3.X on this machine")
    env = {"PATH": "/usr/bin", "HOME": str(dirs["home"])}  # no pyenv: only /usr/bin
    version = system[-1].parent.name.removeprefix("python")
    lines: list[str] = []
    call = make_call("actions/setup-python@v5", {"python-version": version}, env=env, lines=lines)
    setup_python.main(call)
    location = Path(call.env_updates["pythonLocation"])
    notice = [line for line in lines if "EXTERNALLY-MANAGED" in line]
    assert notice == [
        f"Python {call.outputs['python-version']} at /usr: it is the system's Python "
        "(EXTERNALLY-MANAGED); the job gets a venv of it (tools such as uv do not take a "
        "venv as a system Python)"
    ]
    assert (location / "pyvenv.cfg").exists()
    assert call.env_updates["LD_LIBRARY_PATH"].split(":")[0] == "/usr/lib"
