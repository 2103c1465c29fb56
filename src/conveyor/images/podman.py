"""The podman (and other tool) calls the image builder makes, each one a named step whose
failure says what ran and how it ended."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[str], None]
RECIPE_LABEL = "io.conveyor.recipe"
VERSION_LABEL = "io.conveyor.version"
TAIL_LINES = 25


class StepFailed(Exception):
    def __init__(self, step: str, argv: Sequence[str], code: int, tail: str, log: Path | None):
        super().__init__(step)
        self.step = step
        self.argv = list(argv)
        self.code = code
        self.tail = tail
        self.log = log


@dataclass(frozen=True)
class StoredImage:
    id: str
    names: frozenset[str]
    labels: dict[str, str]
    size: int


def run_step(step: str, argv: Sequence[str], *, log: Path | None = None) -> str:
    """Run argv; its combined output (also written to ``log``), or StepFailed."""
    try:
        proc = subprocess.run(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError as exc:
        raise StepFailed(step, argv, 127, str(exc), None) from exc
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(proc.stdout)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.rstrip().splitlines()[-TAIL_LINES:])
        raise StepFailed(step, argv, proc.returncode, tail, log)
    return proc.stdout


def stored_images() -> list[StoredImage]:
    """Every image Conveyor built (one podman call: this is what 'up to date' costs)."""
    out = run_step(
        "podman images",
        ["podman", "images", "--format", "json", "--filter", f"label={RECIPE_LABEL}"],
    )
    found = []
    for entry in json.loads(out or "[]") or []:
        found.append(
            StoredImage(
                id=entry["Id"],
                names=frozenset(entry.get("Names") or ()),
                labels=dict(entry.get("Labels") or {}),
                size=int(entry.get("Size") or 0),
            )
        )
    return found


def build(
    context: Path,
    *,
    volumes: Sequence[str] = (),
    log: Path,
) -> tuple[str, str]:
    """``podman build`` of context/Containerfile with no pull: (image id, build output)."""
    iidfile = context / ".iid"
    argv = [
        "podman",
        "build",
        "--pull=never",
        "--layers=false",
        # apt and the build's checks need the mirror; the host's network is the simple way
        "--network=host",
        "--iidfile",
        str(iidfile),
        *(f"--volume={v}" for v in volumes),
        "-f",
        str(context / "Containerfile"),
        str(context),
    ]
    output = run_step("podman build", argv, log=log)
    return _image_id(iidfile), output


def finish(image: str, names: Sequence[str], labels: dict[str, str], context: Path) -> str:
    """Label ``image`` (a layer-free second build, as labels cannot be added in place),
    tag it with every name and drop the unlabelled intermediate; the final id."""
    label_args = " ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    (context / "Containerfile.labels").write_text(f"FROM {image}\nLABEL {label_args}\n")
    iidfile = context / ".iid-final"
    run_step(
        "podman build (labels)",
        [
            "podman",
            "build",
            "--pull=never",
            "--layers=false",
            "--iidfile",
            str(iidfile),
            *(f"--tag={n}" for n in names),
            "-f",
            str(context / "Containerfile.labels"),
            str(context),
        ],
    )
    final = _image_id(iidfile)
    remove_image(image)
    return final


def tag(image: str, names: Sequence[str]) -> None:
    run_step("podman tag", ["podman", "tag", image, *names])


def remove_replaced() -> None:
    """Drop our images that lost every name: an old base stays until the images built on
    it are replaced too, so this runs after all builds."""
    out = run_step(
        "podman images (replaced)",
        [
            "podman",
            "images",
            "-q",
            "--filter",
            f"label={RECIPE_LABEL}",
            "--filter",
            "dangling=true",
        ],
    )
    for image in dict.fromkeys(out.split()):
        remove_image(image)


def remove_image(image: str) -> None:
    """Drop an image we replaced; one still used by a container stays, untagged."""
    subprocess.run(
        ["podman", "rmi", image],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _image_id(iidfile: Path) -> str:
    """The id as ``podman images`` prints it (an iidfile has a ``sha256:`` in front)."""
    return iidfile.read_text().strip().removeprefix("sha256:")
