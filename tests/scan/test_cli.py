"""``conveyor scan``, through its own parser and through the ``conveyor`` command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from conveyor.cli.main import main
from conveyor.cli.scan import add_parser, cmd_scan
from tests.scan.fixtures import REQUESTS_CVE, make_rootfs, osv, write_db


def _scan(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="conveyor")
    add_parser(parser.add_subparsers(dest="command"), argparse.HelpFormatter)
    return cmd_scan(parser.parse_args(["scan", *argv]))


def test_fs_scan_table_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_rootfs(tmp_path / "root")
    db = write_db(tmp_path / "db", REQUESTS_CVE, osv("L", "npm", "lodash", severity="LOW"))
    assert _scan("--fs", str(root), "--db", str(db), "--severity", "HIGH", "--exit-code", "3") == 3
    out = capsys.readouterr().out
    assert "CVE-2018-18074" in out and "lodash" not in out
    assert _scan("--fs", str(root), "--db", str(db), "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    ids = {v["VulnerabilityID"] for r in report["Results"] for v in r["Vulnerabilities"]}
    assert ids == {"CVE-2018-18074", "L"}


def test_errors_name_the_database_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONVEYOR_SCANNER", raising=False)
    monkeypatch.setenv("CONVEYOR_VULN_DB", str(tmp_path / "none"))
    assert _scan("--fs", str(tmp_path)) == 2
    assert "CONVEYOR_VULN_DB" in capsys.readouterr().err
    assert _scan() == 2 and "IMAGE or --fs" in capsys.readouterr().err


def test_the_conveyor_command_line_runs_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_rootfs(tmp_path / "root")
    db = write_db(tmp_path / "db", REQUESTS_CVE)
    assert main(["scan", "--fs", str(root), "--db", str(db), "--exit-code", "4"]) == 4
    assert "CVE-2018-18074" in capsys.readouterr().out
