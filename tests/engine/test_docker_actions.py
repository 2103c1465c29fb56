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

import os
import subprocess

import pytest

from conveyor.engine.kinds.dockerengine import BUILT_PREFIX, image_id, run_argv
from conveyor.procinfo import process_start, tracking_prefix
from tests.executors.busybox_image import container_engine, ensure_busybox_image
from tests.executors.test_container_jobs import WEB
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


def leftovers() -> list[str]:
    """Containers this test process's jobs labelled that still exist (other processes on
    this machine may be running container jobs of their own)."""
    mine = tracking_prefix(os.getpid(), process_start(os.getpid()))
    listing = subprocess.run(
        [container_engine(), "ps", "-a", "--filter", "label=io.conveyor.owner",
         "--format", '{{.Names}}\t{{index .Labels "io.conveyor.owner"}}'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = (line.partition("\t") for line in listing.stdout.splitlines())
    return [name for name, _, owner in found if owner.startswith(mine)]


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


PREPOST = {
    ".github/actions/prepost/action.yml": """
name: prepost
runs:
  using: docker
  image: Dockerfile
  pre-entrypoint: /pre.sh
  entrypoint: /main.sh
  post-entrypoint: /post.sh
  post-if: always()
""",
    ".github/actions/prepost/Dockerfile": """FROM localhost/conveyor-test-busybox:1
COPY pre.sh main.sh post.sh /
RUN chmod +x /pre.sh /main.sh /post.sh
""",
    ".github/actions/prepost/pre.sh": """#!/bin/sh
echo "phase-pre"
echo "from_pre=p1" >> "$GITHUB_STATE"
""",
    ".github/actions/prepost/main.sh": """#!/bin/sh
echo "phase-main state=$STATE_from_pre"
echo "from_main=m1" >> "$GITHUB_STATE"
""",
    ".github/actions/prepost/post.sh": """#!/bin/sh
echo "phase-post state=$STATE_from_pre,$STATE_from_main"
""",
}


def test_pre_and_post_entrypoints_run_at_job_start_and_end(repo: Repo) -> None:
    repo.write_files(PREPOST)
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo "first-step"
      - name: PP
        uses: $/.github/actions/prepost
      - run: echo "last-step"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    logs = res.logs
    order = ["phase-pre", "first-step", "phase-main state=p1", "last-step", "phase-post"]
    where = [logs.index(marker) for marker in order]
    assert where == sorted(where), logs
    assert "phase-post state=p1,m1" in logs
    assert res.step("test", "Post PP")["conclusion"] == "success"
    assert res.step("test", "Pre PP")["conclusion"] == "success"
    assert leftovers() == []


def test_a_container_job_runs_a_docker_action_that_reaches_a_service(
    repo: Repo, image: str
) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image}
    services:{WEB.format(image=image)}
    steps:
      - run: echo "from-job" > job.txt
      - id: probe
        uses: docker://{image}
        with:
          entrypoint: /bin/sh
          args: -c "echo page=$(wget -q -O- http://web:8080/) >> $GITHUB_OUTPUT; cat job.txt"
      - run: echo "page=${{{{ steps.probe.outputs.page }}}}"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    assert res.step("test", "probe")["outputs"] == {"page": "hello-www"}
    assert "from-job" in res.logs.split("Run docker://")[1]  # the job's workspace, shared
    assert leftovers() == []


def _built_tag(logs: str) -> str:
    for line in logs.splitlines():
        for marker in ("Building the image ", "Using the image built before for this action: "):
            if marker in line:
                return line.split(marker)[1].strip()
    raise AssertionError(f"no image named in:\n{logs}")


def test_a_built_image_is_reused_until_the_action_changes(repo: Repo) -> None:
    engine = container_engine()
    repo.write_files(HELLO)
    repo.write(".github/actions/hello/marker", "for this test\n")
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/hello
"""
    )
    first = repo.run(commit=True)
    assert first.code == 0, first.output
    tag = _built_tag(first.logs)
    assert tag.startswith(f"{BUILT_PREFIX}/")
    built = image_id(engine, tag)
    assert built
    second = repo.run(commit=True)
    assert second.code == 0, second.output
    assert f"Using the image built before for this action: {tag}" in second.logs
    assert image_id(engine, tag) == built  # not rebuilt
    script = HELLO[".github/actions/hello/entrypoint.sh"]
    repo.write(".github/actions/hello/entrypoint.sh", script + 'echo "changed"\n')
    third = repo.run(commit=True)
    assert third.code == 0, third.output
    changed = _built_tag(third.logs)
    assert changed != tag and f"Building the image {changed}" in third.logs
    assert image_id(engine, changed) not in ("", built)
    assert "changed" in third.logs
    subprocess.run([engine, "rmi", "-f", tag, changed], capture_output=True, check=False)


def test_a_failed_build_fails_the_step_with_its_last_lines(repo: Repo) -> None:
    repo.write_files(
        {
            ".github/actions/broken/action.yml": "name: b\nruns:\n  using: docker\n"
            "  image: Dockerfile\n",
            ".github/actions/broken/Dockerfile": "FROM localhost/conveyor-test-busybox:1\n"
            "RUN echo build-broke-here && false\n",
        }
    )
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: broken
        uses: ./.github/actions/broken
"""
    )
    res = repo.run()
    assert res.code == 1
    assert res.step("test", "broken")["outcome"] == "failure"
    logs = res.logs
    tail = logs.index("build of ")
    assert "failed with exit code" in logs[tail:]
    assert "build-broke-here" in logs[logs.index("its last lines:", tail) :]
    assert leftovers() == []


def test_a_missing_image_names_the_bootstrap_command(repo: Repo) -> None:
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - id: missing
        uses: docker://localhost/conveyor-no-such-image:1
"""
    )
    res = repo.run()
    assert res.code == 1
    assert res.step("test", "missing")["outcome"] == "failure"
    assert "image 'localhost/conveyor-no-such-image:1' is not on this machine" in res.logs
    assert "conveyor images bootstrap" in res.logs


def test_a_timeout_leaves_no_container(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - id: slow
        timeout-minutes: 0.05
        uses: docker://{image}
        with:
          args: sleep 300
"""
    )
    res = repo.run()
    assert res.code == 1
    assert res.step("test", "slow")["outcome"] == "failure"
    assert "The action has timed out" in res.logs
    assert leftovers() == []


def test_add_mask_from_inside_masks_later_output(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: docker://{image}
        with:
          entrypoint: /bin/sh
          args: -c "echo ::add-mask::hush-4242; echo said hush-4242"
      - run: echo "later hush-4242"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    assert "said ***" in res.logs and "later ***" in res.logs
    assert "hush-4242" not in res.logs
