"""`strategy:` as one expression: GitHub's workflow schema lets the whole `strategy` mapping
be an expression (contexts github, needs, vars, inputs, as for `strategy.matrix`), evaluated
when the job is about to run; its matrix, fail-fast and max-parallel then apply as if they
had been written out."""

from __future__ import annotations

import json

from tests.harness import Repo

STRATEGY = {
    "matrix": {"n": [1, 2, 3], "include": [{"n": 2, "extra": "x"}]},
    "fail-fast": False,
    "max-parallel": 1,
}

WF = """
on: push
jobs:
  setup:
    runs-on: ubuntu-latest
    outputs:
      strategy: ${{ steps.s.outputs.strategy }}
    steps:
      - id: s
        run: |
          echo 'strategy=STRATEGY' >> "$GITHUB_OUTPUT"
  test:
    needs: setup
    runs-on: ubuntu-latest
    strategy: ${{ fromJSON(needs.setup.outputs.strategy) }}
    steps:
      - id: show
        run: |
          echo "n=${{ matrix.n }}${{ matrix.extra }}" >> "$GITHUB_OUTPUT"
          echo "ff=${{ strategy.fail-fast }}" >> "$GITHUB_OUTPUT"
          echo "mp=${{ strategy.max-parallel }}" >> "$GITHUB_OUTPUT"
          echo "total=${{ strategy.job-total }}" >> "$GITHUB_OUTPUT"
          test "${{ matrix.n }}" != 1
"""


def _workflow(strategy: object) -> str:
    return WF.replace("STRATEGY", json.dumps(strategy))


def test_strategy_from_an_expression(repo: Repo) -> None:
    repo.workflow(_workflow(STRATEGY))
    repo.commit()
    r = repo.run()
    # n=1 fails; fail-fast false from the expression lets the others run to the end
    assert r.code != 0
    jobs = r.jobs("test")
    assert [(j["matrix"], j["conclusion"]) for j in jobs] == [
        ({"n": 1}, "failure"),
        ({"n": 2, "extra": "x"}, "success"),
        ({"n": 3}, "success"),
    ]
    assert r.outputs("test", "show", n=2) == {"n": "2x", "ff": "false", "mp": "1", "total": "3"}


def test_fail_fast_and_max_parallel_of_the_expression_apply(repo: Repo) -> None:
    repo.workflow(_workflow({"matrix": {"n": [1, 2, 3]}, "max-parallel": 1}))
    repo.commit()
    r = repo.run()
    assert r.code != 0
    # one at a time, fail-fast on by default: after n=1 fails the rest are cancelled
    assert [j["conclusion"] for j in r.jobs("test")] == ["failure", "cancelled", "cancelled"]


def test_strategy_without_matrix_runs_once(repo: Repo) -> None:
    wf = _workflow({"fail-fast": True}).replace('test "${{ matrix.n }}" != 1', "true")
    repo.workflow(wf)
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.text()
    (job,) = r.jobs("test")
    assert job["matrix"] is None and job["conclusion"] == "success"


def test_a_non_mapping_strategy_fails_the_job(repo: Repo) -> None:
    repo.workflow(_workflow([1, 2]))
    repo.commit()
    r = repo.run()
    assert r.code != 0
    (job,) = r.jobs("test")
    assert job["conclusion"] == "failure"
    assert "jobs.test.strategy: the strategy expression must evaluate to a mapping" in job["error"]
    assert "it gave a sequence" in r.text()


def test_a_bad_key_in_the_evaluated_strategy_fails_the_job(repo: Repo) -> None:
    repo.workflow(_workflow({"matrix": {"n": [1]}, "fail_fast": False}))
    repo.commit()
    r = repo.run()
    (job,) = r.jobs("test")
    assert job["conclusion"] == "failure"
    assert 'unexpected key "fail_fast"' in job["error"]


def test_validate_accepts_a_strategy_expression(repo: Repo) -> None:
    repo.workflow(_workflow(STRATEGY))
    res = repo.cli("validate")
    assert res.code == 0, res.output
    repo.workflow(
        "on: push\njobs:\n  a:\n    runs-on: x\n    strategy: fast\n    steps: [{run: x}]\n"
    )
    res = repo.cli("validate")
    assert res.code == 2
    assert ".github/workflows/ci.yml:5:15:" in res.err and "a mapping or an expression" in res.err
