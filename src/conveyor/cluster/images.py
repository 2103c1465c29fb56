"""Images a real node needs without any registry: the pause image every pod sandbox runs
(and small test images), made here as one-layer docker archives around Debian's static
busybox, for ``ctr images import``."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

BUSYBOX = Path("/bin/busybox")  # Debian's busybox-static
PAUSE = "registry.k8s.io/pause:3.10"  # what kubelet 1.34 asks for


def _entry(tar: tarfile.TarFile, name: str, kind: bytes, link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, 0o755, link
    tar.addfile(info)


def busybox_archive(
    name: str, out: Path, command: list[str], files: dict[str, bytes] | None = None
) -> Path:
    """A docker-archive of ``name`` whose entrypoint is ``command``, with ``files``
    (path in the image: content) beside busybox."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        for folder in ("bin", "tmp", "etc", "www"):
            _entry(tar, folder, tarfile.DIRTYPE)
        tar.add(str(BUSYBOX), arcname="bin/busybox")
        for applet in ("sh", "sleep", "wget", "cat"):
            _entry(tar, f"bin/{applet}", tarfile.SYMTYPE, "busybox")
        for path, data in (files or {}).items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    blob = layer.getvalue()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": {"Entrypoint": command, "Env": ["PATH=/bin"]},
            "rootfs": {
                "type": "layers",
                "diff_ids": ["sha256:" + hashlib.sha256(blob).hexdigest()],
            },
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [name], "Layers": ["layer.tar"]}]
    with tarfile.open(out, "w") as tar:
        for member, data in (
            ("layer.tar", blob),
            (config_name, config),
            ("manifest.json", json.dumps(manifest).encode()),
        ):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def pause_archive(out: Path) -> Path:
    return busybox_archive(PAUSE, out, ["/bin/busybox", "sleep", "2147483647"])
