"""Copying a local repository's working tree the way ``actions/checkout`` sees it: the
files git lists (tracked, and untracked but not ignored) or, without git, the whole
folder; never ``.git`` or Conveyor's own ``.conveyor``. Used by checkout and by
``$/`` references."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def copy_listed(root: Path, target: Path, names: Iterable[str]) -> None:
    """Copy ``names`` (paths relative to ``root``, e.g. ``git ls-files -z`` split) into
    ``target``, replacing what is there; symlinks stay links."""
    skip_prefix = ""
    if root in target.parents:
        skip_prefix = str(target.relative_to(root)) + "/"
    made: set[Path] = set()
    seen: set[str] = set()
    for rel in names:
        if not rel or rel in seen:
            continue
        seen.add(rel)
        if rel == ".conveyor" or rel.startswith(".conveyor/"):
            continue
        if skip_prefix and rel.startswith(skip_prefix):
            continue
        src = root / rel
        dst = target / rel
        if dst.parent not in made:
            dst.parent.mkdir(parents=True, exist_ok=True)
            made.add(dst.parent)
        if dst.is_symlink() or dst.is_file():
            dst.unlink()  # clean: false leaves the old files in place
        elif dst.is_dir():
            shutil.rmtree(dst)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.is_file():
            shutil.copyfile(src, dst)
            shutil.copymode(src, dst)
        # deleted files and submodule directories are skipped


def copy_plain(root: Path, target: Path) -> None:
    """A folder that is no git repository: all of it but .git, .conveyor and ``target``."""
    skip = {root / ".conveyor", root / ".git", target}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if here / d not in skip and not (here / d).is_symlink()]
        rel = here.relative_to(root)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = here / name, target / rel / name
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy2(src, dst)
        for name in os.listdir(here):
            if (here / name).is_dir() and (here / name).is_symlink():
                os.symlink(os.readlink(here / name), target / rel / name)
