"""`env:` and `with:` given as one expression that evaluates to a mapping.

GitHub's workflow schema (actions/languageservices workflow-v1.0.json) allows a job's and
a step's `env`, and a step's `with`, to be a single expression (e.g. `fromJSON(...)`).
"""

from __future__ import annotations

from tests.harness import RunWorkflow


def test_env_and_with_from_one_expression(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            env: ${{ fromJSON(vars.JOB_ENV_JSON) }}
            steps:
              - id: s
                env: "${{ fromJSON('{\\"B\\":\\"from-step\\"}') }}"
                run: |
                  echo "a=$A n=$N b=$B" >> "$GITHUB_OUTPUT"
              - uses: actions/checkout@v4
                id: c
                with: "${{ fromJSON('{\\"path\\":\\"sub\\"}') }}"
              - id: t
                run: test -d sub && echo "ok=yes" >> "$GITHUB_OUTPUT"
        """,
        "--var",
        'JOB_ENV_JSON={"A": "from-job", "N": 1}',
    )
    assert r.code == 0, r.out
    assert r.step("build", "s")["outputs"] == {"a": "from-job n=1 b=from-step"}
    assert r.step("build", "t")["outputs"] == {"ok": "yes"}


def test_env_expression_that_is_not_a_mapping_fails_the_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: s
                env: "${{ fromJSON('[1, 2]') }}"
                run: echo never
        """
    )
    assert r.code == 1
    assert r.step("build", "s")["outcome"] == "failure"
    assert "env must evaluate to a mapping" in r.out
