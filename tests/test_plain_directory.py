"""`conveyor run` on a folder that is not a git repository: it runs, as an unborn main."""

from __future__ import annotations

from tests.harness import RepoFactory

WORKFLOW = """
on:
  push:
    branches: [main]
    paths: ['src/**']
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: s
        run: |
          echo "content=$(cat src/data.txt)" >> "$GITHUB_OUTPUT"
          echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
          echo "ref=$GITHUB_REF" >> "$GITHUB_OUTPUT"
"""


def test_plain_directory_runs(make_repo: RepoFactory) -> None:
    folder = make_repo("plain", init=False)
    folder.workflow(WORKFLOW)
    folder.write("src/data.txt", "hello")
    r = folder.run("-q")
    assert r.code == 0
    step = r.report["workflows"][0]["jobs"][0]["steps"][1]
    assert step["outputs"] == {"content": "hello", "sha": "0" * 40, "ref": "refs/heads/main"}
