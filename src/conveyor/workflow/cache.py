"""A cache of validated workflows, so an unchanged file costs a marshal load, not YAML
parsing, validation and their imports (every `conveyor run` pays start-up).

An entry holds the file's exact bytes: it is used only when they match, and only by the
same Conveyor code (version plus the workflow package's modification times).
"""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path
from typing import Any

from conveyor import __version__
from conveyor.workflow.errors import Pos
from conveyor.workflow.model import Job, Step, Strategy, Workflow

_PACKAGE = Path(__file__).parent


def _code_stamp() -> str:
    total = 0
    with os.scandir(_PACKAGE) as entries:
        for entry in entries:
            if entry.name.endswith(".py"):
                total ^= entry.stat().st_mtime_ns
    return f"{__version__}:{total}"


def load_cached(path: Path, root: Path, cache_dir: Path | None) -> Workflow:
    """``loader.load_workflow`` with a cache; errors are never cached."""
    if cache_dir is None:
        from conveyor.workflow.loader import load_workflow

        return load_workflow(path, root)
    import marshal  # built in: no import cost, unlike pickle

    data = path.read_bytes()
    key = f"{_code_stamp()}:{path.resolve()}:{root.resolve()}"
    name = f"{zlib.crc32(key.encode()):08x}-{zlib.crc32(data):08x}.wf"
    entry = cache_dir / name
    try:
        with open(entry, "rb") as f:
            stored_key, stored_data, plain = marshal.load(f)
        if stored_key == key and stored_data == data:
            workflow = _rebuild(plain)
            if isinstance(workflow, Workflow):
                return workflow
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):
        pass
    from conveyor.workflow.loader import load_workflow

    workflow = load_workflow(path, root)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            marshal.dump((key, data, _plain(workflow)), f)
        os.replace(tmp, entry)
        _prune(cache_dir)
    except OSError:
        pass  # a read-only cache only costs speed
    return workflow


def _prune(cache_dir: Path, keep: int = 256) -> None:
    """Entries of old Conveyor code or old file versions are never read again."""
    entries = list(os.scandir(cache_dir))
    if len(entries) <= keep:
        return
    entries.sort(key=lambda e: e.stat().st_mtime)
    for e in entries[: len(entries) - keep // 2]:
        with contextlib.suppress(OSError):
            os.unlink(e.path)


_RECORDS: dict[str, Any] = {c.__name__: c for c in (Workflow, Job, Step, Strategy, Pos)}
_RECORD, _TUPLE = "\0record", "\0tuple"  # tags no YAML value can produce as a 1st item


def _plain(value: Any) -> Any:
    """The workflow as values marshal can store: records become tagged tuples."""
    fields = getattr(type(value), "__record_fields__", None)
    if fields is not None:
        return (_RECORD, type(value).__name__, tuple(_plain(getattr(value, f)) for f in fields))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return (_TUPLE, tuple(_plain(v) for v in value))
    return value


def _rebuild(value: Any) -> Any:
    if isinstance(value, tuple):
        if value[0] == _RECORD:
            return _RECORDS[value[1]](*(_rebuild(v) for v in value[2]))
        return tuple(_rebuild(v) for v in value[1])
    if isinstance(value, dict):
        return {k: _rebuild(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebuild(v) for v in value]
    return value
