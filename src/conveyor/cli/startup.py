"""What makes a short command start faster, kept apart from what it does: the cycle
collector paused while start-up allocates, and pathlib without urllib.parse."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def import_pathlib() -> None:
    """Import pathlib without urllib.parse (and ipaddress, which it imports): pathlib takes
    one function from it, for ``Path.as_uri``, and they are ~5% of a one-step run. While
    pathlib is imported, ``urllib.parse`` is a stand-in whose ``quote_from_bytes`` imports
    the real one when first called (any other name: the real one at once); then the
    stand-in goes, so every later import gets the real module."""
    import sys

    if "pathlib" in sys.modules or "urllib.parse" in sys.modules:
        return
    import types

    stand_in = types.ModuleType("urllib.parse")
    vars(stand_in).update(quote_from_bytes=_quote_from_bytes, __getattr__=_urllib_parse_attr)
    sys.modules["urllib.parse"] = stand_in
    try:
        import pathlib  # noqa: F401
    finally:
        if sys.modules.get("urllib.parse") is stand_in:
            del sys.modules["urllib.parse"]


def _quote_from_bytes(*args: Any, **kwargs: Any) -> str:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(*args, **kwargs)


def _urllib_parse_attr(name: str) -> Any:
    if name.startswith("__"):  # the import system's probes (__path__...): not a package
        raise AttributeError(name)
    import sys

    del sys.modules["urllib.parse"]  # the stand-in: import the real module instead
    import urllib.parse

    return getattr(urllib.parse, name)


def pause_gc() -> None:
    """Start-up makes tens of thousands of long-lived objects (modules, classes, functions,
    the workflow) and little garbage: the cycle collector, triggered by allocation counts,
    runs some 35 times to free a few hundred objects, ~5% of a ``run --list``.
    ``resume_gc`` turns it back on once jobs start; other commands, right after parsing."""
    import gc

    gc.disable()


def resume_gc() -> None:
    """Garbage collection on again (when ``main`` paused it), with what start-up made
    left out of every later collection (``gc.freeze``): most of it lives until exit."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()
