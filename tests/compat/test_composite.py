"""Local composite actions. Metadata syntax: `runs.using: composite`, `inputs.<id>.default`,
`outputs.<id>.value` ("The value that the output parameter will be mapped to"),
`runs.steps[*].shell` ("Required if run is set"), `github.action_path`; inputs in
`inputs` context; nested composites."""

from __future__ import annotations

from tests.harness import Repo


def test_composite_inputs_outputs_and_nesting(repo: Repo) -> None:
    repo.write(
        ".github/actions/greet/action.yml",
        """
        name: Greet
        inputs:
          who-to-greet:
            description: Who to greet
            required: true
            default: World
          times:
            description: n
            default: "2"
        outputs:
          random-number:
            description: Random number
            value: ${{ steps.random-number-generator.outputs.random-number }}
          greeting:
            value: ${{ steps.inner.outputs.text }}
        runs:
          using: composite
          steps:
            - run: echo "Hello ${{ inputs.who-to-greet }} x${{ inputs.times }}"
              shell: bash
            - id: random-number-generator
              run: echo "random-number=42" >> $GITHUB_OUTPUT
              shell: bash
            - run: echo "$GITHUB_ACTION_PATH" > "$RUNNER_TEMP/action_path"
              shell: bash
            - id: inner
              uses: ./.github/actions/inner
              with:
                name: ${{ inputs.who-to-greet }}
        """,
    )
    repo.write(
        ".github/actions/inner/action.yml",
        """
        name: Inner
        inputs:
          name: {description: n}
        outputs:
          text: {value: "${{ steps.t.outputs.text }}"}
        runs:
          using: composite
          steps:
            - id: t
              shell: python
              run: |
                import os
                with open(os.environ["GITHUB_OUTPUT"], "a") as f:
                    f.write("text=hi ${{ inputs.name }}\\n")
        """,
    )
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: foo
                uses: ./.github/actions/greet
                with:
                  who-to-greet: Mona the Octocat
              - id: dflt
                uses: ./.github/actions/greet
              - id: show
                run: |
                  echo "rn=${{ steps.foo.outputs.random-number }}" >> "$GITHUB_OUTPUT"
                  echo "g=${{ steps.foo.outputs.greeting }}" >> "$GITHUB_OUTPUT"
                  echo "gd=${{ steps.dflt.outputs.greeting }}" >> "$GITHUB_OUTPUT"
                  echo "ap=$(basename "$(cat "$RUNNER_TEMP/action_path")")" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    foo = r.step("j", "foo")
    assert foo["outputs"] == {"random-number": "42", "greeting": "hi Mona the Octocat"}
    assert r.step("j", "show")["outputs"] == {
        "rn": "42",
        "g": "hi Mona the Octocat",
        "gd": "hi World",
        "ap": "greet",
    }


def test_composite_failure_and_continue_on_error(repo: Repo) -> None:
    repo.write(
        "act/fail/action.yml",
        """
        name: Fail
        runs:
          using: composite
          steps:
            - run: exit 1
              shell: bash
            - run: echo "never" > never.txt
              shell: bash
        """,
    )
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: f
                continue-on-error: true
                uses: ./act/fail
              - id: check
                run: |
                  echo "never=$(test -f never.txt && echo yes || echo no)" >> "$GITHUB_OUTPUT"
                  echo "o=${{ steps.f.outcome }}" >> "$GITHUB_OUTPUT"
              - id: f2
                uses: ./act/fail
              - id: post
                if: failure()
                run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    f = r.step("j", "f")
    assert (f["outcome"], f["conclusion"]) == ("failure", "success")
    assert r.step("j", "check")["outputs"] == {"never": "no", "o": "failure"}
    assert r.step("j", "f2")["conclusion"] == "failure"
    assert r.step("j", "post")["conclusion"] == "success"
    assert r.job("j")["conclusion"] == "failure"
