"""The example monorepo's image stage and its PostgreSQL job, end to end, on podman.

A push to ``main`` of a copy of ``examples/aegis-monorepo``, with ``vars.REGISTRY`` set to
a real registry on 127.0.0.1 (htpasswd user ``ci``): the whole workflow runs — lint, the
host Python matrix, the dashboard and engine tests, the wheel, the ``python:3.12``
container job with its ``postgres:16`` service, and the ``image`` matrix (risk, dashboard,
engine) built with buildah and pushed through docker/login, metadata and build-push.

Checked where it shows: the registry holds exactly ``main-<sha7>`` and ``latest`` for
each service, labelled with the commit; the container job's log shows the database tests
passed (not skipped).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RepoFactory
from tests.images.registry import PASSWORD, Registry, running_registry

pytestmark = [pytest.mark.slow, pytest.mark.containers]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aegis-monorepo"
SERVICES = ("risk", "dashboard", "engine")
IMAGES = ("debian:bookworm", "python:3.11", "python:3.12", "python:3.13", "postgres:16", "node:20")
DB_TESTS = (
    "test_decisions_are_stored_and_read_back",
    "test_positions_and_rejections_come_from_the_database",
    "test_cli_records_decisions_and_resumes_positions",
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    for tool in ("podman", "buildah", "cargo", "node", "npm", "git"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    built = subprocess.run(
        [sys.executable, "-m", "conveyor", "images", "bootstrap", *IMAGES],
        capture_output=True, text=True, timeout=30 * 60, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    with running_registry(tmp_path_factory.mktemp("registry")) as reg:
        try:
            yield reg
        finally:  # the images built here, tagged for this registry, leave the local store
            listing = subprocess.run(
                ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            mine = [n for n in listing.stdout.split() if n.startswith(reg.host + "/")]
            if mine:
                subprocess.run(["podman", "rmi", "-f", *mine], capture_output=True, check=False)


def test_push_to_main_publishes_three_images_and_tests_against_postgres(
    make_repo: RepoFactory, registry: Registry
) -> None:
    repo = make_repo("aegis")
    shutil.copytree(
        EXAMPLE,
        repo.root,
        ignore=shutil.ignore_patterns(".conveyor", "node_modules", "target", "__pycache__"),
        dirs_exist_ok=True,
    )
    sha = repo.commit("aegis")
    res = repo.run(
        "--var", f"REGISTRY={registry.host}", "--secret", f"REGISTRY_PASSWORD={PASSWORD}",
        event="push", commit=False, timeout=30 * 60,
    )  # fmt: skip
    assert res.code == 0, res.output[-6000:]
    assert res.conclusion == "success"
    assert PASSWORD not in res.all_text()

    images = res.jobs("image")
    assert sorted(j["matrix"]["service"] for j in images) == sorted(SERVICES)
    # no cluster is configured (vars.DEPLOY_STAGING is not set): the deploy job is skipped
    assert res.job("deploy")["conclusion"] == "skipped"
    assert all(j["conclusion"] == "success" for j in res.jobs() if j["id"] != "deploy")
    for service in SERVICES:
        name = f"aegis/{service}"
        assert registry.tags(name) == sorted([f"main-{sha[:7]}", "latest"]), name
        labels = registry.config(name, "latest")["config"]["Labels"]
        assert labels["org.opencontainers.image.revision"] == sha, name
        assert labels["org.opencontainers.image.version"] == f"main-{sha[:7]}", name
        assert registry.digest(name, "latest") == registry.digest(name, f"main-{sha[:7]}")
        digest = res.outputs("image", "build", service=service)["digest"]
        assert digest == registry.digest(name, "latest"), name

    # the container job ran the database tests against the postgres service
    job = res.job("test-python-container")
    assert job["conclusion"] == "success"
    log = Path(job["log"]).read_text(encoding="utf-8")
    for test in DB_TESTS:
        assert f"tests/test_store.py::{test} PASSED" in log, log[-4000:]
    assert "SKIPPED" not in log and "DATABASE_URL is not set" not in log
    assert "Required test coverage of 100% reached" in log
    # while the host matrix skipped them, saying why
    host = Path(res.job("test-python", **{"python-version": "3.12"})["log"])
    assert "DATABASE_URL is not set: no PostgreSQL to test against" in host.read_text()
