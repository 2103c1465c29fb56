"""aquasecurity/trivy-action with scan-type fs, through ``conveyor run`` (no containers):
the exit-code rule, ignore-unfixed, .trivyignore, the reports and what fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import Repo, RepoFactory
from tests.scan.fixtures import REQUESTS_CVE, osv, python_dist, write_db

WORKFLOW = """
on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: trivy
        uses: aquasecurity/trivy-action@0.28.0
        with:
{inputs}
      - run: echo after-scan
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "vulndb"
    monkeypatch.setenv("CONVEYOR_VULN_DB", str(folder))
    return folder


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    repo = make_repo("shop")
    python_dist(repo.root, "app/.venv/lib/python3.11/site-packages", "requests", "2.19.0")
    return repo


def _run(repo: Repo, **extra: str) -> tuple[int, str, dict[str, object]]:
    inputs = {"scan-type": "fs", "scan-ref": "app", "severity": "CRITICAL,HIGH",
              "exit-code": "1", **extra}  # fmt: skip
    lines = "\n".join(f"          {k}: {json.dumps(v)}" for k, v in inputs.items())
    repo.workflow(WORKFLOW.format(inputs=lines))
    res = repo.run(commit=True)
    return res.code, res.text(), res.step("scan", "trivy")


def test_a_high_finding_fails_the_step_and_the_table_names_it(repo: Repo, db: Path) -> None:
    write_db(db, REQUESTS_CVE, osv("GHSA-low", "PyPI", "requests", severity="LOW"))
    code, text, step = _run(repo)
    assert code != 0 and step["conclusion"] == "failure"
    assert "CVE-2018-18074" in text and "2.20.0" in text
    assert "Total: 1 (HIGH: 1, CRITICAL: 0)" in text
    assert "GHSA-low" not in text  # below the requested severities
    assert "after-scan" not in text


def test_exit_code_zero_reports_but_passes(repo: Repo, db: Path) -> None:
    write_db(db, REQUESTS_CVE)
    code, text, step = _run(repo, **{"exit-code": "0"})
    assert code == 0 and step["conclusion"] == "success"
    assert "CVE-2018-18074" in text


def test_ignore_unfixed_passes_when_only_unfixed_findings(repo: Repo, db: Path) -> None:
    write_db(db, osv("GHSA-open", "PyPI", "requests", severity="CRITICAL"))
    code, text, _ = _run(repo, **{"ignore-unfixed": "true"})
    assert code == 0, text
    code, text, _ = _run(repo)
    assert code != 0 and "GHSA-open" in text


def test_trivyignore_in_the_workspace_skips_ids(repo: Repo, db: Path) -> None:
    write_db(db, REQUESTS_CVE)
    repo.write(".trivyignore", "# accepted risk\nCVE-2018-18074\n")
    code, text, _ = _run(repo)
    assert code == 0, text
    code, text, _ = _run(repo, trivyignores="missing.ignore")
    assert code != 0 and "cannot find ignorefile 'missing.ignore'" in text


def test_sarif_output_is_sarif_2_1_0_with_every_severity(repo: Repo, db: Path) -> None:
    write_db(db, REQUESTS_CVE, osv("GHSA-low", "PyPI", "requests", severity="LOW"))
    out = repo.tmp / "trivy-results.sarif"  # absolute: the job's workspace is elsewhere
    code, _, _ = _run(repo, format="sarif", output=str(out))
    assert code != 0  # the exit-code rule holds for SARIF too
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    # without limit-severities-for-sarif, trivy-action reports every severity
    assert set(rules) == {"CVE-2018-18074", "GHSA-low"}
    assert rules["CVE-2018-18074"]["properties"]["security-severity"] == "8.0"
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["CVE-2018-18074"]["level"] == "error"
    assert results["GHSA-low"]["level"] == "note"
    uri = results["CVE-2018-18074"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].endswith("requests-2.19.0.dist-info/METADATA")
    assert all(r["ruleIndex"] == list(rules).index(r["ruleId"]) for r in run["results"])
    _, _, _ = _run(
        repo,
        format="sarif",
        output=str(repo.tmp / "limited.sarif"),
        **{"limit-severities-for-sarif": "true"},
    )
    limited = json.loads((repo.tmp / "limited.sarif").read_text())
    assert [r["ruleId"] for r in limited["runs"][0]["results"]] == ["CVE-2018-18074"]


def test_json_output(repo: Repo, db: Path) -> None:
    write_db(db, REQUESTS_CVE)
    _run(repo, format="json", output=str(repo.tmp / "out/trivy.json"))
    report = json.loads((repo.tmp / "out/trivy.json").read_text())
    assert report["SchemaVersion"] == 2 and report["ArtifactType"] == "filesystem"
    vulns = report["Results"][0]["Vulnerabilities"]
    assert [(v["VulnerabilityID"], v["PkgName"], v["FixedVersion"]) for v in vulns] == [
        ("CVE-2018-18074", "requests", "2.20.0")
    ]


def test_a_missing_database_fails_naming_the_variable(repo: Repo, db: Path) -> None:
    code, text, step = _run(repo, **{"exit-code": "0"})  # db fixture: folder never created
    assert code != 0 and step["conclusion"] == "failure"
    assert "CONVEYOR_VULN_DB" in text and "no vulnerability database" in text


@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        ({"scanners": "vuln,secret"}, "scanners: secret"),
        ({"format": "cyclonedx"}, "format: 'cyclonedx'"),
        ({"scan-type": "config"}, "scan-type: 'config'"),
        ({"scan-type": "sbom"}, "scan-type: 'sbom'"),
        ({"template": "@/contrib/html.tpl"}, "template"),
        ({"vuln-type": "os,kernel"}, "vuln-type: unknown kernel"),
        ({"severity": "HIGH,SEVERE"}, "unknown SEVERE"),
        ({"timeout": "five minutes"}, "timeout: 'five minutes'"),
    ],
)
def test_unsupported_inputs_fail_naming_themselves(
    repo: Repo, db: Path, inputs: dict[str, str], named: str
) -> None:
    write_db(db, REQUESTS_CVE)
    code, text, _ = _run(repo, **{"exit-code": "0", **inputs})
    assert code != 0 and named in text
