"""docker/metadata-action v5, built in: the tag and label rules against the action's own test
cases, then whole runs.

The table cases are ported from docker/metadata-action v5.10.0 ``__tests__/meta.test.ts``,
``tag.test.ts``, ``flavor.test.ts`` and ``image.test.ts`` (ids kept, e.g. ``push07``): the
same events (``__tests__/fixtures/*.env`` reduced to what the rules read), the same
repository (``repo.json``: Hello-World, MIT, default branch master) and the same clock
(2020-01-10T00:30:00Z, which upstream also uses for every commit date).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import docker_metadata
from conveyor.actions.builtin.docker_metadata import git_context, rules, workflow_context
from conveyor.actions.builtin.docker_metadata import outputs as out
from conveyor.actions.builtin.docker_metadata.dates import format_date
from conveyor.actions.builtin.docker_metadata.entries import (
    Flavor,
    Image,
    parse_flavor,
    parse_images,
    parse_tag,
    parse_tags,
)
from conveyor.actions.builtin.docker_metadata.js import input_list
from conveyor.actions.builtin.docker_metadata.template import is_raw_statement, render
from tests.harness import Repo, RepoFactory

from .conftest import MakeCall

NOW = datetime(2020, 1, 10, 0, 30, tzinfo=UTC)
SHA_860 = "860c1904a1ce19322e91ac35af1ab07466440c37"
SHA_266 = "266574110acf203503badf966df2ea24b5d732d7"
SHA_PR = "a9c8c5828b91be19d9728548b24759e352367ef1"
HEAD_PR = "3370e228f2209994d57af4427fe64e71bb79ac96"
MASTER = {"repository": {"default_branch": "master"}}
MAIN = {"repository": {"default_branch": "main"}}
PR = {"number": 15, "pull_request": {"base": {"ref": "master"}, "head": {"sha": HEAD_PR}}, **MASTER}

# name: (GITHUB_EVENT_NAME, GITHUB_REF, GITHUB_SHA, the payload's fields the rules read)
EVENTS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "empty": ("", "", "", {}),
    "push_dev": ("push", "refs/heads/dev", SHA_860, MASTER),
    "push_master": ("push", "refs/heads/master", SHA_266, MASTER),
    "push_invalidchars": (
        "push",
        "refs/heads/my/feature#1245",
        "983315b5e8d46e46fc4c49869e85e7ee5fb289ba",
        MASTER,
    ),
    "workflow_dispatch": ("workflow_dispatch", "refs/heads/master", SHA_860, MASTER),
    "tag_v1.1.1": (
        "push",
        "refs/tags/v1.1.1",
        SHA_860,
        {"base_ref": "refs/heads/master", **MASTER},
    ),
    "pull_request": ("pull_request", "refs/pull/15/merge", SHA_PR, PR),
    "pull_request_target": ("pull_request_target", "refs/pull/15/merge", SHA_266, PR),
    "schedule": ("schedule", "refs/heads/master", SHA_860, {}),
    "release": ("release", "refs/tags/v1.1.1", SHA_860, {}),
    # our users' cases, and a branch name handlebars escapes
    "push_main": ("push", "refs/heads/main", SHA_266, MAIN),
    "tag_v1.4.2": ("push", "refs/tags/v1.4.2", SHA_266, MAIN),
    "pr_7": ("pull_request", "refs/pull/7/merge", SHA_PR, {"number": 7, **MASTER}),
    "push_eq": ("push", "refs/heads/a=b", SHA_860, MASTER),
}
for _tag in (
    "release1",
    "20200110-RC2",
    "v2.0.8-beta.67",
    "p1/v1.0.0",
    "sometag",
    "1.2",
    "1.1beta2",
    "1.0dev4",
    "1.2.3rc2",
    "v1.2.3rc2",
    "1.2post1",
):
    # these fixtures have no payload
    EVENTS[f"tag_{_tag}"] = ("push", f"refs/tags/{_tag}", SHA_860, {})

REPO = rules.Repo(
    "Hello-World",
    "This your first repo!",
    "https://github.com/octocat/Hello-World",
    "MIT",
    "master",
)
TWO = ["org/app", "ghcr.io/user/app"]


def make(
    event: str,
    tags: list[str] | None = None,
    *,
    images: list[str] | None = None,
    flavor: list[str] | None = None,
    labels: list[str] | None = None,
    annotations: list[str] | None = None,
    warnings: list[str] | None = None,
) -> rules.Meta:
    name, ref, sha, payload = EVENTS[event]
    return rules.build(
        rules.Context(name, ref, sha, payload, NOW),
        REPO,
        images=["user/app"] if images is None else images,
        tags=tags or [],
        flavor=flavor or [],
        labels=labels or [],
        annotations=annotations or [],
        date=NOW,
        warn=(warnings if warnings is not None else []).append,
    )


# (id, event, tags, flavor, images, version main, tags out); None images means user/app
CASES: list[tuple[str, str, list[str], list[str], list[str] | None, str | None, list[str]]] = [
    ("null02", "empty", ["type=sha", "type=raw,{{branch}}"], [], None, None, []),
    ("push02", "push_master", ["type=edge"], [], None, "edge", ["user/app:edge"]),
    ("push03", "push_master", [], [], None, "master", ["user/app:master"]),
    ("push04", "workflow_dispatch", ["type=edge"], [], None, "edge", ["user/app:edge"]),
    (
        "push07",
        "push_dev",
        ["type=ref,event=branch", "type=sha"],
        [],
        TWO,
        "dev",
        [
            "org/app:dev",
            "org/app:sha-860c190",
            "ghcr.io/user/app:dev",
            "ghcr.io/user/app:sha-860c190",
        ],
    ),
    (
        "push09",
        "push_dev",
        ["type=edge,branch=dev", "type=sha"],
        [],
        ["org/app"],
        "edge",
        ["org/app:edge", "org/app:sha-860c190"],
    ),
    (
        "push10",
        "push_master",
        ["type=edge,branch=dev", "type=sha"],
        [],
        None,
        "sha-2665741",
        ["user/app:sha-2665741"],
    ),
    (
        "push11",
        "push_invalidchars",
        ["type=edge", "type=sha"],
        [],
        None,
        "sha-983315b",
        ["user/app:sha-983315b"],
    ),
    (
        "push12",
        "push_invalidchars",
        ["type=semver,pattern={{version}}", "type=pep440,pattern={{version}}", "type=edge"],
        [],
        None,
        None,
        [],
    ),
    (
        "push13",
        "push_master",
        ["type=ref,priority=2000,event=branch", "type=edge"],
        [],
        None,
        "master",
        ["user/app:master", "user/app:edge"],
    ),
    (
        "push14",
        "push_master",
        [
            "type=semver,pattern={{version}},value=v1.2.3",
            "type=pep440,pattern={{version}},value=v1.2.3",
            "type=edge",
        ],
        [],
        None,
        "1.2.3",
        ["user/app:1.2.3", "user/app:edge", "user/app:latest"],
    ),
    (
        "push15",
        "push_master",
        ["type=match,pattern=v(.*),group=1,value=v1.2.3", "type=edge"],
        [],
        None,
        "1.2.3",
        ["user/app:1.2.3", "user/app:edge", "user/app:latest"],
    ),
    (
        "push16",
        "push_master",
        ["type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3", "type=edge"],
        [],
        None,
        "edge",
        ["user/app:edge"],
    ),
    (
        "push17",
        "push_master",
        [
            "type=raw,value=mytag-{{branch}}",
            "type=raw,value=mytag-{{date 'YYYYMMDD'}}",
            "type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD'}}",
            "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
            "type=raw,value=mytag-tag-{{tag}}",
            "type=raw,value=mytag-baseref-{{base_ref}}",
            "type=raw,value=mytag-defbranch,enable={{is_default_branch}}",
        ],
        [],
        None,
        "mytag-master",
        [
            "user/app:mytag-master",
            "user/app:mytag-20200110",
            "user/app:mytag-cd-20200110",
            "user/app:mytag-20200110-093000",
            "user/app:mytag-tag-",
            "user/app:mytag-baseref-",
            "user/app:mytag-defbranch",
        ],
    ),
    (
        "push18",
        "push_dev",
        ["type=ref,event=branch", "type=sha,format=long"],
        [],
        ["org/app"],
        "dev",
        ["org/app:dev", f"org/app:sha-{SHA_860}"],
    ),
    (
        "push19",
        "push_dev",
        [
            "type=edge,branch=master",
            "type=ref,event=branch,enable=false",
            "type=sha,format=long",
            "type=raw,value=defbranch,enable={{is_default_branch}}",
        ],
        [],
        ["org/app"],
        f"sha-{SHA_860}",
        [f"org/app:sha-{SHA_860}"],
    ),
    (
        "push20",
        "push_dev",
        ["type=ref,event=branch,enable=false", "type=sha,format=long"],
        [],
        ["org/app", "ghcr.io/user/app,enable=false"],
        f"sha-{SHA_860}",
        [f"org/app:sha-{SHA_860}"],
    ),
    (
        "push21",
        "push_master",
        ["type=raw,value=mytag-{{branch}}", "type=raw,value=mytag-tag-{{tag}}"],
        [],
        [],
        "mytag-master",
        ["mytag-master", "mytag-tag-"],
    ),
    (
        "push22",
        "push_dev",
        [
            "type=edge,branch=master",
            "type=sha,format=long",
            "type=raw,value=notdefbranch,enable={{is_not_default_branch}}",
        ],
        [],
        ["org/app"],
        "notdefbranch",
        ["org/app:notdefbranch", f"org/app:sha-{SHA_860}"],
    ),
    (
        "push35",
        "push_master",
        [
            'type=semver,pattern={{version}},value=p1/v1.2.3,"match=v(\\d.\\d.\\d)$"',
            'type=pep440,pattern={{version}},value=p1/v1.2.3,"match=v(\\d.\\d.\\d)$"',
            "type=edge",
        ],
        [],
        None,
        "1.2.3",
        ["user/app:1.2.3", "user/app:edge", "user/app:latest"],
    ),
    ("tag01", "tag_release1", [], [], None, "release1", ["user/app:release1", "user/app:latest"]),
    (
        "tag03",
        "tag_20200110-RC2",
        ["type=match,pattern=\\d{8}"],
        ["latest=false"],
        None,
        "20200110",
        ["user/app:20200110"],
    ),
    (
        "tag04",
        "tag_20200110-RC2",
        ["type=match,pattern=(.*)-RC,group=1"],
        ["latest=false"],
        None,
        "20200110",
        ["user/app:20200110"],
    ),
    (
        "tag06",
        "tag_v1.1.1",
        ['type=match,"pattern=^v(\\d.\\d.\\d)$",group=1'],
        [],
        None,
        "1.1.1",
        ["user/app:1.1.1", "user/app:latest"],
    ),
    (
        "tag09",
        "tag_v2.0.8-beta.67",
        [
            'type=match,"pattern=v(.*)-beta.(.*)",group=1',
            'type=match,"pattern=v(.*)-beta.(.*)",group=2',
        ],
        [],
        None,
        "2.0.8",
        ["user/app:2.0.8", "user/app:67", "user/app:latest"],
    ),
    ("tag10", "tag_sometag", ['type=match,"pattern=\\d.\\d"'], [], None, None, []),
    (
        "tag11",
        "tag_v1.1.1",
        [
            "type=semver,pattern={{version}}",
            "type=semver,pattern={{major}}.{{minor}}",
            "type=semver,pattern={{major}}",
        ],
        [],
        TWO,
        "1.1.1",
        [
            "org/app:1.1.1",
            "org/app:1.1",
            "org/app:1",
            "org/app:latest",
            "ghcr.io/user/app:1.1.1",
            "ghcr.io/user/app:1.1",
            "ghcr.io/user/app:1",
            "ghcr.io/user/app:latest",
        ],
    ),
    (
        "tag12",
        "tag_v1.1.1",
        ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}.{{patch}}"],
        [],
        None,
        "1.1.1",
        ["user/app:1.1.1", "user/app:latest"],
    ),
    (
        "tag13",
        "tag_v2.0.8-beta.67",
        ["type=semver,pattern={{major}}.{{minor}}", "type=semver,pattern={{major}}"],
        [],
        None,
        "2.0.8-beta.67",
        ["user/app:2.0.8-beta.67"],
    ),
    (
        "tag14",
        "tag_sometag",
        ["type=ref,event=tag", "type=semver,pattern={{version}}", "type=semver,pattern={{major}}"],
        ["latest=false"],
        None,
        "sometag",
        ["user/app:sometag"],
    ),
    (
        "tag15",
        "tag_v2.0.8-beta.67",
        [
            "type=raw,priority=2000,foo",
            "type=semver,pattern={{version}}",
            'type=match,"pattern=\\d.\\d"',
        ],
        [],
        None,
        "foo",
        ["user/app:foo", "user/app:2.0.8-beta.67", "user/app:2.0"],
    ),
    (
        "tag16",
        "tag_v1.1.1",
        ["type=raw,priority=2000,foo", "type=ref,event=tag", "type=edge"],
        [],
        None,
        "foo",
        ["user/app:foo", "user/app:v1.1.1"],
    ),
    (
        "tag17",
        "tag_p1/v1.0.0",
        [
            'type=match,"pattern=/^v(\\d.\\d.\\d)$/ig",group=1',
            "type=match,pattern=\\d.\\d.\\d",
            "type=match,pattern=\\d.\\d",
            "type=ref,event=pr",
            "type=sha",
        ],
        [],
        None,
        "1.0.0",
        ["user/app:1.0.0", "user/app:1.0", "user/app:sha-860c190", "user/app:latest"],
    ),
    (
        "tag18",
        "tag_p1/v1.0.0",
        [
            "type=match,pattern=p1/v(\\d.\\d.\\d),group=1",
            "type=match,pattern=p1/v(\\d.\\d),group=1",
            "type=match,pattern=p1/v(\\d.\\d),group=3",
            "type=sha",
        ],
        [],
        None,
        "1.0.0",
        ["user/app:1.0.0", "user/app:1.0", "user/app:sha-860c190", "user/app:latest"],
    ),
    (
        "tag19",
        "tag_p1/v1.0.0",
        [
            "type=match,pattern=p1/v(\\d.\\d.\\d),group=1",
            "type=match,pattern=p1/v(\\d.\\d),group=1,suffix=",
            "type=ref,event=pr",
            "type=sha",
        ],
        ["suffix=-dev"],
        None,
        "1.0.0-dev",
        ["user/app:1.0.0-dev", "user/app:1.0", "user/app:sha-860c190-dev", "user/app:latest"],
    ),
    (
        "tag20",
        "tag_v1.1.1",
        [
            "type=raw,{{tag}}-{{sha}}-foo",
            "type=raw,{{base_ref}}-foo",
            "type=raw,defbranch-foo,enable={{is_default_branch}}",
        ],
        [],
        None,
        "v1.1.1-860c190-foo",
        ["user/app:v1.1.1-860c190-foo", "user/app:master-foo"],
    ),
    (
        "tag21",
        "tag_v1.1.1",
        ["type=semver,pattern={{version}}"],
        ["suffix=-dev,onlatest=true"],
        None,
        "1.1.1-dev",
        ["user/app:1.1.1-dev", "user/app:latest-dev"],
    ),
    (
        "tag22",
        "tag_v1.1.1",
        ["type=semver,pattern={{version}}"],
        ["prefix=foo-,onlatest=true", "suffix=-dev,onlatest=true"],
        None,
        "foo-1.1.1-dev",
        ["user/app:foo-1.1.1-dev", "user/app:foo-latest-dev"],
    ),
    (
        "tag23",
        "tag_v1.1.1",
        ["type=pep440,pattern={{raw}}", "type=pep440,pattern={{major}}.{{minor}}"],
        [],
        None,
        "v1.1.1",
        ["user/app:v1.1.1", "user/app:1.1", "user/app:latest"],
    ),
    (
        "tag24",
        "tag_1.2",
        ["type=pep440,pattern={{version}}", "type=pep440,pattern={{major}}.{{minor}}"],
        [],
        None,
        "1.2",
        ["user/app:1.2", "user/app:latest"],
    ),
    (
        "tag25",
        "tag_1.1beta2",
        ["type=pep440,pattern={{major}}.{{minor}}", "type=pep440,pattern={{major}}"],
        [],
        None,
        "1.1b2",
        ["user/app:1.1b2"],
    ),
    (
        "tag26",
        "tag_1.0dev4",
        ["type=pep440,pattern={{major}}.{{minor}}"],
        [],
        None,
        "1.0.dev4",
        ["user/app:1.0.dev4"],
    ),
    (
        "tag27",
        "tag_1.2.3rc2",
        [
            "type=pep440,pattern={{raw}}",
            "type=pep440,pattern={{version}}",
            "type=pep440,pattern={{major}}",
        ],
        [],
        None,
        "1.2.3rc2",
        ["user/app:1.2.3rc2"],
    ),
    (
        "tag29",
        "tag_1.2post1",
        ["type=pep440,pattern={{version}}", "type=pep440,pattern={{major}}"],
        [],
        None,
        "1.2.post1",
        ["user/app:1.2.post1"],
    ),
    (
        "tag31",
        "tag_v2.0.8-beta.67",
        ["type=semver,pattern={{raw}}"],
        [],
        None,
        "v2.0.8-beta.67",
        ["user/app:v2.0.8-beta.67"],
    ),
    (
        "tag32",
        "tag_v1.2.3rc2",
        ["type=pep440,pattern={{raw}}", "type=pep440,pattern={{major}}.{{minor}}"],
        [],
        None,
        "v1.2.3rc2",
        ["user/app:v1.2.3rc2", "user/app:1.2.3rc2"],
    ),
    (
        "tag34",
        "tag_p1/v1.0.0",
        ['type=semver,pattern={{version}},"match=v(\\d.\\d.\\d)$"'],
        [],
        None,
        "1.0.0",
        ["user/app:1.0.0", "user/app:latest"],
    ),
    (
        "latest08",
        "tag_v1.1.1",
        ["type=ref,event=tag"],
        ["latest=false"],
        ["org/app", "ghcr.io/MyUSER/MyApp"],
        "v1.1.1",
        ["org/app:v1.1.1", "ghcr.io/myuser/myapp:v1.1.1"],
    ),
    ("pr01", "pull_request", [], [], None, "pr-15", ["user/app:pr-15"]),
    (
        "pr03",
        "pull_request",
        ["type=ref,event=pr", "type=sha"],
        [],
        None,
        "pr-15",
        ["user/app:pr-15", "user/app:sha-a9c8c58"],
    ),
    (
        "pr04",
        "pull_request",
        ["type=sha,priority=2000", "type=ref,event=pr"],
        [],
        None,
        "sha-a9c8c58",
        ["user/app:sha-a9c8c58", "user/app:pr-15"],
    ),
    (
        "pr05",
        "pull_request",
        ["type=ref,event=pr"],
        ["prefix=glo-", "suffix=-bal"],
        None,
        "pr-15-bal",
        ["user/app:pr-15-bal"],
    ),
    (
        "pr06",
        "pull_request",
        ["type=ref,event=pr,prefix="],
        ["prefix=glo-", "suffix=-bal"],
        None,
        "15-bal",
        ["user/app:15-bal"],
    ),
    (
        "pr09",
        "pull_request_target",
        [
            "type=ref,event=tag",
            "type=ref,event=pr",
            "type=ref,event=branch",
            "type=sha",
            "type=sha,format=long",
        ],
        [],
        None,
        "pr-15",
        ["user/app:pr-15", "user/app:sha-2665741", f"user/app:sha-{SHA_266}"],
    ),
    (
        "pr11",
        "pull_request",
        [
            "type=raw,value=mytag-{{base_ref}}",
            "type=raw,mytag-defbranch,enable={{is_default_branch}}",
        ],
        [],
        None,
        "mytag-master",
        ["user/app:mytag-master"],
    ),
    (
        "pr12",
        "pull_request",
        ["type=raw,value={{commit_date YYYY-MM-DD-HHmmSS}}"],
        [],
        None,
        "2020-01-10T00-30-00Z",
        ["user/app:2020-01-10T00-30-00Z"],
    ),
    ("schedule01", "schedule", [], [], None, "nightly", ["user/app:nightly", "user/app:master"]),
    (
        "schedule02",
        "schedule",
        [
            "type=schedule,pattern={{date 'YYYYMMDD'}}",
            "type=schedule,pattern=source-date-{{commit_date 'YYYY-MM-DD'}}",
        ],
        [],
        None,
        "20200110",
        ["user/app:20200110", "user/app:source-date-2020-01-10"],
    ),
    (
        "schedule06",
        "schedule",
        [
            "type=schedule",
            "type=sha,priority=2000",
            "type=raw,value=defbranch,enable={{is_default_branch}}",
        ],
        [],
        None,
        "sha-860c190",
        ["user/app:sha-860c190", "user/app:nightly", "user/app:defbranch"],
    ),
    (
        "schedule07",
        "schedule",
        ["type=schedule"],
        ["prefix=glo-", "suffix=-bal"],
        None,
        "glo-nightly-bal",
        ["user/app:glo-nightly-bal"],
    ),
    (
        "schedule08",
        "schedule",
        ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"],
        [],
        None,
        "20200110-093000",
        ["user/app:20200110-093000"],
    ),
    (
        "release02",
        "release",
        [
            "type=ref,event=tag",
            "type=raw,value=baseref-{{base_ref}}",
            "type=raw,value=defbranch,enable={{is_default_branch}}",
        ],
        [],
        None,
        "v1.1.1",
        ["user/app:v1.1.1", "user/app:baseref-", "user/app:latest"],
    ),
    (
        "raw07",
        "push_dev",
        ["type=ref,priority=90,event=branch", "type=raw,my", "type=raw,custom", "type=raw,tags"],
        ["latest=true"],
        None,
        "my",
        ["user/app:my", "user/app:custom", "user/app:tags", "user/app:dev", "user/app:latest"],
    ),
    (
        "raw09",
        "push_dev",
        ["type=match,pattern=\\d{8}", "type=raw,my,prefix=foo-,suffix=-bar", "type=raw,custom"],
        ["latest=false", "prefix=glo-", "suffix=-bal"],
        None,
        "foo-my-bar",
        ["user/app:foo-my-bar", "user/app:glo-custom-bal"],
    ),
    (
        "raw10",
        "push_dev",
        ["type=raw,foo", "type=raw,bar,enable=false", "type=raw,baz,enable=true"],
        ["latest=false"],
        None,
        "foo",
        ["user/app:foo", "user/app:baz"],
    ),
]


@pytest.mark.parametrize(
    ("case", "event", "tags", "flavor", "images", "main", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_upstream_tag_cases(
    case: str,
    event: str,
    tags: list[str],
    flavor: list[str],
    images: list[str] | None,
    main: str | None,
    expected: list[str],
) -> None:
    meta = make(event, tags, flavor=flavor, images=images)
    assert meta.version.main == main
    assert out.tags(meta) == expected
    assert f"org.opencontainers.image.version={main or ''}" in out.labels(meta)


def test_version_records_partial_and_latest() -> None:
    # tag15: the first value decides latest, and raw says no
    meta = make(
        "tag_v2.0.8-beta.67",
        [
            "type=raw,priority=2000,foo",
            "type=semver,pattern={{version}}",
            "type=match,pattern=\\d.\\d",
        ],
    )
    assert meta.version == rules.Version("foo", ["2.0.8-beta.67", "2.0"], False)
    assert out.tags(meta, names_only=True) == ["foo", "2.0.8-beta.67", "2.0"]


def test_pr_head_sha_replaces_the_merge_commit(make_call: MakeCall) -> None:
    name, ref, sha, payload = EVENTS["pull_request"]
    github = {"event_name": name, "ref": ref, "sha": sha, "event": payload}
    call = make_call("docker/metadata-action@v5", github=github)
    assert workflow_context(call).sha == SHA_PR
    call.env["DOCKER_METADATA_PR_HEAD_SHA"] = "true"
    ctx = workflow_context(call)
    assert ctx.sha == HEAD_PR
    meta = rules.build(
        ctx,
        REPO,
        images=["user/app"],
        tags=["type=ref,event=pr", "type=sha"],
        flavor=[],
        labels=[],
        annotations=[],
        date=NOW,
    )
    assert out.tags(meta) == ["user/app:pr-15", "user/app:sha-3370e22"]


def test_pull_request_target_uses_the_pr_merge_ref(make_call: MakeCall) -> None:
    github = {"event_name": "pull_request_target", "ref": "refs/heads/master", "sha": SHA_266}
    call = make_call("docker/metadata-action@v5", github={**github, "event": PR})
    assert workflow_context(call).ref == "refs/pull/15/merge"


def test_commit_date_comes_from_the_pushed_commit(make_call: MakeCall) -> None:
    payload = {"head_commit": {"id": SHA_860, "timestamp": "2022-04-19T11:27:24+02:00"}}
    github = {"event_name": "push", "ref": "refs/heads/dev", "sha": SHA_860, "event": payload}
    ctx = workflow_context(make_call("docker/metadata-action@v5", github=github))
    assert ctx.commit_date == datetime(2022, 4, 19, 9, 27, 24, tzinfo=UTC)
    meta = rules.build(
        ctx,
        REPO,
        images=[],
        tags=["type=raw,{{commit_date 'YYYYMMDD-HHmm'}}"],
        flavor=[],
        labels=[],
        annotations=[],
        date=NOW,
    )
    assert out.tags(meta) == ["20220419-0927"]


def test_main_sets_outputs_env_and_bake_files(make_call: MakeCall, dirs: dict[str, Path]) -> None:
    github: dict[str, Any] = {"repository": "acme/app", "server_url": "https://github.com"}
    github |= {"event_name": "push", "ref": "refs/heads/dev", "sha": SHA_860, "event": MASTER}
    inputs = {"images": "ghcr.io/acme/app", "tags": "type=ref,event=branch\ntype=sha"}
    call = make_call("docker/metadata-action@v5", {**inputs, "sep-tags": ","}, github=github)
    call.env["RUNNER_TEMP"] = "/job/temp"
    docker_metadata.main(call)
    assert call.outputs["tags"] == "ghcr.io/acme/app:dev,ghcr.io/acme/app:sha-860c190"
    assert call.outputs["tag-names"] == "dev,sha-860c190"
    assert call.env_updates["DOCKER_METADATA_OUTPUT_TAG_NAMES"] == "dev,sha-860c190"
    assert call.env_updates["DOCKER_METADATA_OUTPUT_VERSION"] == "dev"
    assert "url=https://github.com/acme/app" in call.outputs["labels"]
    # written under the job's temp folder, named by where the job sees it
    bake = Path(call.outputs["bake-file-labels"])
    assert bake.parent.parent == Path("/job/temp")
    assert bake.parent.name.startswith("docker-actions-toolkit-")
    written = json.loads((dirs["temp"] / bake.parent.name / bake.name).read_text())
    labels = written["target"]["docker-metadata-action"]["labels"]
    assert labels["org.opencontainers.image.version"] == "dev"
    assert set(call.env_updates) == {
        f"DOCKER_METADATA_OUTPUT_{name.replace('-', '_').upper()}" for name in call.outputs
    }

    quiet = make_call("docker/metadata-action@v5", inputs, github=github)
    quiet.env["DOCKER_METADATA_SET_OUTPUT_ENV"] = "false"
    quiet.env["DOCKER_METADATA_SHORT_SHA_LENGTH"] = "12"
    docker_metadata.main(quiet)
    assert quiet.env_updates == {}
    assert quiet.outputs["tags"].endswith(":sha-860c1904a1ce")


def test_main_rejects_an_unknown_context(make_call: MakeCall) -> None:
    call = make_call("docker/metadata-action@v5", {"context": "api"})
    with pytest.raises(ActionFailed, match="Invalid context source: api"):
        docker_metadata.main(call)


def test_git_context_reads_the_workspace(make_call: MakeCall, dirs: dict[str, Path]) -> None:
    ws = dirs["workspace"]
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a"}
    env |= {"GIT_COMMITTER_EMAIL": "a@b", "GIT_COMMITTER_DATE": "2021-02-03T04:05:06+00:00"}
    git = ["git", "-c", "commit.gpgsign=false"]
    for argv in (["init", "-q", "-b", "topic"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run([*git, *argv], cwd=ws, env={**os.environ, **env}, check=True)
    call = make_call("docker/metadata-action@v5", github={"event_name": "push", "event": {}})
    ctx = git_context(call)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ws, capture_output=True, text=True)
    assert (ctx.ref, ctx.sha) == ("refs/heads/topic", head.stdout.strip())
    assert ctx.commit_date == datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC)
    subprocess.run([*git, "tag", "v2.0.0"], cwd=ws, check=True)
    subprocess.run([*git, "checkout", "-q", "--detach", "v2.0.0"], cwd=ws, check=True)
    assert git_context(call).ref == "refs/tags/v2.0.0"


def test_users_main_pr_and_release_tags() -> None:
    tags = input_list(
        """
        type=raw,value=main-{{sha}},enable={{is_default_branch}}   # short sha
        type=raw,value=latest,enable={{is_default_branch}}
        type=ref,event=pr,suffix=-{{sha}}
        type=semver,pattern={{version}}
        type=semver,pattern={{major}}.{{minor}}
        type=semver,pattern={{major}}
        """
    )
    assert tags[0] == "type=raw,value=main-{{sha}},enable={{is_default_branch}}"
    assert out.tags(make("push_main", tags, images=[])) == ["main-2665741", "latest"]
    assert out.tags(make("tag_v1.4.2", tags, images=[])) == ["1.4.2", "1.4", "1", "latest"]
    assert out.tags(make("pr_7", tags, images=[])) == ["pr-7-a9c8c58"]
    assert out.tags(make("push_dev", tags, images=[])) == []


def test_warnings_for_what_does_not_parse() -> None:
    warnings: list[str] = []
    meta = make(
        "tag_sometag",
        ["type=semver,pattern={{version}}", "type=pep440,pattern={{version}}"],
        warnings=warnings,
    )
    assert meta.version.main is None
    assert warnings == [
        "sometag is not a valid semver. More info: https://semver.org/",
        "sometag does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440",
    ]


# -- labels, annotations, json, bake ---------------------------------------------------------


def test_labels_defaults_overrides_and_order() -> None:
    # json07: an entry without '=' is dropped, a later key wins, names are sorted
    meta = make(
        "tag_v1.1.1",
        images=["org/app"],
        labels=[
            "foo",
            "maintainer=CrazyMax",
            "org.opencontainers.image.title=MyCustom=Title",
            "org.opencontainers.image.description=Another description",
            "org.opencontainers.image.vendor=MyCompany",
        ],
        annotations=["maintainer=Foo", "org.opencontainers.image.vendor=MyNotCompany"],
    )
    assert out.labels(meta) == [
        "maintainer=CrazyMax",
        "org.opencontainers.image.created=2020-01-10T00:30:00.000Z",
        "org.opencontainers.image.description=Another description",
        "org.opencontainers.image.licenses=MIT",
        f"org.opencontainers.image.revision={SHA_860}",
        "org.opencontainers.image.source=https://github.com/octocat/Hello-World",
        "org.opencontainers.image.title=MyCustom=Title",
        "org.opencontainers.image.url=https://github.com/octocat/Hello-World",
        "org.opencontainers.image.vendor=MyCompany",
        "org.opencontainers.image.version=v1.1.1",
    ]
    annotations = out.leveled(meta, ["manifest", "index"])
    assert annotations[0] == "manifest:maintainer=Foo"
    assert "index:org.opencontainers.image.vendor=MyNotCompany" in annotations
    assert len(annotations) == 2 * 10
    data = out.json_output(meta, ["manifest"])
    assert data["tags"] == ["org/app:v1.1.1", "org/app:latest"]
    assert data["tag-names"] == ["v1.1.1", "latest"]
    assert data["labels"]["org.opencontainers.image.title"] == "MyCustom=Title"
    assert "foo" not in data["labels"]


def test_null_event_labels_keep_empty_values() -> None:
    # null01: no ref, no sha, no version: the labels are there with empty values
    labels = out.labels(make("empty", images=["user/app"]))
    assert "org.opencontainers.image.revision=" in labels
    assert "org.opencontainers.image.version=" in labels
    assert len(labels) == 8


def test_bake_definitions() -> None:
    # bakeFile01 / bakeFileTagsLabels01
    meta = make("push_dev", ["type=ref,event=branch", "type=raw,my"], labels=["invalid"])
    defs = out.bake_definitions(meta, "docker-metadata-action", ["index", "manifest-descriptor"])
    target = defs["tags"]["target"]["docker-metadata-action"]
    assert target == {
        "tags": ["user/app:dev", "user/app:my"],
        "args": {"DOCKER_META_IMAGES": "user/app", "DOCKER_META_VERSION": "dev"},
    }
    annotations = defs["annotations"]["target"]["docker-metadata-action"]["annotations"]
    assert "index:org.opencontainers.image.version=dev" in annotations
    assert "manifest-descriptor:org.opencontainers.image.version=dev" in annotations
    both = defs[""]["target"]["docker-metadata-action"]
    assert set(both) == {"tags", "labels", "args"}
    assert both["labels"]["org.opencontainers.image.version"] == "dev"
    # no version: the bake file leaves DOCKER_META_VERSION out, as JSON.stringify does
    empty = out.bake_definitions(make("empty"), "meta", ["manifest"])
    assert empty["tags"]["target"]["meta"]["args"] == {"DOCKER_META_IMAGES": "user/app"}


# -- entries, expressions, dates -------------------------------------------------------------


def test_tag_entries_defaults_and_order() -> None:
    tags = parse_tags([])
    assert [str(t) for t in tags] == [
        "type=schedule,pattern=nightly,enable=true,priority=1000",
        "type=ref,event=branch,enable=true,priority=600",
        "type=ref,event=tag,enable=true,priority=600",
        "type=ref,event=pr,prefix=pr-,enable=true,priority=600",
    ]
    assert parse_tag("acustomtag").attrs == {
        "value": "acustomtag",
        "enable": "true",
        "priority": "200",
    }
    sha = parse_tag("type=sha")
    assert sha.attrs == {"prefix": "sha-", "format": "short", "enable": "true", "priority": "100"}
    match = parse_tag('type=match,enable=true,"pattern=^v(\\d.\\d.\\d)$",group=1')
    assert match.attrs["pattern"] == "^v(\\d.\\d.\\d)$"
    assert parse_tag("type=semver,pattern={{version}},value=a=b").attrs["value"] == "a=b"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("type=match,enable=true,pattern=v(.*),group=foo", "Invalid match group"),
        ("type=ref,event=foo", "Invalid event for type=ref,event=foo"),
        ("type=ref", "Missing event attribute for type=ref"),
        ("type=raw", "Missing value attribute for type=raw"),
        ("type=semver", "Missing pattern attribute"),
        ("type=sha,format=medium", "Invalid format"),
        ("type=foo", "Unknown tag type attribute: foo"),
        ('type=raw,value=a"b', "Invalid Opening Quote"),
    ],
)
def test_bad_tag_entries_fail(entry: str, message: str) -> None:
    with pytest.raises(ActionFailed, match=message):
        parse_tag(entry)


def test_enable_must_be_true_or_false() -> None:
    with pytest.raises(ActionFailed, match="Invalid value for enable attribute: yes"):
        make("push_dev", ["type=raw,foo,enable=yes"])


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["latest=true"], Flavor(latest="true")),
        (["prefix=sha-"], Flavor(prefix="sha-")),
        (
            ["latest=false", "prefix=dev-", "suffix=-alpine"],
            Flavor("false", "dev-", False, "-alpine"),
        ),
        (["prefix=dev-,onlatest=true"], Flavor(prefix="dev-", prefix_latest=True)),
        (["suffix=-alpine,onlatest=true"], Flavor(suffix="-alpine", suffix_latest=True)),
    ],
)
def test_flavor_entries(entries: list[str], expected: Flavor) -> None:
    assert parse_flavor(entries) == expected


@pytest.mark.parametrize(
    "entries",
    [
        ["randomstr", "latest=auto"],
        ["unknwown=foo"],
        ["latest"],
        ["latest=foo"],
        ["prefix=a,onlatest=yes"],
    ],
)
def test_bad_flavor_entries_fail(entries: list[str]) -> None:
    with pytest.raises(ActionFailed):
        parse_flavor(entries)


def test_image_entries() -> None:
    assert parse_images(["name/foo,name/bar"]) == [Image("name/foo"), Image("name/bar")]
    assert parse_images(["name=name/bar", "name/foo,enable=false", "ghcr.io/A/B,enable=true"]) == [
        Image("name/bar"),
        Image("name/foo", False),
        Image("ghcr.io/A/B"),
    ]
    for bad in (["value=name/foo"], ["name/foo,enable=bar"], ["name=,enable=true"]):
        with pytest.raises(ActionFailed):
            parse_images(bad)


def test_list_inputs_cut_comments_and_keep_quoted_commas() -> None:
    text = 'moby/buildkit\n#comment\nghcr.io/moby/mbuildkit   # trailing\n\n"a,b",c\n'
    assert input_list(text) == ["moby/buildkit", "ghcr.io/moby/mbuildkit", "a,b,c"]
    assert input_list("   ") == []


@pytest.mark.parametrize(
    ("pattern", "raw"),
    [
        ("{{ raw }}.{{ version }}", False),
        ("{{ version }},{{raw }.", False),
        ("{{ raw }}", True),
        ("{{raw}}", True),
        ("{{{raw}}}", True),
        (" {{raw}}", False),
    ],
)
def test_raw_statement(pattern: str, raw: bool) -> None:
    assert is_raw_statement(pattern) is raw


def test_templates_escape_values_like_handlebars() -> None:
    data = {"v": "a=b&c", "n": 0, "list": [1, "x"], "f": lambda p, h: f"{p!r} {h!r}"}
    assert render("{{v}}|{{{v}}}|{{n}}|{{list}}|{{missing}}", data) == "a&#x3D;b&amp;c|a=b&c|0|1,x|"
    assert render("{{{f 'x' 2 k='v'}}}", data) == "['x', 2] {'k': 'v'}"
    assert render("\\{{v}} {{! note }}x {{~v}}", data) == "{{v}} xa&#x3D;b&amp;c"
    with pytest.raises(ActionFailed, match='Missing helper: "nope"'):
        render("{{nope 'x'}}", data)
    with pytest.raises(ActionFailed, match="blocks"):
        render("{{#if v}}x{{/if}}", data)
    # so a branch with '=' comes out of {{branch}} escaped, then sanitised
    assert out.tags(
        make("push_eq", ["type=raw,{{branch}}", "type=ref,event=branch"], images=[])
    ) == [
        "a-b",
        "a-x3D-b",
    ]


@pytest.mark.parametrize(
    ("fmt", "tz", "expected"),
    [
        ("YYYYMMDD", "UTC", "20200110"),
        ("YYYY-MM-DD HH:mm:ss.SSS", "UTC", "2020-01-10 00:30:00.000"),
        ("dddd, MMMM Do YYYY, h:mm a", "America/New_York", "Thursday, January 9th 2020, 7:30 pm"),
        ("[week] W, Q, DDDD, X", "UTC", "week 2, 1, 010, 1578616200"),
        ("Z ZZ z", "Asia/Tokyo", "+09:00 +0900 JST"),
        (None, "UTC", "2020-01-10T00:30:00Z"),
        (None, "Asia/Kolkata", "2020-01-10T06:00:00+05:30"),
        ("LL", "UTC", "January 10, 2020"),
    ],
)
def test_moment_formats(fmt: str | None, tz: str, expected: str) -> None:
    assert format_date(NOW, fmt, tz) == expected


def test_unknown_time_zone_fails() -> None:
    with pytest.raises(ActionFailed, match="Unknown time zone 'Mars/Base'"):
        make("push_dev", ["type=raw,value={{date 'YYYY' tz='Mars/Base'}}"])
    # without value=, the first '=' (in tz=) splits the entry, as upstream
    with pytest.raises(ActionFailed, match="Missing value attribute"):
        make("push_dev", ["type=raw,{{date 'YYYY' tz='UTC'}}"])


# -- whole runs --------------------------------------------------------------------------------

WORKFLOW = """
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: |
            ghcr.io/Acme/App
          tags: |
            type=raw,value=main-{{sha}},enable={{is_default_branch}}
            type=raw,value=latest,enable={{is_default_branch}}
            type=ref,event=pr,suffix=-{{sha}}
            type=semver,pattern={{version}}
            type=semver,pattern={{major}}.{{minor}}
            type=semver,pattern={{major}}
          labels: |
            org.opencontainers.image.vendor=Acme
      - id: after
        env:
          BAKE: ${{ steps.meta.outputs.bake-file-tags }}
        run: |
          echo "version=$DOCKER_METADATA_OUTPUT_VERSION" >> "$GITHUB_OUTPUT"
          echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
          echo "bake=$(tr -d ' \\n' < "$BAKE")" >> "$GITHUB_OUTPUT"
"""


def _repo(make_repo: RepoFactory) -> Repo:
    repo = make_repo()
    repo.set_remote("https://github.com/acme/app.git")
    repo.workflow(WORKFLOW)
    return repo


def _labels(outputs: dict[str, str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in outputs["labels"].split("\n"))


def test_run_push_to_the_default_branch(make_repo: RepoFactory) -> None:
    repo = _repo(make_repo)
    sha = repo.commit("first")
    r = repo.run(event="push", commit=False)
    assert r.code == 0, r.text()
    meta = r.outputs("build", "meta")
    assert meta["version"] == f"main-{sha[:7]}"
    assert meta["tags"] == f"ghcr.io/acme/app:main-{sha[:7]}\nghcr.io/acme/app:latest"
    assert meta["tag-names"] == f"main-{sha[:7]}\nlatest"
    labels = _labels(meta)
    assert labels["org.opencontainers.image.revision"] == sha
    assert labels["org.opencontainers.image.version"] == f"main-{sha[:7]}"
    assert labels["org.opencontainers.image.source"] == "https://github.com/acme/app"
    assert labels["org.opencontainers.image.title"] == "app"
    assert labels["org.opencontainers.image.vendor"] == "Acme"
    assert labels["org.opencontainers.image.licenses"] == ""
    created = datetime.fromisoformat(labels["org.opencontainers.image.created"])
    assert created.tzinfo is not None
    assert json.loads(meta["json"])["tags"] == meta["tags"].split("\n")
    assert Path(meta["bake-file"]).name == "docker-metadata-action-bake.json"
    after = r.outputs("build", "after")
    assert after["version"] == meta["version"]
    assert f'"DOCKER_META_VERSION":"main-{sha[:7]}"' in after["bake"]


def test_run_pull_request(make_repo: RepoFactory) -> None:
    repo = _repo(make_repo)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.txt", "1\n")
    head = repo.commit("feature")
    repo.git("checkout", "-q", "main")
    event = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main"},
            "head": {"ref": "feature", "sha": head},
        },
        "repository": {
            "default_branch": "main",
            "html_url": "https://github.com/acme/app",
            "description": "The app",
            "license": {"spdx_id": "MIT"},
        },
    }
    r = repo.run("--eventpath", str(repo.event(event)), event="pull_request", commit=False)
    assert r.code == 0, r.text()
    meta = r.outputs("build", "meta")
    merge_sha = r.outputs("build", "after")["sha"]  # GITHUB_SHA: the test merge commit
    assert meta["version"] == f"pr-7-{merge_sha[:7]}"
    assert meta["tags"] == f"ghcr.io/acme/app:pr-7-{merge_sha[:7]}"
    labels = _labels(meta)
    assert labels["org.opencontainers.image.description"] == "The app"
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    assert json.loads(meta["json"])["labels"]["org.opencontainers.image.revision"] == merge_sha


def test_run_tag_push(make_repo: RepoFactory) -> None:
    repo = _repo(make_repo)
    sha = repo.commit("release")
    repo.git("tag", "v1.4.2")
    event = {"ref": "refs/tags/v1.4.2", "after": sha, "repository": {"default_branch": "main"}}
    r = repo.run("--eventpath", str(repo.event(event)), event="push", commit=False)
    assert r.code == 0, r.text()
    meta = r.outputs("build", "meta")
    assert meta["version"] == "1.4.2"
    images = ["ghcr.io/acme/app:" + t for t in ("1.4.2", "1.4", "1", "latest")]
    assert meta["tags"] == "\n".join(images)
    assert json.loads(meta["json"])["tag-names"] == ["1.4.2", "1.4", "1", "latest"]
    assert _labels(meta)["org.opencontainers.image.version"] == "1.4.2"
