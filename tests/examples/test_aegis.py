"""The README's main command: the example monorepo's real CI, end to end.

Slow (pip and npm installs, a Rust build): it is the check that Conveyor runs a real
team's workflow — lint, type check, a Python 3.11-3.13 matrix with a coverage gate,
TypeScript and Rust tests, a build with artifacts — unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness import RepoFactory

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aegis-monorepo"
PYTHONS = [Path.home() / ".pyenv" / "versions" / v for v in ("3.11.7", "3.12.1", "3.13.0")]


def _missing() -> str | None:
    for tool in ("cargo", "node", "npm", "git"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@pytest.mark.slow
def test_aegis_monorepo_ci_passes(make_repo: RepoFactory) -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    repo = make_repo("aegis")
    shutil.copytree(
        EXAMPLE,
        repo.root,
        ignore=shutil.ignore_patterns(".conveyor", "node_modules", "target", "__pycache__"),
        dirs_exist_ok=True,
    )
    r = repo.run()
    code, out, report = r.code, r.out, r.report
    assert code == 0, out[-4000:]
    assert report["conclusion"] == "success"
    jobs = report["workflows"][0]["jobs"]
    by_id: dict[str, list[dict[str, object]]] = {}
    for job in jobs:
        by_id.setdefault(str(job["id"]), []).append(job)
    assert set(by_id) == {
        "lint", "test-python", "test-python-container", "test-dashboard", "test-engine",
        "build", "image", "deploy",
    }  # fmt: skip
    matrix = sorted(str(j["matrix"]["python-version"]) for j in by_id["test-python"])  # type: ignore[index]
    assert matrix == ["3.11", "3.12", "3.13"]
    # the image stage needs vars.REGISTRY (tests/examples/test_example_images.py sets it),
    # the deploy stage vars.DEPLOY_STAGING too (tests/examples/test_example_deploy.py)
    assert all(j["conclusion"] == "skipped" for j in by_id["image"] + by_id["deploy"])
    assert all(j["conclusion"] == "success" for j in jobs if j["id"] not in ("image", "deploy"))
    # each matrix job really set up its own interpreter
    for job in by_id["test-python"]:
        wanted = str(job["matrix"]["python-version"])  # type: ignore[index]
        versions = [s["outputs"].get("python-version", "") for s in job["steps"]]  # type: ignore[attr-defined]
        assert any(str(v).startswith(wanted + ".") for v in versions), versions
    assert by_id["build"][0]["outputs"]
