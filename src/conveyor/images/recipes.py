"""The images, as data: each a Containerfile, the names it answers to, what it really holds
and what it takes from this machine. Building them is ``bootstrap``'s job."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conveyor.images import host, scripts, trees
from conveyor.images.podman import Progress

# bump when the build itself changes in a way the Containerfiles do not show
FORMAT = "1"
LIBRARY = "docker.io/library/"
BASE = "debian:bookworm"
PYTHON_MINORS = ("3.11", "3.12", "3.13")
PG_MAJOR = "15"  # bookworm's PostgreSQL
BASE_PACKAGES = (
    *("bash", "ca-certificates", "curl", "git", "jq", "lsb-release", "openssh-client"),
    *("procps", "sudo", "unzip", "xz-utils", "zip"),
)
APT = "apt-get -q -o Dpkg::Use-Pty=0"
APT_INSTALL = f"{APT} install -y --no-install-recommends"
# lists and package caches are rebuilt by `apt-get update`: not worth 80 MB in every image
APT_CLEAN = "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin"
# as Debian's slim images: no documentation or translations (copyright files stay)
SLIM_DPKG = """path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
"""
# every extension module the interpreter has must load: a library apt did not install
# fails the build, not a user's job
CHECK_PYTHON = """import importlib, pathlib, sys, sysconfig
dynload = pathlib.Path(sysconfig.get_path("platstdlib")) / "lib-dynload"
skip = ("_tkinter", "_test", "_xx", "xx", "_ctypes_test")
failed = []
for so in sorted(dynload.glob("*.so")):
    name = so.name.split(".")[0]
    if not name.startswith(skip):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
print("\\n".join(failed) or "every extension module loads")
sys.exit(1 if failed else 0)
"""
# a line the build prints so the image's label can say what is really inside
VERSION_MARK = "conveyor-version:"

Prepare = Callable[[Path, Progress], None]


@dataclass(frozen=True)
class Recipe:
    name: str  # the primary short name: "python:3.12"
    tags: tuple[str, ...]  # other names of the same image
    about: str  # what is really inside, for `conveyor images list`
    containerfile: str
    inputs: tuple[str, ...] = ()  # what else the image depends on (mirror, host builds)
    files: tuple[tuple[str, str], ...] = ()  # small context files: (name, text)
    prepare: Prepare | None = None  # writes the slow context files
    base: str | None = None
    contract: bool = False  # `images bootstrap` fails without it
    standins: tuple[str, ...] = ()  # names it answers to without being that image

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.tags, *self.standins)


@dataclass(frozen=True)
class Unavailable:
    """An image this machine cannot build, and why."""

    name: str
    reason: str
    contract: bool = False


def qualified(name: str) -> str:
    """``python:3.12`` -> ``docker.io/library/python:3.12``, the name podman stores."""
    return name if "/" in name else LIBRARY + name


def recipe_hash(recipe: Recipe, base_id: str | None) -> str:
    """The label that says an image is current: its recipe, its inputs and its base image."""
    text = "\0".join(
        [FORMAT, recipe.name, " ".join(recipe.names), recipe.containerfile, *recipe.inputs]
        + [f"{name}\0{body}" for name, body in recipe.files]
        + [base_id or ""]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def all_recipes(
    mirrors: host.Mirrors,
    rootfs: Prepare,
    pythons: dict[str, host.HostPython],
    node: host.HostNode | None,
) -> list[Recipe | Unavailable]:
    """Every image, the base first; ``rootfs`` puts the debootstrap tarball in a context."""
    items: list[Recipe | Unavailable] = [debian(mirrors, rootfs)]
    newest = max(pythons) if pythons else None
    for minor in PYTHON_MINORS:
        py = pythons.get(minor)
        if py is None:
            items.append(
                Unavailable(
                    f"python:{minor}",
                    f"no CPython {minor} under ~/.pyenv/versions (pyenv install {minor})",
                    contract=True,
                )
            )
        else:
            items.append(python(py, latest=minor == newest))
    items += [postgres(), redis(), nodejs(node)]
    return items


def debian(mirrors: host.Mirrors, rootfs: Prepare) -> Recipe:
    sources = _deb822(mirrors.main, [host.SUITE] + ([f"{host.SUITE}-updates"] * mirrors.updates))
    if mirrors.security:
        sources += "\n" + _deb822(mirrors.security, [f"{host.SUITE}-security"])
    containerfile = f"""FROM scratch
ADD rootfs.tar /
COPY debian.sources /etc/apt/sources.list.d/debian.sources
COPY slim.cfg /etc/dpkg/dpkg.cfg.d/docker-slim
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ARG DEBIAN_FRONTEND=noninteractive
RUN rm -f /etc/apt/sources.list \\
 && {APT} update \\
 && {APT} upgrade -y \\
 && {APT_INSTALL} {" ".join(BASE_PACKAGES)} \\
 && find /usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete \\
 && rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/* \\
 && {APT_CLEAN} \\
 && echo "{VERSION_MARK} Debian $(cat /etc/debian_version)"
CMD ["bash"]
"""
    return Recipe(
        name=BASE,
        tags=("debian:12", "debian:latest"),
        standins=("ubuntu:22.04", "ubuntu:24.04", "ubuntu:latest"),
        about="Debian 12 minbase from your Debian mirror (slim: no docs, man pages or "
        "translations), with "
        + ", ".join(BASE_PACKAGES)
        + "; the ubuntu:* names are Debian stand-ins, not Ubuntu",
        containerfile=containerfile,
        inputs=(mirrors.main, mirrors.security or ""),
        files=(("debian.sources", sources), ("slim.cfg", SLIM_DPKG)),
        prepare=rootfs,
        contract=True,
    )


def _deb822(uri: str, suites: list[str]) -> str:
    return (
        f"Types: deb\nURIs: {uri}\nSuites: {' '.join(suites)}\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )


def python(py: host.HostPython, *, latest: bool) -> Recipe:
    def prepare(context: Path, progress: Progress) -> None:
        progress(f"copying {py.prefix} to /usr/local (without its tests and extra packages)")
        trees.python_tarball(py, context / "python.tar")
        (context / "packages.txt").write_text(" ".join(trees.python_packages(py)) + "\n")

    containerfile = f"""FROM {qualified(BASE)}
ARG DEBIAN_FRONTEND=noninteractive
COPY packages.txt /tmp/packages.txt
RUN {APT} update \\
 && {APT_INSTALL} $(cat /tmp/packages.txt) \\
 && {APT_CLEAN} /tmp/packages.txt
ADD python.tar /
ENV LANG=C.UTF-8 PYTHON_VERSION={py.version}
COPY check_python.py /tmp/check_python.py
RUN ldconfig \\
 && python /tmp/check_python.py && rm /tmp/check_python.py \\
 && python -m venv /tmp/venv-check && /tmp/venv-check/bin/pip --version \\
 && rm -rf /tmp/venv-check && pip --version && pip3 --version \\
 && echo "{VERSION_MARK} Python $(python3 -c 'import platform; print(platform.python_version())')"
CMD ["python3"]
"""
    m = py.minor
    tags = [f"python:{py.version}", f"python:{m}-bookworm", f"python:{m}-slim"]
    tags += [f"python:{m}-slim-bookworm"] + (["python:3", "python:latest"] if latest else [])
    return Recipe(
        name=f"python:{m}",
        tags=tuple(tags),
        about=f"CPython {py.version} copied from {py.prefix} to /usr/local, on Debian 12",
        containerfile=containerfile,
        inputs=(py.fingerprint(),),
        files=(("check_python.py", CHECK_PYTHON),),
        prepare=prepare,
        base=BASE,
        contract=True,
    )


def postgres() -> Recipe:
    containerfile = f"""FROM {qualified(BASE)}
ARG DEBIAN_FRONTEND=noninteractive
RUN {APT} update \\
 && {APT_INSTALL} postgresql-common \\
 && sed -ri 's/#? *(create_main_cluster) .*$/\\1 = false/' \\
        /etc/postgresql-common/createcluster.conf \\
 && {APT_INSTALL} postgresql-{PG_MAJOR} \\
 && {APT_CLEAN} \\
 && mkdir -p /var/run/postgresql /var/lib/postgresql/data /docker-entrypoint-initdb.d \\
 && chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql \\
 && chmod 3777 /var/run/postgresql \\
 && echo "{VERSION_MARK} PostgreSQL $(dpkg-query -W -f='${{Version}}' postgresql-{PG_MAJOR})"
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=$PATH:/usr/lib/postgresql/{PG_MAJOR}/bin PGDATA=/var/lib/postgresql/data \\
    LANG=C.UTF-8 PG_MAJOR={PG_MAJOR}
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
"""
    return Recipe(
        name="postgres:16",
        tags=(f"postgres:{PG_MAJOR}",),
        about=f"Debian's PostgreSQL {PG_MAJOR} (not 16) behind the official image's "
        "entrypoint (POSTGRES_PASSWORD/USER/DB, PGDATA, initdb.d)",
        containerfile=containerfile,
        files=(("docker-entrypoint.sh", scripts.POSTGRES_ENTRYPOINT),),
        base=BASE,
        contract=True,
    )


def redis() -> Recipe:
    containerfile = f"""FROM {qualified(BASE)}
ARG DEBIAN_FRONTEND=noninteractive
RUN {APT} update \\
 && {APT_INSTALL} redis-server \\
 && {APT_CLEAN} \\
 && mkdir -p /data && chown redis:redis /data \\
 && echo "{VERSION_MARK} Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-)"
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
"""
    return Recipe(
        name="redis:7",
        tags=("redis:7.0",),
        about="Debian's Redis 7.0 on all addresses, protected mode off, redis-cli included",
        containerfile=containerfile,
        files=(("docker-entrypoint.sh", scripts.REDIS_ENTRYPOINT),),
        base=BASE,
        contract=True,
    )


def nodejs(node: host.HostNode | None) -> Recipe:
    """node:MAJOR from this machine's self-contained Node.js package (NodeSource's 20 here),
    else Debian's own nodejs, which is 18 on bookworm and is named so."""
    if node is None:
        containerfile = f"""FROM {qualified(BASE)}
ARG DEBIAN_FRONTEND=noninteractive
RUN {APT} update \\
 && {APT_INSTALL} nodejs npm \\
 && {APT_CLEAN} \\
 && echo "{VERSION_MARK} Node.js $(node --version)"
CMD ["node"]
"""
        return Recipe(
            name="node:18",
            tags=("node:18-bookworm",),
            about="Debian's Node.js 18 and npm (no Node.js 20 package on this machine)",
            containerfile=containerfile,
            base=BASE,
        )

    def prepare(context: Path, progress: Progress) -> None:
        progress(f"copying the installed nodejs {node.package_version} package's files")
        trees.node_tarball(context / "node.tar")

    containerfile = f"""FROM {qualified(BASE)}
ADD node.tar /
RUN echo "{VERSION_MARK} Node.js $(node --version), npm $(npm --version)"
CMD ["node"]
"""
    major = node.major
    return Recipe(
        name=f"node:{major}",
        tags=(f"node:{node.version}", f"node:{major}-bookworm", f"node:{major}-slim"),
        about=f"Node.js {node.version} with npm, from this machine's nodejs "
        f"{node.package_version} package, on Debian 12",
        containerfile=containerfile,
        inputs=(node.package_version,),
        prepare=prepare,
        base=BASE,
    )
