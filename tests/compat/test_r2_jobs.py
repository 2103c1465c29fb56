"""Round 2: job-level details.

Docs: workflow syntax `jobs.<job_id>.name`, `jobs.<job_id>.needs`, `timeout-minutes`
(context availability: vars, matrix...), `jobs.<job_id>.continue-on-error` ("Example:
Preventing a specific failing matrix job from failing a workflow run"), `runs-on` (array
of labels; "Choosing runners in a group": group + labels), `jobs.<job_id>.environment`
("Example: Using output as URL": url: ${{ steps.step_id.outputs.url_output }})."""

from __future__ import annotations

from tests.harness import Repo


def test_matrix_job_name_with_expression_and_needs_waits_for_all(repo: Repo) -> None:
    shared = repo.tmp / "shared"
    shared.mkdir()
    repo.workflow(
        f"""
        on: push
        jobs:
          build:
            name: build-${{{{ matrix.os }}}}
            strategy:
              matrix:
                os: [alpha, beta, gamma]
            runs-on: ubuntu-latest
            steps:
              - run: touch "{shared}/${{{{ matrix.os }}}}"
          plain:
            strategy:
              matrix:
                os: [alpha]
                n: [1]
            runs-on: ubuntu-latest
            steps:
              - run: "true"
          after:
            needs: build
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "seen=$(ls "{shared}" | sort | tr '\\n' ',')" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    # a name with an expression is used as is: no "(alpha)" suffix
    names = sorted(j["name"] for j in r.jobs() if j["id"] == "build")
    assert names == ["build-alpha", "build-beta", "build-gamma"]
    assert r.job("plain")["name"] == "plain (alpha, 1)"
    # needs on a matrix job waits for every combination
    assert r.step("after", "s")["outputs"] == {"seen": "alpha,beta,gamma,"}


def test_timeout_and_continue_on_error_from_expressions_and_runs_on_forms(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          t:
            timeout-minutes: ${{ fromJSON(vars.MINUTES) }}
            runs-on: [self-hosted, linux]
            steps:
              - run: "true"
          g:
            runs-on:
              group: my-group
              labels: [ubuntu-latest]
            steps:
              - run: "true"
          m:
            runs-on: ubuntu-latest
            continue-on-error: ${{ matrix.experimental }}
            strategy:
              fail-fast: false
              matrix:
                version: [1]
                experimental: [false]
                include:
                  - version: 2
                    experimental: true
            steps:
              - run: exit ${{ matrix.experimental && 1 || 0 }}
        """
    )
    repo.commit()
    r = repo.run("push", "--var", "MINUTES=5")
    assert r.code == 0, r.output
    assert r.job("t")["conclusion"] == "success"
    assert r.job("g")["conclusion"] == "success"
    assert r.job("m", version=1)["conclusion"] == "success"
    # the experimental job fails, the workflow does not
    assert r.job("m", version=2)["conclusion"] == "failure"
    assert r.workflow()["conclusion"] == "success"


def test_environment_url_from_step_output(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-latest
            environment:
              name: production-${{ github.event_name }}
              url: ${{ steps.step_id.outputs.url_output }}
            steps:
              - id: step_id
                run: echo "url_output=https://example.com/app" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.job("deploy")["environment"] == {
        "name": "production-push",
        "url": "https://example.com/app",
    }
