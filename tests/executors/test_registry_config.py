"""Registry mirrors and logins from Conveyor's configuration, against real registries
(docker-registry on loopback) and real podman pulls."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.executors.busybox_image import container_engine, ensure_busybox_image
from tests.harness import Repo, RepoFactory
from tests.images.registry import PASSWORD, USER, running_registry

pytestmark = pytest.mark.containers

WORKFLOW = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container:
      image: {image}
    steps:
      - run: echo "inside $(cat /www/index.html)"
"""


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    return make_repo("shop")


def _copy(image: str, dest: str, creds: bool) -> None:
    auth = ["--dest-creds", f"{USER}:{PASSWORD}"] if creds else []
    pushed = subprocess.run(
        ["skopeo", "copy", "--dest-tls-verify=false", *auth,
         f"containers-storage:{image}", f"docker://{dest}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr


def _forget(image: str) -> None:
    subprocess.run([container_engine(), "rmi", "-f", image], capture_output=True, check=False)


def test_a_docker_hub_image_is_pulled_from_the_configured_mirror(
    repo: Repo, tmp_path: Path
) -> None:
    busybox = ensure_busybox_image()
    hub_name = "docker.io/library/conveyor-mirror-probe:1"
    _forget(hub_name)
    (tmp_path / "mirror").mkdir()
    with running_registry(tmp_path / "mirror", auth=False) as mirror:
        _copy(busybox, f"{mirror.host}/library/conveyor-mirror-probe:1", creds=False)
        repo.workflow(WORKFLOW.format(image=hub_name))
        try:
            res = repo.run()  # no mirror: Docker Hub is out of reach here
            assert res.code == 1
            assert "conveyor-mirror-probe" in res.job("test")["error"]
            repo.write(
                ".conveyor.yml", f"registries:\n  docker.io:\n    mirrors: [{mirror.host}]\n"
            )
            res = repo.run()
            assert res.code == 0, res.output
            assert "inside hello-www" in res.logs
            assert "CONTAINERS_REGISTRIES_CONF" not in os.environ  # only for the run
            assert (res.run_dir / "registries.conf").read_text().count(mirror.host) == 1
        finally:
            _forget(hub_name)


def test_a_private_image_is_pulled_with_the_configured_login(repo: Repo, tmp_path: Path) -> None:
    busybox = ensure_busybox_image()
    (tmp_path / "registry").mkdir()
    with running_registry(tmp_path / "registry") as registry:
        private = f"{registry.host}/private/busybox:2"
        _copy(busybox, private, creds=True)
        _forget(private)
        repo.workflow(WORKFLOW.format(image=private))
        repo.write(
            ".conveyor.yml",
            f"registries:\n  {registry.host}:\n    username: {USER}\n    password-secret: REG_PW\n",
        )
        try:
            res = repo.run()
            assert res.code == 1
            error = res.job("test")["error"]
            assert "--secret REG_PW" in error and registry.host in error
            res = repo.run("--secret", f"REG_PW={PASSWORD}")
            assert res.code == 0, res.output
            assert "inside hello-www" in res.logs
            assert PASSWORD not in res.output + res.logs
        finally:
            _forget(private)
