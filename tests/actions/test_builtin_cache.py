from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed, parse_uses
from conveyor.actions.builtin import cache, cache_restore, cache_save, lookup

from .conftest import MakeCall


def save_entry(make_call: MakeCall, ws: Path, key: str, content: str, path: str = "deps") -> None:
    (ws / "deps").mkdir(exist_ok=True)
    (ws / "deps" / "lib.txt").write_text(content)
    call = make_call("actions/cache/save@v4", {"key": key, "path": path})
    cache_save.main(call)


def test_miss_then_post_saves_then_exact_hit(make_call: MakeCall, dirs) -> None:
    ws = dirs["workspace"]
    inputs = {"key": "deps-abc", "path": "deps\n~/.tool-cache"}
    first = make_call("actions/cache@v4", inputs)
    cache.main(first)
    assert "cache-hit" not in first.outputs  # v4 leaves it unset on a miss
    (ws / "deps").mkdir()
    (ws / "deps" / "lib.txt").write_text("built")
    os.symlink("lib.txt", ws / "deps" / "link")
    (dirs["home"] / ".tool-cache").mkdir()
    (dirs["home"] / ".tool-cache" / "t.bin").write_text("tool")
    cache.post(first)
    assert cache.POST_IF == "success()"

    for path in (ws / "deps", dirs["home"] / ".tool-cache"):
        for child in path.iterdir():
            child.unlink()
        path.rmdir()
    second = make_call("actions/cache@v4", inputs)
    cache.main(second)
    assert second.outputs == {"cache-hit": "true"}
    assert (ws / "deps" / "lib.txt").read_text() == "built"
    assert os.readlink(ws / "deps" / "link") == "lib.txt"
    assert (dirs["home"] / ".tool-cache" / "t.bin").read_text() == "tool"
    lines: list[str] = []
    third = make_call("actions/cache@v4", inputs, lines=lines)
    third.state.update(second.state)
    cache.post(third)
    assert any("not saving cache" in line for line in lines)


def test_restore_key_prefix_newest_wins(make_call: MakeCall, dirs) -> None:
    ws = dirs["workspace"]
    save_entry(make_call, ws, "npm-linux-old", "old")
    time.sleep(0.01)
    save_entry(make_call, ws, "npm-linux-new", "new")
    save_entry(make_call, ws, "other-x", "other")
    (ws / "deps" / "lib.txt").unlink()
    call = make_call(
        "actions/cache/restore@v4",
        {"key": "npm-linux-zzz", "path": "deps", "restore-keys": "nope-\nnpm-linux-\nother-"},
    )
    cache_restore.main(call)
    assert call.outputs == {
        "cache-primary-key": "npm-linux-zzz",
        "cache-matched-key": "npm-linux-new",
        "cache-hit": "false",
    }
    assert (ws / "deps" / "lib.txt").read_text() == "new"
    # the primary key is prefix-matched before the restore keys
    call = make_call(
        "actions/cache/restore@v4", {"key": "npm-linux-o", "path": "deps", "restore-keys": "other-"}
    )
    cache_restore.main(call)
    assert call.outputs["cache-matched-key"] == "npm-linux-old"
    assert call.outputs["cache-hit"] == "false"


def test_restore_only_miss_outputs(make_call: MakeCall, dirs) -> None:
    call = make_call("actions/cache/restore@v4", {"key": "k1", "path": "deps"})
    cache_restore.main(call)
    assert call.outputs == {"cache-primary-key": "k1"}


def test_version_isolation_by_paths(make_call: MakeCall, dirs) -> None:
    save_entry(make_call, dirs["workspace"], "same-key", "a", path="deps")
    call = make_call("actions/cache@v4", {"key": "same-key", "path": "deps/"})
    cache.main(call)
    assert "cache-hit" not in call.outputs
    assert cache.cache_version(["deps"]) != cache.cache_version(["deps/"])


def test_lookup_only_and_fail_on_miss(make_call: MakeCall, dirs) -> None:
    ws = dirs["workspace"]
    save_entry(make_call, ws, "k-1", "v")
    (ws / "deps" / "lib.txt").unlink()
    call = make_call("actions/cache@v4", {"key": "k-1", "path": "deps", "lookup-only": "true"})
    cache.main(call)
    assert call.outputs["cache-hit"] == "true"
    assert not (ws / "deps" / "lib.txt").exists()
    with pytest.raises(ActionFailed, match=r"fail-on-cache-miss is set\. Input key: zz"):
        cache.main(
            make_call(
                "actions/cache@v4", {"key": "zz", "path": "deps", "fail-on-cache-miss": "true"}
            )
        )


def test_save_warnings_never_fail(make_call: MakeCall, dirs) -> None:
    lines: list[str] = []
    call = make_call("actions/cache/save@v4", {"key": "k", "path": "missing"}, lines=lines)
    cache_save.main(call)
    assert any("Path Validation Error" in line for line in lines)
    assert "Warning: Cache save failed." in lines
    save_entry(make_call, dirs["workspace"], "dup", "1")
    lines.clear()
    call = make_call("actions/cache/save@v4", {"key": "dup", "path": "deps"}, lines=lines)
    cache_save.main(call)
    assert any("Unable to reserve cache with key dup" in line for line in lines)
    entries = list((dirs["cache"] / "entries").glob("*.json"))
    assert sorted(json.loads(e.read_text())["key"] for e in entries) == ["dup"]


def test_key_validation(make_call: MakeCall) -> None:
    with pytest.raises(ActionFailed, match="cannot contain commas"):
        cache.main(make_call("actions/cache@v4", {"key": "a,b", "path": "x"}))
    keys = "\n".join(f"r{i}" for i in range(10))
    with pytest.raises(ActionFailed, match="maximum of 10"):
        cache.main(make_call("actions/cache@v4", {"key": "a", "path": "x", "restore-keys": keys}))


def test_parse_uses_self_reference() -> None:
    ref = parse_uses(" $/.github/actions/x ")
    assert (ref.kind, ref.path, ref.raw, ref.owner, ref.ref) == (
        "self",
        ".github/actions/x",
        "$/.github/actions/x",
        "",
        "",
    )
    # leading and doubled slashes, "." and ".." that stay inside are normalised
    assert parse_uses("$//a/./b/../c/").path == "a/c"
    assert parse_uses("./a").kind == "local" and parse_uses("o/r/p@v1").kind == "remote"
    for bad, fragment in [
        ("$/x@v1", "takes no '@v1'; write '$/x'"),
        ("$/", "needs a path"),
        ("$/..", "must stay inside the repository"),
        ("$/../x", "must stay inside the repository"),
    ]:
        with pytest.raises(ValueError, match="is not a valid action reference") as info:
            parse_uses(bad)
        assert fragment in str(info.value) and f"'{bad}'" in str(info.value)


def test_registry_is_lazy_and_complete() -> None:
    assert lookup(parse_uses("actions/cache/restore@v4")) is cache_restore
    assert lookup(parse_uses("Actions/Checkout@main")).__name__.endswith(".checkout")  # type: ignore[union-attr]
    assert lookup(parse_uses("someone/else@v1")) is None
    from conveyor.actions.builtin import inputs_spec

    assert inputs_spec("actions/upload-artifact")["if-no-files-found"] == {"default": "warn"}
    assert inputs_spec("actions/checkout")["fetch-depth"] == {"default": "1"}
