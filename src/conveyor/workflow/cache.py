"""A cache of validated workflows, so an unchanged file costs a pickle load, not YAML
parsing, validation and their imports (every `conveyor run` pays start-up).

An entry holds the file's exact bytes: it is used only when they match, and only by the
same Conveyor code (version plus the workflow package's modification times). Pickle,
not marshal: rebuilding thousands of records from plain values in Python costs more than
pickle's import.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

from conveyor import __version__
from conveyor.workflow.model import Workflow

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
    # the C unpickler alone: pickle.py is a few more imports (struct, re, a search of
    # sys.path for Jython's org.python.core), and only a miss needs it, to write
    import _pickle

    data = path.read_bytes()
    key = f"{_code_stamp()}:{path.resolve()}:{root.resolve()}"
    name = f"{zlib.crc32(key.encode()):08x}-{zlib.crc32(data):08x}.pickle"
    entry = cache_dir / name
    try:
        with open(entry, "rb") as f:
            stored_key, stored_data, workflow = _pickle.load(f)
        if stored_key == key and stored_data == data and isinstance(workflow, Workflow):
            return workflow
    except (OSError, _pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
        pass
    import pickle

    from conveyor.workflow.loader import load_workflow

    workflow = load_workflow(path, root)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump((key, data, workflow), f, protocol=pickle.HIGHEST_PROTOCOL)
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
