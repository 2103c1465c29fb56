"""The host executor's clean-up: a job's directory goes, nothing it links to does."""

from __future__ import annotations

from pathlib import Path

from conveyor.executors.host import remove_tree, which


def test_remove_tree_removes_links_not_their_targets(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "file.txt").write_text("precious")
    job = tmp_path / "job"
    (job / "a" / "b").mkdir(parents=True)
    (job / "a" / "b" / "f").write_text("x")
    (job / "dirlink").symlink_to(outside / "keep", target_is_directory=True)
    (job / "filelink").symlink_to(outside / "keep" / "file.txt")
    remove_tree(job)
    assert not job.exists()
    assert (outside / "keep" / "file.txt").read_text() == "precious"


def test_which_searches_the_given_path(tmp_path: Path) -> None:
    tool = tmp_path / "bin" / "mytool"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (tmp_path / "bin" / "plain").write_text("not executable")
    assert which("mytool", f"/nonexistent:{tool.parent}") == str(tool)
    assert which("plain", str(tool.parent)) is None
    assert which(str(tool), "") == str(tool)
