"""actions/cache/save: save the paths under ``key`` now (no state from a restore step).

Like the action, an existing key or missing paths only warn ("Cache save failed.").
"""

from __future__ import annotations

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin import cache
from conveyor.actions.builtin.step import warn

INPUTS: dict[str, dict[str, str]] = {
    "path": {"default": ""},
    "key": {"default": ""},
    "upload-chunk-size": {"default": ""},
    "enableCrossOsArchive": {"default": "false"},
}


def main(call: ActionCall) -> None:
    if not cache.save(call, use_state=False):
        warn(call, "Cache save failed.")
