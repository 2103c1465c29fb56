# ruff: noqa: E501
"""Branch, tag and path filters evaluated on `--eventpath` payloads with real commits.

Docs: workflow syntax `on.push.<branches|tags|branches-ignore|tags-ignore>`,
`on.<push|pull_request>.<paths|paths-ignore>`, "Git diff comparisons" and the
"Filter pattern cheat sheet"."""

from __future__ import annotations

from tests.harness import Repo, Result

ZERO = "0" * 40


def _wf(repo: Repo, on: str) -> None:
    repo.workflow(
        f"""
        on:
{on}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "ref=$GITHUB_REF" >> "$GITHUB_OUTPUT"
                  echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
                  echo "name=${{{{ github.ref_name }}}}" >> "$GITHUB_OUTPUT"
        """
    )


def _indent(text: str, n: int = 10) -> str:
    import textwrap

    return textwrap.indent(textwrap.dedent(text).strip("\n"), " " * n)


def _ran(r: Result) -> bool:
    assert r.code == 0, r.output
    return bool(r.workflows) and any(j["conclusion"] == "success" for j in r.jobs())


def _push(repo: Repo, before: str, after: str, ref: str = "refs/heads/main") -> Result:
    ev = repo.event(
        {"ref": ref, "before": before, "after": after, "repository": {"default_branch": "main"}}
    )
    return repo.run("push", "--eventpath", str(ev))


def test_push_paths_two_dot_diff(repo: Repo) -> None:
    # Doc: "If at least one path matches a pattern in the paths filter, the workflow runs."
    # "Pushes to existing branches: A two-dot diff compares the head and base SHAs directly"
    _wf(
        repo,
        _indent("""
        push:
          paths:
            - 'src/**'
            - '**.js'
    """),
    )
    repo.write("README.md", "x\n")
    c0 = repo.commit("base")
    repo.write("src/app.py", "print(1)\n")
    c1 = repo.commit("src")
    repo.write("docs/a.md", "doc\n")
    c2 = repo.commit("docs")
    repo.write("web/deep/x.js", "1\n")
    c3 = repo.commit("js")
    r = _push(repo, c0, c1)
    assert _ran(r)
    assert r.step("j", "s")["outputs"]["sha"] == c1  # GITHUB_SHA = after
    assert not _ran(_push(repo, c1, c2))  # only docs/a.md changed
    assert _ran(_push(repo, c0, c2))  # two commits: src/app.py included
    assert _ran(_push(repo, c2, c3))  # '**.js' matches web/deep/x.js


def test_push_paths_ignore_and_negation(repo: Repo) -> None:
    # Doc paths-ignore: "When all the path names match patterns in paths-ignore, the workflow
    # will not run. If any path names do not match patterns in paths-ignore ... the workflow will run."
    # Doc "Including and excluding paths": sub-project/** with !sub-project/docs/** -- "The
    # order that you define patterns matters"
    repo.workflow(
        """
        on:
          push:
            paths-ignore:
              - 'docs/**'
              - '*.md'
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """,
        "ignore.yml",
    )
    repo.workflow(
        """
        on:
          push:
            paths:
              - 'sub-project/**'
              - '!sub-project/docs/**'
        jobs:
          k:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """,
        "neg.yml",
    )
    c0 = repo.commit("base")
    repo.write("docs/guide/x.md", "1\n")
    repo.write("CHANGES.md", "1\n")
    repo.write("sub-project/docs/y.md", "1\n")
    c1 = repo.commit("docs only")
    repo.write("sub-project/src/z.py", "1\n")
    c2 = repo.commit("code")
    repo.write("sub/README.md", "1\n")  # '*.md' does not match across '/'
    c3 = repo.commit("nested md")

    r = _push(repo, c0, c1)
    assert r.code == 0, r.output
    ran = {
        w["file"].rsplit("/", 1)[-1]
        for w in r.workflows
        if w["jobs"] and w["jobs"][0]["conclusion"] == "success"
    }
    # sub-project/docs/y.md is neither docs/** nor *.md at the root -> ignore.yml runs
    assert "ignore.yml" in ran
    assert "neg.yml" not in ran  # only excluded sub-project/docs files
    r = _push(repo, c1, c2)
    ran = {
        w["file"].rsplit("/", 1)[-1]
        for w in r.workflows
        if w["jobs"] and w["jobs"][0]["conclusion"] == "success"
    }
    assert ran == {"ignore.yml", "neg.yml"}
    r = _push(repo, c2, c3)
    ran = {
        w["file"].rsplit("/", 1)[-1]
        for w in r.workflows
        if w["jobs"] and w["jobs"][0]["conclusion"] == "success"
    }
    assert ran == {"ignore.yml"}


def test_paths_ignore_all_ignored_does_not_run(repo: Repo) -> None:
    # Doc: "When all the path names match patterns in paths-ignore, the workflow will not run."
    _wf(
        repo,
        _indent("""
        push:
          paths-ignore:
            - 'docs/**'
    """),
    )
    c0 = repo.commit("base")
    repo.write("docs/a.md", "1\n")
    repo.write("docs/b/c.txt", "1\n")
    c1 = repo.commit("docs")
    r = _push(repo, c0, c1)
    assert r.code == 0
    assert not _ran(r)


def test_branches_with_negation_doc_example(repo: Repo) -> None:
    # Doc "Excluding branches": branches: ['releases/**', '!releases/**-alpha'] -- "A matching
    # negative pattern (prefixed with !) after a positive match will exclude the Git ref."
    _wf(
        repo,
        _indent("""
        push:
          branches:
            - 'releases/**'
            - '!releases/**-alpha'
    """),
    )
    c0 = repo.commit("base")
    c1 = repo.commit("next")
    assert _ran(_push(repo, c0, c1, "refs/heads/releases/10"))
    assert _ran(_push(repo, c0, c1, "refs/heads/releases/beta/mona"))
    assert not _ran(_push(repo, c0, c1, "refs/heads/releases/10-alpha"))
    assert not _ran(_push(repo, c0, c1, "refs/heads/main"))
    # "If you define only tags/tags-ignore or only branches/branches-ignore, the workflow won't
    # run for events affecting the undefined Git ref."
    assert not _ran(_push(repo, c0, c1, "refs/tags/v1"))


def test_branches_ignore_doc_example(repo: Repo) -> None:
    # Doc: branches-ignore: ['mona/octocat', 'releases/**-alpha']
    _wf(
        repo,
        _indent("""
        push:
          branches-ignore:
            - 'mona/octocat'
            - 'releases/**-alpha'
    """),
    )
    c0 = repo.commit("base")
    c1 = repo.commit("next")
    assert not _ran(_push(repo, c0, c1, "refs/heads/mona/octocat"))
    assert not _ran(_push(repo, c0, c1, "refs/heads/releases/beta/3-alpha"))
    r = _push(repo, c0, c1, "refs/heads/releases/10")
    assert _ran(r)
    assert r.step("j", "s")["outputs"]["name"] == "releases/10"


def test_tags_with_negation_and_cheat_sheet(repo: Repo) -> None:
    # Doc: tags: [v2, 'v1.*'] / cheat sheet: "v2*" matches v2, v2.0 and v2.9;
    # "v[12].[0-9]+.[0-9]+" matches v1.10.1 and v2.0.0
    _wf(
        repo,
        _indent("""
        push:
          tags:
            - 'v[12].[0-9]+.[0-9]+'
            - '!v2.0.0'
          paths:
            - 'nothing-matches/**'
    """),
    )
    c0 = repo.commit("base")
    c1 = repo.commit("next")
    repo.git("tag", "v1.10.1", c1)
    repo.git("tag", "v2.0.0", c1)
    r = _push(repo, ZERO, c1, "refs/tags/v1.10.1")
    # "Path filters are not evaluated for pushes of tags."
    assert _ran(r)
    out = r.step("j", "s")["outputs"]
    assert out["ref"] == "refs/tags/v1.10.1" and out["name"] == "v1.10.1"
    assert not _ran(_push(repo, ZERO, c1, "refs/tags/v2.0.0"))
    assert not _ran(_push(repo, ZERO, c1, "refs/tags/v3.0.0"))
    assert not _ran(_push(repo, c0, c1, "refs/heads/main"))  # only tags defined


def test_tags_ignore(repo: Repo) -> None:
    # Doc: tags-ignore: [v2, 'v1.*'] -- "don't run for tags that match"
    _wf(
        repo,
        _indent("""
        push:
          tags-ignore:
            - v2
            - 'v1.*'
    """),
    )
    c1 = repo.commit("base")
    assert not _ran(_push(repo, ZERO, c1, "refs/tags/v1.9"))
    assert not _ran(_push(repo, ZERO, c1, "refs/tags/v2"))
    assert _ran(_push(repo, ZERO, c1, "refs/tags/v3"))


def test_branches_and_paths_both_required(repo: Repo) -> None:
    # Doc: "If you define both branches/branches-ignore and paths/paths-ignore, the workflow
    # will only run when both filters are satisfied."
    _wf(
        repo,
        _indent("""
        push:
          branches: [main]
          paths: ['**.js']
    """),
    )
    c0 = repo.commit("base")
    repo.write("a.js", "1\n")
    c1 = repo.commit("js")
    assert _ran(_push(repo, c0, c1))
    assert not _ran(_push(repo, c0, c1, "refs/heads/dev"))


def test_new_branch_diff_from_fork_point(repo: Repo) -> None:
    # Doc: "Pushes to new branches: A two-dot diff against the parent of the ancestor of the
    # deepest commit pushed."
    _wf(
        repo,
        _indent("""
        push:
          paths: ['app/**']
    """),
    )
    repo.write("app/a.txt", "1\n")
    repo.commit("base has app")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("docs/x.md", "1\n")
    f1 = repo.commit("feature docs")
    repo.git("checkout", "-q", "main")
    r = _push(repo, ZERO, f1, "refs/heads/feature")
    assert r.code == 0
    assert not _ran(r)  # app/a.txt was already on main: only docs/x.md is new
    repo.git("checkout", "-q", "feature")
    repo.write("app/b.txt", "1\n")
    f2 = repo.commit("feature app")
    repo.git("checkout", "-q", "main")
    assert _ran(_push(repo, ZERO, f2, "refs/heads/feature"))


def test_pull_request_base_branch_and_three_dot_diff(repo: Repo) -> None:
    # Doc pull_request branches: "the branches filter ... targets" the base branch;
    # "Pull requests: Three-dot diffs are a comparison between the most recent version of
    # the topic branch and the commit where the topic branch was last synced with the base branch."
    _wf(
        repo,
        _indent("""
        pull_request:
          branches: [main, 'releases/**']
          paths: ['src/**']
    """),
    )
    repo.write("README.md", "1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("docs/f.md", "1\n")
    head = repo.commit("feature docs")
    repo.git("checkout", "-q", "main")
    repo.write("src/main_only.py", "1\n")  # changed on the base after the fork
    base = repo.commit("main src")

    def pr(base_ref: str, head_sha: str, action: str = "opened") -> Result:
        ev = repo.event(
            {
                "action": action,
                "number": 7,
                "pull_request": {
                    "number": 7,
                    "base": {"ref": base_ref, "sha": base},
                    "head": {"ref": "feature", "sha": head_sha},
                },
                "repository": {"default_branch": "main"},
            }
        )
        return repo.run("pull_request", "--eventpath", str(ev))

    # a two-dot diff would include src/main_only.py; the three-dot diff does not
    assert not _ran(pr("main", head))
    repo.git("checkout", "-q", "feature")
    repo.write("src/feat.py", "1\n")
    head2 = repo.commit("feature src")
    repo.git("checkout", "-q", "main")
    r = pr("main", head2)
    assert _ran(r)
    out = r.step("j", "s")["outputs"]
    # Events table: pull_request GITHUB_REF "PR merge branch refs/pull/PULL_REQUEST_NUMBER/merge"
    assert out["ref"] == "refs/pull/7/merge"
    assert out["name"] == "7/merge"
    assert not _ran(pr("dev", head2))  # base branch not in branches
    # default activity types: opened, synchronize, reopened
    assert _ran(pr("main", head2, "synchronize"))
    assert not _ran(pr("main", head2, "closed"))


def test_pull_request_branches_ignore(repo: Repo) -> None:
    _wf(
        repo,
        _indent("""
        pull_request:
          branches-ignore: ['mona/octocat', 'releases/**-alpha']
    """),
    )
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("f")
    repo.git("checkout", "-q", "main")

    def pr(base_ref: str) -> Result:
        ev = repo.event(
            {
                "action": "opened",
                "number": 1,
                "pull_request": {
                    "number": 1,
                    "base": {"ref": base_ref},
                    "head": {"ref": "feature", "sha": head},
                },
            }
        )
        return repo.run("pull_request", "--eventpath", str(ev))

    assert not _ran(pr("releases/x-alpha"))
    assert _ran(pr("main"))


def test_no_files_changed_does_not_run(repo: Repo) -> None:
    # Doc: "If there are no files changed, the workflow will not run."
    _wf(
        repo,
        _indent("""
        push:
          paths-ignore: ['docs/**']
    """),
    )
    c0 = repo.commit("base")
    c1 = repo.commit("empty")
    assert not _ran(_push(repo, c0, c1))


def test_more_than_300_files_only_first_300_count(repo: Repo) -> None:
    # Doc: "Diffs are limited to 300 files. If there are files changed that aren't matched in
    # the first 300 files returned by the filter, the workflow will not run."
    _wf(
        repo,
        _indent("""
        push:
          paths: ['zzz/**']
    """),
    )
    c0 = repo.commit("base")
    for i in range(301):
        repo.write(f"a/{i:03}.txt", "1\n")
    repo.write("zzz/late.txt", "1\n")
    c1 = repo.commit("many")
    assert not _ran(_push(repo, c0, c1))
