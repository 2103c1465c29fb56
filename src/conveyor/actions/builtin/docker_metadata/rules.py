"""docker/metadata-action v5's rules as pure functions: the version an event gives, and the
``{{...}}`` expressions (``Meta`` holds everything they read; ``build`` makes one).

A version is made of the enabled tag rules in priority order (highest first; ties keep
their order): the first value is ``main``, later different values are ``partial``, and the
first rule that gives a value decides ``latest`` when ``flavor`` says ``latest=auto``
(semver/pep440 releases, ``match`` and ``ref,event=tag`` give true; everything else false).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin.docker_metadata.dates import date_helper
from conveyor.actions.builtin.docker_metadata.entries import (
    Flavor,
    Image,
    Tag,
    parse_flavor,
    parse_images,
    parse_tags,
)
from conveyor.actions.builtin.docker_metadata.js import js_match
from conveyor.actions.builtin.docker_metadata.template import is_raw_statement, render
from conveyor.actions.builtin.docker_metadata.versions import parse_pep440, parse_semver
from conveyor.records import field, record


@record
class Context:
    """What the action reads of the event (``context: workflow``) or of git (``git``)."""

    event_name: str
    ref: str
    sha: str
    payload: dict[str, Any]
    commit_date: datetime


@record
class Repo:
    """The repository facts the action gets from GitHub's API."""

    name: str = ""
    description: str = ""
    html_url: str = ""
    license: str = ""  # SPDX id
    default_branch: str = ""


@record
class Version:
    main: str | None = None
    partial: list[str] = field(default_factory=list)
    latest: bool | None = None


@record
class Meta:
    context: Context
    repo: Repo
    images: list[Image]
    tags: list[Tag]
    flavor: Flavor
    date: datetime  # when the action ran: {{date}} and the created label
    labels: list[str]
    annotations: list[str]
    warn: Callable[[str], None] = field(default=lambda _m: None)
    short_sha_length: int = 7
    version: Version = field(default_factory=Version)


# -- expressions ----------------------------------------------------------------------------


def short_sha(meta: Meta, sha: str) -> str:
    return sha[: meta.short_sha_length]


def is_default_branch(ctx: Context) -> bool:
    branch = ctx.ref.removeprefix("refs/heads/")
    if not branch:
        return False
    repository = ctx.payload.get("repository")
    if isinstance(repository, dict) and repository.get("default_branch") == branch:
        return True
    # these events always run on the default branch's last commit
    return any(name in ctx.event_name for name in ("create", "discussion", "issues", "schedule"))


def _base_ref(ctx: Context) -> str:
    base = ctx.payload.get("base_ref")
    if ctx.ref.startswith("refs/tags/") and base is not None:
        return str(base).removeprefix("refs/heads/")
    pr = ctx.payload.get("pull_request")
    pr_base = pr.get("base") if isinstance(pr, dict) else None
    pr_ref = pr_base.get("ref") if isinstance(pr_base, dict) else None
    if ctx.ref.startswith("refs/pull/") and pr_ref is not None:
        return str(pr_ref)
    return ""


def expressions(meta: Meta) -> dict[str, Any]:
    """The helpers every ``{{...}}`` of values, prefixes, suffixes, enable and labels sees."""
    ctx = meta.context

    def ref_part(prefix: str) -> str:
        return ctx.ref.removeprefix(prefix) if ctx.ref.startswith(prefix) else ""

    default = is_default_branch(ctx)
    return {
        "branch": lambda _p, _h: ref_part("refs/heads/"),
        "tag": lambda _p, _h: ref_part("refs/tags/"),
        "sha": lambda _p, _h: short_sha(meta, ctx.sha),
        "base_ref": lambda _p, _h: _base_ref(ctx),
        "is_default_branch": lambda _p, _h: "true" if default else "false",
        "is_not_default_branch": lambda _p, _h: "false" if default else "true",
        "date": date_helper(meta.date),
        "commit_date": date_helper(ctx.commit_date),
    }


def expand(meta: Meta, template: str) -> str:
    return render(template, expressions(meta))


def _affix(meta: Meta, value: str, tag: Tag) -> str:
    """The tag's own prefix/suffix, else the flavor's."""
    prefix = tag.attrs.get("prefix", meta.flavor.prefix)
    suffix = tag.attrs.get("suffix", meta.flavor.suffix)
    before = expand(meta, prefix) if prefix else ""
    return f"{before}{value}{expand(meta, suffix) if suffix else ''}"


def sanitize_tag(tag: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", tag)


# -- the version ----------------------------------------------------------------------------


def _add(meta: Meta, version: Version, value: str, auto_latest: bool) -> None:
    if not value:
        return
    value = sanitize_tag(value)
    if version.main is None:
        version.main = value
    elif value != version.main:
        version.partial.append(value)
    if version.latest is None:
        latest = meta.flavor.latest
        version.latest = auto_latest if latest == "auto" else latest == "true"


def _version_source(meta: Meta, tag: Tag) -> str | None:
    """The text semver/pep440/match rules read: ``value`` or the pushed tag (None: skip)."""
    if tag.attrs["value"]:
        return expand(meta, tag.attrs["value"])
    ref = meta.context.ref
    return ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else None


def _matched(meta: Meta, tag: Tag, raw: str) -> str:
    if not tag.attrs["match"]:
        return raw
    found = js_match(raw, tag.attrs["match"])
    if found is None:
        meta.warn(f"{tag.attrs['match']} does not match {raw}.")
        return raw
    if len(found) < 2 or found[1] is None:
        raise ActionFailed(f"match={tag.attrs['match']} needs a capture group that matches {raw}")
    return found[1]


def _semver(meta: Meta, version: Version, tag: Tag) -> None:
    raw = _version_source(meta, tag)
    if raw is None:
        return
    raw = _matched(meta, tag, raw).replace("/", "-")
    parsed = parse_semver(raw)
    if parsed is None:
        meta.warn(f"{raw} is not a valid semver. More info: https://semver.org/")
        return
    pattern = tag.attrs["pattern"]
    # a pre-release keeps its full version whatever the pattern, unless it is {{raw}}
    prerelease = bool(parsed["prerelease"])
    if prerelease and not is_raw_statement(pattern):
        pattern = "{{version}}"
    _add(meta, version, _affix(meta, render(pattern, parsed), tag), not prerelease)


def _pep440(meta: Meta, version: Version, tag: Tag) -> None:
    raw = _version_source(meta, tag)
    if raw is None:
        return
    raw = _matched(meta, tag, raw).replace("/", "-")
    parsed = parse_pep440(raw)
    if parsed is None:
        meta.warn(
            f"{raw} does not conform to PEP 440. "
            "More info: https://www.python.org/dev/peps/pep-0440"
        )
        return
    if parsed.is_prerelease or parsed.is_postrelease or parsed.is_devrelease:
        value = raw if is_raw_statement(tag.attrs["pattern"]) else parsed.normalized
        _add(meta, version, _affix(meta, value, tag), False)
        return
    helpers = {
        "raw": lambda _p, _h: raw,
        "version": lambda _p, _h: parsed.normalized,
        "major": lambda _p, _h: parsed.part(0),
        "minor": lambda _p, _h: parsed.part(1),
        "patch": lambda _p, _h: parsed.part(2),
    }
    _add(meta, version, _affix(meta, render(tag.attrs["pattern"], helpers), tag), True)


def _match(meta: Meta, version: Version, tag: Tag) -> None:
    raw = _version_source(meta, tag)
    if raw is None:
        return
    pattern, group = tag.attrs["pattern"], tag.attrs["group"]
    literal = re.fullmatch(r"/(.+)/(.*)", pattern, re.DOTALL)
    found = js_match(raw, *literal.groups()) if literal else js_match(raw, pattern)
    if found is None:
        meta.warn(f"{pattern} does not match {raw}.")
        return
    index = int(group) if re.fullmatch(r"0|[1-9][0-9]*", group) else -1
    if not 0 <= index < len(found) or found[index] is None:
        meta.warn(f"Group {group} does not exist for {pattern} pattern.")
        return
    _add(meta, version, _affix(meta, found[index] or "", tag), True)


def _ref(meta: Meta, version: Version, tag: Tag) -> None:
    ref, event = meta.context.ref, tag.attrs["event"]
    if event == "branch" and ref.startswith("refs/heads/"):
        _add(meta, version, _affix(meta, ref.removeprefix("refs/heads/"), tag), False)
    elif event == "tag" and ref.startswith("refs/tags/"):
        _add(meta, version, _affix(meta, ref.removeprefix("refs/tags/"), tag), True)
    elif event == "pr" and ref.startswith("refs/pull/"):
        number = ref.removeprefix("refs/pull/").removesuffix("/merge")
        _add(meta, version, _affix(meta, number, tag), False)


def _rule(meta: Meta, version: Version, tag: Tag) -> None:
    ctx = meta.context
    if tag.type == "schedule":
        if "schedule" in ctx.event_name:
            # the pattern sees only the date helpers
            dates = {"date": date_helper(meta.date), "commit_date": date_helper(ctx.commit_date)}
            _add(meta, version, _affix(meta, render(tag.attrs["pattern"], dates), tag), False)
    elif tag.type == "semver":
        _semver(meta, version, tag)
    elif tag.type == "pep440":
        _pep440(meta, version, tag)
    elif tag.type == "match":
        _match(meta, version, tag)
    elif tag.type == "ref":
        _ref(meta, version, tag)
    elif tag.type == "edge":
        branch = tag.attrs["branch"] or meta.repo.default_branch
        if ctx.ref.startswith("refs/heads/") and ctx.ref.removeprefix("refs/heads/") == branch:
            _add(meta, version, _affix(meta, "edge", tag), False)
    elif tag.type == "raw":
        _add(meta, version, _affix(meta, expand(meta, tag.attrs["value"]), tag), False)
    elif tag.type == "sha" and ctx.sha:
        sha = ctx.sha if tag.attrs["format"] == "long" else short_sha(meta, ctx.sha)
        _add(meta, version, _affix(meta, sha, tag), False)


def compute_version(meta: Meta) -> Version:
    version = Version()
    for tag in meta.tags:
        enabled = expand(meta, tag.attrs["enable"])
        if enabled not in ("true", "false"):
            raise ActionFailed(f"Invalid value for enable attribute: {enabled}")
        if enabled == "true":
            _rule(meta, version, tag)
    version.partial = list(dict.fromkeys(version.partial))
    version.latest = bool(version.latest)
    return version


def build(
    context: Context,
    repo: Repo,
    *,
    images: list[str],
    tags: list[str],
    flavor: list[str],
    labels: list[str],
    annotations: list[str],
    date: datetime,
    warn: Callable[[str], None] = lambda _m: None,
    short_sha_length: int = 7,
) -> Meta:
    meta = Meta(
        context,
        repo,
        parse_images(images),
        parse_tags(tags),
        parse_flavor(flavor),
        date,
        labels,
        annotations,
        warn,
        short_sha_length,
    )
    meta.version = compute_version(meta)
    return meta
