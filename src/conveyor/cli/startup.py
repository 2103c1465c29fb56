"""What a short command starts faster with, kept apart from what it does: the cycle
collector paused while start-up allocates, and stdlib modules imported without the
modules they need only in corners Conveyor's run does not reach."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def import_stdlib() -> None:
    """pathlib without urllib.parse (and ipaddress, which it imports): pathlib takes one
    function from it, for ``Path.as_uri``, and they are ~5% of a one-step run. subprocess
    without locale (~3%, with the pattern it compiles): subprocess reads
    ``locale.getencoding()`` only for a text-mode pipe given no encoding.

    While each is imported, the module it leaves out is a stand-in that imports the real
    one when a name is first looked up (``quote_from_bytes``, bound by pathlib's import,
    does so when called); then the stand-in leaves ``sys.modules``, so every later import
    gets the real module."""
    _import_with_stand_in("pathlib", "urllib.parse", quote_from_bytes=_quote_from_bytes)
    _import_with_stand_in("subprocess", "locale")


def _import_with_stand_in(module: str, left_out: str, **names: Any) -> None:
    import sys

    if module in sys.modules or left_out in sys.modules:
        return
    import types

    stand_in = types.ModuleType(left_out)
    vars(stand_in).update(names, __getattr__=_real_attr(stand_in, left_out))
    sys.modules[left_out] = stand_in
    try:
        __import__(module)
    finally:
        if sys.modules.get(left_out) is stand_in:
            del sys.modules[left_out]


def _real_attr(stand_in: Any, name: str) -> Any:
    def attr(key: str) -> Any:
        if key.startswith("__"):  # the import system's probes (__path__...): not a package
            raise AttributeError(key)
        import sys

        if sys.modules.get(name) is stand_in:
            del sys.modules[name]  # import the real module instead
        __import__(name)
        return getattr(sys.modules[name], key)

    return attr


def _quote_from_bytes(*args: Any, **kwargs: Any) -> str:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(*args, **kwargs)


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
