"""aquasecurity/trivy-action on an image built in the same job with
docker/build-push-action (buildah), read from the local store with podman."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.scan.base import LocalRunner, Target
from conveyor.scan.builtin import BuiltinScanner
from conveyor.scan.image import image_root
from tests.executors.busybox_image import ensure_busybox_image
from tests.harness import Repo, RepoFactory
from tests.scan.fixtures import DPKG_STATUS, METADATA, REQUESTS_CVE, osv, write_db

pytestmark = pytest.mark.containers

WORKFLOW = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          context: .
          tags: {tag}
      - id: trivy
        uses: aquasecurity/trivy-action@0.28.0
        with:
          image-ref: {tag}
          severity: CRITICAL,HIGH
          exit-code: "1"
{extra}
"""

SITE = "usr/lib/python3/dist-packages/requests-2.19.0.dist-info"
DOCKERFILE = f"""
FROM {{base}}
COPY status /var/lib/dpkg/status
COPY METADATA /{SITE}/METADATA
"""


@pytest.fixture(scope="module")
def tag() -> Iterator[str]:
    name = f"localhost/conveyor-scan-test:{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:  # the image the tests built leaves the local store
        subprocess.run(["podman", "rmi", "-f", name], capture_output=True, check=False)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "vulndb"
    monkeypatch.setenv("CONVEYOR_VULN_DB", str(folder))
    return folder


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    base = ensure_busybox_image()
    repo = make_repo("shop")
    repo.write("Dockerfile", DOCKERFILE.format(base=base))
    repo.write("status", DPKG_STATUS)
    repo.write("METADATA", METADATA.format(name="requests", version="2.19.0"))
    return repo


def _run(repo: Repo, tag: str, extra: str = "") -> tuple[int, str]:
    repo.workflow(WORKFLOW.format(tag=tag, extra=extra))
    res = repo.run(commit=True)
    return res.code, res.text()


def test_a_high_vulnerability_in_the_image_fails_the_step(repo: Repo, db: Path, tag: str) -> None:
    write_db(db, REQUESTS_CVE, osv("DSA-x", "Debian", "openssl", fixed="3.0.13-1", severity="LOW"))
    code, text = _run(repo, tag)
    assert code != 0, text
    assert "CVE-2018-18074" in text and "Total: 1 (HIGH: 1, CRITICAL: 0)" in text
    assert "DSA-x" not in text  # LOW is not asked for
    assert "1 vulnerability found" in text and "exit-code 1" in text


def test_ignore_unfixed_passes_with_only_unfixed_findings(repo: Repo, db: Path, tag: str) -> None:
    write_db(db, osv("GHSA-open", "PyPI", "requests", severity="HIGH"))
    code, text = _run(repo, tag, '          ignore-unfixed: "true"')
    assert code == 0, text
    assert "Total: 0" in text


def test_sarif_output_of_an_image_scan(repo: Repo, db: Path, tag: str) -> None:
    write_db(db, REQUESTS_CVE)
    out = repo.tmp / "trivy.sarif"
    code, _ = _run(repo, tag, f"          format: sarif\n          output: {out}")
    assert code != 0
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "CVE-2018-18074" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == f"{SITE}/METADATA"


def test_a_missing_image_fails_naming_it(db: Path) -> None:
    write_db(db, REQUESTS_CVE)
    scanner = BuiltinScanner(db, LocalRunner())
    with pytest.raises(Exception, match="localhost/conveyor-no-such-image:1"):
        scanner.scan(Target(kind="image", ref="localhost/conveyor-no-such-image:1"))


@pytest.fixture(scope="module")
def fake_debian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An image holding the fake dpkg status and requests METADATA, built directly."""
    base = ensure_busybox_image()
    ctx = tmp_path_factory.mktemp("ctx")
    (ctx / "Dockerfile").write_text(DOCKERFILE.format(base=base))
    (ctx / "status").write_text(DPKG_STATUS)
    (ctx / "METADATA").write_text(METADATA.format(name="requests", version="2.19.0"))
    name = f"localhost/conveyor-scan-direct:{uuid.uuid4().hex[:8]}"
    subprocess.run(["buildah", "bud", "-q", "-t", name, str(ctx)], capture_output=True, check=True)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rmi", "-f", name], capture_output=True, check=False)


@pytest.mark.parametrize("prefer_mount", [True, False])
def test_mount_and_export_find_the_same_packages(
    fake_debian: str, db: Path, prefer_mount: bool
) -> None:
    from conveyor.scan.inventory import inventory

    with image_root(LocalRunner(), fake_debian, prefer_mount=prefer_mount) as root:
        found = {(p.name, p.version, p.source) for p in inventory(root)}
        # a mount shows the whole image; an export extracts only what an inventory reads
        assert (root / "bin/busybox").exists() == prefer_mount
    assert found == {
        ("libssl3", "3.0.11-1~deb12u2+b1", "var/lib/dpkg/status"),
        ("zlib1g", "1:1.2.13.dfsg-1", "var/lib/dpkg/status"),
        ("tzdata", "2024a-0+deb12u1", "var/lib/dpkg/status"),
        ("requests", "2.19.0", f"{SITE}/METADATA"),
    }
    if not prefer_mount:
        assert not root.exists()  # the export's temporary folder is gone
    mounts = subprocess.run(["podman", "image", "mount"], capture_output=True, text=True)
    assert fake_debian not in mounts.stdout  # unmounted after
