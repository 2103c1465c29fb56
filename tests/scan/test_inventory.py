"""The packages found in a root filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.scan.base import ScanError
from conveyor.scan.inventory import inventory, normalize_pypi, os_release
from tests.scan.fixtures import make_rootfs, npm_package


def _names(packages: list) -> set[tuple[str, str, str]]:
    return {(p.ecosystem, p.name, p.version) for p in packages}


def test_inventory_reads_dpkg_python_and_npm(tmp_path: Path) -> None:
    root = make_rootfs(tmp_path / "root")
    found = inventory(root)
    assert _names(found) == {
        ("Debian", "libssl3", "3.0.11-1~deb12u2+b1"),
        ("Debian", "zlib1g", "1:1.2.13.dfsg-1"),
        ("Debian", "tzdata", "2024a-0+deb12u1"),
        ("PyPI", "requests", "2.19.0"),
        ("PyPI", "Jinja2", "3.1.2"),
        ("PyPI", "old.thing", "0.1"),
        ("npm", "lodash", "4.17.20"),
        ("npm", "@babel/core", "7.0.0"),
    }
    ssl = next(p for p in found if p.name == "libssl3")
    assert (ssl.source_name, ssl.source_version) == ("openssl", "3.0.11-1~deb12u2")
    assert ssl.kind == "os" and ssl.source == "var/lib/dpkg/status"
    zlib = next(p for p in found if p.name == "zlib1g")
    assert (zlib.source_name, zlib.source_version) == ("zlib", "1:1.2.13.dfsg-1")
    requests = next(p for p in found if p.name == "requests")
    assert requests.kind == "library"
    assert requests.source == "usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA"


def test_status_d_files_count_like_the_status_file(tmp_path: Path) -> None:
    status_d = tmp_path / "var/lib/dpkg/status.d"
    status_d.mkdir(parents=True)
    (status_d / "base-files").write_text("Package: base-files\nVersion: 12.4+deb12u5\n")
    assert _names(inventory(tmp_path)) == {("Debian", "base-files", "12.4+deb12u5")}


def test_pkg_types_and_skip_dirs_narrow_the_inventory(tmp_path: Path) -> None:
    root = make_rootfs(tmp_path / "root")
    npm_package(root, "app/node_modules/lodash", "minimist", "0.0.8")  # nested
    assert {p.kind for p in inventory(root, pkg_types=["os"])} == {"os"}
    assert {p.kind for p in inventory(root, pkg_types=["library"])} == {"library"}
    names = {p.name for p in inventory(root, skip_dirs=["app"], pkg_types=["library"])}
    assert names == {"requests", "Jinja2", "old.thing"}
    assert "minimist" in {p.name for p in inventory(root)}


def test_os_release_and_names(tmp_path: Path) -> None:
    root = make_rootfs(tmp_path / "root")
    assert os_release(root)["VERSION_ID"] == "12"
    assert os_release(tmp_path) == {}
    assert normalize_pypi("Foo_Bar.baz") == "foo-bar-baz"


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="not a folder"):
        inventory(tmp_path / "nope")
