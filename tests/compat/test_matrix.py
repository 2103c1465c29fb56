# ruff: noqa: E501
"""Matrix expansion exactly as the documentation examples in "Running variations of
jobs in a workflow" (docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations)."""

from __future__ import annotations

from typing import Any

from tests.harness import Repo, Result


def _matrices(run: Result, job_id: str = "m") -> list[dict[str, Any]]:
    return [j["matrix"] for j in run.jobs() if j["id"] == job_id]


def test_include_doc_example_fruit_animal(repo: Repo) -> None:
    # Doc: "will result in six jobs with the following matrix combinations: {fruit: apple,
    # animal: cat, color: pink, shape: circle} ... {fruit: banana} {fruit: banana, animal: cat}"
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                fruit: [apple, pear]
                animal: [cat, dog]
                include:
                  - color: green
                  - color: pink
                    animal: cat
                  - fruit: apple
                    shape: circle
                  - fruit: banana
                  - fruit: banana
                    animal: cat
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    got = _matrices(r)
    expected = [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]
    assert len(got) == 6
    assert sorted(map(repr, map(lambda d: sorted(d.items()), got))) == sorted(
        map(repr, map(lambda d: sorted(d.items()), expected))
    )


def test_expand_with_include_adds_npm_to_one_combination(repo: Repo) -> None:
    # Doc: "the following workflow will run six jobs ... When the job for the os value of
    # windows-latest and node value of 16 runs, an additional variable called npm with the
    # value of 6 will be included in the job."  (os values used as data, not runs-on)
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [windows-latest, ubuntu-latest]
                node: [12, 14, 16]
                include:
                  - os: windows-latest
                    node: 16
                    npm: 6
            steps:
              - id: npm
                if: ${{ matrix.npm }}
                run: echo "npm=${{ matrix.npm }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    got = _matrices(r)
    assert len(got) == 6
    with_npm = [m for m in got if "npm" in m]
    assert with_npm == [{"os": "windows-latest", "node": 16, "npm": 6}]
    # the `if: ${{ matrix.npm }}` step only runs where npm is set (null is falsy)
    win16 = r.step("m", "npm", os="windows-latest", node=16)
    assert win16["conclusion"] == "success" and win16["outputs"] == {"npm": "6"}
    assert r.step("m", "npm", os="ubuntu-latest", node=16)["conclusion"] == "skipped"


def test_add_with_include_new_combination_and_include_only(repo: Repo) -> None:
    # Doc: "this matrix will run 10 jobs, one for each combination of os and version in the
    # matrix, plus a job for the os value of windows-latest and version value of 17."
    # Doc: "If you don't specify any matrix variables, all configurations under include
    # will run. For example, the following workflow would run two jobs"
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [macos-latest, windows-latest, ubuntu-latest]
                version: [12, 14, 16]
                include:
                  - os: windows-latest
                    version: 17
            steps:
              - run: "true"
          includes_only:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                include:
                  - site: "production"
                    datacenter: "site-a"
                  - site: "staging"
                    datacenter: "site-b"
            steps:
              - id: s
                run: echo "where=${{ matrix.site }}@${{ matrix.datacenter }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    got = _matrices(r)
    assert len(got) == 10
    assert {"os": "windows-latest", "version": 17} in got
    assert sum(1 for m in got if m["os"] == "windows-latest") == 4
    only = [j for j in r.jobs() if j["id"] == "includes_only"]
    assert [j["matrix"] for j in only] == [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]
    assert [j["steps"][0]["outputs"]["where"] for j in only] == [
        "production@site-a",
        "staging@site-b",
    ]


def test_exclude_partial_match_doc_example(repo: Repo) -> None:
    # Doc: "the following workflow will run nine jobs: one job for each of the 12
    # configurations, minus the one excluded job that matches {os: macos-latest, version: 12,
    # environment: production}, and the two excluded jobs that match {os: windows-latest, version: 16}."
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [macos-latest, windows-latest]
                version: [12, 14, 16]
                environment: [staging, production]
                exclude:
                  - os: macos-latest
                    version: 12
                    environment: production
                  - os: windows-latest
                    version: 16
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    got = _matrices(r)
    assert len(got) == 9
    assert {"os": "macos-latest", "version": 12, "environment": "production"} not in got
    assert {"os": "macos-latest", "version": 12, "environment": "staging"} in got
    assert not [m for m in got if m["os"] == "windows-latest" and m["version"] == 16]


def test_include_processed_after_exclude_adds_back(repo: Repo) -> None:
    # Doc note: "All include combinations are processed after exclude. This allows you to
    # use include to add back combinations that were previously excluded."
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [a, b]
                v: [1, 2]
                exclude:
                  - os: b
                include:
                  - os: b
                    v: 2
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert _matrices(r) == [{"os": "a", "v": 1}, {"os": "a", "v": 2}, {"os": "b", "v": 2}]


def test_perl_example_seven_jobs(repo: Repo) -> None:
    # Doc: "An example closer to reality, will create seven jobs, testing five versions
    # for perl and only two for macos"
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [ubuntu-latest]
                perl:
                    - '5.16'
                    - '5.20'
                    - '5.26'
                    - '5.30'
                    - latest
                include:
                  - os: macos-latest
                    perl: '5.26'
                  - os: macos-latest
                    perl: latest
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    got = _matrices(r)
    assert len(got) == 7
    assert [m["perl"] for m in got if m["os"] == "macos-latest"] == ["5.26", "latest"]
    # quoted YAML '5.20' stays the string "5.20" (not the number 5.2)
    assert [m["perl"] for m in got if m["os"] == "ubuntu-latest"][1] == "5.20"


def test_fromjson_matrix_from_job_output_doc_example(repo: Repo) -> None:
    # Doc (expressions > fromJSON "Example returning a JSON object"): job2's matrix comes
    # from job1's output; "Matrix - Project foo, Config Debug".
    repo.workflow(
        r"""
        name: build
        on: push
        jobs:
          job1:
            runs-on: ubuntu-latest
            outputs:
              matrix: ${{ steps.set-matrix.outputs.matrix }}
            steps:
              - id: set-matrix
                run: echo "matrix={\"include\":[{\"project\":\"foo\",\"config\":\"Debug\"},{\"project\":\"bar\",\"config\":\"Release\"}]}" >> $GITHUB_OUTPUT
          job2:
            needs: job1
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.job1.outputs.matrix) }}
            steps:
              - id: p
                run: echo "line=Matrix - Project ${{ matrix.project }}, Config ${{ matrix.config }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.workflow()["name"] == "build"
    lines = [j["steps"][0]["outputs"]["line"] for j in r.jobs() if j["id"] == "job2"]
    assert lines == ["Matrix - Project foo, Config Debug", "Matrix - Project bar, Config Release"]


def test_matrix_context_and_strategy_context(repo: Repo) -> None:
    # Contexts reference, strategy context: "job-index: The index of the current job in
    # the matrix. Note: This number is a zero-based number." / "job-total: The total number
    # of jobs in the matrix." ; matrix context holds the combination (toJSON(matrix)).
    repo.workflow(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                v: [1, 2, 3]
            steps:
              - id: s
                env:
                  M: ${{ toJSON(matrix) }}
                run: |
                  echo "idx=${{ strategy.job-index }}/${{ strategy.job-total }}" >> "$GITHUB_OUTPUT"
                  echo "ff=${{ strategy.fail-fast }}" >> "$GITHUB_OUTPUT"
                  { echo "m<<EOF"; echo "$M"; echo "EOF"; } >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    outs = [j["steps"][0]["outputs"] for j in r.jobs()]
    assert [o["idx"] for o in outs] == ["0/3", "1/3", "2/3"]
    assert outs[0]["ff"] == "true"  # fail-fast "defaults to true"
    assert outs[1]["m"] == '{\n  "v": 2\n}'


def test_matrix_cli_filter_and_job_names(repo: Repo) -> None:
    # job display names: "<job_id> (<values>)" as GitHub shows matrix jobs
    repo.workflow(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                python: ["3.11", "3.12"]
                os: [ubuntu-latest]
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run("push", "--matrix", "python:3.12")
    assert r.code == 0, r.output
    assert [j["name"] for j in r.jobs()] == ["test (3.12, ubuntu-latest)"]
