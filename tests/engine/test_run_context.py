"""Default environment variables and the github/runner contexts.

Rules: docs "Variables > Default environment variables" (CI, GITHUB_ACTIONS,
GITHUB_WORKSPACE, GITHUB_SHA, GITHUB_REF, GITHUB_REPOSITORY, GITHUB_REPOSITORY_OWNER,
GITHUB_ACTOR, GITHUB_JOB, GITHUB_ACTION, GITHUB_RUN_ID, GITHUB_RUN_NUMBER,
GITHUB_EVENT_PATH, RUNNER_OS, RUNNER_TEMP); GITHUB_ACTION is the step id, or
`__run`, `__run_2` ... for run steps without an id.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness import Repo

DUMP = """
on: push
jobs:
  build-job:
    runs-on: ubuntu-latest
    steps:
      - id: env
        run: |
          for v in CI GITHUB_ACTIONS GITHUB_WORKSPACE GITHUB_SHA GITHUB_REF GITHUB_REF_NAME \\
                   GITHUB_REPOSITORY GITHUB_REPOSITORY_OWNER GITHUB_ACTOR RUNNER_OS RUNNER_TEMP \\
                   GITHUB_RUN_ID GITHUB_RUN_NUMBER GITHUB_EVENT_PATH GITHUB_JOB GITHUB_ACTION \\
                   GITHUB_EVENT_NAME; do
            echo "$v=${!v}" >> "$GITHUB_OUTPUT"
          done
          echo "cwd=$(pwd)" >> "$GITHUB_OUTPUT"
          test -d "$RUNNER_TEMP" && echo "temp_exists=yes" >> "$GITHUB_OUTPUT"
          test -d "$GITHUB_WORKSPACE" && echo "ws_exists=yes" >> "$GITHUB_OUTPUT"
          python3 -c "import json,os; d=json.load(open(os.environ['GITHUB_EVENT_PATH'])); \\
            open(os.environ['GITHUB_OUTPUT'],'a').write('event_after=' + d.get('after','') + '\\n')"
      - run: echo "a1=$GITHUB_ACTION" >> "$GITHUB_OUTPUT"
      - run: echo "a2=$GITHUB_ACTION" >> "$GITHUB_OUTPUT"
      - id: ctx
        run: |
          echo "repo=${{ github.repository }}" >> "$GITHUB_OUTPUT"
          echo "owner=${{ github.repository_owner }}" >> "$GITHUB_OUTPUT"
          echo "sha=${{ github.sha }}" >> "$GITHUB_OUTPUT"
          echo "ref=${{ github.ref }}" >> "$GITHUB_OUTPUT"
          echo "job=${{ github.job }}" >> "$GITHUB_OUTPUT"
          echo "os=${{ runner.os }}" >> "$GITHUB_OUTPUT"
          echo "ws=${{ github.workspace }}" >> "$GITHUB_OUTPUT"
          echo "event=${{ github.event_name }}" >> "$GITHUB_OUTPUT"
          echo "action=${{ github.action }}" >> "$GITHUB_OUTPUT"
"""


def test_default_env_and_contexts(repo: Repo) -> None:
    repo.set_remote("https://github.com/acme/widgets.git")
    repo.workflow(DUMP)
    sha = repo.commit()
    r = repo.run()
    assert r.code == 0, r.out
    env = r.outputs("build-job", "env")
    assert env["CI"] == "true"
    assert env["GITHUB_ACTIONS"] == "true"
    assert env["GITHUB_SHA"] == sha
    assert env["GITHUB_REF"] == "refs/heads/main"
    assert env["GITHUB_REF_NAME"] == "main"
    assert env["GITHUB_REPOSITORY"] == "acme/widgets"
    assert env["GITHUB_REPOSITORY_OWNER"] == "acme"
    assert env["GITHUB_ACTOR"] == "Ada Lovelace"
    assert env["RUNNER_OS"] == "Linux"
    assert env["GITHUB_JOB"] == "build-job"
    assert env["GITHUB_ACTION"] == "env"  # the step's id
    assert env["GITHUB_EVENT_NAME"] == "push"
    assert env["temp_exists"] == "yes" and env["ws_exists"] == "yes"
    assert env["cwd"] == env["GITHUB_WORKSPACE"]
    assert env["event_after"] == sha
    assert int(env["GITHUB_RUN_ID"]) > 0 and int(env["GITHUB_RUN_NUMBER"]) > 0
    assert r.outputs("build-job", 1) == {"a1": "__run"}
    assert r.outputs("build-job", 2) == {"a2": "__run_2"}
    ctx = r.outputs("build-job", "ctx")
    assert ctx == {
        "repo": "acme/widgets",
        "owner": "acme",
        "sha": sha,
        "ref": "refs/heads/main",
        "job": "build-job",
        "os": "Linux",
        "ws": env["GITHUB_WORKSPACE"],
        "event": "push",
        "action": "ctx",
    }


def test_event_path_is_json_payload(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  python3 - <<'PY'
                  import json, os
                  data = json.load(open(os.environ["GITHUB_EVENT_PATH"]))
                  with open(os.environ["GITHUB_OUTPUT"], "a") as f:
                      f.write(f"ref={data['ref']}\\n")
                      f.write(f"keys={','.join(sorted(data))}\\n")
                  PY
        """
    )
    r = repo.run()
    assert r.code == 0, r.out
    out = r.outputs("j", "s")
    assert out["ref"] == "refs/heads/main"
    assert "after" in out["keys"].split(",")


def test_run_id_and_number_increase(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "id=$GITHUB_RUN_ID" >> "$GITHUB_OUTPUT"
                  echo "n=$GITHUB_RUN_NUMBER" >> "$GITHUB_OUTPUT"
        """
    )
    first = repo.run().outputs("j", "s")
    second = repo.run().outputs("j", "s")
    assert int(second["id"]) > int(first["id"])
    assert int(second["n"]) > int(first["n"])


def test_repository_from_ssh_remote(repo: Repo) -> None:
    repo.set_remote("git@github.com:octo-org/octo-repo.git")
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=$GITHUB_REPOSITORY" >> "$GITHUB_OUTPUT"
        """
    )
    assert repo.run().outputs("j", "s") == {"r": "octo-org/octo-repo"}


def test_branch_ref(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=$GITHUB_REF" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    repo.git("checkout", "-q", "-b", "feature/x")
    assert repo.run().outputs("j", "s") == {"r": "refs/heads/feature/x"}


def test_workspace_is_fresh_per_job_and_report_has_logs(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: touch "$GITHUB_WORKSPACE/from-a"
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  n=$(ls "$GITHUB_WORKSPACE" | grep -c from-a || true)
                  echo "seen=$n" >> "$GITHUB_OUTPUT"
        """
    )
    r = repo.run()
    assert r.outputs("b", "s") == {"seen": "0"}
    log = r.job("a")["log"]
    assert log and Path(log).is_file()
    assert json.loads(json.dumps(r.report))["run_id"] == r.report["run_id"]
