"""Local JavaScript actions (runs.using node16/node20/node24) through real workflows.

Rules from GitHub's "Metadata syntax for GitHub Actions" (runs for JavaScript actions:
main, pre, pre-if, post, post-if; inputs become INPUT_<NAME>, upper-cased, spaces to '_')
and actions/runner: ActionManifestManager.cs (pre-if and post-if default to always()),
ActionRunner.cs (a local action's `pre` is not run: "`pre` execution is not supported for
local action from '<path>'"; the post step is named "Post <step name>"), JobExtension /
StepsRunner (post steps run after all the job's steps, last registered first), state saved
with GITHUB_STATE reaches the post step as STATE_<name>.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.actions.conftest_git import Project, make_project

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    return make_project(tmp_path, monkeypatch, capsys)


MAIN_JS = """
const fs = require('fs');
const name = process.env.INPUT_NAME;
const greeting = process.env['INPUT_GREETING_WORD'];
console.log(`main: hello ${name} (${greeting}) from ${process.cwd()}`);
console.log(`main: pre-state=${process.env.STATE_from_pre || '<none>'}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `greeting=${greeting} ${name}\\n`);
fs.appendFileSync(process.env.GITHUB_STATE, `tag=${process.env.TAG}\\n`);
"""

POST_JS = """
console.log(`post: tag=${process.env.STATE_tag} job-status-seen`);
"""


def js_action(using: str = "node20", extra: str = "", post_if: str | None = None) -> str:
    post = "  post: post.js\n" + (f"  post-if: {post_if}\n" if post_if else "")
    return (
        "name: js\n"
        "inputs:\n"
        "  name:\n"
        "    required: true\n"
        "  greeting word:\n"
        "    default: Hi\n"
        "outputs:\n"
        "  greeting:\n"
        "    description: the greeting\n"
        "runs:\n"
        f"  using: {using}\n"
        "  main: main.js\n" + post + extra
    )


def test_node_action_inputs_outputs_state_and_post(project: Project) -> None:
    project.write(
        {
            "js/action.yml": js_action(),
            "js/main.js": MAIN_JS,
            "js/post.js": POST_JS,
        }
    )
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        name: Say hello
        uses: ./js
        env:
          TAG: t-${{ github.event_name }}
        with:
          name: ${{ github.repository_owner || 'someone' }}x
      - run: echo "output=${{ steps.js.outputs.greeting }}"
      - run: echo last-main-step
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    step = r.step("build", "js")
    assert step["outcome"] == "success"
    assert step["outputs"]["greeting"].startswith("Hi ")
    assert step["outputs"]["greeting"].endswith("x")
    logs = r.logs
    assert "main: pre-state=<none>" in logs
    # the script runs in the workspace
    main_line = next(x for x in logs.splitlines() if "main: hello" in x)
    assert "/.conveyor/" in main_line and str(project.root) + " " not in main_line
    assert f"output={step['outputs']['greeting']}" in logs
    post = r.step("build", "Post Say hello")
    assert post["conclusion"] == "success"
    assert "post: tag=t-push job-status-seen" in logs
    # the post step runs after every main step
    assert logs.index("last-main-step") < logs.index("post: tag=")
    names = [s["name"] for s in r.job("build")["steps"]]
    assert names[-1] == "Post Say hello"


# node24 is not here: it needs a Node.js 24, which this machine may not have (the runtime
# must satisfy runs.using; see test_an_action_needing_a_newer_node_fails_naming_the_version)
@pytest.mark.parametrize("using", ["node16", "Node20"])
def test_other_node_versions_are_accepted(project: Project, using: str) -> None:
    project.write({"js/action.yml": js_action(using), "js/main.js": MAIN_JS, "js/post.js": ""})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./js
        with:
          name: n
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert r.step("build", "js")["outputs"] == {"greeting": "Hi n"}


def test_post_steps_run_in_reverse_order_with_post_if(project: Project) -> None:
    files: dict[str, str] = {}
    for name, post_if in (("a", None), ("b", "success()"), ("c", "failure()"), ("d", None)):
        files[f"{name}/action.yml"] = (
            f"name: {name}\nruns:\n  using: node20\n  main: main.js\n  post: post.js\n"
            + (f"  post-if: {post_if}\n" if post_if else "")
        )
        files[f"{name}/main.js"] = f"console.log('main-{name}')\n"
        files[f"{name}/post.js"] = f"console.log('post-{name}')\n"
    project.write(files)
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./a
      - uses: ./b
      - uses: ./c
      - uses: ./d
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    logs = r.logs
    order = [
        x.split()[-1]
        for x in logs.splitlines()
        if x.split()[-1:][0:1] and x.split()[-1].startswith(("main-", "post-"))
    ]
    assert order == ["main-a", "main-b", "main-c", "main-d", "post-d", "post-b", "post-a"]
    names = [s["name"] for s in r.job("build")["steps"]]
    assert names[-3:] == ["Post Run ./d", "Post Run ./b", "Post Run ./a"]


def test_failing_main_fails_step_and_post_if_failure_runs(project: Project) -> None:
    project.write(
        {
            "js/action.yml": (
                "name: js\nruns:\n  using: node20\n  main: main.js\n  post: post.js\n"
                "  post-if: failure()\n"
            ),
            "js/main.js": (
                "require('fs').appendFileSync(process.env.GITHUB_STATE, 'why=boom\\n');\n"
                "console.error('main failing'); process.exit(1);\n"
            ),
            "js/post.js": "console.log(`post after failure: ${process.env.STATE_why}`);\n",
        }
    )
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./js
      - run: echo must-not-run
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.job("build")["conclusion"] == "failure"
    assert r.step("build", "js")["outcome"] == "failure"
    logs = r.logs
    assert "main failing" in logs
    assert "exit code 1" in logs
    assert "must-not-run" not in logs.replace("Run echo must-not-run", "")
    assert "post after failure: boom" in logs


def test_local_action_pre_is_not_run_with_a_warning(project: Project) -> None:
    project.write(
        {
            "js/action.yml": ("name: js\nruns:\n  using: node20\n  pre: pre.js\n  main: main.js\n"),
            "js/pre.js": "console.log('PRE-RAN')\n",
            "js/main.js": "console.log('MAIN-RAN')\n",
        }
    )
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./js
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert "MAIN-RAN" in r.logs
    assert "PRE-RAN" not in r.logs
    assert "`pre` execution is not supported for local action from './js'" in r.logs


def test_node_action_without_main_fails(project: Project) -> None:
    project.write({"js/action.yml": "name: js\nruns:\n  using: node20\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./js
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "js")["outcome"] == "failure"
    assert "main" in r.logs


def test_node12_runs_with_a_deprecation_warning(project: Project) -> None:
    project.write({"js/action.yml": "name: js\nruns:\n  using: node12\n  main: main.js\n"})
    project.write({"js/main.js": "console.log('node12-main-ran')\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./js
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert "node12-main-ran" in r.logs
    assert "Node.js 12 actions are deprecated" in r.logs


def test_unsupported_runtime_names_the_value(project: Project) -> None:
    project.write({"js/action.yml": "name: js\nruns:\n  using: node99\n  main: main.js\n"})
    project.write({"js/main.js": "console.log('ran')\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: js
        uses: ./js
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "js")["outcome"] == "failure"
    assert "'node99' is not supported" in r.logs
    assert "ran\n" not in r.logs


def test_an_action_needing_a_newer_node_fails_naming_the_version(project: Project) -> None:
    # the only Node found is 16 (a stand-in put first on PATH): a node20 action needs 20+
    project.write({"js/action.yml": "name: js\nruns:\n  using: node20\n  main: main.js\n"})
    project.write({"js/main.js": "console.log('ran')\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          mkdir -p old && printf '#!/bin/sh\\necho v16.20.2\\n' > old/node && chmod +x old/node
          echo "$PWD/old" >> "$GITHUB_PATH"
      - id: js
        uses: ./js
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "js")["outcome"] == "failure"
    assert "needs Node.js 20 or newer, and the Node.js found is 16.20.2" in r.logs
    assert "ran\n" not in r.logs
