"""Users' image stage, unchanged: docker/setup-buildx, login, metadata and build-push
against a real registry on 127.0.0.1 (Debian's docker-registry, htpasswd auth), built
with buildah. What is checked is what the registry holds: tags, labels, digests.

Rules: docker/metadata-action's tag rules (a push to the default branch gives
main-<sha7> and latest; a pull request pr-<n>-<sha7>; a v1.4.2 tag 1.4.2, 1.4, 1),
docker/build-push-action's outputs (imageid, digest, metadata), and Docker's treatment
of a loopback registry as insecure (plain HTTP).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.executors.busybox_image import ensure_busybox_image
from tests.harness import Repo, RepoFactory, Result
from tests.images.registry import PASSWORD, Registry, running_registry

pytestmark = pytest.mark.containers

WORKFLOW = """
on: [push, pull_request]
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-qemu-action@v3
      - uses: docker/setup-buildx-action@v3
      - uses: docker/login-action@v3
        with:
          registry: ${{ vars.REGISTRY }}
          username: ci
          password: ${{ secrets.REGISTRY_PASSWORD }}
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: ${{ vars.REGISTRY }}/shop/api
          flavor: latest=false
          tags: |
            type=raw,value=main-{{sha}},enable={{is_default_branch}}
            type=raw,value=latest,enable={{is_default_branch}}
            type=ref,event=pr,suffix=-{{sha}}
            type=semver,pattern={{version}}
            type=semver,pattern={{major}}.{{minor}}
            type=semver,pattern={{major}}
      - id: build
        uses: docker/build-push-action@v6
        with:
          context: .
          push: true
          build-args: GREETING=hello from ${{ github.ref_name }}
          tags: ${{ steps.meta.outputs.tags }}
          labels: ${{ steps.meta.outputs.labels }}
      - run: echo "pushed ${{ steps.build.outputs.digest }} id=${{ steps.build.outputs.imageid }}"
"""

DOCKERFILE = """
FROM {base} AS build
ARG GREETING
RUN echo "$GREETING" > /greeting
FROM {base}
COPY --from=build /greeting /greeting
CMD ["cat", "/greeting"]
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
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


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    base = ensure_busybox_image()
    repo = make_repo("shop")
    repo.set_remote("https://github.com/acme/shop.git")
    repo.workflow(WORKFLOW)
    repo.write("Dockerfile", DOCKERFILE.format(base=base))
    return repo


def _run(repo: Repo, registry: Registry, *args: str, event: str = "push") -> dict[str, str]:
    res = _run_result(repo, registry, *args, event=event)
    return res.step("image", "build")["outputs"]


def _run_result(repo: Repo, registry: Registry, *args: str, event: str = "push") -> Result:
    res = repo.run(
        "--var", f"REGISTRY={registry.host}", "--secret", f"REGISTRY_PASSWORD={PASSWORD}",
        *args, event=event, commit=False,
    )  # fmt: skip
    assert res.code == 0, res.output
    assert PASSWORD not in res.output and PASSWORD not in res.logs
    return res


def test_push_to_main_gives_main_sha_and_latest(repo: Repo, registry: Registry) -> None:
    sha = repo.commit("first")
    res = _run_result(repo, registry)
    out = res.step("image", "build")["outputs"]
    assert registry.tags("shop/api") == sorted([f"main-{sha[:7]}", "latest"])
    config = registry.config("shop/api", "latest")
    labels = config["config"]["Labels"]
    assert labels["org.opencontainers.image.revision"] == sha
    assert labels["org.opencontainers.image.version"] == f"main-{sha[:7]}"
    assert labels["org.opencontainers.image.source"] == "https://github.com/acme/shop"
    digest = registry.digest("shop/api", "latest")
    assert out["digest"] == digest == registry.digest("shop/api", f"main-{sha[:7]}")
    assert out["imageid"].startswith("sha256:")
    metadata = json.loads(out["metadata"])
    assert metadata["containerimage.digest"] == digest
    assert f"{registry.host}/shop/api:latest" in metadata["image.name"].split(",")
    # recorded with the run: in its report and in `conveyor runs RUN`
    pushed = {i["image"]: i["digest"] for i in res.report["images"]}
    assert pushed == {
        f"{registry.host}/shop/api:{t}": digest for t in ("latest", f"main-{sha[:7]}")
    }
    shown = repo.cli("runs", str(res.report["run_id"])).out
    assert f"pushed {registry.host}/shop/api:latest@{digest} (image)" in shown


def test_pull_request_gives_pr_number_and_sha(repo: Repo, registry: Registry) -> None:
    repo.commit("base")
    event = {
        "action": "opened",
        "number": 7,
        "pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"ref": "main"}},
        "repository": {"default_branch": "main"},
    }
    res = repo.run(
        "--var", f"REGISTRY={registry.host}", "--secret", f"REGISTRY_PASSWORD={PASSWORD}",
        "--eventpath", str(repo.event(event)), event="pull_request", commit=False,
    )  # fmt: skip
    assert res.code == 0, res.output
    tags = [t for t in registry.tags("shop/api") if t.startswith("pr-")]
    assert len(tags) == 1 and tags[0].startswith("pr-7-") and len(tags[0]) == len("pr-7-") + 7


def test_a_version_tag_gives_semver_tags(repo: Repo, registry: Registry) -> None:
    sha = repo.commit("release")
    repo.git("tag", "v1.4.2")
    event = {"ref": "refs/tags/v1.4.2", "after": sha, "repository": {"default_branch": "main"}}
    _run(repo, registry, "--eventpath", str(repo.event(event)))
    assert {"1.4.2", "1.4", "1"} <= set(registry.tags("shop/api"))
    labels = registry.config("shop/api", "1.4.2")["config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == "1.4.2"


def test_a_wrong_password_fails_the_login_step(repo: Repo, registry: Registry) -> None:
    repo.commit("first")
    res = repo.run(
        "--var", f"REGISTRY={registry.host}", "--secret", "REGISTRY_PASSWORD=wrong-pw-123",
        commit=False,
    )  # fmt: skip
    assert res.code == 1
    steps = res.job("image")["steps"]
    login = next(s for s in steps if "login" in s["name"])
    assert login["outcome"] == "failure"
    assert "wrong-pw-123" not in res.output + res.logs


def test_unsupported_build_inputs_fail_naming_them(repo: Repo, tmp_path: Path) -> None:
    repo.workflow(
        """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          ssh: default
"""
    )
    repo.commit("ssh")
    res = repo.run(commit=False)
    assert res.code == 1
    assert "ssh is not supported by conveyor's buildah builder" in res.logs
