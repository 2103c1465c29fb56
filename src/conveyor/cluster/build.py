"""Build the cluster's binaries from the Go module proxy, once per version set.

kube-apiserver & co. cannot be ``go install``ed: k8s.io/kubernetes' go.mod replaces its
staging modules by folders, which ``go install pkg@version`` refuses. A dependency's
replace lines are ignored, though, so a small main module that requires k8s.io/kubernetes
and points each staging module at its published twin (k8s.io/client-go v0.Y.Z...) builds.
etcd's server module needs such a wrapper too (its main package has replace lines); kwok
and helm install as they are. Binaries land in ``versions.bin_dir()``, each renamed into
place when whole, so a binary there is a finished one."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from conveyor.cluster import stages
from conveyor.cluster.versions import VERSIONS, Versions, bin_dir, cache_root

K8S = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kubelet",
    "kube-proxy",
)
# what `up` needs; kubelet and kube-proxy only for --real-node, helm when a deploy asks
CORE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok")
REAL_NODE = ("kubelet", "kube-proxy")
ALL = (*CORE, *REAL_NODE, "helm3", "helm4")
# cold build times on 2 cores, quiet machine .. busy one (RECIPE.md; measured here), said
# before each long step; a warm Go build cache makes each a few seconds
ESTIMATE = {
    "kube-apiserver": "3-10 min cold",
    "kube-controller-manager": "1-4 min cold",
    "kube-scheduler": "10-30 s cold",
    "kubectl": "20 s-2 min cold",
    "kubelet": "15 s-1 min cold",
    "kube-proxy": "20 s-1 min cold",
    "etcd": "20 s-2 min cold",
    "kwok": "1-6 min cold",
    "helm3": "1-5 min cold",
    "helm4": "1.5-6 min cold",
}
GO_INSTALL_HINT = (
    "Go 1.26 or newer is needed to build the cluster's binaries from the module proxy: "
    "install it from https://go.dev/dl (tar -C /usr/local -xzf go1.26.*.linux-amd64.tar.gz) "
    "and put /usr/local/go/bin on PATH, or run scripts/bootstrap"
)

Say = Callable[[str], None]


class BuildError(Exception):
    """A build step failed; the message names it and the log with the details."""


def missing(names: Iterable[str], versions: Versions = VERSIONS) -> list[str]:
    out = bin_dir(versions)
    return [n for n in names if not (out / _file(n)).exists()]


def ensure(names: Iterable[str], say: Say, versions: Versions = VERSIONS) -> Path:
    """Build what of ``names`` is not cached yet (nothing, usually); the binaries' folder."""
    wanted = list(dict.fromkeys(names))
    out = bin_dir(versions)
    if not missing(wanted, versions):
        return out
    out.mkdir(parents=True, exist_ok=True)
    # two `up`s at once (a user and a test session) build once: the second waits
    with open(cache_root() / "build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        todo = missing(wanted, versions)
        if todo:
            _build(todo, out, say, versions)
    return out


def _file(name: str) -> str:
    return "kwok-stages.yaml" if name == "kwok-stages" else name


def go_binary() -> str:
    found = shutil.which("go") or (
        "/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None
    )
    if found is None:
        raise BuildError(f"go is not installed. {GO_INSTALL_HINT}")
    version = subprocess.run(
        [found, "env", "GOVERSION"], capture_output=True, text=True, check=False
    ).stdout.strip()
    match = re.match(r"go(\d+)\.(\d+)", version)
    if match is None or (int(match[1]), int(match[2])) < (1, 26):
        raise BuildError(f"{found} is {version or 'unknown'}. {GO_INSTALL_HINT}")
    return found


def _build(todo: list[str], out: Path, say: Say, versions: Versions) -> None:
    go = go_binary()
    work = cache_root() / "work" / out.name
    work.mkdir(parents=True, exist_ok=True)
    log = work / "build.log"
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    env["PATH"] = f"{Path(go).parent}{os.pathsep}{env.get('PATH', '')}"
    run = _runner(go, env, log)
    started = time.monotonic()
    k8s = [n for n in K8S if n in todo]
    if k8s:
        _k8s_wrapper(work / "k8s", run, versions)
    for name in todo:
        say(f"building {name} {_version(name, versions)} ({ESTIMATE.get(name, 'seconds')})...")
        step = time.monotonic()
        tmp = out / f".{name}.partial"
        if name in K8S:
            run(
                [
                    "build",
                    "-trimpath",
                    f"-ldflags={_k8s_ldflags(versions)}",
                    "-o",
                    str(tmp),
                    f"k8s.io/kubernetes/cmd/{name}",
                ],
                work / "k8s",
            )
        elif name == "etcd":
            _etcd_wrapper(work / "etcd", run, versions)
            run(
                [
                    "build",
                    "-trimpath",
                    "-ldflags=-s -w",
                    "-o",
                    str(tmp),
                    "go.etcd.io/etcd/server/v3",
                ],
                work / "etcd",
            )
        elif name in ("kwok", "helm3", "helm4"):
            _go_install(name, tmp, run, work, versions)
        if name == "kwok":
            _save_kwok_stages(out, run, work, versions)
        tmp.rename(out / name)
        say(f"built {name} in {time.monotonic() - step:.0f}s")
    manifest = {"versions": vars(versions), "built": sorted(os.listdir(out))}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    say(f"build done in {time.monotonic() - started:.0f}s: {out}")


def _version(name: str, v: Versions) -> str:
    return {"etcd": v.etcd, "kwok": v.kwok, "helm3": v.helm3, "helm4": v.helm4}.get(
        name, v.kubernetes
    )


Run = Callable[..., str]


def _runner(go: str, env: dict[str, str], log: Path) -> Run:
    def run(args: list[str], cwd: Path, **extra: str) -> str:
        with open(log, "a") as f:
            f.write(f"\n$ (cd {cwd}) go {' '.join(args)}\n")
            f.flush()
            proc = subprocess.run(
                [go, *args],
                cwd=cwd,
                env={**env, **extra},
                stdout=subprocess.PIPE,
                stderr=f,
                text=True,
                check=False,
            )
            f.write(proc.stdout)
        if proc.returncode != 0:
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise BuildError(
                f"go {' '.join(args[:1] + args[-1:])} failed (exit {proc.returncode}); "
                f"full log: {log}\n" + "\n".join(tail)
            )
        return proc.stdout

    return run


def _k8s_wrapper(folder: Path, run: Run, v: Versions) -> None:
    """go.mod: require k8s.io/kubernetes, and each ``k8s.io/x => ./staging/src/k8s.io/x``
    of its go.mod becomes ``k8s.io/x => k8s.io/x v0.Y.Z``; tools.go imports the commands
    so ``go mod tidy`` records all they need. Made once per version and list of commands
    (go.sum beside the same tools.go marks done)."""
    imports = "".join(f'\t_ "k8s.io/kubernetes/cmd/{c}"\n' for c in K8S)
    tools = f"//go:build tools\n\npackage tools\n\nimport (\n{imports})\n"
    if (folder / "go.sum").exists() and _text(folder / "tools.go") == tools:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "go.mod").write_text("module conveyor.local/k8s\n\ngo 1.24\n")
    info = json.loads(
        run(["mod", "download", "-json", f"k8s.io/kubernetes@{v.kubernetes}"], folder)
    )
    upstream = Path(info["GoMod"]).read_text()
    go_line = re.search(r"^go (\S+)", upstream, re.M)
    godebug = re.search(r"^godebug (\S+)", upstream, re.M)
    staging = re.findall(r"^\s*(\S+) => \./staging/src/", upstream, re.M)
    lines = ["module conveyor.local/k8s", "", f"go {go_line[1] if go_line else '1.24.0'}"]
    if godebug:  # the same GODEBUG defaults as upstream's own builds
        lines.append(f"godebug {godebug[1]}")
    lines += ["", f"require k8s.io/kubernetes {v.kubernetes}", "", "replace ("]
    lines += [f"\t{m} => {m} {v.staging}" for m in staging]
    lines.append(")")
    (folder / "go.mod").write_text("\n".join(lines) + "\n")
    (folder / "tools.go").write_text(tools)
    run(["mod", "tidy"], folder)


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _k8s_ldflags(v: Versions) -> str:
    # without these the binaries say v0.0.0-master+$Format:%H$: kubectl's version skew
    # check, helm's kubeVersion and kwokctl read them
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={v.kubernetes}",
            f"-X {pkg}.gitMajor=1",
            f"-X {pkg}.gitMinor={v.minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


def _etcd_wrapper(folder: Path, run: Run, v: Versions) -> None:
    if (folder / "go.sum").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "go.mod").write_text(
        f"module conveyor.local/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 {v.etcd}\n"
    )
    (folder / "tools.go").write_text(
        '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n'
    )
    run(["mod", "tidy"], folder)


def _go_install(name: str, target: Path, run: Run, work: Path, v: Versions) -> None:
    if name == "kwok":
        package, ldflags = f"sigs.k8s.io/kwok/cmd/kwok@{v.kwok}", "-s -w"
    else:
        major = name[-1]
        version = v.helm3 if major == "3" else v.helm4
        package = f"helm.sh/helm/v{major}/cmd/helm@{version}"
        # else `helm version` says v3.22 / v4.3, without the patch
        ldflags = f"-s -w -X helm.sh/helm/v{major}/internal/version.version={version}"
    gobin = work / f"gobin-{name}"
    gobin.mkdir(parents=True, exist_ok=True)
    run(["install", "-trimpath", f"-ldflags={ldflags}", package], work, GOBIN=str(gobin))
    built = gobin / package.split("/")[-1].split("@")[0]
    shutil.move(str(built), target)


def _save_kwok_stages(out: Path, run: Run, work: Path, v: Versions) -> None:
    info = json.loads(run(["mod", "download", "-json", f"sigs.k8s.io/kwok@{v.kwok}"], work))
    text = stages.default_stages(Path(info["Dir"]))
    (out / ".kwok-stages.partial").write_text(text)
    (out / ".kwok-stages.partial").rename(out / "kwok-stages.yaml")
