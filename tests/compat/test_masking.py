"""Masking. Workflow commands "Masking a value in a log" (`::add-mask::{value}`: "Masking a
value prevents a string or variable from being printed in the log"); secrets: "GitHub
automatically redacts secrets printed to the log"."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from tests.harness import Repo

SECRET = "s3cr3t-Value-42"


def _all_logs(repo: Repo) -> str:
    texts = []
    for p in Path(repo.root, ".conveyor").rglob("*"):
        if p.is_file() and p.suffix in (".log", ".md", ".txt", ""):
            with contextlib.suppress(OSError):
                texts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def test_secret_and_add_mask_never_leak(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            outputs:
              leaked: ${{ steps.s.outputs.token }}
              plain: ${{ steps.s.outputs.plain }}
            steps:
              - id: s
                env:
                  TOKEN: ${{ secrets.API_TOKEN }}
                run: |
                  echo "token is $TOKEN"
                  echo "token=$TOKEN" >> "$GITHUB_OUTPUT"
                  echo "plain=visible" >> "$GITHUB_OUTPUT"
                  echo "summary $TOKEN" >> "$GITHUB_STEP_SUMMARY"
                  echo "::add-mask::dynamic-pass-99"
                  echo "the pass is dynamic-pass-99"
                  echo "pw=dynamic-pass-99" >> "$GITHUB_OUTPUT"
              - id: after
                run: |
                  echo "again dynamic-pass-99"
                  echo "x=${{ steps.s.outputs.pw }}" >> "$GITHUB_OUTPUT"
              - id: missing
                run: echo "m=[${{ secrets.NOT_SET }}]" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run("push", "--secret", f"API_TOKEN={SECRET}")
    assert r.code == 0, r.output
    raw_report = json.dumps(r.report)
    for text in (r.output, raw_report, _all_logs(repo)):
        assert SECRET not in text
        assert "dynamic-pass-99" not in text
    assert "***" in r.output
    # "If a secret has not been set, the return value of an expression referencing the secret
    # ... will be an empty string."
    assert r.step("j", "missing")["outputs"] == {"m": "[]"}
    # Defining outputs for jobs: "Outputs containing secrets are redacted on the runner and
    # not sent to GitHub Actions."
    outs = r.job("j")["outputs"]
    assert outs.get("plain") == "visible"
    assert SECRET not in json.dumps(outs)


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
                  echo "line two alone: second-line-xyz"
        """
    )
    repo.commit()
    r = repo.run("push", "--secret", "KEY=first-line-abc\nsecond-line-xyz")
    assert r.code == 0, r.output
    for text in (r.output, _all_logs(repo)):
        assert "first-line-abc" not in text
        assert "second-line-xyz" not in text
