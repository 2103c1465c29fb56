"""Matrix jobs: expansion, names, strategy context, fail-fast, max-parallel, dynamic matrix.

Rules: docs "Running variations of jobs in a workflow" (include/exclude, fail-fast
cancels in-progress and queued jobs of the matrix when one fails, max-parallel,
continue-on-error per combination so an experimental failure does not cancel the
others) and "Contexts > strategy context" (job-index is zero-based, job-total).
"""

from __future__ import annotations

import itertools

from tests.harness import Repo, RunWorkflow


def test_include_exclude_expansion_and_names(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [linux, bsd]
                py: ["3.11", "3.12"]
                exclude:
                  - os: bsd
                    py: "3.11"
                include:
                  - os: linux
                    py: "3.12"
                    extra: true
                  - os: plan9
                    py: "3.13"
            steps:
              - id: s
                run: |
                  echo "idx=${{ strategy.job-index }}" >> "$GITHUB_OUTPUT"
                  echo "total=${{ strategy.job-total }}" >> "$GITHUB_OUTPUT"
                  echo "extra=${{ matrix.extra }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    jobs = r.jobs("test")
    matrices = [j["matrix"] for j in jobs]
    assert matrices == [
        {"os": "linux", "py": "3.11"},
        {"os": "linux", "py": "3.12", "extra": True},
        {"os": "bsd", "py": "3.12"},
        {"os": "plan9", "py": "3.13"},
    ]
    # GitHub names matrix jobs "<id> (v1, v2, ...)" in matrix order
    assert [j["name"] for j in jobs] == [
        "test (linux, 3.11)",
        "test (linux, 3.12, true)",
        "test (bsd, 3.12)",
        "test (plan9, 3.13)",
    ]
    indexes = [j["steps"][0]["outputs"]["idx"] for j in jobs]
    assert indexes == ["0", "1", "2", "3"]
    assert {j["steps"][0]["outputs"]["total"] for j in jobs} == {"4"}
    assert jobs[1]["steps"][0]["outputs"]["extra"] == "true"
    assert jobs[0]["steps"][0]["outputs"]["extra"] == ""


def test_custom_name_with_matrix_expression(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            name: Test on ${{ matrix.os }}
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [a, b]
            steps:
              - run: "true"
        """
    )
    assert sorted(j["name"] for j in r.jobs("test")) == ["Test on a", "Test on b"]


def test_fail_fast_cancels_slow_sibling(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                kind: [fast-fail, slow]
            steps:
              - run: |
                  if [ "${{ matrix.kind }}" = fast-fail ]; then sleep 0.5; exit 1; fi
                  echo slow-started
                  sleep 30
                  echo slow-finished
        """
    )
    assert r.code == 1
    got = {j["matrix"]["kind"]: j["conclusion"] for j in r.jobs("test")}
    assert got == {"fast-fail": "failure", "slow": "cancelled"}
    # the sibling was running and got stopped, not left to finish
    assert "slow-started" in r.out
    assert "slow-finished" not in r.out
    assert r.conclusion == "failure"


def test_fail_fast_false_lets_siblings_finish(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              fail-fast: false
              matrix:
                kind: [fail, ok]
            steps:
              - run: |
                  if [ "${{ matrix.kind }}" = fail ]; then exit 1; fi
                  sleep 0.5
        """
    )
    assert r.code == 1
    got = {j["matrix"]["kind"]: j["conclusion"] for j in r.jobs("test")}
    assert got == {"fail": "failure", "ok": "success"}


def test_max_parallel_one_runs_serially(repo: Repo) -> None:
    stamps = repo.root.parent / "stamps"
    stamps.mkdir()
    repo.workflow(
        f"""
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              max-parallel: 1
              matrix:
                n: [1, 2, 3]
            steps:
              - run: |
                  date +%s%N > {stamps}/${{{{ matrix.n }}}}.start
                  sleep 0.2
                  date +%s%N > {stamps}/${{{{ matrix.n }}}}.end
        """
    )
    r = repo.run()
    assert r.code == 0
    spans = sorted(
        (int((stamps / f"{n}.start").read_text()), int((stamps / f"{n}.end").read_text()))
        for n in (1, 2, 3)
    )
    # serial: every combination starts after the previous one ended (no overlap)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end


def test_dynamic_matrix_from_needs_output(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          setup:
            runs-on: ubuntu-latest
            outputs:
              matrix: ${{ steps.m.outputs.matrix }}
            steps:
              - id: m
                run: echo 'matrix={"v":["x","y"],"include":[{"v":"z","w":1}]}' >> "$GITHUB_OUTPUT"
          build:
            needs: setup
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}
            steps:
              - id: s
                run: echo "v=${{ matrix.v }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    jobs = r.jobs("build")
    assert [j["matrix"] for j in jobs] == [{"v": "x"}, {"v": "y"}, {"v": "z", "w": 1}]
    assert [j["steps"][0]["outputs"]["v"] for j in jobs] == ["x", "y", "z"]


def test_matrix_continue_on_error_experimental(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            continue-on-error: ${{ matrix.experimental }}
            strategy:
              fail-fast: true
              matrix:
                v: ["1", "2"]
                experimental: [false]
                include:
                  - v: nightly
                    experimental: true
            steps:
              - run: |
                  if [ "${{ matrix.v }}" = nightly ]; then exit 1; fi
                  sleep 1
          after:
            needs: test
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "res=${{ needs.test.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    assert r.conclusion == "success"
    got = {j["matrix"]["v"]: j["conclusion"] for j in r.jobs("test")}
    # the experimental failure neither cancels its siblings nor fails the workflow
    assert got == {"1": "success", "2": "success", "nightly": "failure"}
    assert r.outputs("after", "r") == {"res": "success"}


def test_matrix_outputs_and_result_fold(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              fail-fast: false
              matrix:
                n: [1, 2]
            steps:
              - run: exit ${{ matrix.n == 2 && 1 || 0 }}
          report:
            needs: test
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "res=${{ needs.test.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 1
    # one failed combination makes the whole matrix job's result failure
    assert r.outputs("report", "r") == {"res": "failure"}


def test_matrix_filter_option(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                n: [1, 2, 3]
            steps:
              - run: "true"
        """,
        "--matrix",
        "n:2",
    )
    assert r.code == 0
    assert [j["matrix"] for j in r.jobs("test")] == [{"n": 2}]


def test_fail_fast_cancels_queued_combinations(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              max-parallel: 1
              matrix:
                n: [1, 2, 3]
            steps:
              - run: exit 1
        """
    )
    assert r.code == 1
    got = sorted(j["conclusion"] for j in r.jobs("test"))
    # one ran and failed; the queued ones never start
    assert got == ["cancelled", "cancelled", "failure"]
    assert sum(1 for j in r.jobs("test") if j["steps"]) == 1


def test_strategy_context_values(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              fail-fast: false
              max-parallel: 2
              matrix:
                n: [1, 2, 3]
            steps:
              - id: s
                run: |
                  echo "ff=${{ strategy.fail-fast }}" >> "$GITHUB_OUTPUT"
                  echo "mp=${{ strategy.max-parallel }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert {tuple(j["steps"][0]["outputs"].items()) for j in r.jobs("test")} == {
        (("ff", "false"), ("mp", "2"))
    }
