"""``conveyor image tags|build|push`` at a terminal: the same tags as the pipeline's
docker/metadata-action rules, OCI labels on the build, the pushed digest printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.executors.busybox_image import ensure_busybox_image
from tests.harness import Repo, RepoFactory
from tests.images.registry import PASSWORD, USER, Registry, running_registry


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    repo = make_repo("shop")
    repo.set_remote("https://github.com/acme/shop.git")
    return repo


def test_tags_for_the_default_branch_a_pull_request_and_a_version(repo: Repo) -> None:
    sha = repo.commit("first")
    res = repo.cli("image", "tags", "--image", "reg.local/shop/api")
    assert res.code == 0, res.output
    assert res.out.split() == [f"reg.local/shop/api:main-{sha[:7]}", "reg.local/shop/api:latest"]

    repo.git("tag", "v1.4.2")
    event = {"ref": "refs/tags/v1.4.2", "after": sha, "repository": {"default_branch": "main"}}
    res = repo.cli("image", "tags", "-e", str(repo.event(event)), "--image", "shop/api")
    assert res.out.split() == ["shop/api:1.4.2", "shop/api:1.4", "shop/api:1"]

    pr = {"number": 7, "pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"ref": "x"}}}
    res = repo.cli("image", "tags", "pull_request", "-e", str(repo.event(pr)))
    tags = res.out.split()
    assert len(tags) == 1 and tags[0].startswith("shop:pr-7-"), res.output


def test_no_applicable_rule_is_a_usage_error(repo: Repo) -> None:
    repo.commit("first")
    res = repo.cli("image", "tags", "--tag-rule", "type=ref,event=tag")
    assert res.code == 2
    assert "no tag rule applies" in res.err


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    (tmp_path / "registry").mkdir()
    with running_registry(tmp_path / "registry") as reg:
        yield reg
        mine = subprocess.run(
            ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        ours = [n for n in mine if n.startswith(reg.host)]
        if ours:
            subprocess.run(["podman", "rmi", "-f", *ours], capture_output=True, check=False)


@pytest.mark.containers
def test_build_labels_and_push(
    repo: Repo, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ensure_busybox_image()
    repo.write("Dockerfile", f"FROM {base}\nARG V\nRUN echo $V > /v\n")
    sha = repo.commit("first")
    image = f"{registry.host}/shop/api"
    built = repo.cli("image", "build", "--image", image, "--build-arg", "V=1")
    assert built.code == 0, built.output
    authfile = tmp_path / "auth.json"
    login = subprocess.run(
        ["buildah", "login", "--authfile", str(authfile), "--tls-verify=false",
         "-u", USER, "--password-stdin", registry.host],
        input=PASSWORD, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(authfile))
    pushed = repo.cli("image", "push", "--image", image)
    assert pushed.code == 0, pushed.output
    assert registry.tags("shop/api") == sorted([f"main-{sha[:7]}", "latest"])
    digest = registry.digest("shop/api", "latest")
    assert f"{image}:latest@{digest}" in pushed.out
    labels = registry.config("shop/api", "latest")["config"]["Labels"]
    assert labels["org.opencontainers.image.revision"] == sha
    assert labels["org.opencontainers.image.source"] == "https://github.com/acme/shop"
    assert labels["org.opencontainers.image.version"] == f"main-{sha[:7]}"
    assert labels["org.opencontainers.image.created"]
