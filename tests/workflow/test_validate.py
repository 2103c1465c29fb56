import textwrap

import pytest

from conveyor.workflow.errors import Pos, WorkflowError
from conveyor.workflow.validate import format_error, validate_workflow
from conveyor.workflow.validate_events import cron_problem
from conveyor.workflow.validate_expr import expr_parser, find_expressions
from conveyor.workflow.yamlload import load_yaml

F = "w.yml"


def errors(text: str) -> list[WorkflowError]:
    text = textwrap.dedent(text)
    return validate_workflow(load_yaml(text, F), F)


def only(text: str) -> WorkflowError:
    found = errors(text)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


def at(err: WorkflowError, line: int, col: int) -> None:
    assert err.pos == Pos(F, line, col), str(err)


needs_parser = pytest.mark.skipif(expr_parser() is None, reason="conveyor.expr.parse missing")

JOB = "jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n"


def test_valid_workflow_has_no_errors():
    assert (
        errors(
            """\
            on:
              push:
                branches: [main, 'release/**']
                tags-ignore: ['v0*']
              workflow_dispatch:
                inputs:
                  level:
                    type: choice
                    options: [info, debug]
                    default: info
                  dry:
                    type: boolean
                    default: false
            permissions: {}
            jobs:
              a:
                runs-on: [self-hosted, linux]
                timeout-minutes: ${{ inputs.t }}
                continue-on-error: false
                strategy:
                  matrix: ${{ fromJSON(needs.x.outputs.m) }}
                steps:
                  - uses: docker://alpine:3
                  - uses: ./local/action
                  - run: echo "${{ '}}' }}"
                    if: ${{ always() }}
            """
        )
        == []
    )


def test_error_string_is_actionlint_style():
    err = only("on: push\njobz: {}\n" + JOB)
    assert str(err).startswith('w.yml:2:1: unexpected key "jobz" for the workflow')
    assert str(err).endswith("[unknown-key]")


def test_unknown_workflow_key_suggests():
    err = only("on: push\nenvs: {}\n" + JOB)
    at(err, 2, 1)
    assert 'did you mean "env"?' in err.message
    assert '"jobs"' in err.message  # the allowed keys are listed


def test_unknown_job_key():
    err = only(
        "on: push\njobs:\n  a:\n    runs_on: x\n    runs-on: x\n    steps:\n      - run: a\n"
    )
    at(err, 4, 5)
    assert 'unexpected key "runs_on" for jobs.a (did you mean "runs-on"?)' in err.message
    assert err.kind == "unknown-key"


@pytest.mark.parametrize(
    ("snippet", "line", "col", "key", "hint"),
    [
        ("    strategy:\n      fail_fast: true\n", 5, 7, "fail_fast", "fail-fast"),
        ("    defaults:\n      run:\n        shel: bash\n", 6, 9, "shel", "shell"),
        ("    concurrency:\n      group: g\n      cancel: true\n", 6, 7, "cancel", None),
        ("    environment:\n      name: p\n      urls: u\n", 6, 7, "urls", "url"),
        ("    container:\n      image: x\n      option: y\n", 6, 7, "option", "options"),
        ("    services:\n      db:\n        image: x\n        port: [1]\n", 7, 9, "port", "ports"),
        ("    permissions:\n      content: read\n", 5, 7, "content", "contents"),
    ],
)
def test_unknown_keys_in_sections(snippet, line, col, key, hint):
    text = "on: push\njobs:\n  a:\n" + snippet + "    runs-on: x\n    steps:\n      - run: a\n"
    err = only(text)
    at(err, line, col)
    assert f'unexpected key "{key}"' in err.message
    if hint:
        assert f'did you mean "{hint}"?' in err.message


def test_unknown_step_key():
    err = only(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n        nme: x\n"
    )
    at(err, 7, 9)
    assert 'did you mean "name"?' in err.message


def test_unknown_event_filter_key():
    err = only("on:\n  push:\n    branch: main\n" + JOB)
    at(err, 3, 5)
    assert 'unexpected key "branch" for on.push (did you mean "branches"?)' in err.message


def test_bad_needs_type():
    err = only("on: push\njobs:\n  a:\n    needs: {}\n    runs-on: x\n    steps:\n      - run: a\n")
    at(err, 4, 12)
    assert "jobs.a.needs must be a string or a sequence of strings, but got a mapping" in (
        err.message
    )
    assert err.kind == "type"


def test_steps_must_be_a_sequence():
    err = only('on: push\njobs:\n  a:\n    runs-on: x\n    steps: "x"\n')
    at(err, 5, 12)
    assert "must be a sequence of steps" in err.message


def test_timeout_minutes_not_a_number():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: abc\n"
    err = only(text + "    steps:\n      - run: a\n")
    at(err, 5, 22)
    assert 'must be a number or an expression, but got string "abc"' in err.message


def test_continue_on_error_maybe():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    continue-on-error: maybe\n"
    err = only(text + "    steps:\n      - run: a\n")
    at(err, 5, 24)
    assert "must be a boolean or an expression" in err.message


def test_missing_on_and_jobs():
    found = errors("name: x\n")
    assert [e.kind for e in found] == ["required", "required"]
    assert all(e.pos == Pos(F, 1, 1) for e in found)
    assert '"on" is required' in found[0].message
    assert '"jobs" is required' in found[1].message


def test_job_needs_runs_on():
    err = only("on: push\njobs:\n  build:\n    steps:\n      - run: a\n")
    at(err, 3, 3)
    assert '"runs-on" is required in jobs.build' in err.message


def test_job_needs_steps():
    err = only("on: push\njobs:\n  build:\n    runs-on: x\n")
    at(err, 3, 3)
    assert 'no "steps" and no "uses"' in err.message


def test_step_needs_run_or_uses():
    err = only("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: x\n")
    at(err, 6, 9)
    assert 'a step needs "run"' in err.message


def test_step_with_both_run_and_uses():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n"
    err = only(text + "        uses: actions/checkout@v4\n")
    at(err, 7, 9)
    assert 'exactly one of "run" or "uses"' in err.message


def test_invalid_job_id():
    err = only("on: push\njobs:\n  1build:\n    runs-on: x\n    steps:\n      - run: a\n")
    at(err, 3, 3)
    assert 'invalid job id "1build"' in err.message
    assert err.kind == "id"


def test_invalid_step_id():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n"
    err = only(text + "        id: my step\n")
    at(err, 7, 13)
    assert 'invalid step id "my step"' in err.message


def test_duplicate_step_id():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
    err = only(text + "      - run: a\n        id: s\n      - run: b\n        id: s\n")
    at(err, 9, 13)
    assert 'step id "s" is already used by step 0 at line 7' in err.message


def test_unknown_event_lists_events():
    err = only("on: [push, pull-request]\n" + JOB)
    at(err, 1, 12)
    assert 'unknown event "pull-request" (did you mean "pull_request"?)' in err.message
    assert '"workflow_dispatch"' in err.message


def test_unknown_activity_type():
    err = only("on:\n  pull_request:\n    types: [opened, synchronized]\n" + JOB)
    at(err, 3, 21)
    assert 'invalid activity type "synchronized" for event "pull_request"' in err.message
    assert 'did you mean "synchronize"?' in err.message


def test_event_without_configuration():
    err = only("on:\n  create:\n    branches: [main]\n" + JOB)
    at(err, 3, 5)
    assert 'event "create" takes no configuration' in err.message


def test_unknown_needs():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: a}]\n"
    err = only(text + "  b:\n    needs: [a, buld]\n    runs-on: x\n    steps: [{run: a}]\n")
    at(err, 7, 16)
    assert 'job "b" needs job "buld", which does not exist' in err.message
    assert 'existing jobs are "a", "b"' in err.message
    assert err.kind == "job-needs"


def test_needs_cycle():
    text = "on: push\njobs:\n"
    for name, dep in (("a", "b"), ("b", "c"), ("c", "a")):
        text += f"  {name}:\n    needs: {dep}\n    runs-on: x\n    steps: [{{run: a}}]\n"
    err = only(text)
    at(err, 4, 5)
    assert "dependency cycle in needs: a -> b -> c -> a" in err.message


def test_needs_itself():
    err = only("on: push\njobs:\n  a:\n    needs: a\n    runs-on: x\n    steps: [{run: a}]\n")
    at(err, 4, 12)
    assert 'job "a" cannot need itself' in err.message


def test_with_on_run_step_and_shell_on_uses_step():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
    text += "      - run: a\n        with: {x: 1}\n"
    text += "      - uses: actions/setup-node@v4\n        shell: bash\n"
    first, second = errors(text)
    at(first, 7, 9)
    assert '"with" is only valid on a step with "uses"' in first.message
    at(second, 9, 9)
    assert '"shell" is only valid on a "run" step' in second.message


def test_reusable_job_disallows_runner_keys():
    text = "on: push\njobs:\n  call:\n    uses: ./.github/workflows/r.yml\n"
    err = only(text + "    runs-on: x\n")
    at(err, 5, 5)
    assert '"runs-on" cannot be used in job "call"' in err.message
    assert '"secrets"' in err.message
    assert err.kind == "reusable-workflow"


def test_with_on_normal_job():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    with: {a: 1}\n    steps: [{run: a}]\n"
    err = only(text)
    at(err, 5, 5)
    assert 'only valid together with "uses"' in err.message


def test_bad_reusable_reference():
    err = only("on: push\njobs:\n  call:\n    uses: octo/repo/wf.yml\n")
    at(err, 4, 11)
    assert 'invalid reusable workflow reference "octo/repo/wf.yml"' in err.message


def test_bad_action_reference():
    err = only(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout\n"
    )
    at(err, 6, 15)
    assert 'invalid action reference "actions/checkout"' in err.message


def test_strategy_as_one_expression():
    head = "on: push\njobs:\n  a:\n    runs-on: x\n    needs: s\n"
    steps = "    steps: [{run: x}]\n  s:\n    runs-on: x\n    steps: [{run: x}]\n"
    ok = head + "    strategy: ${{ fromJSON(needs.s.outputs.strategy) }}\n" + steps
    assert errors(ok) == []
    err = only(head + "    strategy: fast\n" + steps)
    at(err, 6, 15)
    assert "a mapping or an expression" in err.message


@needs_parser
def test_strategy_expression_has_the_contexts_of_strategy():
    head = "on: push\njobs:\n  a:\n    runs-on: x\n"
    err = only(head + "    strategy: ${{ fromJSON(secrets.s) }}\n    steps: [{run: x}]\n")
    assert "Unrecognized named-value: 'secrets'" in err.message


def test_self_references_are_valid():
    text = (
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        "      - uses: $/.github/actions/x\n      - uses: $/./tools/../act\n"
        "  b:\n    uses: $/.github/workflows/r.yaml\n"
    )
    assert errors(text) == []


@pytest.mark.parametrize(
    ("uses", "fragment"),
    [
        ("$/x@v1", "takes no '@v1'; write '$/x'"),
        ("$/", "needs a path inside the repository"),
        ("$//", "needs a path inside the repository"),
        ("$/../x", "must stay inside the repository"),
        ("$/a/../../x", "must stay inside the repository"),
    ],
)
def test_bad_self_action_reference(uses, fragment):
    err = only(f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: {uses}\n")
    at(err, 6, 15)
    assert err.message.startswith(f'invalid action reference "{uses}": ')
    assert fragment in err.message and err.kind == "step"


@pytest.mark.parametrize(
    ("uses", "fragment"),
    [
        ("$/.github/workflows/r.yml@main", "takes no '@main'"),
        ("$/", "needs a path"),
        ("$/../.github/workflows/r.yml", "must stay inside the repository"),
        ("$/ci/r.yml", "directly in .github/workflows"),
        ("$/.github/workflows/sub/r.yml", "directly in .github/workflows"),
    ],
)
def test_bad_self_workflow_reference(uses, fragment):
    err = only(f"on: push\njobs:\n  call:\n    uses: {uses}\n")
    at(err, 4, 11)
    assert err.message.startswith(f'invalid reusable workflow reference "{uses}": ')
    assert fragment in err.message and err.kind == "reusable-workflow"


@pytest.mark.parametrize("name", ["branches", "tags", "paths"])
def test_filter_and_ignore_together(name):
    text = f"on:\n  push:\n    {name}: [a]\n    {name}-ignore: [b]\n" + JOB
    err = only(text)
    at(err, 4, 5)
    assert f'"{name}" and "{name}-ignore" cannot both be used for event "push"' in err.message
    assert err.kind == "filter"


def test_dispatch_input_errors():
    text = """\
        on:
          workflow_dispatch:
            inputs:
              a:
                type: text
              b:
                type: choice
              c:
                type: choice
                options: [x, y]
                default: z
              d:
                type: boolean
                default: "yes"
        """
    found = errors(textwrap.dedent(text) + JOB)
    assert [(e.pos.line, e.pos.col) for e in found if e.pos] == [
        (5, 15),
        (6, 7),
        (11, 18),
        (14, 18),
    ]
    assert 'invalid input type string "text"' in found[0].message
    assert '"choice", "number", "environment"' in found[0].message
    assert 'choice input "b" needs a non-empty "options"' in found[1].message
    assert 'is not one of its options "x", "y"' in found[2].message
    assert "must be true or false" in found[3].message


def test_call_input_requires_type():
    err = only("on:\n  workflow_call:\n    inputs:\n      x:\n        required: true\n" + JOB)
    at(err, 4, 7)
    assert '"type" is required in on.workflow_call.inputs.x' in err.message


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("0 0 * *", "expected 5 fields, found 4"),
        ("60 * * * *", "minute field"),
        ("* 24 * * *", "out of range 0-23"),
        ("* * 0 * *", "day of month field"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "goes backwards"),
        ("@daily", "expected 5 fields"),
    ],
)
def test_bad_cron(cron, fragment):
    err = only(f"on:\n  schedule:\n    - cron: '{cron}'\n" + JOB)
    at(err, 3, 13)
    assert f'invalid cron "{cron}"' in err.message
    assert fragment in err.message
    assert err.kind == "cron"


@pytest.mark.parametrize("cron", ["*/5 * * * *", "0 9-17/2 1,15 JAN-jun MON-FRI", "0 0 * * 7"])
def test_good_cron(cron):
    assert cron_problem(cron) is None


def test_permission_levels():
    text = "on: push\npermissions:\n  contents: admin\n  id-token: read\n" + JOB
    first, second = errors(text)
    at(first, 3, 13)
    assert 'invalid permission level string "admin" for scope "contents"' in first.message
    at(second, 4, 13)
    assert '"write", "none"' in second.message


def test_permission_shorthand():
    err = only("on: push\npermissions: read_all\n" + JOB)
    at(err, 2, 14)
    assert 'did you mean "read-all"?' in err.message


def test_empty_matrix_vector():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        os: []\n"
    err = only(text + "    steps: [{run: a}]\n")
    at(err, 7, 13)
    assert 'matrix vector "os" does not contain any values' in err.message


def test_unclosed_expression():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha\n"
    err = only(text)
    at(err, 6, 19)
    assert 'unclosed expression "${{ github.sha"' in err.message
    assert err.kind == "expression"


def test_find_expressions():
    found, unclosed = find_expressions("a ${{ x }} b ${{ '}}' }} c ${{ y")
    assert [inner for _, inner in found] == [" x ", " '}}' "]
    assert unclosed == 27


@needs_parser
def test_bad_expression_syntax():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ a == }}\n"
    err = only(text)
    at(err, 6, 19)
    assert 'invalid expression "${{ a == }}"' in err.message
    assert err.kind == "expression"


@needs_parser
def test_expression_error_inside_block_scalar_points_at_its_line():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n"
    text += "          echo ${{ github.sha }}\n          echo ${{ github.sha }} ${{ 1 + }}\n"
    err = only(text)
    at(err, 8, 34)
    assert 'invalid expression "${{ 1 + }}"' in err.message


@needs_parser
def test_bad_bare_if():
    text = "on: push\njobs:\n  a:\n    if: github.ref ==\n    runs-on: x\n    steps: [{run: a}]\n"
    err = only(text)
    at(err, 4, 9)
    assert 'invalid expression "github.ref =="' in err.message


def test_empty_expression():
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ }}\n"
    assert "empty expression" in only(text).message


def test_all_errors_are_collected_in_order():
    text = "on: pushh\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: x\n    steps: 1\n"
    found = errors(text)
    assert [e.pos.line for e in found if e.pos] == [1, 5, 6]


def test_not_a_mapping():
    err = only("- a\n")
    at(err, 1, 1)
    assert 'a workflow must be a mapping with "on" and "jobs"' in err.message


def test_format_error_marks_the_column():
    source = "on: push\njobs:\n  a:\n    runs_on: x\n"
    err = WorkflowError('unexpected key "runs_on"', Pos(F, 4, 5), "unknown-key")
    out = format_error(err, source).splitlines()
    assert out == [
        'w.yml:4:5: unexpected key "runs_on" [unknown-key]',
        "    runs_on: x",
        "    ^~~~~~~",
    ]


def test_format_error_without_position():
    err = WorkflowError("boom")
    assert format_error(err, "x") == "boom [syntax]"


STEPS = "    steps: [{run: a}]\n"


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        (
            "on: push\njobs:\n  c:\n    uses: ./.github/workflows/r.yml\n    secrets: all\n",
            5,
            14,
            'must be "inherit" or a mapping of secrets',
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on:\n      group: g\n      label: x\n" + STEPS,
            6,
            7,
            'unexpected key "label" for jobs.a.runs-on (did you mean "labels"?)',
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: []\n" + STEPS,
            4,
            14,
            "non-empty sequence of labels",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      max-parallel: 0\n" + STEPS,
            6,
            21,
            "max-parallel must be at least 1",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n"
            "        include: {os: x}\n" + STEPS,
            7,
            18,
            "must be a sequence of mappings or an expression",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix: {}\n" + STEPS,
            6,
            15,
            "at least one vector",
        ),
        (
            "on: push\nconcurrency:\n  group: g\n  queue: all\n" + JOB,
            4,
            10,
            'invalid queue string "all"',
        ),
        (
            "on: push\nconcurrency:\n  cancel-in-progress: true\n" + JOB,
            2,
            1,
            '"group" is required in concurrency',
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    environment:\n      url: u\n" + STEPS,
            5,
            5,
            '"name" is required in jobs.a.environment',
        ),
        (
            "on:\n  workflow_call:\n    outputs:\n      o:\n        description: d\n" + JOB,
            4,
            7,
            '"value" is required in on.workflow_call.outputs.o',
        ),
        (
            "on:\n  workflow_call:\n    secrets:\n      t:\n        require: true\n" + JOB,
            5,
            9,
            'did you mean "required"?',
        ),
        (
            "on:\n  workflow_call:\n    inputs:\n      n:\n        type: number\n"
            "        default: x\n" + JOB,
            6,
            18,
            "must be a number for a number input",
        ),
        (
            "on:\n  schedule:\n    cron: '* * * * *'\n" + JOB,
            3,
            5,
            "on.schedule must be a non-empty sequence of mappings",
        ),
        (
            "on: push\nenv:\n  A: [1]\n" + JOB,
            3,
            6,
            "env.A must be a string, number or boolean",
        ),
        (
            "on: push\ndefaults:\n  run:\n    shell: ''\n" + JOB,
            4,
            12,
            "defaults.run.shell must be a non-empty string",
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    snapshot:\n      version: '1'\n" + STEPS,
            5,
            5,
            '"image-name" is required in jobs.a.snapshot',
        ),
        (
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n        if: [1]\n",
            7,
            13,
            "jobs.a.steps[0].if must be a condition",
        ),
        (
            "on: push\njobs:\n  a: null\n",
            3,
            6,
            "jobs.a must be a mapping, but got null",
        ),
        (
            "on: {}\n" + JOB,
            1,
            5,
            '"on" lists no events',
        ),
    ],
)
def test_more_error_cases(text, line, col, fragment):
    err = only(text)
    at(err, line, col)
    assert fragment in err.message


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("[", "missing ']'"),
        ("!a[z-a]", "invalid range 'z-a'"),
        ("+x", "'+' in '+x' must follow"),
        ("[]", "empty '[]'"),
    ],
)
def test_invalid_filter_globs_are_located_errors(pattern: str, says: str) -> None:
    text = (
        "on:\n  push:\n    branches: ['main', '" + pattern + "']\n"
        "jobs:\n  a:\n    runs-on: x\n    steps: [{run: 'true'}]\n"
    )
    (err,) = errors(text)
    assert (err.pos.line, err.pos.col) == (3, 24)  # the pattern itself
    assert says in err.message and err.kind == "filter"


@pytest.mark.parametrize("uses", ["./../x", "./a/../../x", "actions/checkout/../../x@v4"])
def test_an_action_path_climbing_out_is_an_error(uses: str) -> None:
    text = f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: {uses}\n"
    (err,) = errors(text)
    assert "climbs out of its repository" in err.message
    assert (err.pos.line, err.pos.col) == (6, 15)


def test_parse_uses_refuses_paths_out_of_their_folder() -> None:
    from conveyor.actions.base import parse_uses

    for uses in ("./../x", "owner/repo/../../x@v1"):
        with pytest.raises(ValueError, match="climbs out"):
            parse_uses(uses)
    assert parse_uses("./a/../b").path == "./a/../b"  # stays inside: fine
