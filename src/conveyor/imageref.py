"""Reading image references the way Docker does: which registry, and whether it is local."""

from __future__ import annotations


def registry_of(image: str) -> str:
    """The registry host of an image reference, as Docker reads it."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def is_loopback(registry: str) -> bool:
    """A registry on this machine: plain HTTP, as Docker treats 127.0.0.0/8."""
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return host.strip("[]") in ("localhost", "::1") or host.startswith("127.")
