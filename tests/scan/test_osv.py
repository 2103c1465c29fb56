"""Matching installed packages against OSV records."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conveyor.scan.base import Package, ScanError
from conveyor.scan.inventory import inventory
from conveyor.scan.osv import affects, cvss3_score, db_path, load, match, severity
from conveyor.scan.policy import parse_ignore_file, parse_severities, select
from tests.scan.fixtures import REQUESTS_CVE, make_rootfs, osv, write_db


def _pkg(ecosystem: str, name: str, version: str) -> Package:
    return Package(name=name, version=version, ecosystem=ecosystem, source="x", kind="library")


@pytest.mark.parametrize(
    ("version", "hit", "fixed"),
    [("2.19.0", True, "2.20.0"), ("2.20.0", False, ""), ("2.31.0", False, ""),
     ("2.20.0rc1", True, "2.20.0"), ("0.1", True, "2.20.0")],
)  # fmt: skip
def test_introduced_and_fixed(version: str, hit: bool, fixed: str) -> None:
    assert affects(REQUESTS_CVE, "PyPI", "requests", version) == (hit, fixed)


def test_several_ranges_and_last_affected() -> None:
    record = osv("X-1", "npm", "lodash", introduced="1.0.0", fixed="1.5.0")
    record["affected"][0]["ranges"][0]["events"] += [{"introduced": "2.0.0"}, {"fixed": "2.3.0"}]
    assert affects(record, "npm", "lodash", "0.9.0") == (False, "")
    assert affects(record, "npm", "lodash", "1.2.0") == (True, "1.5.0")
    assert affects(record, "npm", "lodash", "1.7.0") == (False, "")
    assert affects(record, "npm", "lodash", "2.1.0") == (True, "2.3.0")
    last = osv("X-2", "npm", "lodash", introduced="1.0.0", last_affected="1.4.0")
    assert affects(last, "npm", "lodash", "1.4.0") == (True, "")
    assert affects(last, "npm", "lodash", "1.4.1") == (False, "")


def test_versions_lists_and_names() -> None:
    record = osv("X-3", "PyPI", "Jinja2", versions=["3.1.2", "3.1.3"], ranges=False)
    assert affects(record, "PyPI", "jinja2", "3.1.2") == (True, "")
    assert affects(record, "PyPI", "Jinja2", "3.1.4") == (False, "")
    assert affects(record, "npm", "jinja2", "3.1.2") == (False, "")


def test_debian_records_match_the_source_package_and_release(tmp_path: Path) -> None:
    root = make_rootfs(tmp_path / "root")
    db = load(
        write_db(
            tmp_path / "db",
            osv("DSA-1", "Debian:12", "openssl", fixed="3.0.13-1~deb12u1", severity=None),
            osv("DSA-2", "Debian:11", "zlib", fixed="1:1.2.13.dfsg-9"),
            osv("DSA-3", "Debian", "zlib", fixed="1:1.2.13.dfsg-1"),  # fixed in the installed
        )
    )
    found = match(db, inventory(root, pkg_types=["os"]), "Debian:12")
    assert [(f.id, f.package, f.installed, f.fixed) for f in found] == [
        ("DSA-1", "libssl3", "3.0.11-1~deb12u2+b1", "3.0.13-1~deb12u1")
    ]
    assert found[0].severity == "UNKNOWN"


def test_withdrawn_records_and_aliases(tmp_path: Path) -> None:
    db = load(
        write_db(
            tmp_path / "db",
            REQUESTS_CVE,
            osv("GHSA-gone", "PyPI", "requests", withdrawn=True),
        )
    )
    assert db.records == 2
    found = match(db, [_pkg("PyPI", "requests", "2.19.0")])
    assert [f.id for f in found] == ["CVE-2018-18074"]
    assert found[0].aliases == ("GHSA-x84v-xcm2-53pg", "CVE-2018-18074")
    assert found[0].title == "Insufficiently Protected Credentials in Requests"


def test_zip_archives_and_lists_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    with zipfile.ZipFile(folder / "all.zip", "w") as archive:
        archive.writestr("a.json", json.dumps(REQUESTS_CVE))
    (folder / "more.json").write_text(json.dumps([osv("X-9", "npm", "lodash")]))
    db = load(folder)
    assert db.records == 2
    assert db.candidates("npm", "LODASH") and db.candidates("PyPI", "Requests")


def test_severity_from_words_and_cvss() -> None:
    assert severity(osv("A", "PyPI", "x", severity="MODERATE"))[0] == "MEDIUM"
    critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert cvss3_score(critical) == 9.8
    assert cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1
    assert cvss3_score("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N") == 0.0
    assert cvss3_score("not a vector") is None
    assert severity(osv("B", "PyPI", "x", severity=None, cvss=critical)) == ("CRITICAL", 9.8)
    assert severity(osv("C", "PyPI", "x", severity=None))[0] == "UNKNOWN"


def test_select_filters_severity_unfixed_and_ignored(tmp_path: Path) -> None:
    db = load(
        write_db(
            tmp_path / "db",
            REQUESTS_CVE,
            osv("GHSA-low", "PyPI", "requests", severity="LOW", fixed="3.0.0"),
            osv("GHSA-unfixed", "PyPI", "requests", severity="CRITICAL"),
        )
    )
    found = match(db, [_pkg("PyPI", "requests", "2.19.0")])
    assert len(found) == 3
    high = parse_severities("critical,HIGH")
    assert high == ("HIGH", "CRITICAL")
    assert {f.id for f in select(found, high)} == {"CVE-2018-18074", "GHSA-unfixed"}
    assert {f.id for f in select(found, high, ignore_unfixed=True)} == {"CVE-2018-18074"}
    # an ignore file may name the CVE or the record's own id
    assert select(found, high, ignored={"GHSA-x84v-xcm2-53pg", "GHSA-unfixed"}) == []
    with pytest.raises(ScanError, match="unknown SEVERE"):
        parse_severities("HIGH,SEVERE")


def test_ignore_files_skip_comments_and_expired_lines() -> None:
    import datetime

    text = "# ours\nCVE-1\nCVE-2 exp:2020-01-01\nCVE-3 exp:2999-01-01  # later\n\n"
    assert parse_ignore_file(text, datetime.date(2024, 1, 1)) == {"CVE-1", "CVE-3"}


def test_a_missing_or_empty_database_is_loud(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="CONVEYOR_VULN_DB"):
        db_path({"CONVEYOR_VULN_DB": str(tmp_path / "nope")})
    with pytest.raises(ScanError, match="CONVEYOR_VULN_DB"):
        db_path({"HOME": str(tmp_path)})  # the default under ~ is absent too
    (tmp_path / "empty").mkdir()
    assert db_path({"CONVEYOR_VULN_DB": str(tmp_path / "empty")}) == tmp_path / "empty"
    with pytest.raises(ScanError, match="holds no OSV records"):
        load(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad/x.json").write_text("{not json")
    with pytest.raises(ScanError, match="not a readable OSV file"):
        load(tmp_path / "bad")
