from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import download_artifact, upload_artifact

from .conftest import MakeCall


def write(root: Path, *files: str) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)


def stored(dirs, name: str) -> set[str]:
    root = dirs["run"] / "artifacts" / name
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def upload(make_call: MakeCall, name: str, path: str, **extra: str):
    call = make_call("actions/upload-artifact@v4", {"name": name, "path": path, **extra})
    upload_artifact.main(call)
    return call


def test_wildcard_keeps_hierarchy_after_first_wildcard(make_call: MakeCall, dirs) -> None:
    write(
        dirs["workspace"],
        "path/to/some/directory/foo1.txt",
        "path/to/some/directory/foo2.txt",
        "path/to/other/directory/foo1.txt",
        "path/to/other/directory/bar.txt",
    )
    call = upload(make_call, "wild", "path/to/*/directory/foo?.txt")
    assert stored(dirs, "wild") == {
        "some/directory/foo1.txt",
        "some/directory/foo2.txt",
        "other/directory/foo1.txt",
    }
    assert call.outputs["artifact-id"] == "1"
    assert call.outputs["artifact-url"].startswith("file://")
    assert len(call.outputs["artifact-digest"]) == 64


def test_directory_and_single_file(make_call: MakeCall, dirs) -> None:
    write(dirs["workspace"], "path/to/artifact/world.txt", "path/to/artifact/sub/x.txt")
    upload(make_call, "dir", "path/to/artifact/")
    assert stored(dirs, "dir") == {"world.txt", "sub/x.txt"}
    upload(make_call, "one", "path/to/artifact/world.txt")
    assert stored(dirs, "one") == {"world.txt"}


def test_multiple_paths_use_least_common_ancestor(make_call: MakeCall, dirs) -> None:
    write(
        dirs["workspace"],
        "path/output/bin/app",
        "path/output/bin/app.tmp",
        "path/output/test-results/r.xml",
        "path/output/other.txt",
    )
    upload(make_call, "multi", "path/output/bin/\npath/output/test-results\n!path/**/*.tmp")
    assert stored(dirs, "multi") == {"bin/app", "test-results/r.xml"}
    # absolute and relative paths together: the LCA of /.../workspace/a/b and /.../workspace/c
    write(dirs["workspace"], "a/b/f1.txt", "c/f2.txt")
    upload(make_call, "abs", f"{dirs['workspace']}/a/b/f1.txt\nc/")
    assert stored(dirs, "abs") == {"a/b/f1.txt", "c/f2.txt"}


def test_hidden_files(make_call: MakeCall, dirs) -> None:
    write(dirs["workspace"], "out/.env", "out/.git/config", "out/visible.txt")
    upload(make_call, "plain", "out")
    assert stored(dirs, "plain") == {"visible.txt"}
    upload(make_call, "hidden", "out", **{"include-hidden-files": "true"})
    assert stored(dirs, "hidden") == {".env", ".git/config", "visible.txt"}


def test_overwrite(make_call: MakeCall, dirs) -> None:
    write(dirs["workspace"], "a.txt", "b.txt")
    upload(make_call, "same", "a.txt")
    with pytest.raises(ActionFailed) as err:
        upload(make_call, "same", "b.txt")
    assert str(err.value) == upload_artifact.CONFLICT
    assert "(409) Conflict: an artifact with this name already exists" in str(err.value)
    call = upload(make_call, "same", "b.txt", overwrite="true")
    assert stored(dirs, "same") == {"b.txt"}
    assert call.outputs["artifact-id"] == "2"


def test_no_files_found(make_call: MakeCall, dirs) -> None:
    lines: list[str] = []
    call = make_call("actions/upload-artifact@v4", {"path": "nothing/*"}, lines=lines)
    upload_artifact.main(call)
    assert call.outputs == {}
    assert lines == [
        "Warning: No files were found with the provided path: nothing/*. "
        "No artifacts will be uploaded."
    ]
    with pytest.raises(ActionFailed, match="No files were found"):
        upload(make_call, "x", "nothing", **{"if-no-files-found": "error"})
    with pytest.raises(ActionFailed, match="Unrecognized if-no-files-found input"):
        upload(make_call, "x", "nothing", **{"if-no-files-found": "loud"})


def test_invalid_name(make_call: MakeCall, dirs) -> None:
    write(dirs["workspace"], "a.txt")
    with pytest.raises(ActionFailed, match="artifact name is not valid"):
        upload(make_call, "a/b", "a.txt")


@pytest.fixture
def two_artifacts(make_call: MakeCall, dirs) -> None:
    write(dirs["workspace"], "linux/bin/app", "linux/README", "mac/bin/app", "mac/NOTES")
    upload(make_call, "build-linux", "linux")
    upload(make_call, "build-mac", "mac")
    upload(make_call, "logs", "linux/README")


def download(make_call: MakeCall, **inputs: str):
    call = make_call("actions/download-artifact@v4", inputs)
    download_artifact.main(call)
    return call


def test_download_single_into_path(make_call: MakeCall, dirs, two_artifacts) -> None:
    call = download(make_call, name="build-linux", path="out")
    out = dirs["workspace"] / "out"
    assert (out / "bin" / "app").read_text() == "linux/bin/app"
    assert call.outputs == {"download-path": str(out.resolve())}


def test_download_all_and_pattern(make_call: MakeCall, dirs, two_artifacts) -> None:
    call = download(make_call, path="all")
    all_dir = dirs["workspace"] / "all"
    assert sorted(p.name for p in all_dir.iterdir()) == ["build-linux", "build-mac", "logs"]
    assert (all_dir / "build-mac" / "NOTES").exists()
    assert call.outputs["download-path"] == str(all_dir.resolve())
    download(make_call, path="pat", pattern="build-*")
    assert sorted(p.name for p in (dirs["workspace"] / "pat").iterdir()) == [
        "build-linux",
        "build-mac",
    ]
    download(make_call, path="merged", pattern="build-{linux,mac}", **{"merge-multiple": "true"})
    merged = dirs["workspace"] / "merged"
    assert {p.name for p in merged.iterdir()} == {"bin", "README", "NOTES"}


def test_download_home_path_and_errors(make_call: MakeCall, dirs, two_artifacts) -> None:
    download(make_call, name="logs", path="~/dl")
    assert (dirs["home"] / "dl" / "README").read_text() == "linux/README"
    with pytest.raises(ActionFailed) as err:
        download(make_call, name="missing")
    assert str(err.value).startswith(
        "Unable to download artifact(s): Artifact not found for name: missing"
    )
    with pytest.raises(ActionFailed, match="another workflow run"):
        download(make_call, name="logs", **{"github-token": "t", "run-id": "123"})
    download(make_call, name="logs", path="tokless", **{"run-id": "123"})  # ignored without token
    assert (dirs["workspace"] / "tokless" / "README").exists()


@pytest.mark.parametrize("name", [".", "..", "v1.2 final"])
def test_any_valid_name_is_one_folder_of_the_store(make_call: MakeCall, dirs, name: str) -> None:
    # names GitHub accepts, dots included, never reach outside the run's artifact store
    write(dirs["workspace"], "f.txt")
    (dirs["run"] / "keep.log").write_text("the run's own file")
    upload(make_call, name, "f.txt")
    store = dirs["run"] / "artifacts"
    assert [p.name for p in store.iterdir()] == [name.replace(".", "%2E")]
    assert (dirs["run"] / "keep.log").read_text() == "the run's own file"
    assert not (dirs["run"] / "f.txt").exists() and not (dirs["run"].parent / "f.txt").exists()
    download(make_call, name=name, path="got")
    assert (dirs["workspace"] / "got" / "f.txt").read_text() == "f.txt"
