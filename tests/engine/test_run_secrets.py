"""Secrets: --secret, --secret-file, --secret NAME from the environment; masking everywhere.

Rules: docs "Using secrets in GitHub Actions" (secrets are redacted from logs; "secrets
cannot be directly referenced in if: conditionals": set them as job env and test
`env.X != ''` instead) and "Contexts > Context availability" (jobs.<job_id>.steps.if
has no `secrets` context; GitHub rejects the workflow with "Unrecognized named-value:
'secrets'").
"""

from __future__ import annotations

import pytest

from tests.harness import Repo

WF = """
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    env:
      HAS_ALPHA: ${{ secrets.ALPHA }}
      HAS_MISSING: ${{ secrets.MISSING }}
    steps:
      - id: s
        env:
          A: ${{ secrets.ALPHA }}
          B: ${{ secrets.BRAVO }}
          C: ${{ secrets.CHARLIE }}
        run: |
          echo "alpha is $A"
          echo "bravo is $B"
          echo "charlie is $C"
          echo "### summary $A $B $C" >> "$GITHUB_STEP_SUMMARY"
          echo "len=${#A}" >> "$GITHUB_OUTPUT"
          echo "raw=$B" >> "$GITHUB_OUTPUT"
      - id: gate
        if: env.HAS_ALPHA == 'alpha-secret-1'
        run: echo gate-open
      - id: gate_closed
        if: env.HAS_MISSING != ''
        run: echo gate-closed-should-not-run
"""


def test_secrets_from_all_sources_are_masked(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = repo.root.parent / "secrets.env"
    secret_file.write_text('BRAVO="bravo-secret-2"\n# comment\n', encoding="utf-8")
    monkeypatch.setenv("CHARLIE", "charlie-secret-3")
    repo.workflow(WF)
    r = repo.run(
        "--secret",
        "ALPHA=alpha-secret-1",
        "--secret-file",
        str(secret_file),
        "--secret",
        "CHARLIE",
    )
    assert r.code == 0, r.out
    text = r.all_text()
    for value in ("alpha-secret-1", "bravo-secret-2", "charlie-secret-3"):
        assert value not in text
    assert "alpha is ***" in r.out
    assert "bravo is ***" in r.logs
    assert "charlie is ***" in r.out
    # the secret reached the process intact
    assert r.outputs("j", "s")["len"] == str(len("alpha-secret-1"))
    assert r.outputs("j", "s")["raw"] == "***"
    assert r.step("j", "gate")["conclusion"] == "success"
    assert r.step("j", "gate_closed")["conclusion"] == "skipped"
    summaries = list((r.run_dir / "summaries").glob("*.md"))
    assert summaries and "summary *** *** ***" in summaries[0].read_text()


def test_secret_from_missing_env_is_usage_error(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    repo.workflow(WF)
    r = repo.run("--secret", "NOT_SET_ANYWHERE")
    assert r.code == 2
    assert "NOT_SET_ANYWHERE" in r.err


def test_multiline_secret_masked_line_by_line(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - env:
                  K: ${{ secrets.KEY }}
                run: |
                  echo "$K"
                  echo "second line alone: $(echo "$K" | tail -n 1)"
        """
    )
    r = repo.run("--secret", "KEY=first-line-abc\nsecond-line-xyz")
    assert r.code == 0
    text = r.all_text()
    assert "first-line-abc" not in text
    assert "second-line-xyz" not in text


def test_undefined_secret_is_empty(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "v=[${{ secrets.NOPE }}]" >> "$GITHUB_OUTPUT"
        """
    )
    r = repo.run()
    assert r.outputs("j", "s") == {"v": "[]"}


def test_secrets_in_step_if_is_rejected(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - if: secrets.ALPHA != ''
                run: echo hi
        """
    )
    r = repo.run("--secret", "ALPHA=x")
    assert r.code == 2
    assert "secrets" in r.err
