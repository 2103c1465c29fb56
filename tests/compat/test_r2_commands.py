# ruff: noqa: E501
"""Round 2: workflow commands in depth.

Docs: "Workflow commands for GitHub Actions" (set-output deprecated but still honoured,
stop-commands, echo, debug, error annotations, add-mask, save-state); "Enabling debug
logging" (ACTIONS_STEP_DEBUG secret or variable); contexts "runner.debug"."""

from __future__ import annotations

import json

from tests.harness import Repo


def _printed(out: str, text: str) -> bool:
    """A line of step output equal to ``text`` (after the job prefix)."""
    return any(line.partition("] ")[2].strip() == text for line in out.splitlines())


def test_set_output_stop_commands_and_echo(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            outputs:
              legacy: ${{ steps.a.outputs.legacy }}
            steps:
              - id: a
                run: |
                  echo "::set-output name=legacy::old-style"
                  echo "::stop-commands::pausetoken"
                  echo "::set-output name=ignored::while-stopped"
                  echo "::pausetoken::"
                  echo "::set-output name=after::resumed"
              - id: b
                run: |
                  echo "::set-output name=quiet::q1"
                  echo "::echo::on"
                  echo "::set-output name=loud::q2"
              - id: use
                run: echo "v=${{ steps.a.outputs.legacy }}-${{ steps.b.outputs.loud }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    # "set-output ... deprecated": still sets the step output
    assert r.step("j", "a")["outputs"] == {"legacy": "old-style", "after": "resumed"}
    # stop-commands: "won't process any workflow commands" until the token line
    assert _printed(r.out, "::set-output name=ignored::while-stopped")
    assert r.step("j", "use")["outputs"] == {"v": "old-style-q2"}
    assert r.job("j")["outputs"] == {"legacy": "old-style"}
    # "::echo::on": the runner echoes the command lines that follow (and only those)
    assert _printed(r.out, "::set-output name=loud::q2")
    assert not _printed(r.out, "::set-output name=quiet::q1")


def test_error_annotation_and_debug_hidden_by_default(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: a
                run: |
                  echo "::error title=TheTitle,file=app.js,line=1,endLine=2,col=3::Missing semicolon"
                  echo "::debug::secret-debug-text"
                  echo "d=${{ runner.debug }}|${RUNNER_DEBUG:-unset}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    # an ::error:: annotation does not fail the step
    assert r.code == 0, r.output
    assert "Missing semicolon" in r.out and "TheTitle" in r.out and "app.js" in r.out
    # the command itself is not echoed
    assert not _printed(
        r.out, "::error title=TheTitle,file=app.js,line=1,endLine=2,col=3::Missing semicolon"
    )
    # "runner.debug: This is set only if debug logging is enabled"; debug messages hidden otherwise
    assert r.step("j", "a")["outputs"] == {"d": "|unset"}
    assert "secret-debug-text" not in r.out


def test_step_debug_enabled_by_secret_or_variable(repo: Repo) -> None:
    # "Enabling step debug logging": set the secret or variable ACTIONS_STEP_DEBUG to true;
    # runner.debug / RUNNER_DEBUG "always has the value of 1" when enabled.
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: a
                run: |
                  echo "::debug::visible-debug-text"
                  echo "d=${{ runner.debug }}|${RUNNER_DEBUG:-unset}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    for flag in ("--secret", "--var"):
        r = repo.run("push", flag, "ACTIONS_STEP_DEBUG=true")
        assert r.code == 0, r.output
        assert r.step("j", "a")["outputs"] == {"d": "1|1"}, flag
        assert "visible-debug-text" in r.out, flag


def test_save_state_reaches_post_of_javascript_action(repo: Repo) -> None:
    # "Sending values to the pre and post actions": save-state / GITHUB_STATE -> STATE_<name>
    repo.write(
        "act/action.yml",
        """
        name: stateful
        runs:
          using: node20
          main: main.js
          post: post.js
        """,
    )
    repo.write(
        "act/main.js",
        """
        console.log('::save-state name=legacy::from-command');
        require('fs').appendFileSync(process.env.GITHUB_STATE, 'modern=from-file\\n');
        """,
    )
    repo.write(
        "act/post.js",
        """
        const ok = process.env.STATE_legacy === 'from-command' && process.env.STATE_modern === 'from-file';
        console.log('post saw ' + process.env.STATE_legacy + ',' + process.env.STATE_modern);
        process.exit(ok ? 0 : 1);
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
              - id: act
                uses: ./act
              - run: echo main done
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert "post saw from-command,from-file" in r.out
    post = [s for s in r.job("j")["steps"] if s["name"].startswith("Post ")]
    assert [s["conclusion"] for s in post] == ["success"], post


def test_add_mask_inside_composite_action(repo: Repo) -> None:
    # "Masking a value in a log": add-mask applies to everything printed afterwards, in any
    # step; a job output holding a masked value is skipped ("Skip output ... may contain secret").
    repo.write(
        "comp/action.yml",
        """
        name: masker
        outputs:
          token:
            value: ${{ steps.gen.outputs.token }}
        runs:
          using: composite
          steps:
            - id: gen
              shell: bash
              # built at run time: the script itself is printed before the mask exists
              run: |
                v="zebra-quartz-$((70 + 7))"
                echo "::add-mask::$v"
                echo "inside: $v"
                echo "token=$v" >> "$GITHUB_OUTPUT"
        """,
    )
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            outputs:
              tok: ${{ steps.c.outputs.token }}
              plain: ok
            steps:
              - uses: actions/checkout@v4
              - id: c
                uses: ./comp
              - run: 'echo "outside: ${{ steps.c.outputs.token }}"'
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert "zebra-quartz-77" not in r.out + r.err
    assert "inside: ***" in r.out and "outside: ***" in r.out
    assert r.job("j")["outputs"] == {"plain": "ok"}
    assert "zebra-quartz-77" not in json.dumps(r.report)
