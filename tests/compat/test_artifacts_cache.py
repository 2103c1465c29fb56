"""Artifacts (upload-artifact/download-artifact v4, "Storing and sharing data from a
workflow") and cache ("Caching dependencies": `cache-hit` output, `restore-keys`)."""

from __future__ import annotations

from tests.harness import Repo


def test_artifacts_between_jobs(repo: Repo) -> None:
    # Doc "Passing data between jobs in a workflow": upload in one job, download in a
    # dependent job; download-artifact without name downloads all artifacts into
    # directories named after them.
    repo.workflow(
        """
        on: push
        jobs:
          job_1:
            runs-on: ubuntu-latest
            steps:
              - shell: bash
                run: |
                  expr 3 + 7 > math-homework.txt
                  mkdir -p dist/sub && echo a > dist/a.txt && echo b > dist/sub/b.txt
              - name: Upload math result for job 1
                id: up
                uses: actions/upload-artifact@v4
                with:
                  name: homework_pre
                  path: math-homework.txt
              - uses: actions/upload-artifact@v4
                with:
                  name: dist
                  path: dist/
          job_2:
            needs: job_1
            runs-on: ubuntu-latest
            steps:
              - name: Download math result for job 1
                uses: actions/download-artifact@v4
                with:
                  name: homework_pre
              - id: s
                shell: bash
                run: |
                  echo "value=$(cat math-homework.txt)" >> "$GITHUB_OUTPUT"
          job_3:
            needs: job_1
            runs-on: ubuntu-latest
            steps:
              - uses: actions/download-artifact@v4
                with:
                  path: all
              - id: s
                run: |
                  echo "files=$(cd all && find . -type f | sort | tr '\\n' ' ')" >> "$GITHUB_OUTPUT"
          job_4:
            needs: job_1
            runs-on: ubuntu-latest
            steps:
              - id: missing
                continue-on-error: true
                uses: actions/download-artifact@v4
                with:
                  name: does-not-exist
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    up = r.step("job_1", "up")
    assert up["outputs"].get("artifact-id")  # v4 outputs artifact-id and artifact-url
    assert r.step("job_2", "s")["outputs"] == {"value": "10"}
    assert r.step("job_3", "s")["outputs"]["files"].split() == [
        "./dist/a.txt",
        "./dist/sub/b.txt",
        "./homework_pre/math-homework.txt",
    ]
    assert r.step("job_4", "missing")["outcome"] == "failure"


def test_upload_no_files_found_default_warns(repo: Repo) -> None:
    # upload-artifact README: if-no-files-found "warn" (default): "Output a warning but do
    # not fail the action"; "error": "Fail the action with an error message"
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: warn
                uses: actions/upload-artifact@v4
                with:
                  name: nothing
                  path: nope/*.txt
              - id: err
                continue-on-error: true
                uses: actions/upload-artifact@v4
                with:
                  name: nothing2
                  path: nope/*.txt
                  if-no-files-found: error
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "warn")["conclusion"] == "success"
    assert r.step("j", "err")["outcome"] == "failure"


def test_cache_between_jobs_and_hit_semantics(repo: Repo) -> None:
    # cache README: "cache-hit - A string value to indicate an exact match was found for the
    # key"; restore-keys: "An ordered multiline string listing the prefix-matched keys";
    # docs "Cache hits and misses": "When key doesn't match an existing cache ... a cache miss".
    repo.write("requirements.txt", "x==1\n")
    repo.workflow(
        """
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: c
                uses: actions/cache@v4
                with:
                  path: .mycache
                  key: deps-${{ runner.os }}-${{ hashFiles('requirements.txt') }}
              - run: mkdir -p .mycache && echo payload > .mycache/data
          exact:
            needs: save
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: c
                uses: actions/cache@v4
                with:
                  path: .mycache
                  key: deps-${{ runner.os }}-${{ hashFiles('requirements.txt') }}
              - id: s
                run: echo "data=$(cat .mycache/data)" >> "$GITHUB_OUTPUT"
          partial:
            needs: save
            runs-on: ubuntu-latest
            steps:
              - id: c
                uses: actions/cache/restore@v4
                with:
                  path: .mycache
                  key: deps-${{ runner.os }}-other
                  restore-keys: |
                    deps-${{ runner.os }}-
              - id: s
                run: echo "data=$(cat .mycache/data)" >> "$GITHUB_OUTPUT"
          miss:
            needs: save
            runs-on: ubuntu-latest
            steps:
              - id: c
                uses: actions/cache/restore@v4
                with:
                  path: .mycache
                  key: unrelated-key
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("save", "c")["outputs"].get("cache-hit", "") in ("", "false")
    assert r.step("exact", "c")["outputs"]["cache-hit"] == "true"
    assert r.step("exact", "s")["outputs"] == {"data": "payload"}
    assert r.step("partial", "c")["outputs"]["cache-hit"] == "false"
    assert r.step("partial", "s")["outputs"] == {"data": "payload"}
    assert r.step("miss", "c")["outputs"].get("cache-hit", "") == ""
