"""Docker container actions (`uses: docker://image`, `runs.using: docker`) on real podman.

Rules: GitHub's "Creating a Docker container action" and "Metadata syntax" (runs.image
as a Dockerfile or `docker://`, runs.args with `inputs`, runs.entrypoint, runs.env,
pre-entrypoint / post-entrypoint with pre-if / post-if; `with.args` and
`with.entrypoint` for `docker://` steps), and actions/runner ContainerActionHandler.cs
and DockerCommandManager.DockerRun (the workspace at /github/workspace, HOME
/github/home, the event at /github/workflow/event.json, variables as `-e NAME`, the
job's network). The container runs beside the job, never inside its container.
"""

from __future__ import annotations

import pytest

from conveyor.engine.kinds.dockerengine import run_argv
from tests.executors.busybox_image import ensure_busybox_image
from tests.executors.test_container_jobs import leftovers
from tests.harness import Repo, RepoFactory

pytestmark = pytest.mark.containers

HELLO = {
    ".github/actions/hello/action.yml": """
name: hello
inputs:
  who: {default: world}
  greeting: {default: hi}
runs:
  using: docker
  image: Dockerfile
  args: ["${{ inputs.greeting }}", "${{ inputs.who }}"]
  env:
    FROM_RUNS: runs-env
    SHADOWED: from-action
""",
    ".github/actions/hello/Dockerfile": """FROM localhost/conveyor-test-busybox:1
COPY entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]
""",
    ".github/actions/hello/entrypoint.sh": """
echo "args=$1,$2 input=$INPUT_WHO runs=$FROM_RUNS shadow=$SHADOWED"
echo "pwd=$(pwd) ws=$GITHUB_WORKSPACE home=$HOME event=$GITHUB_EVENT_PATH path=$PATH"
echo "secret-env=$MY_SECRET"
echo "host-home=${CONVEYOR_TEST_HOST_VAR:-unset}"
test -f "$GITHUB_EVENT_PATH" && echo "event-file=present"
echo "greeting=$1 $2" >> "$GITHUB_OUTPUT"
echo "made-inside" > "$GITHUB_WORKSPACE/inside.txt"
echo "FROM_ACTION=yes" >> "$GITHUB_ENV"
""",
}


@pytest.fixture
def image() -> str:
    return ensure_busybox_image()


@pytest.fixture
def repo(make_repo: RepoFactory, image: str) -> Repo:
    assert leftovers() == [], "an earlier test left containers behind"
    return make_repo("shop")


def test_dockerfile_action_inputs_args_outputs_and_workspace(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_TEST_HOST_VAR", "leaked")
    repo.write_files(HELLO)
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    env:
      SHADOWED: from-workflow
    steps:
      - uses: actions/checkout@v4
      - id: hello
        uses: ./.github/actions/hello
        with:
          who: octocat
        env:
          MY_SECRET: ${{ secrets.TOKEN }}
      - run: |
          echo "after=$(cat inside.txt) env=$FROM_ACTION"
          echo "out=${{ steps.hello.outputs.greeting }}"
""",
    )
    res = repo.run("--secret", "TOKEN=s3cr3t-value")
    assert res.code == 0, res.output
    logs = res.logs
    assert "args=hi,octocat input=octocat runs=runs-env shadow=from-workflow" in logs
    assert "pwd=/github/workspace ws=/github/workspace home=/github/home" in logs
    assert "event=/github/workflow/event.json path=/bin" in logs  # the image's PATH
    assert "event-file=present" in logs
    assert "secret-env=***" in logs and "s3cr3t-value" not in logs
    assert "host-home=unset" in logs  # this machine's environment stays outside
    assert res.step("test", "hello")["outputs"] == {"greeting": "hi octocat"}
    assert "after=made-inside env=yes" in logs
    assert "out=hi octocat" in logs
    assert leftovers() == []


def test_docker_image_step_with_args_and_entrypoint(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - id: plain
        uses: docker://{image}
        with:
          entrypoint: /bin/sh
          args: -c "echo in-image $INPUT_WORD $0; echo v=1 >> $GITHUB_OUTPUT"
          word: hello
      - uses: docker://{image}
        with:
          args: echo "two words" done
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    assert "in-image hello /bin/sh" in res.logs
    assert "two words done" in res.logs
    assert res.step("test", "plain")["outputs"] == {"v": "1"}
    assert leftovers() == []


def test_secret_values_stay_out_of_the_engine_argv() -> None:
    env, argv = run_argv(
        "podman", "img", ["a"], name="n", owner="o", mounts=[], network="", entrypoint="",
        env={"MY_SECRET": "s3cr3t", "HOME": "/github/home", "INPUT_TOKEN": "t0ken"},
    )  # fmt: skip
    text = " ".join(argv)
    assert "s3cr3t" not in text and "t0ken" not in text
    assert argv[argv.index("MY_SECRET") - 1 : argv.index("MY_SECRET") + 1] == ["--env", "MY_SECRET"]
    assert env["MY_SECRET"] == "s3cr3t" and env["INPUT_TOKEN"] == "t0ken"
    # the engine reads HOME itself: that one goes in argv and the engine keeps its own
    assert "HOME=/github/home" in argv and env.get("HOME") != "/github/home"
