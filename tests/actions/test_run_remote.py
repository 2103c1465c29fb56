"""Remote actions (`owner/repo[/path]@ref`) and remote reusable workflows, fetched with git
from bare repositories served over file:// and over a real HTTP git server on 127.0.0.1.

Rules: GitHub's "Workflow syntax" (jobs.<id>.steps[*].uses: `{owner}/{repo}@{ref}`,
`{owner}/{repo}/{path}@{ref}`, a ref may be a branch, tag or full commit sha),
"Reusing workflows" (`{owner}/{repo}/.github/workflows/{file}@{ref}` with `with:` and
`on.workflow_call.outputs`), actions/runner ActionManager.cs (a repository action's `pre`
runs, unlike a local action's; github.action_repository / action_ref are set for it).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.actions.conftest_git import ActionServer, Project, http_git_server, make_project

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    return make_project(tmp_path, monkeypatch, capsys)


@pytest.fixture
def server(tmp_path: Path) -> ActionServer:
    return ActionServer(tmp_path / "srv")


ECHO_ACTION = {
    "action.yml": """
        name: echo
        inputs:
          text:
            default: nothing
        outputs:
          said:
            value: ${{ steps.say.outputs.said }}
        runs:
          using: composite
          steps:
            - id: say
              shell: bash
              run: |
                echo "remote says ${{ inputs.text }} version=$(cat "$GITHUB_ACTION_PATH/VERSION")"
                echo "repo=${{ github.action_repository }} ref=${{ github.action_ref }}"
                v=$(cat "$GITHUB_ACTION_PATH/VERSION")
                echo "said=${{ inputs.text }}-$v" >> "$GITHUB_OUTPUT"
    """,
    "VERSION": "1\n",
}


def uses_workflow(uses: str, text: str = "hi") -> str:
    return f"""
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: remote
        uses: {uses}
        with:
          text: {text}
      - run: echo "after=${{{{ steps.remote.outputs.said }}}}"
"""


def test_remote_composite_by_tag(project: Project, server: ActionServer) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(uses_workflow("acme/echo@v1"))
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "hi-1"}
    assert "remote says hi version=1" in r.logs
    assert "repo=acme/echo ref=v1" in r.logs
    assert "after=hi-1" in r.logs


def test_remote_action_in_sub_path_of_branch(project: Project, server: ActionServer) -> None:
    files = {f"tools/echo/{k}": v for k, v in ECHO_ACTION.items()}
    server.publish("acme/monorepo", {**files, "README": "root\n"})
    project.workflow(uses_workflow("acme/monorepo/tools/echo@main", "sub"))
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "sub-1"}


def test_remote_action_pinned_by_full_sha(project: Project, server: ActionServer) -> None:
    old = server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    server.publish("acme/echo", {"VERSION": "2\n"}, tags=("v2",))
    project.workflow(uses_workflow(f"acme/echo@{old}", "pinned"))
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "pinned-1"}
    assert f"ref={old}" in r.logs


def test_remote_action_cached_by_commit_and_branch_refreshed(
    project: Project, server: ActionServer
) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(uses_workflow("acme/echo@main", "one"))
    first = project.run("--actions-url", server.url)
    assert first.code == 0, first.text()
    assert first.step("build", "remote")["outputs"] == {"said": "one-1"}
    # a branch moves: the next run fetches again and gets the new commit
    server.publish("acme/echo", {"VERSION": "2\n"})
    second = project.run("--actions-url", server.url)
    assert second.step("build", "remote")["outputs"] == {"said": "one-2"}
    # the server is gone: the cached commit of the same ref still serves
    shutil.rmtree(server.srv)
    third = project.run("--actions-url", server.url)
    assert third.code == 0, third.text()
    assert third.step("build", "remote")["outputs"] == {"said": "one-2"}
    assert "could not refresh action acme/echo@main" in third.logs


def test_offline_uses_cache_and_fails_clearly_when_missing(
    project: Project, server: ActionServer
) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(uses_workflow("acme/echo@v1", "cached"))
    assert project.run("--actions-url", server.url).code == 0
    shutil.rmtree(server.srv)
    offline = project.run("--actions-url", server.url, "--offline")
    assert offline.code == 0, offline.text()
    assert offline.step("build", "remote")["outputs"] == {"said": "cached-1"}
    # a ref never fetched: --offline must not go to the network and says what to do
    project.workflow(uses_workflow("acme/echo@v9", "x"))
    missing = project.run("--actions-url", server.url, "--offline")
    assert missing.code == 1
    # GitHub resolves actions when it sets the job up: the job fails before any step runs
    assert missing.step("build", "remote")["outcome"] == "skipped"
    assert missing.report["workflows"][0]["jobs"][0]["conclusion"] == "failure"
    logs = missing.logs
    assert "acme/echo@v9" in logs
    assert "--offline" in logs
    assert "vendor" in logs


def test_unfetchable_action_names_action_url_and_how_to_vendor(
    project: Project, server: ActionServer
) -> None:
    project.workflow(uses_workflow("acme/nowhere@v1"))
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    assert r.step("build", "remote")["outcome"] == "skipped"  # the job failed at set-up
    logs = r.logs
    assert "acme/nowhere@v1" in logs
    assert f"{server.url}/acme/nowhere" in logs
    assert "vendor" in logs
    assert "uses: ./.github/actions/nowhere" in logs
    assert "--actions-url" in logs
    assert "does not appear to be a git repository" in logs
    assert "['" not in logs


def test_ref_that_looks_like_an_option_is_refused(
    project: Project, server: ActionServer, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    # workflow files are validated at load time; a composite action's steps are not
    project.write(
        {
            "wrap/action.yml": f"""
                name: wrap
                runs:
                  using: composite
                  steps:
                    - uses: acme/echo@--upload-pack={script}
            """
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
      - id: wrap
        uses: ./wrap
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    assert r.step("build", "wrap")["outcome"] == "failure"
    assert "is not a valid git ref" in r.logs
    assert not marker.exists()


def test_unknown_ref_of_existing_repository_fails(project: Project, server: ActionServer) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(uses_workflow("acme/echo@v7"))
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    assert "acme/echo@v7" in r.logs


def test_remote_action_without_manifest_fails(project: Project, server: ActionServer) -> None:
    server.publish("acme/empty", {"README.md": "no action here\n"}, tags=("v1",))
    project.workflow(uses_workflow("acme/empty@v1"))
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    assert "action.yml" in r.logs
    assert "acme/empty@v1" in r.logs


REMOTE_JS = {
    "action.yml": """
        name: js
        inputs:
          mode:
            default: normal
        outputs:
          result: {description: r}
        runs:
          using: node20
          pre: pre.js
          pre-if: runner.os == 'Linux'
          main: main.js
          post: post.js
          post-if: always()
    """,
    "pre.js": """
        const fs = require('fs');
        console.log(`pre ran mode=${process.env.INPUT_MODE}`);
        fs.appendFileSync(process.env.GITHUB_STATE, 'from_pre=p1\\n');
    """,
    "main.js": """
        const fs = require('fs');
        console.log(`main ran state=${process.env.STATE_from_pre || 'none'}`);
        fs.appendFileSync(process.env.GITHUB_STATE, 'from_main=m1\\n');
        fs.appendFileSync(process.env.GITHUB_OUTPUT, `result=${process.env.INPUT_MODE}\\n`);
    """,
    "post.js": """
        const env = process.env;
        console.log(`post ran ${env.STATE_from_pre || 'none'} ${env.STATE_from_main}`);
    """,
}


@needs_node
def test_remote_javascript_action_pre_main_post(project: Project, server: ActionServer) -> None:
    server.publish("acme/js", REMOTE_JS, tags=("v1",))
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: js
        name: JS
        uses: acme/js@v1
        with:
          mode: fast
      - run: echo "main-steps-done ${{ steps.js.outputs.result }}"
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    logs = r.logs
    assert "pre ran mode=fast" in logs
    assert "main ran state=p1" in logs
    assert "post ran p1 m1" in logs
    assert logs.index("pre ran") < logs.index("main ran")
    assert logs.index("main-steps-done fast") < logs.index("post ran")
    assert r.step("build", "Post JS")["conclusion"] == "success"


@needs_node
def test_remote_javascript_pre_runs_when_the_job_is_set_up(
    project: Project, server: ActionServer
) -> None:
    # actions/runner JobExtension: a repository action's pre runs before the first step
    server.publish("acme/js", REMOTE_JS, tags=("v1",))
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "first-step-ran"
      - id: js
        name: JS
        uses: acme/js@v1
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    logs = r.logs
    assert logs.index("pre ran mode=normal") < logs.index("first-step-ran")
    assert logs.index("first-step-ran") < logs.index("main ran state=p1")
    assert r.step("build", "Pre JS")["conclusion"] == "success"


@needs_node
def test_remote_javascript_pre_if_false_skips_pre_only(
    project: Project, server: ActionServer
) -> None:
    files = dict(REMOTE_JS)
    files["action.yml"] = files["action.yml"].replace(
        "runner.os == 'Linux'", "runner.os == 'Windows'"
    )
    server.publish("acme/js", files, tags=("v1",))
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/js@v1
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert "pre ran" not in r.logs.replace("pre ran mode=${", "")
    assert "main ran state=none" in r.logs
    assert "post ran none m1" in r.logs


def test_remote_action_over_http(project: Project, server: ActionServer) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    with http_git_server(server.srv) as (url, seen):
        project.workflow(uses_workflow("acme/echo@v1", "http"))
        r = project.run("--actions-url", url)
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "http-1"}
    assert any(p.startswith("/acme/echo") and "info/refs" in p for p in seen), seen


def test_unreachable_http_server_names_url(project: Project, server: ActionServer) -> None:
    with http_git_server(server.srv) as (url, _seen):
        pass  # stopped: nothing listens on the port any more
    project.workflow(uses_workflow("acme/echo@v1"))
    r = project.run("--actions-url", url)
    assert r.code == 1
    assert f"{url}/acme/echo" in r.logs
    assert "acme/echo@v1" in r.logs


CALLED = """
on:
  workflow_call:
    inputs:
      who:
        type: string
        required: true
      times:
        type: number
        default: 2
    outputs:
      greeting:
        value: ${{ jobs.hello.outputs.greeting }}
jobs:
  hello:
    runs-on: ubuntu-latest
    outputs:
      greeting: ${{ steps.make.outputs.greeting }}
    steps:
      - id: make
        run: |
          echo "called with ${{ inputs.who }} x${{ inputs.times }}"
          echo "greeting=hello ${{ inputs.who }} x${{ inputs.times }}" >> "$GITHUB_OUTPUT"
"""

CALLER = """
on: push
jobs:
  call:
    uses: acme/workflows/.github/workflows/greet.yml@v1
    with:
      who: ${{ github.event_name }}
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: echo "caller got ${{ needs.call.outputs.greeting }}"
"""


def test_remote_reusable_workflow_with_inputs_and_outputs(
    project: Project, server: ActionServer
) -> None:
    server.publish("acme/workflows", {".github/workflows/greet.yml": CALLED}, tags=("v1",))
    project.workflow(CALLER)
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert r.job("call")["conclusion"] == "success"
    assert r.job("call")["outputs"] == {"greeting": "hello push x2"}
    assert r.job("hello")["conclusion"] == "success"
    assert "called with push x2" in r.logs
    assert "caller got hello push x2" in r.logs


def test_remote_reusable_workflow_over_http(project: Project, server: ActionServer) -> None:
    server.publish("acme/workflows", {".github/workflows/greet.yml": CALLED}, tags=("v1",))
    with http_git_server(server.srv) as (url, seen):
        project.workflow(CALLER)
        r = project.run("--actions-url", url)
    assert r.code == 0, r.text()
    assert "caller got hello push x2" in r.logs
    assert any(p.startswith("/acme/workflows") for p in seen), seen


def test_unfetchable_reusable_workflow_fails_job(project: Project, server: ActionServer) -> None:
    project.workflow(CALLER)
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    assert r.job("call")["conclusion"] == "failure"
    text = r.text() + str(r.report)
    assert "acme/workflows@v1" in text
    assert f"{server.url}/acme/workflows" in text


def test_docker_actions_with_a_bad_image_fail_loudly(
    project: Project, server: ActionServer
) -> None:
    # ActionManager.cs: runs.image is '[path]/Dockerfile' or 'docker://image[:tag]'; the
    # Dockerfile must exist (the container tests run Docker actions for real)
    server.publish(
        "acme/container",
        {"action.yml": "name: c\nruns:\n  using: docker\n  image: Dockerfile\n"},
        tags=("v1",),
    )
    project.write({"local-docker/action.yml": "name: d\nruns:\n  using: docker\n  image: x\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: remote
        uses: acme/container@v1
      - id: local
        if: always()
        uses: ./local-docker
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 1
    for step in ("remote", "local"):
        assert r.step("build", step)["outcome"] == "failure", step
    logs = r.logs
    assert "'acme/container@v1': runs.image: no Dockerfile at" in logs
    assert "'./local-docker': runs.image 'x' should be either '[path]/Dockerfile' or" in logs


def test_matrix_jobs_share_one_fetch(project: Project, server: ActionServer) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3, 4]
    steps:
      - id: remote
        uses: acme/echo@v1
        with:
          text: m${{ matrix.n }}
"""
    )
    r = project.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    said = sorted(
        s["outputs"]["said"] for j in r.all_jobs() for s in j["steps"] if s["id"] == "remote"
    )
    assert said == ["m1-1", "m2-1", "m3-1", "m4-1"]
    home = project.root.parent / "cache" / "actions" / "acme" / "echo"
    commits = [p for p in home.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(commits) == 1, commits


def test_local_repository_replaces_an_action_without_fetching(
    project: Project, server: ActionServer, tmp_path: Path
) -> None:
    """act's --local-repository: the folder serves `owner/repo@ref`, as is (no git)."""
    folder = tmp_path / "echo-dev"
    folder.mkdir()
    for name, text in ECHO_ACTION.items():
        (folder / name).write_text(textwrap.dedent(text))
    (folder / "VERSION").write_text("dev\n")
    project.workflow(uses_workflow("acme/echo@v1"))
    # the server has no acme/echo at all: a fetch would fail
    r = project.run("--actions-url", server.url, "--local-repository", f"acme/echo@v1={folder}")
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "hi-dev"}
    # another ref of the same repository is not mapped, so it is fetched (and fails here)
    project.workflow(uses_workflow("acme/echo@v2"))
    r = project.run("--actions-url", server.url, "--local-repository", f"acme/echo@v1={folder}")
    assert r.code == 1
    assert "could not fetch action acme/echo@v2" in r.text() + str(r.report)


def test_local_repository_without_ref_serves_every_ref_and_reusable_workflows(
    project: Project, server: ActionServer, tmp_path: Path
) -> None:
    folder = tmp_path / "workflows"
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "greet.yml").write_text(textwrap.dedent(CALLED))
    project.workflow(CALLER)
    url = "https://github.com/Acme/Workflows"  # act's URL form; names match case-blind
    r = project.run("--actions-url", server.url, "--local-repository", f"{url}={folder}")
    assert r.code == 0, r.text()
    assert "caller got hello push x2" in r.logs


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("acme/echo@v1", "must look like owner/repo@ref=DIR"),
        ("acme@v1=.", "must look like owner/repo@ref=DIR"),
        ("acme/echo@=.", "must look like owner/repo@ref=DIR"),
        ("acme/echo@v1=no-such-dir", "no-such-dir is not a directory"),
    ],
)
def test_local_repository_bad_values_are_usage_errors(
    project: Project, value: str, says: str
) -> None:
    project.workflow(uses_workflow("acme/echo@v1"))
    r = project.run("--local-repository", value)
    assert r.code == 2
    assert says in r.err


def test_a_folder_of_git_mirrors_serves_as_actions_url(
    project: Project, server: ActionServer
) -> None:
    server.publish("acme/echo", ECHO_ACTION, tags=("v1",))
    project.workflow(uses_workflow("acme/echo@v1"))
    r = project.run("--actions-url", str(server.srv))  # a plain path, not a URL
    assert r.code == 0, r.text()
    assert r.step("build", "remote")["outputs"] == {"said": "hi-1"}
