"""fail-fast with max-parallel. Doc (Running variations of jobs, "Handling failures"):
"If jobs.<job_id>.strategy.fail-fast is set to true or its expression evaluates to true,
GitHub will cancel all in-progress and queued jobs in the matrix if any job in the matrix
fails. This property defaults to true." / "If the job with continue-on-error: true fails,
the other jobs will not be affected." / max-parallel: "the maximum number of jobs that can
run simultaneously when using a matrix job strategy"."""

from __future__ import annotations

from tests.harness import Repo


def test_fail_fast_cancels_in_progress_and_queued(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            strategy:
              max-parallel: 2
              matrix:
                v: [1, 2, 3, 4, 5]
            steps:
              - run: |
                  if [ "${{ matrix.v }}" = 1 ]; then sleep 1; exit 1; fi
                  sleep 20
          other:
            runs-on: ubuntu-latest
            steps:
              - run: sleep 2
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    concl = {j["matrix"]["v"]: j["conclusion"] for j in r.jobs() if j["id"] == "t"}
    assert concl[1] == "failure"
    # 2 was in progress, 3..5 queued behind max-parallel: all cancelled
    assert concl == {1: "failure", 2: "cancelled", 3: "cancelled", 4: "cancelled", 5: "cancelled"}
    # fail-fast applies to the matrix only: an unrelated job is unaffected
    assert r.job("other")["conclusion"] == "success"
    assert r.workflow()["conclusion"] == "failure"


def test_fail_fast_false_runs_everything(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            strategy:
              fail-fast: false
              max-parallel: 1
              matrix:
                v: [1, 2, 3]
            steps:
              - run: test "${{ matrix.v }}" != 1
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    concl = [j["conclusion"] for j in r.jobs()]
    assert concl == ["failure", "success", "success"]


def test_fail_fast_with_experimental_continue_on_error_doc_example(repo: Repo) -> None:
    # Doc example: version [6, 7, 8], experimental [false], include version 9 experimental true;
    # continue-on-error: ${{ matrix.experimental }}
    repo.workflow(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            continue-on-error: ${{ matrix.experimental }}
            strategy:
              fail-fast: true
              matrix:
                version: [6, 7, 8]
                experimental: [false]
                include:
                  - version: 9
                    experimental: true
            steps:
              - run: |
                  if [ "${{ matrix.version }}" = 9 ]; then exit 1; fi
                  sleep 2
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    concl = {j["matrix"]["version"]: j["conclusion"] for j in r.jobs()}
    assert concl[6] == concl[7] == concl[8] == "success"
    assert concl[9] == "failure"
    assert r.workflow()["conclusion"] == "success"


def test_max_parallel_limits_concurrency(repo: Repo) -> None:
    # max-parallel: 1 -> combinations never overlap (checked with a lock directory, no timing)
    lock = repo.tmp / "mp-lock"
    repo.workflow(
        """
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            strategy:
              max-parallel: 1
              matrix:
                v: [1, 2, 3]
            steps:
              - run: |
                  mkdir "$LOCKDIR" || { echo overlap; exit 1; }
                  sleep 0.3
                  rmdir "$LOCKDIR"
                env:
                  LOCKDIR: LOCKPATH
        """.replace("LOCKPATH", str(lock))
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
