"""``conveyor run`` options: job and workflow selection, matrix filter, bad input (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Repo, RepoFactory, conveyor

CHAIN = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built > {marks}/build
  test:
    needs: build
    strategy:
      matrix:
        py: ["3.11", "3.12"]
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{{{ matrix.py }}}} >> {marks}/test
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo deployed > {marks}/deploy
  unrelated:
    runs-on: ubuntu-latest
    steps:
      - run: echo x > {marks}/unrelated
"""


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    path = tmp_path / "marks"
    path.mkdir()
    return path


@pytest.fixture
def chain(repo: Repo, marks: Path) -> Repo:
    repo.workflow(CHAIN.format(marks=marks), "ci.yml")
    repo.workflow(
        f"on: push\njobs:\n  other:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n      - run: echo o > {marks}/other\n",
        "other.yml",
    )
    repo.commit()
    return repo


def test_job_runs_with_its_needs_only(chain: Repo, marks: Path) -> None:
    res = chain.run("-j", "test")
    assert res.report, res.output  # the report was written
    report = res.report
    assert res.code == 0, res.output
    assert sorted(p.name for p in marks.iterdir()) == ["build", "test"]
    assert sorted((marks / "test").read_text().split()) == ["3.11", "3.12"]
    jobs = [j["id"] for w in report["workflows"] for j in w["jobs"]]
    assert sorted(jobs) == ["build", "test", "test"]
    assert [w["file"] for w in report["workflows"]] == [".github/workflows/ci.yml"]


def test_unknown_job_lists_the_jobs(chain: Repo, marks: Path) -> None:
    res = chain.run("-j", "nope")
    assert res.code == 2
    assert "no job 'nope'" in res.err
    assert "build, deploy, other, test, unrelated" in res.err
    assert list(marks.iterdir()) == []


def test_job_of_a_workflow_the_event_does_not_trigger(repo: Repo) -> None:
    repo.workflow(
        "on:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: 'true'\n",
        "rel.yml",
    )
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n", "ci.yml"
    )
    repo.commit()
    res = repo.run("-j", "publish")
    assert res.code == 2
    assert "jobs are: a" in res.err
    assert ".github/workflows/rel.yml has a job 'publish' but is not triggered" in res.err


def test_one_workflow_file(chain: Repo, marks: Path) -> None:
    res = chain.run("-W", ".github/workflows/other.yml")
    assert res.report, res.output  # the report was written
    report = res.report
    assert res.code == 0, res.output
    assert [p.name for p in marks.iterdir()] == ["other"]
    assert [w["file"] for w in report["workflows"]] == [".github/workflows/other.yml"]


def test_matrix_filter(chain: Repo, marks: Path) -> None:
    res = chain.run("-j", "test", "--matrix", "py:3.12")
    assert res.report, res.output  # the report was written
    report = res.report
    assert res.code == 0, res.output
    assert (marks / "test").read_text().split() == ["3.12"]
    matrices = [j["matrix"] for w in report["workflows"] for j in w["jobs"] if j["id"] == "test"]
    assert matrices == [{"py": "3.12"}]


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("pyy:3.12", "--matrix pyy: no job has a matrix key 'pyy'; keys: py"),
        ("py:2.7", "--matrix py:2.7 matches no combination; py is one of: 3.11, 3.12"),
    ],
)
def test_matrix_filter_matching_nothing_is_an_error(chain: Repo, given: str, says: str) -> None:
    res = chain.run("-j", "test", "--matrix", given)
    assert res.code == 2, res.output
    assert says in res.err


def test_an_unknown_event_is_an_error(chain: Repo) -> None:
    res = chain.run(event="pushh")
    assert res.code == 2
    assert "unknown event 'pushh' (did you mean 'push'?)" in res.err


def test_workflow_path_missing(chain: Repo) -> None:
    res = chain.run("-W", "nowhere.yml")
    assert res.code == 2
    assert "workflow path 'nowhere.yml' does not exist" in res.err


def test_directory_missing(tmp_path: Path, repo: Repo) -> None:
    res = conveyor("run", "-C", str(tmp_path / "absent"), "--list")
    assert res.code == 2


def test_directory_missing_message(repo: Repo) -> None:
    res = conveyor("run", "-C", "/definitely/not/here", "-n")
    assert res.code == 2
    assert "-C /definitely/not/here: not a directory" in res.err


@pytest.mark.parametrize(
    ("text", "where", "source", "caret"),
    [
        (
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    bogus: 1\n"
            "    steps:\n      - run: x\n",
            ":5:5:",
            "    bogus: 1",
            "    ^~~~~",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: echo ${{ github.sha == }}\n",
            ":6:19:",
            "      - run: echo ${{ github.sha == }}",
            "                  ^",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: [unclosed\n      - run: x\n",
            ":7:",
            None,
            None,
        ),
    ],
    ids=["unknown-key", "bad-expression", "invalid-yaml"],
)
def test_bad_workflow_is_reported_with_position(
    repo: Repo, text: str, where: str, source: str | None, caret: str | None
) -> None:
    repo.workflow(text, "bad.yml")
    repo.commit()
    for args in (["run", "--no-color"], ["run", "--list"], ["validate"]):
        res = repo.cli(*args)
        assert res.code == 2, (args, res.output)
        assert f".github/workflows/bad.yml{where}" in res.err, res.err
        if source is not None and caret is not None:
            lines = res.err.splitlines()
            assert source in lines
            assert lines[lines.index(source) + 1].startswith(caret)


def test_validate_reports_every_problem_of_every_file(repo: Repo) -> None:
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    bogus: 1\n    steps: []\n", "a.yml")
    repo.workflow(
        "on: push\njobs:\n  b:\n    runs-on: x\n    steps: [{run: x, nope: 2}]\n", "b.yml"
    )
    repo.workflow("on: push\njobs:\n  c:\n    runs-on: x\n    steps: [{run: x}]\n", "ok.yml")
    res = repo.cli("validate")
    assert res.code == 2
    assert "a.yml:5:5:" in res.err and "b.yml:5:" in res.err
    assert "ok.yml" not in res.err


def test_validate_ok(repo: Repo) -> None:
    repo.workflow("on: push\njobs:\n  c:\n    runs-on: x\n    steps: [{run: x}]\n", "ok.yml")
    res = repo.cli("validate")
    assert res.code == 0
    assert res.out.strip().endswith("ok.yml: ok (1 jobs)")


@pytest.mark.parametrize("mode", ["--dry-run", "--list", "--graph", None])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--secret", "CONVEYOR_TEST_UNSET_SECRET"], "$CONVEYOR_TEST_UNSET_SECRET is not set"),
        (["--secret", "=x"], "must look like NAME=VALUE"),
        (["--input", "level"], "--input 'level' must look like NAME=VALUE"),
        (["--input", "=debug"], "--input '=debug' must look like NAME=VALUE"),
        (["--var", "novalue"], "--var 'novalue' must look like NAME=VALUE"),
        (["--matrix", "py=3.12"], "--matrix 'py=3.12' must look like NAME:VALUE"),
        (["--secret-file", "missing.env"], "cannot read missing.env"),
        (["--input", "a=1"], "--input is for workflow_dispatch"),
    ],
)
def test_bad_options_exit_2_in_every_mode(
    chain: Repo,
    marks: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
    mode: str | None,
) -> None:
    monkeypatch.delenv("CONVEYOR_TEST_UNSET_SECRET", raising=False)
    res = chain.run(*args, *([mode] if mode else []))
    assert res.code == 2, res.output
    assert message in res.err
    assert res.err.startswith("conveyor: ")
    assert list(marks.iterdir()) == []


def test_secret_from_environment(chain: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_TEST_SECRET", "from-env-123")
    res = chain.run("--secret", "CONVEYOR_TEST_SECRET", "--dry-run")
    assert res.code == 0, res.output


def test_not_a_git_repository_still_plans(repo: Repo, make_repo: RepoFactory) -> None:
    plain = make_repo("plain", init=False)
    plain.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n")
    # a folder without git still runs: an unborn `main`, sha all zeros
    res = plain.cli("run", "--list")
    assert res.code == 0
    assert "a" in res.out


def test_no_workflows(repo: Repo) -> None:
    repo.write("README", "hi\n")
    repo.commit()
    res = repo.run("--list")
    assert res.code == 2
    assert "no workflow files found" in res.err


def test_relative_workflow_path_is_read_from_the_c_directory(repo: Repo, tmp_path: Path) -> None:
    # like `git -C`: -W .github/workflows/x.yml names the file of the repository given
    # with -C, even when the current directory has a file of the same name
    decoy = tmp_path / ".github" / "workflows" / "ci.yml"
    decoy.parent.mkdir(parents=True, exist_ok=True)
    decoy.write_text("on: push\njobs:\n  decoy:\n    runs-on: x\n    steps: [{run: 'true'}]\n")
    repo.workflow(
        "on: push\njobs:\n  real:\n    runs-on: x\n    steps: [{run: 'true'}]\n", "ci.yml"
    )
    repo.commit()
    res = repo.run("-W", ".github/workflows/ci.yml", "--list")
    assert res.code == 0, res.output
    assert "real" in res.out and "decoy" not in res.out


def test_run_from_a_subdirectory_names_the_repository_root(chain: Repo) -> None:
    sub = chain.root / "src" / "pkg"
    sub.mkdir(parents=True)
    res = conveyor("run", "-C", str(sub))
    assert res.code == 2
    assert f"this is a subdirectory of the repository {chain.root}" in res.err


def test_a_filtered_out_workflow_runs_on_purpose_with_ignore_filters(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo()
    repo.workflow(
        "on:\n  push:\n    branches: [release]\n"
        "jobs:\n  a:\n    runs-on: x\n    steps: [{run: echo forced-run}]\n"
    )
    skipped = repo.run()
    assert skipped.code == 0 and "forced-run" not in skipped.output
    assert "to run it anyway, whatever its filters say: --ignore-filters" in skipped.err
    forced = repo.run("--ignore-filters")
    assert forced.code == 0, forced.output
    assert "forced-run" in forced.output


def test_jobs_1_runs_one_job_at_a_time(repo: Repo, marks: Path) -> None:
    steps = "".join(
        f"  j{i}:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: echo start >> {marks}/log; sleep 0.05; echo end >> {marks}/log\n"
        for i in range(4)
    )
    repo.workflow("on: push\njobs:\n" + steps, "ci.yml")
    repo.commit()
    res = repo.run("--jobs", "1")
    assert res.code == 0, res.output
    assert (marks / "log").read_text().split() == ["start", "end"] * 4


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_jobs_must_be_a_positive_number(repo: Repo, value: str) -> None:
    res = repo.run("--jobs", value)
    assert res.code == 2
    assert "expected a whole number of at least 1" in res.err
