"""actions/cache/restore: restore only (no post step); also outputs the keys.

Outputs: ``cache-hit`` (as actions/cache: unset on a miss), ``cache-primary-key`` (always) and
``cache-matched-key`` (when something matched).
"""

from __future__ import annotations

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin import cache

INPUTS: dict[str, dict[str, str]] = {
    "path": {"default": ""},
    "key": {"default": ""},
    "restore-keys": {"default": ""},
    "enableCrossOsArchive": {"default": "false"},
    "fail-on-cache-miss": {"default": "false"},
    "lookup-only": {"default": "false"},
}


def main(call: ActionCall) -> None:
    cache.restore(call, restore_only=True)
