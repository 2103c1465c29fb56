"""``conveyor images bootstrap`` and ``conveyor images list``: build the recipes podman's
storage lacks (or holds an older version of), say what each image really is."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from conveyor.images import host, recipes
from conveyor.images.podman import (
    RECIPE_LABEL,
    VERSION_LABEL,
    Progress,
    StepFailed,
    StoredImage,
    build,
    finish,
    remove_image,
    remove_replaced,
    stored_images,
    tag,
)
from conveyor.images.recipes import Recipe, Unavailable, qualified
from conveyor.images.rootfs import rootfs_tarball
from conveyor.store.paths import cache_root

Item = Recipe | Unavailable
PARALLEL_BUILDS = 3


def cmd_bootstrap(args: argparse.Namespace) -> int:
    items = _setup()
    if items is None:
        return 1
    chosen = _select(items, args.names)
    if chosen is None:
        return 2
    cache = _cache()
    with _lock(cache):
        return bootstrap(items, chosen, force=args.force, cache=cache, out=sys.stdout)


def cmd_list(args: argparse.Namespace) -> int:
    items = _setup()
    if items is None:
        return 1
    stored = _by_name(stored_images())
    ids: dict[str, str] = {}
    for item in items:
        if isinstance(item, Unavailable):
            print(f"{item.name:<18} unavailable  {item.reason}")
            continue
        image = stored.get(qualified(item.name))
        base_id = ids.get(item.base) if item.base else None
        if image is None:
            state, size, version = "not built", "", ""
        else:
            ids[item.name] = image.id
            current = image.labels.get(RECIPE_LABEL) == recipes.recipe_hash(item, base_id)
            state = "up to date" if current else "outdated"
            size = f"{image.size / 1e6:.0f} MB"
            version = image.labels.get(VERSION_LABEL, "")
        print(f"{item.name:<18} {state:<12} {size:>7}  {version}")
        print(f"{'':<18} {item.about}")
        if item.tags:
            print(f"{'':<18} also: {' '.join(item.tags)}")
        if item.standins:
            print(f"{'':<18} stand-in for: {' '.join(item.standins)} (Debian, not Ubuntu)")
    print(f"\nstored as {recipes.LIBRARY}NAME; build or refresh with: conveyor images bootstrap")
    return 0


def bootstrap(
    items: list[Item], chosen: list[Item], *, force: bool, cache: Path, out: TextIO
) -> int:
    """Build what is missing or outdated among ``chosen`` (and the base they need): the base
    first, then the rest side by side; 0 unless a build failed or a contract image cannot
    be built on this machine."""
    stored = _by_name(stored_images())
    wanted = {i.name for i in chosen}
    forced = wanted if force else set()
    needed = wanted | {i.base for i in chosen if isinstance(i, Recipe) and i.base is not None}
    todo = [i for i in items if i.name in needed]
    ids: dict[str, str] = {}
    failed: list[str] = []
    lock = threading.Lock()

    def say(message: str) -> None:
        with lock:
            print(message, file=out, flush=True)

    def current(item: Item) -> tuple[str | None, str]:
        """(the stored image's id if it is current, else None; the recipe's digest)"""
        if isinstance(item, Unavailable):
            say(f"{item.name}: skipped: {item.reason}")
            return None, ""
        if item.base and item.base not in ids:
            say(f"{item.name}: skipped: its base {item.base} did not build")
            return None, ""
        digest = recipes.recipe_hash(item, ids.get(item.base) if item.base else None)
        image = stored.get(qualified(item.name))
        if image and image.labels.get(RECIPE_LABEL) == digest and item.name not in forced:
            missing = [qualified(n) for n in item.names if qualified(n) not in image.names]
            if missing:
                tag(image.id, missing)
            say(f"{item.name}: up to date")
            return image.id, digest
        return None, digest

    def make(job: tuple[Recipe, str]) -> str | None:
        recipe, digest = job
        try:
            built = _build(recipe, digest, cache, say)
        except StepFailed as exc:
            with lock:
                _report_failure(recipe.name, exc)
            return None
        old = stored.get(qualified(recipe.name))
        if old is not None and old.id != built:
            remove_image(old.id)
        return built

    bases = [i for i in todo if isinstance(i, Recipe) and i.base is None]
    rest = [i for i in todo if i not in bases]
    built_any = False
    for batch in (bases, rest):
        jobs: list[tuple[Recipe, str]] = []
        for item in batch:  # in order, so "up to date" lines come in the list's order
            image_id, digest = current(item)
            if image_id is not None:
                ids[item.name] = image_id
            elif isinstance(item, Recipe) and digest:
                jobs.append((item, digest))
            elif isinstance(item, Recipe) or item.contract:
                failed.append(item.name)
        # builds wait on the mirror and the disk more than on a CPU: a few at once pay off
        with ThreadPoolExecutor(max_workers=PARALLEL_BUILDS) as pool:
            results = list(pool.map(make, jobs))
        for (recipe, _), image_id in zip(jobs, results, strict=True):
            if image_id is None:
                failed.append(recipe.name)
            else:
                ids[recipe.name] = image_id
                built_any = True
    if built_any:
        remove_replaced()
    if failed:
        print(f"conveyor images: not built: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _build(recipe: Recipe, digest: str, cache: Path, say: Progress) -> str:
    def progress(message: str) -> None:
        say(f"{recipe.name}: {message}")

    started = time.monotonic()
    work = cache / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    context = Path(tempfile.mkdtemp(prefix="context-", dir=work))
    slug = recipe.name.replace(":", "-")
    try:
        for name, text in recipe.files:
            (context / name).write_text(text)
        if recipe.prepare is not None:
            recipe.prepare(context, progress)
        (context / "Containerfile").write_text(recipe.containerfile)
        progress("podman build (apt-get from the Debian mirror; under a minute)")
        # downloaded .debs stay on this machine for the next build, not in the image; one
        # folder per image, as two apt-get runs cannot share one
        debs = cache / "apt-archives" / slug
        debs.mkdir(parents=True, exist_ok=True)
        image, output = build(
            context,
            volumes=[f"{debs}:/var/cache/apt/archives"],
            log=cache / "logs" / f"{slug}.log",
        )
        version = _version(output)
        final = finish(
            image,
            [qualified(n) for n in recipe.names],
            {RECIPE_LABEL: digest, VERSION_LABEL: version},
            context,
        )
    finally:
        shutil.rmtree(context, ignore_errors=True)
    progress(f"built {final[:12]} ({version}) in {time.monotonic() - started:.0f} s")
    return final


def _version(output: str) -> str:
    marks = [
        line[len(recipes.VERSION_MARK) :].strip()
        for line in output.splitlines()
        if line.startswith(recipes.VERSION_MARK)
    ]
    return marks[-1] if marks else "unknown"


def _report_failure(name: str, exc: StepFailed) -> None:
    err = sys.stderr
    print(f"conveyor images: {name}: step '{exc.step}' failed (exit {exc.code})", file=err)
    print(f"  command: {' '.join(exc.argv)}", file=err)
    if exc.tail:
        print("  last lines of its output:", file=err)
        for line in exc.tail.splitlines():
            print(f"    {line}", file=err)
    if exc.log is not None:
        print(f"  full output: {exc.log}", file=err)
    err.flush()


def _setup() -> list[Item] | None:
    """Every recipe, or None (after saying why) when this machine cannot build any."""
    if shutil.which("podman") is None:
        print(
            "conveyor images: podman is not installed (scripts/bootstrap installs it with apt)",
            file=sys.stderr,
        )
        return None
    try:
        mirrors = host.debian_mirrors()
    except host.NoMirror as exc:
        print(f"conveyor images: {exc}", file=sys.stderr)
        return None

    def rootfs(context: Path, progress: Progress) -> None:
        tarball = rootfs_tarball(_cache(), mirrors.main, progress)
        try:
            os.link(tarball, context / "rootfs.tar")
        except OSError:
            shutil.copyfile(tarball, context / "rootfs.tar")

    return recipes.all_recipes(
        mirrors, rootfs, host.pyenv_pythons(recipes.PYTHON_MINORS), host.host_node()
    )


def _select(items: list[Item], names: list[str]) -> list[Item] | None:
    """The items NAMES pick (any of an image's names, short or docker.io/library/...)."""
    if not names:
        return items
    by_name: dict[str, Item] = {}
    for item in items:
        for name in item.names if isinstance(item, Recipe) else (item.name,):
            by_name[qualified(name)] = item
    chosen: list[Item] = []
    for name in names:
        found = by_name.get(qualified(name))
        if found is None:
            known = " ".join(i.name for i in items)
            print(f"conveyor images: no image {name!r}; known: {known}", file=sys.stderr)
            return None
        if found not in chosen:
            chosen.append(found)
    return chosen


def _by_name(images: list[StoredImage]) -> dict[str, StoredImage]:
    return {name: image for image in images for name in image.names}


def _cache() -> Path:
    path = cache_root() / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _lock(cache: Path) -> Iterator[None]:
    """One bootstrap at a time per machine: two would build the same names twice."""
    with open(cache / "lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("conveyor images: waiting for another 'images bootstrap' to finish")
            fcntl.flock(f, fcntl.LOCK_EX)
        yield
