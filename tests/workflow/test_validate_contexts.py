"""Context and special-function availability per workflow key, as GitHub enforces it."""

from __future__ import annotations

import re
import textwrap

import pytest

from conveyor.workflow import validate_expr
from conveyor.workflow.errors import Pos, WorkflowError
from conveyor.workflow.validate import validate_workflow
from conveyor.workflow.validate_contexts import TABLE, availability
from conveyor.workflow.yamlload import load_yaml

F = "w.yml"

pytestmark = pytest.mark.skipif(
    validate_expr.expr_parser() is None, reason="conveyor.expr.parse missing"
)


def errors(text: str) -> list[WorkflowError]:
    text = textwrap.dedent(text)
    return validate_workflow(load_yaml(text, F), F)


def only(text: str) -> WorkflowError:
    found = errors(text)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


def valid(text: str) -> None:
    found = errors(text)
    assert found == [], [str(e) for e in found]


HEAD = "on: push\njobs:\n  a:\n"


def step(lines: str) -> str:
    """A one-job workflow whose only step has the keys in ``lines`` (plus ``run: echo``
    unless it has ``run`` or ``uses``)."""
    body = textwrap.dedent(lines)
    if not re.search(r"^(run|uses):", body, re.M):
        body = "run: echo\n" + body
    first, _, rest = body.partition("\n")
    return (
        HEAD
        + "    runs-on: ubuntu-latest\n    steps:\n      - "
        + first
        + "\n"
        + textwrap.indent(rest, " " * 8)
    )


def job(lines: str) -> str:
    """A one-job workflow whose job has the keys in ``lines`` (plus ``runs-on`` and
    ``steps`` unless given)."""
    body = textwrap.dedent(lines)
    if not re.search(r"^runs-on:", body, re.M):
        body = "runs-on: ubuntu-latest\n" + body
    if not re.search(r"^steps:", body, re.M):
        body += "steps:\n  - run: echo\n"
    return HEAD + textwrap.indent(body, " " * 4)


# -- the reported error ----------------------------------------------------------------


def test_secrets_in_bare_step_if_is_rejected_with_githubs_wording() -> None:
    err = only(step("if: secrets.TOKEN != ''\n"))
    assert err.pos == Pos(F, 7, 13)
    assert err.kind == "expression"
    assert err.message.startswith(
        "Unrecognized named-value: 'secrets'. Located at position 1 within expression: "
        "secrets.TOKEN != ''"
    )
    assert "jobs.<job_id>.steps.if" in err.message  # the hint names the table row
    assert str(err).startswith("w.yml:7:13: Unrecognized named-value: 'secrets'.")
    assert str(err).endswith("[expression]")


def test_secrets_in_wrapped_step_if_points_at_the_expression() -> None:
    err = only(step("if: ${{ github.event_name == 'push' && secrets.TOKEN }}\n"))
    assert err.pos == Pos(F, 7, 13)
    assert "Unrecognized named-value: 'secrets'. Located at position 32 " in err.message


def test_position_is_within_the_trimmed_expression() -> None:
    err = only(step("if: '   !secrets.X'\n"))
    assert "Located at position 2 within expression: !secrets.X" in err.message


def test_matrix_in_job_if_is_rejected() -> None:
    err = only(job("if: matrix.os == 'linux'\nstrategy:\n  matrix:\n    os: [linux]\n"))
    assert err.pos == Pos(F, 5, 9)
    assert "Unrecognized named-value: 'matrix'" in err.message
    assert "available in jobs.<job_id>.if: github, inputs, vars, needs" in err.message


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ("env:\n  A: ${{ steps.x.outputs.y }}\n", "steps"),
        ("env:\n  A: ${{ runner.temp }}\n", "runner"),
        ("env:\n  A: ${{ env.B }}\n", "env"),
        ("env:\n  A: ${{ job.status }}\n", "job"),
        ("concurrency: ${{ secrets.GROUP }}\n", "secrets"),
        ("timeout-minutes: ${{ env.T }}\n", "env"),
        ("continue-on-error: ${{ steps.a.outcome == 'x' }}\n", "steps"),
        ("environment:\n  name: prod\n  url: ${{ secrets.URL }}\n", "secrets"),
        ("strategy:\n  matrix:\n    os: ${{ fromJSON(matrix.x) }}\n", "matrix"),
        ("defaults:\n  run:\n    shell: ${{ secrets.SHELL }}\n", "secrets"),
        ("container:\n  image: ${{ secrets.IMAGE }}\n", "secrets"),
        ("services:\n  db:\n    image: ${{ env.DB }}\n", "env"),
        ("outputs:\n  o: ${{ jobs.x.outputs.y }}\n", "jobs"),
        ("name: ${{ foo.bar }}\n", "foo"),
    ],
)
def test_job_level_context_rejected(lines: str, name: str) -> None:
    err = only(job(lines))
    assert f"Unrecognized named-value: '{name}'." in err.message


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        ("env:\n  A: ${{ hashFiles('x') }}\n", "hashFiles"),
        ("if: hashFiles('**/go.sum') != ''\n", "hashFiles"),
        ("runs-on: ${{ always() && 'x' || 'y' }}\n", "always"),
        ("outputs:\n  o: ${{ hashFiles('x') }}\n", "hashFiles"),
        ("name: ${{ success() }}\n", "success"),
    ],
)
def test_job_level_special_function_rejected(lines: str, name: str) -> None:
    err = only(job(lines))
    assert f"Unrecognized function: '{name}'. Located at position" in err.message


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("run: echo ${{ failure() }}\n", "Unrecognized function: 'failure'."),
        ("env:\n  OK: ${{ success() }}\n", "Unrecognized function: 'success'."),
        ("with:\n  a: ${{ cancelled() }}\n", "Unrecognized function: 'cancelled'."),
        ("name: ${{ always() }}\n", "Unrecognized function: 'always'."),
        ("run: echo ${{ jobs.a.result }}\n", "Unrecognized named-value: 'jobs'."),
        ("run: echo ${{ nope }}\n", "Unrecognized named-value: 'nope'."),
        ("if: SECRETS.x\n", "Unrecognized named-value: 'SECRETS'."),
    ],
)
def test_step_level_rejections(lines: str, message: str) -> None:
    text = step(lines)
    if "with:" in lines:
        text = text.replace("- run: echo", "- uses: actions/checkout@v4")
    assert message in only(text).message


def test_workflow_level_rejections() -> None:
    jobs = job("")[len("on: push\n") :]
    err = only("on: push\nenv:\n  A: ${{ matrix.x }}\n" + jobs)
    assert err.pos == Pos(F, 3, 6)
    assert "Unrecognized named-value: 'matrix'" in err.message
    err = only("on: push\nrun-name: ${{ secrets.X }}\n" + jobs)
    assert "Unrecognized named-value: 'secrets'" in err.message
    err = only("on: push\nconcurrency:\n  group: ${{ needs.a }}\n" + jobs)
    assert "Unrecognized named-value: 'needs'" in err.message
    err = only("on: push\nenv:\n  A: ${{ env.B }}\n" + jobs)
    assert "Unrecognized named-value: 'env'" in err.message


def test_jobs_context_only_in_workflow_call_output_value() -> None:
    text = """\
        on:
          workflow_call:
            inputs:
              x:
                type: string
                default: ${{ jobs.a.outputs.o }}
            outputs:
              o:
                value: ${{ jobs.a.outputs.o }}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo
        """
    err = only(text)
    assert err.pos == Pos(F, 6, 18)
    assert "Unrecognized named-value: 'jobs'" in err.message


def test_one_error_per_expression_each_expression_reported() -> None:
    found = errors(step("run: echo ${{ jobs.a }} ${{ secrets.OK }} ${{ foo || bar }}\n"))
    assert [e.message.split(".")[0] for e in found] == [
        "Unrecognized named-value: 'jobs'",
        "Unrecognized named-value: 'foo'",
    ]
    assert [e.pos.col for e in found if e.pos] == [19, 51]


def test_error_in_block_scalar_points_at_its_line() -> None:
    text = step(
        "run: |\n  echo ${{ github.sha }}\n  echo ${{ steps.a.outputs.b }}\n"
        "  echo ${{ success() }}\n"
    )
    err = only(text)
    assert err.pos == Pos(F, 9, 16)
    assert "Unrecognized function: 'success'" in err.message


def test_syntax_errors_are_not_also_reported_as_context_errors() -> None:
    err = only(step("if: secrets.X ==\n"))
    assert err.message.startswith('invalid expression "secrets.X =="')


# -- keys that take no expressions --------------------------------------------------------


def test_step_shell_takes_no_contexts() -> None:
    err = only(step("shell: ${{ matrix.shell }}\n"))
    assert err.pos == Pos(F, 7, 16)
    assert err.message.startswith(
        "Unrecognized named-value: 'matrix'. Located at position 1 within expression: "
        "matrix.shell (jobs.<job_id>.steps.shell does not accept expressions)"
    )


def test_expression_without_contexts_is_not_allowed_where_none_are() -> None:
    err = only(step("shell: ${{ format('ba{0}', 'sh') }}\n"))
    assert err.message.startswith("A template expression is not allowed in this context")
    err = only(step("shell: b${{ 'ash' }}\n"))
    assert err.message.startswith("A template expression is not allowed in this context")
    err = only("name: ${{ github.workflow }}\n" + job(""))
    assert "Unrecognized named-value: 'github'" in err.message
    err = only("defaults:\n  run:\n    working-directory: ${{ 1 }}\n" + job(""))
    assert err.message.startswith("A template expression is not allowed in this context")


def test_quoted_string_expression_is_text_where_expressions_are_not_allowed() -> None:
    valid(step("shell: ${{ 'bash' }}\n"))
    valid("name: ${{ 'CI' }}\n" + job(""))


# -- valid real-world uses ------------------------------------------------------------------


REAL_WORLD = """\
    name: CI
    run-name: Deploy ${{ inputs.target || github.ref_name }} by @${{ github.actor }}
    on:
      push:
      workflow_dispatch:
        inputs:
          target:
            type: string
      workflow_call:
        inputs:
          target:
            type: string
            default: ${{ vars.DEFAULT_TARGET || github.ref_name }}
        outputs:
          digest:
            value: ${{ jobs.build.outputs.digest }}
    env:
      TOKEN: ${{ secrets.TOKEN }}
      REF: ${{ github.ref }}-${{ vars.SUFFIX }}-${{ inputs.target }}
    concurrency:
      group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}
      cancel-in-progress: ${{ github.event_name == 'pull_request' }}
    jobs:
      plan:
        runs-on: ubuntu-latest
        outputs:
          matrix: ${{ steps.m.outputs.matrix }}
          token: ${{ secrets.TOKEN }}
          where: ${{ runner.os }}-${{ job.status }}-${{ env.X }}-${{ matrix.n }}
        steps:
          - id: m
            run: echo "matrix=[1,2]" >> "$GITHUB_OUTPUT"
      build:
        needs: plan
        if: ${{ !cancelled() && needs.plan.result == 'success' && vars.ENABLED != 'false' }}
        name: Build ${{ matrix.os }} (${{ strategy.job-index }}/${{ strategy.job-total }})
        runs-on: ${{ matrix.os }}
        timeout-minutes: ${{ inputs.target == 'slow' && 60 || 30 }}
        continue-on-error: ${{ matrix.experimental || false }}
        environment:
          name: ${{ inputs.target }}-${{ matrix.os }}
          url: ${{ steps.deploy.outputs.url }}?run=${{ runner.name }}&${{ env.X }}
        concurrency:
          group: build-${{ needs.plan.outputs.matrix }}-${{ matrix.os }}
        strategy:
          fail-fast: ${{ github.ref != 'refs/heads/main' }}
          max-parallel: ${{ fromJSON(vars.PARALLEL || '4') }}
          matrix:
            os: [ubuntu-latest, macos-latest]
            n: ${{ fromJSON(needs.plan.outputs.matrix) }}
            include: ${{ fromJSON(inputs.target || '[]') }}
        env:
          SECRET: ${{ secrets.TOKEN }}
          OS: ${{ matrix.os }}-${{ needs.plan.outputs.matrix }}-${{ strategy.fail-fast }}
        defaults:
          run:
            shell: ${{ matrix.os == 'windows-latest' && 'pwsh' || 'bash' }}
            working-directory: ${{ env.WORKDIR || '.' }}
        container:
          image: node:${{ matrix.n }}
          options: --cpus ${{ vars.CPUS }}
          env:
            NODE_ENV: ${{ secrets.NODE_ENV }}-${{ runner.arch }}-${{ env.X }}-${{ job.status }}
          credentials:
            username: ${{ github.actor }}
            password: ${{ secrets.GITHUB_TOKEN }}-${{ env.X }}
        services:
          db:
            image: postgres:${{ matrix.n }}
            env:
              POSTGRES_PASSWORD: ${{ secrets.DB }}
            credentials:
              password: ${{ secrets.DB }}
        outputs:
          digest: ${{ steps.push.outputs.digest }}
        steps:
          - uses: actions/checkout@v4
            with:
              token: ${{ secrets.TOKEN }}
              ref: ${{ inputs.target || github.sha }}
          - uses: actions/cache@v4
            id: cache
            if: ${{ hashFiles('**/package-lock.json') != '' && matrix.os != 'x' }}
            with:
              path: ~/.npm
              key: ${{ runner.os }}-${{ hashFiles('**/package-lock.json') }}
          - name: Test on ${{ matrix.os }} for ${{ github.ref_name }} ${{ secrets.NAME }}
            id: push
            if: success() && steps.cache.outputs.cache-hit != 'true' && env.CI && job.status
            run: |
              echo "${{ secrets.TOKEN }}" "${{ env.X }}" "${{ steps.cache.outputs.x }}"
              echo "${{ job.container.id }}" "${{ runner.temp }}" "${{ needs.plan.result }}"
              echo "${{ hashFiles('a') }}" "${{ strategy.job-index }}" "${{ vars.V }}"
            working-directory: ${{ env.DIR }}/${{ matrix.os }}
            timeout-minutes: ${{ fromJSON(env.T) }}
            continue-on-error: ${{ steps.cache.outcome == 'failure' || matrix.experimental }}
            env:
              TOKEN: ${{ secrets.TOKEN }}
              OUT: ${{ steps.cache.outputs.cache-hit }}-${{ hashFiles('x') }}
          - if: always()
            run: echo ${{ toJSON(steps) }} ${{ format('{0}', github.secrets) }}
          - if: failure() || cancelled()
            run: echo ${{ contains(github.ref, 'secrets') }} ${{ case(true, 'a', 'b') }}
          - id: deploy
            if: Always() && Github.ref && Secret_thing == null || true
            run: echo
        snapshot:
          image-name: img
          if: ${{ matrix.os == 'ubuntu-latest' && needs.plan.result == 'success' }}
      call:
        needs: [plan, build]
        if: always() && contains(needs.*.result, 'failure') == false
        name: Call ${{ matrix.env }}
        uses: ./.github/workflows/reusable.yml
        strategy:
          matrix:
            env: ${{ fromJSON(needs.plan.outputs.matrix) }}
        concurrency: call-${{ matrix.env }}-${{ inputs.target }}
        with:
          target: ${{ inputs.target }}-${{ matrix.env }}-${{ needs.build.outputs.digest }}
          n: ${{ strategy.job-index }}
        secrets:
          token: ${{ secrets.TOKEN }}-${{ matrix.env }}
    """


def test_real_world_workflow_is_valid() -> None:
    text = REAL_WORLD.replace("Secret_thing == null || true", "github.x == null || true")
    valid(text)


def test_unknown_name_in_otherwise_valid_workflow_is_the_only_error() -> None:
    found = errors(REAL_WORLD)
    assert [e.message.split(".")[0] for e in found] == ["Unrecognized named-value: 'Secret_thing'"]


@pytest.mark.parametrize(
    "lines",
    [
        "if: needs.x.result == 'success' && github.ref == 'refs/heads/main'\n",
        "if: ${{ always() }}\n",
        "if: failure()\n",
        "if: inputs.run && vars.RUN\n",
        "runs-on: ${{ matrix.os }}\nstrategy:\n  matrix:\n    os: [a]\n",
        "runs-on:\n  group: ${{ vars.GROUP }}\n  labels: [x, '${{ matrix.l }}']\n",
        "env:\n  A: ${{ secrets.A }}-${{ matrix.x }}-${{ needs.b.outputs.c }}\n",
        "concurrency: ${{ github.event.pull_request.number }}-${{ strategy.job-index }}\n",
    ],
)
def test_valid_job_level_uses(lines: str) -> None:
    valid(job(lines))


@pytest.mark.parametrize(
    "lines",
    [
        "if: steps.a.outputs.b == 'x' && env.A && runner.os == 'Linux' && job.status\n",
        "if: ${{ hashFiles('go.sum') != '' }}\n",
        "env:\n  A: ${{ steps.a.outputs.b }}\n  B: ${{ secrets.B }}\n  C: ${{ env.C }}\n",
        "run: echo ${{ env.A }} ${{ secrets.B }} ${{ hashFiles('x') }}\n",
        "name: ${{ steps.a.conclusion }}\n",
        "timeout-minutes: ${{ fromJSON(env.T) }}\n",
    ],
)
def test_valid_step_level_uses(lines: str) -> None:
    valid(step(lines))


# -- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("jobs", "a", "steps", 3, "if"), "jobs.<job_id>.steps.if"),
        (("jobs", "a", "steps", 0, "with", "key"), "jobs.<job_id>.steps.with"),
        (("jobs", "a", "runs-on", "labels", 1), "jobs.<job_id>.runs-on"),
        (("jobs", "a", "strategy", "matrix", "include", 0, "x"), "jobs.<job_id>.strategy"),
        (("jobs", "a", "services", "db", "env", "X"), "jobs.<job_id>.services.<service_id>.env"),
        (("jobs", "a", "services", "db", "ports", 0), "jobs.<job_id>.services"),
        (
            ("jobs", "a", "container", "credentials", "password"),
            "jobs.<job_id>.container.credentials",
        ),
        (("jobs", "name", "name"), "jobs.<job_id>.name"),  # a job called "name"
        (
            ("on", "workflow_call", "outputs", "o", "value"),
            "on.workflow_call.outputs.<output_id>.value",
        ),
        (("env", "A"), "env"),
        (("concurrency", "group"), "concurrency"),
    ],
)
def test_availability_lookup(path: tuple[str | int, ...], key: str) -> None:
    row = availability(path)
    assert row is not None
    assert row.key == key


@pytest.mark.parametrize(
    "path",
    [
        ("on", "push", "branches", 0),
        ("on", "workflow_dispatch", "inputs", "x", "default"),
        ("jobs", "a", "steps", 0, "uses"),
        ("jobs", "a", "steps", 0, "id"),
        ("jobs", "a", "needs", 0),
        ("jobs", "a", "uses"),
        ("jobs", "a", "permissions", "contents"),
        ("jobs", "a", "unknown-key"),
    ],
)
def test_paths_left_to_other_checks(path: tuple[str | int, ...]) -> None:
    assert availability(path) is None


def test_table_rows() -> None:
    rows = {key.replace("[*]", ""): (contexts, functions) for key, contexts, functions in TABLE}
    # every row that takes expressions allows github, inputs and vars
    for contexts, _ in rows.values():
        assert not contexts or {"github", "inputs", "vars"} <= contexts
    assert rows["jobs.<job_id>.steps.if"][1] == {
        "always",
        "cancelled",
        "failure",
        "success",
        "hashfiles",
    }
    assert rows["jobs.<job_id>.if"][1] == {"always", "cancelled", "failure", "success"}
    with_hash = {key for key, (_, functions) in rows.items() if "hashfiles" in functions}
    assert all(key.startswith("jobs.<job_id>.steps.") for key in with_hash)
    assert "secrets" not in rows["jobs.<job_id>.steps.if"][0]
    assert "secrets" in rows["jobs.<job_id>.steps.run"][0]
    assert {k for k, (c, _) in rows.items() if "jobs" in c} == {
        "on.workflow_call.outputs.<output_id>.value"
    }


# -- scale ----------------------------------------------------------------------------------


def test_each_distinct_expression_is_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[object] = []
    real_walk = validate_expr._walk

    def counting(tree: object) -> tuple[tuple[int, bool, str], ...]:
        walked.append(tree)
        return real_walk(tree)

    monkeypatch.setattr(validate_expr, "_walk", counting)
    monkeypatch.setattr(validate_expr, "_REFERENCES", {})
    steps = "".join(
        f"      - if: steps.s{i % 5}.outcome == 'success' && env.X__unique_0\n"
        f"        run: echo ${{{{ secrets.T }}}} ${{{{ matrix.n }}}}\n"
        for i in range(5000)
    )
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n" + steps
    valid(text)
    assert len(walked) == 5 + 2  # five distinct conditions, two distinct run expressions
