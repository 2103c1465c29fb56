"""Version ordering per ecosystem; Debian's checked against this machine's dpkg."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conveyor.scan.versions import (
    compare,
    debian_compare,
    generic_compare,
    pep440_compare,
    semver_compare,
)

# (a, b, sign of a - b)
DEBIAN = [
    ("1.0", "1.0", 0),
    ("1.0", "1.1", -1),
    ("1.10", "1.9", 1),
    ("1.0~rc1", "1.0", -1),
    ("1.0~~", "1.0~", -1),
    ("1.0~", "1.0", -1),
    ("1.0", "1.0+b1", -1),
    ("1.0a", "1.0", 1),
    ("1.0a", "1.0+", -1),
    ("1:0.1", "9.9", 1),
    ("0:1.0", "1.0", 0),
    ("1.0-1", "1.0-2", -1),
    ("1.0-10", "1.0-9", 1),
    ("1.0-0", "1.0", 0),
    ("2.36-9+deb12u4", "2.36-9+deb12u10", -1),
    ("3.0.11-1~deb12u2", "3.0.11-1", -1),
    ("1.2.3-1ubuntu1", "1.2.3-1", 1),
    ("1.001", "1.1", 0),
    ("1.0-1.1", "1.0-1+b1", 1),
    ("2:1.0", "1:9.9-9", 1),
    ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1),
    ("1.a", "1.B", 1),
    ("1.0.", "1.0", 1),
]


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


@pytest.mark.parametrize(("a", "b", "want"), DEBIAN)
def test_debian_order(a: str, b: str, want: int) -> None:
    assert _sign(debian_compare(a, b)) == want
    assert _sign(debian_compare(b, a)) == -want


@pytest.mark.parametrize(("a", "b", "want"), DEBIAN)
def test_debian_order_agrees_with_dpkg(a: str, b: str, want: int) -> None:
    if shutil.which("dpkg") is None:
        pytest.skip("dpkg is not installed")

    def dpkg(op: str) -> bool:
        return subprocess.run(["dpkg", "--compare-versions", a, op, b], check=False).returncode == 0

    assert (dpkg("lt"), dpkg("eq"), dpkg("gt")) == (want < 0, want == 0, want > 0)


PEP440 = [
    ("2.19.0", "2.20.0", -1),
    ("2.20", "2.20.0", 0),
    ("1.0.dev1", "1.0a1", -1),
    ("1.0a1", "1.0b1", -1),
    ("1.0b2", "1.0rc1", -1),
    ("1.0rc1", "1.0", -1),
    ("1.0", "1.0.post1", -1),
    ("1.0.post1.dev1", "1.0.post1", -1),
    ("1.0a1.dev1", "1.0a1", -1),
    ("1.0", "1.0+local.1", -1),
    ("1.0+abc", "1.0+1", -1),
    ("1!0.1", "2.0", 1),
    ("1.0-1", "1.0.post1", 0),
    ("1.0alpha1", "1.0a1", 0),
    ("1.0c1", "1.0rc1", 0),
    ("V1.0", "1.0", 0),
    ("1.10", "1.9", 1),
    ("1.0.0", "1.0.0.1", -1),
]


@pytest.mark.parametrize(("a", "b", "want"), PEP440)
def test_pep440_order(a: str, b: str, want: int) -> None:
    assert _sign(pep440_compare(a, b)) == want
    assert _sign(pep440_compare(b, a)) == -want


SEMVER = [
    ("1.2.3", "1.2.4", -1),
    ("1.10.0", "1.9.0", 1),
    ("1.0.0-alpha", "1.0.0", -1),
    ("1.0.0-alpha", "1.0.0-alpha.1", -1),
    ("1.0.0-alpha.1", "1.0.0-alpha.beta", -1),
    ("1.0.0-beta.2", "1.0.0-beta.11", -1),
    ("1.0.0-rc.1", "1.0.0", -1),
    ("1.0.0+build.5", "1.0.0", 0),
    ("v2.0.0", "2.0.0", 0),
    ("4.17.20", "4.17.21", -1),
]


@pytest.mark.parametrize(("a", "b", "want"), SEMVER)
def test_semver_order(a: str, b: str, want: int) -> None:
    assert _sign(semver_compare(a, b)) == want
    assert _sign(semver_compare(b, a)) == -want


def test_unparsable_versions_fall_back_to_a_generic_order() -> None:
    assert _sign(pep440_compare("2013b", "2014a")) == -1
    assert _sign(semver_compare("r10", "r9")) == 1
    assert _sign(generic_compare("1.2", "1.2")) == 0


def test_compare_picks_the_ecosystem_order() -> None:
    # "~" sorts before the release only in Debian's order
    assert compare("Debian:12", "1.0~rc1", "1.0") < 0
    assert compare("PyPI", "1.0rc1", "1.0") < 0
    assert compare("npm", "1.0.0-rc.1", "1.0.0") < 0
