"""What docker/metadata-action prints from a version: tags per image, OCI labels and
annotations (defaults first, overridden by the inputs, sorted by name), the ``json``
output and the bake definitions."""

from __future__ import annotations

import re
from typing import Any

from conveyor.actions.builtin.docker_metadata.js import locale_key
from conveyor.actions.builtin.docker_metadata.rules import Meta, expand, sanitize_tag


def image_names(meta: Meta) -> list[str]:
    return [image.name.lower() for image in meta.images if image.enable]


def _tags_for(meta: Meta, prefix: str) -> list[str]:
    version = meta.version
    out = [f"{prefix}{version.main}", *(f"{prefix}{p}" for p in version.partial)]
    if version.latest:
        flavor = meta.flavor
        latest = (
            f"{flavor.prefix if flavor.prefix_latest else ''}latest"
            f"{flavor.suffix if flavor.suffix_latest else ''}"
        )
        out.append(f"{prefix}{sanitize_tag(latest)}")
    return out


def tags(meta: Meta, names_only: bool = False) -> list[str]:
    """``image:tag`` for every enabled image, or bare tags with no image (or ``names_only``)."""
    if not meta.version.main:
        return []
    images = [] if names_only else image_names(meta)
    if not images:
        return _tags_for(meta, "")
    return [t for name in images for t in _tags_for(meta, f"{name}:")]


def _oci(meta: Meta, extra: list[str]) -> list[str]:
    repo, ctx = meta.repo, meta.context
    created = meta.date.strftime("%Y-%m-%dT%H:%M:%S.") + f"{meta.date.microsecond // 1000:03d}Z"
    pairs = [
        f"org.opencontainers.image.title={repo.name}",
        f"org.opencontainers.image.description={repo.description}",
        f"org.opencontainers.image.url={repo.html_url}",
        f"org.opencontainers.image.source={repo.html_url}",
        f"org.opencontainers.image.version={meta.version.main or ''}",
        f"org.opencontainers.image.created={created}",
        f"org.opencontainers.image.revision={ctx.sha}",
        f"org.opencontainers.image.licenses={repo.license}",
        *(expand(meta, label) for label in extra),
    ]
    merged: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if sep:  # an entry without "=" is dropped; a later key overrides an earlier one
            merged[key] = value
    ordered = sorted(merged.items(), key=lambda kv: locale_key(kv[0]))
    return [f"{k}={v}" for k, v in ordered]


def labels(meta: Meta) -> list[str]:
    return _oci(meta, meta.labels)


def annotation_list(meta: Meta) -> list[str]:
    return _oci(meta, meta.annotations)


def as_dict(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        m = re.search(r"([^=]*)=(.*)", pair)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def leveled(meta: Meta, levels: list[str]) -> list[str]:
    """Annotations once per level: ``manifest:key=value``."""
    found = annotation_list(meta)
    return [f"{level}:{a}" for level in levels for a in found]


def json_output(meta: Meta, levels: list[str]) -> dict[str, Any]:
    return {
        "tags": tags(meta),
        "tag-names": tags(meta, names_only=True),
        "labels": as_dict(labels(meta)),
        "annotations": leveled(meta, levels),
    }


def _args(meta: Meta) -> dict[str, str]:
    args = {"DOCKER_META_IMAGES": ",".join(image_names(meta))}
    if meta.version.main is not None:
        args["DOCKER_META_VERSION"] = meta.version.main
    return args


def bake_definitions(meta: Meta, target: str, levels: list[str]) -> dict[str, dict[str, Any]]:
    """The bake files by file-name suffix ("" for the one with tags, labels and args)."""
    label_map = as_dict(labels(meta))
    defs: dict[str, dict[str, Any]] = {
        "tags": {"tags": tags(meta), "args": _args(meta)},
        "labels": {"labels": label_map},
        "annotations": {"annotations": leveled(meta, levels)},
        "": {"tags": tags(meta), "labels": label_map, "args": _args(meta)},
    }
    return {suffix: {"target": {target: body}} for suffix, body in defs.items()}
