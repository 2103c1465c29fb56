"""The ``tags``, ``flavor`` and ``images`` entries of docker/metadata-action, parsed and
checked as the action does (same defaults, same error messages)."""

from __future__ import annotations

import math
from functools import cmp_to_key

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin.docker_metadata.js import first_record, js_number
from conveyor.records import record

TYPES = ("schedule", "semver", "pep440", "match", "edge", "ref", "raw", "sha")
DEFAULT_PRIORITIES = {
    "schedule": "1000",
    "semver": "900",
    "pep440": "900",
    "match": "800",
    "edge": "700",
    "ref": "600",
    "raw": "200",
    "sha": "100",
}
DEFAULT_TAGS = ["type=schedule", "type=ref,event=branch", "type=ref,event=tag", "type=ref,event=pr"]


@record
class Tag:
    type: str
    attrs: dict[str, str]

    def __str__(self) -> str:
        return ",".join([f"type={self.type}", *(f"{k}={v}" for k, v in self.attrs.items())])


@record
class Flavor:
    latest: str = "auto"  # auto | true | false
    prefix: str = ""
    prefix_latest: bool = False
    suffix: str = ""
    suffix_latest: bool = False


@record
class Image:
    name: str
    enable: bool = True


def parse_tag(entry: str) -> Tag:
    tag = Tag("", {})
    for item in first_record(entry):
        key, sep, value = item.partition("=")
        if not sep or not key:  # `foo` and `=foo` are values
            tag.attrs["value"] = item.strip()
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "type":
            if value not in TYPES:
                raise ActionFailed(f"Unknown tag type attribute: {value}")
            tag.type = value
        else:
            tag.attrs[key] = value
    tag.type = tag.type or "raw"
    attrs = tag.attrs
    if tag.type == "schedule":
        attrs.setdefault("pattern", "nightly")
    elif tag.type in ("semver", "pep440", "match"):
        if "pattern" not in attrs:
            raise ActionFailed(f"Missing pattern attribute for {entry}")
        attrs.setdefault("value", "")
        if tag.type == "match":
            if math.isnan(js_number(attrs.setdefault("group", "0"))):
                raise ActionFailed(f"Invalid match group for {entry}")
        else:
            attrs.setdefault("match", "")
    elif tag.type == "edge":
        attrs.setdefault("branch", "")
    elif tag.type == "ref":
        if "event" not in attrs:
            raise ActionFailed(f"Missing event attribute for {entry}")
        if attrs["event"] not in ("branch", "tag", "pr"):
            raise ActionFailed(f"Invalid event for {entry}")
        if attrs["event"] == "pr":
            attrs.setdefault("prefix", "pr-")
    elif tag.type == "raw":
        if "value" not in attrs:
            raise ActionFailed(f"Missing value attribute for {entry}")
    elif tag.type == "sha":
        attrs.setdefault("prefix", "sha-")
        if attrs.setdefault("format", "short") not in ("short", "long"):
            raise ActionFailed(f"Invalid format for {entry}")
    attrs.setdefault("enable", "true")
    attrs.setdefault("priority", DEFAULT_PRIORITIES[tag.type])
    return tag


def _by_priority(a: Tag, b: Tag) -> int:
    pa, pb = js_number(a.attrs["priority"]), js_number(b.attrs["priority"])
    return 1 if pa < pb else -1 if pa > pb else 0  # NaN compares equal, as in JavaScript


def parse_tags(entries: list[str]) -> list[Tag]:
    tags = [parse_tag(e) for e in (entries or DEFAULT_TAGS)]
    return sorted(tags, key=cmp_to_key(_by_priority))


def _pairs(entry: str) -> list[list[str]]:
    """``key=value`` fields split on every ``=`` (flavor and images entries)."""
    return [[p.strip() for p in item.split("=")] for item in first_record(entry)]


def parse_flavor(entries: list[str]) -> Flavor:
    flavor = Flavor()
    for entry in entries:
        onlatest_for = ""
        for parts in _pairs(entry):
            if len(parts) == 1:
                raise ActionFailed(f"Invalid flavor entry: {entry}")
            key, value = parts[0].lower(), parts[1]
            if key == "latest":
                if value not in ("auto", "true", "false"):
                    raise ActionFailed(f"Invalid latest flavor entry: {entry}")
                flavor.latest = value
            elif key in ("prefix", "suffix"):
                setattr(flavor, key, value)
                onlatest_for = key
            elif key == "onlatest":
                if value not in ("true", "false"):
                    raise ActionFailed(f"Invalid value for onlatest attribute: {value}")
                if onlatest_for:
                    setattr(flavor, f"{onlatest_for}_latest", value == "true")
            else:
                raise ActionFailed(f"Unknown flavor entry: {entry}")
    return flavor


def parse_images(entries: list[str]) -> list[Image]:
    if len(entries) == 1:
        # the old format: one line of comma-separated names
        names = _pairs(entries[0])
        if all(len(parts) == 1 for parts in names):
            return [Image(parts[0]) for parts in names]
    images = []
    for entry in entries:
        image = Image("")
        for parts in _pairs(entry):
            if len(parts) == 1:
                image.name = parts[0]
                continue
            key, value = parts[0].lower(), parts[1]
            if key == "name":
                image.name = value
            elif key == "enable":
                if value not in ("true", "false"):
                    raise ActionFailed(f"Invalid enable attribute value: {entry}")
                image.enable = value == "true"
            else:
                raise ActionFailed(f"Unknown image attribute: {entry}")
        if not image.name:
            raise ActionFailed(f"Image name attribute empty: {entry}")
        images.append(image)
    return images
