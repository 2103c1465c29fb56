"""Secrets: dotenv files, ``--secret``, and masking everywhere a value could leak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conveyor.cli.options import UsageError, read_dotenv
from tests.harness import Repo

DOTENV = """\
# a comment line
export API_TOKEN=tok-abc123
QUOTED="quoted value 42"
SINGLE='single $value \\n kept'
MULTI="line-one-xyz\\nline-two-xyz"
  SPACED = spaced-value
EMPTY=
PLAIN=plain-987 # trailing comment
HAS_EQUALS=a=b=c
"""


def test_read_dotenv(tmp_path: Path) -> None:
    path = tmp_path / ".secrets"
    path.write_text(DOTENV, encoding="utf-8")
    assert read_dotenv(path) == {
        "API_TOKEN": "tok-abc123",
        "QUOTED": "quoted value 42",
        "SINGLE": "single $value \\n kept",
        "MULTI": "line-one-xyz\nline-two-xyz",
        "SPACED": "spaced-value",
        "EMPTY": "",
        "PLAIN": "plain-987",
        "HAS_EQUALS": "a=b=c",
    }


@pytest.mark.parametrize("line", ["just-a-word", "=value", "TWO WORDS=x"])
def test_read_dotenv_rejects_bad_lines(tmp_path: Path, line: str) -> None:
    path = tmp_path / ".secrets"
    path.write_text(f"OK=1\n{line}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\.secrets:2: expected NAME=VALUE"):
        read_dotenv(path)


SECRETS_WF = """
on: push
jobs:
  leak:
    runs-on: ubuntu-latest
    steps:
      - id: s
        run: |
          echo "token ${{ secrets.API_TOKEN }}"
          echo "quoted ${{ secrets.QUOTED }}"
          echo "multi ${{ secrets.MULTI }}"
          echo "cli ${{ secrets.FROM_CLI }} env ${{ secrets.FROM_ENV }}"
          echo "out=${{ secrets.API_TOKEN }}" >> "$GITHUB_OUTPUT"
          echo "### ${{ secrets.QUOTED }}" >> "$GITHUB_STEP_SUMMARY"
          echo "length ${#API}"
        env:
          API: ${{ secrets.API_TOKEN }}
"""

VALUES = [
    "tok-abc123",
    "quoted value 42",
    "line-one-xyz",
    "line-two-xyz",
    "cli-secret-555",
    "env-secret-666",
]


def test_secrets_are_masked_everywhere(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FROM_ENV", "env-secret-666")
    secret_file = tmp_path / ".secrets"
    secret_file.write_text(DOTENV, encoding="utf-8")
    repo.workflow(SECRETS_WF, "ci.yml")
    repo.commit()
    res = repo.run(
        "--secret-file", str(secret_file), "-s", "FROM_CLI=cli-secret-555", "-s", "FROM_ENV"
    )
    assert res.report, res.output  # the report was written
    report = res.report
    assert res.code == 0, res.output
    assert "length 10" in res.out  # the secret reached the step
    assert "token ***" in res.out and "cli *** env ***" in res.out
    run_dir = repo.root / ".conveyor" / "runs" / str(report["run_id"])
    texts = {"stdout": res.out, "stderr": res.err, "report": json.dumps(report)}
    texts.update({str(p): p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file()})
    logs = repo.cli("logs", "last")
    assert logs.code == 0
    texts["conveyor logs"] = logs.out
    assert "token ***" in logs.out
    for where, text in texts.items():
        for value in VALUES:
            assert value not in text, f"{value!r} leaked in {where}"


def test_later_secret_options_win(repo: Repo, tmp_path: Path) -> None:
    first = tmp_path / "a.env"
    first.write_text("NAME=from-a\nONLY_A=a\n")
    second = tmp_path / "b.env"
    second.write_text("NAME=from-b\n")
    from conveyor.cli.options import collect_secrets
    from conveyor.cli.parser import build_parser

    args = build_parser().parse_args(
        ["run", "--secret-file", str(first), "--secret-file", str(second)]
    )
    assert collect_secrets(args) == {"NAME": "from-b", "ONLY_A": "a"}
    args = build_parser().parse_args(
        ["run", "--secret-file", str(first), "--secret", "NAME=from-cli"]
    )
    assert collect_secrets(args)["NAME"] == "from-cli"


def test_secrets_are_trimmed_escaped_and_kept_out_of_the_environment(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FROM_ENV", "env-secret-77")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_token_1234")
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "env has: ${FROM_ENV:-nothing} ${GITHUB_TOKEN:-nothing}"
                  echo "trimmed: [padded-value]"
                  echo 'escaped: say \\"hi\\" there'
              - env:
                  GIVEN: ${{ secrets.FROM_ENV }}
                run: test "$GIVEN" = env-secret-77 && echo referenced
        """
    )
    r = repo.run(
        "--secret",
        "FROM_ENV",
        "--secret",
        "PADDED=  padded-value  ",
        "--secret",
        'QUOTED=say "hi" there',
    )
    assert r.code == 0, r.output
    assert "env has: nothing nothing" in r.output  # neither reaches a step unasked
    assert "referenced" in r.output
    assert "trimmed: [***]" in r.output
    assert "escaped: ***" in r.output
    assert "padded-value" not in r.all_text() and 'say \\"hi\\"' not in r.all_text()
