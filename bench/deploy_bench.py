"""Scenario 13 `deploy`: a local cluster (`conveyor cluster up`, kwok nodes) and Helm
deploys on it, Conveyor against the same operation done by hand with Helm 4 and kubectl,
in the same run.

Everything runs in a cluster of the bench's own (``CONVEYOR_CLUSTER_DIR`` in the temp dir,
brought down and purged at the end, whatever happens); the binaries are the cached ones
(``~/.cache/conveyor/cluster/bin/<key>``), built first (untimed: a cold build takes ~8 min)
only when missing and Go is there. Conveyor and Helm-by-hand each work in namespaces of
their own, so neither sees the other's pods.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from measure import log, med, mn, ms, run_once
from suite import Suite
from workloads import deploy_config, make_deploy_repo

IMAGE = "registry.local/shop/web"
RTO_TARGET = 2.0  # seconds, failure detected -> previous version ready (issue 12)
E2E_TARGET = 30.0  # seconds, bad release applied -> restored (issue 12; the requirement: 60)
HELM_BAD_TIMEOUT = "30s"  # `helm upgrade --wait --timeout` of a bad release by hand
FAULTS = ("not-ready", "crashloop")
NA = "n/a"  # act does not deploy
# Conveyor's namespaces, and Helm-by-hand's (same chart, same values)
NS = {"staging": "bench-deploy", "production": "bench-bluegreen", "big": "bench-big"}
HAND = {k: f"{v}-helm" for k, v in NS.items()}
RECIPE_NOTE = (
    "/work/shared/k8s-local/RECIPE.md: cold build of every binary 7 min 37 s on 2 cores "
    "(docs/deploy.md: 8-20 min, quiet to busy machine); up.sh ~3 s (kwokctl create 2.2-3.2 s)"
)

PROBE = """
import json
from conveyor.cluster import build
from conveyor.cluster.versions import bin_dir
out = {"bin": str(bin_dir()), "missing": build.missing([*build.CORE, "helm4"]), "go": None}
try:
    out["go"] = build.go_binary()
except build.BuildError as e:
    out["error"] = str(e)
print(json.dumps(out))
"""


def stats(values: list[float]) -> dict[str, Any] | None:
    """Timer-like result of ``values`` (median, min, max): what ``med``/``mn`` read."""
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "times": values,
    }


class DeployBench:
    def __init__(self, s: Suite, bins: Path) -> None:
        self.s = s
        self.folder = s.tmp / "cluster"
        self.cenv = dict(s.env, CONVEYOR_CLUSTER_DIR=str(self.folder))
        self.kubeconfig = self.folder / "kubeconfig"
        self.helm = str(bins / "helm4")
        self.kubectl = str(bins / "kubectl")
        self.big = 200 if s.quick else 1000
        self.repo = make_deploy_repo(s.tmp / "repos" / "deploy", deploy_config(NS, self.big), s.env)
        s.repos["deploy"] = self.repo
        self.chart = str(self.repo / "chart")
        self.raw: dict[str, Any] = {"big_replicas": self.big}

    # ------------------------------------------------------------------ running things

    def run(self, label: str, cmd: list[str], ok: bool = True, timeout: float = 300) -> Any:
        """Run ``cmd`` once, timed; its wall time, or None when it did not end as expected
        (``ok``: exit 0; else a failure is expected, exit non-zero)."""
        r = run_once(cmd, self.repo, self.cenv, timeout=timeout, capture_stderr=True)
        if r["timed_out"] or (r["code"] == 0) != ok:
            why = f"timed out after {timeout:.0f} s" if r["timed_out"] else f"exit {r['code']}"
            tail = r.get("stderr", "").strip()[-600:]
            log(f"  ! {label}: {why}: {tail}")
            self.s.timer.failures.append(f"deploy: {label}: {why}")
            return None
        return r["wall"]

    def cluster(self, *args: str) -> list[str]:
        return [*self.s.conveyor, "cluster", *args]

    def conveyor(self, env: str, tag: str, *extra: str) -> list[str]:
        return [
            *self.s.conveyor,
            "deploy",
            env,
            "-C",
            str(self.repo),
            "--image",
            f"{IMAGE}:{tag}",
            "--kubeconfig",
            str(self.kubeconfig),
            *extra,
        ]

    def newest(self, env: str) -> dict[str, Any]:
        """The newest row of ``conveyor deployments ENV --json``."""
        out = subprocess.run(
            [*self.s.conveyor, "deployments", env, "-C", str(self.repo), "--json", "--limit", "1"],
            env=self.s.env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        rows = json.loads(out or "[]")
        return rows[0] if rows else {}

    def helm_cmd(self, ns: str, *args: str) -> list[str]:
        return [self.helm, "--kubeconfig", str(self.kubeconfig), "-n", ns, *args]

    def helm_upgrade(
        self, ns: str, release: str, tag: str, replicas: int, *extra: str
    ) -> list[str]:
        return self.helm_cmd(
            ns,
            "upgrade",
            "--install",
            release,
            self.chart,
            "--create-namespace",
            "--set",
            f"replicas={replicas}",
            "--set-string",
            f"image={IMAGE}:{tag}",
            *extra,
        )

    def helm_revision(self, ns: str, release: str) -> int:
        out = subprocess.run(
            self.helm_cmd(ns, "history", release, "--max", "1", "-o", "json"),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        rows = json.loads(out or "[]")
        return int(rows[-1]["revision"]) if rows else 0

    def kubectl_cmd(self, ns: str, *args: str) -> list[str]:
        return [self.kubectl, "--kubeconfig", str(self.kubeconfig), "-n", ns, *args]

    # ------------------------------------------------------------------ the parts

    def cluster_times(self) -> bool:
        """First up in a new state folder, then down/up rounds: warm starts."""
        s = self.s
        first = self.run(
            "cluster up (new state dir)", self.cluster("up", "--nodes", "1"), timeout=900
        )
        if first is None:
            return False
        log(f"  {'cluster up, new state dir (certificates made)':<44} {ms(first)}")
        ups: list[float] = []
        downs: list[float] = []
        for _ in range(s.heavy_repeats):
            down = self.run("cluster down", self.cluster("down"))
            up = self.run("cluster up (warm)", self.cluster("up", "--nodes", "1"), timeout=900)
            if up is None:
                return False
            downs += [down] if down is not None else []
            ups.append(up)
        self.raw["cluster"] = {"first_up": first, "up": stats(ups), "down": stats(downs)}
        log(f"  {'cluster up, warm (binaries cached)':<44} median {ms(med(stats(ups)))}")
        log(f"  {'cluster down':<44} median {ms(med(stats(downs)))}")
        return True

    def rolling(self) -> None:
        """Upgrade to a new image, 3 replicas: `conveyor deploy` vs `helm upgrade --wait`."""
        ns = HAND["staging"]
        # the first install of each is the warm-up
        self.run("conveyor deploy (install)", self.conveyor("staging", "0"))
        self.run(
            "helm install", self.helm_upgrade(ns, "web", "0", 3, "--wait", "--timeout", "120s")
        )
        conv: list[float] = []
        hand: list[float] = []
        for i in range(1, self.s.repeats + 1):
            c = self.run("conveyor deploy", self.conveyor("staging", str(i)))
            h = self.run(
                "helm upgrade --wait",
                self.helm_upgrade(ns, "web", str(i), 3, "--wait", "--timeout", "120s"),
            )
            conv += [c] if c is not None else []
            hand += [h] if h is not None else []
        self.raw["rolling"] = {"conveyor": stats(conv), "helm": stats(hand)}
        log(f"  {'deploy: conveyor deploy':<44} median {ms(med(stats(conv)))}")
        log(f"  {'deploy: helm upgrade --install --wait':<44} median {ms(med(stats(hand)))}")

    def bad_release(
        self, env: str, ns: str, release: str, replicas: int, fault: str, tag: str
    ) -> dict[str, float | None]:
        """One bad release, by Conveyor (rolled back by itself) and by hand (`helm upgrade
        --wait --timeout 30s`, fails; then `helm rollback REV --wait`)."""
        out: dict[str, float | None] = {}
        wall = self.run(
            f"conveyor deploy, {fault}",
            self.conveyor(env, tag, "--set", f"fault={fault}"),
            ok=False,
            timeout=900,
        )
        row = self.newest(env)
        if wall is not None and row.get("result") == "rolled-back":
            out.update(
                conv_e2e=wall,
                conv_detect=row.get("detect_seconds"),
                conv_restore=row.get("restore_seconds"),
            )
        elif wall is not None:
            log(f"  ! conveyor deploy, {fault}: result {row.get('result')}: {row.get('reason')}")
            self.s.timer.failures.append(f"deploy: {env} {fault}: result {row.get('result')}")
        good = self.helm_revision(ns, release)
        up = self.run(
            f"helm upgrade --wait, {fault}",
            self.helm_upgrade(
                ns,
                release,
                tag,
                replicas,
                "--set",
                f"fault={fault}",
                "--wait",
                "--timeout",
                HELM_BAD_TIMEOUT,
            ),
            ok=False,
            timeout=900,
        )
        back = self.run(
            f"helm rollback {good} --wait",
            self.helm_cmd(ns, "rollback", release, str(good), "--wait", "--timeout", "600s"),
            timeout=900,
        )
        if up is not None and back is not None:
            out.update(helm_detect=up, helm_restore=back, helm_e2e=up + back)
        return out

    def rollbacks(self) -> None:
        rounds: dict[str, list[dict[str, float | None]]] = {f: [] for f in FAULTS}
        for i in range(self.s.heavy_repeats):
            for fault in FAULTS:
                r = self.bad_release(
                    "staging", HAND["staging"], "web", 3, fault, f"bad-{fault}-{i}"
                )
                log(f"  rollback {fault}: " + ", ".join(f"{k} {ms(v)}" for k, v in r.items()))
                rounds[fault].append(r)
        self.raw["rollback"] = {f: _collect(rounds[f]) for f in FAULTS}

    def blue_green(self) -> None:
        """`conveyor deploy` (blue-green: the idle colour installed and verified, then the
        Service switched) vs by hand: `helm upgrade --install --wait` of the idle colour's
        release, then `kubectl patch service` of the selector."""
        ns = HAND["production"]
        self.run("conveyor deploy blue-green (blue)", self.conveyor("production", "0"))
        self.run("conveyor deploy blue-green (green)", self.conveyor("production", "1"))
        for color in ("blue", "green"):
            self.run(
                f"helm install shop-{color}",
                self.helm_upgrade(ns, f"shop-{color}", "0", 3, "--wait", "--timeout", "120s"),
            )
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "shop"},
            "spec": {
                "selector": {"app.kubernetes.io/instance": "shop-blue"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        }
        subprocess.run(
            self.kubectl_cmd(ns, "apply", "-f", "-"),
            input=json.dumps(service),
            capture_output=True,
            text=True,
            check=False,
        )
        conv: list[float] = []
        switch: list[float] = []
        hand: list[float] = []
        patch: list[float] = []
        for i in range(self.s.repeats):
            c = self.run("conveyor deploy blue-green", self.conveyor("production", f"bg-{i}"))
            sw = self.newest("production").get("details", {}).get("switch_seconds")
            color = "green" if i % 2 else "blue"
            h = self.run(
                f"helm upgrade --wait shop-{color}",
                self.helm_upgrade(ns, f"shop-{color}", f"bg-{i}", 3, "--wait", "--timeout", "120s"),
            )
            selector = {"spec": {"selector": {"app.kubernetes.io/instance": f"shop-{color}"}}}
            p = self.run(
                "kubectl patch service",
                self.kubectl_cmd(ns, "patch", "service", "shop", "-p", json.dumps(selector)),
            )
            conv += [c] if c is not None else []
            switch += [sw] if sw is not None else []
            if h is not None and p is not None:
                hand.append(h + p)
                patch.append(p)
        self.raw["blue_green"] = {
            "conveyor": stats(conv),
            "switch": stats(switch),
            "helm_patch": stats(hand),
            "patch": stats(patch),
        }
        log(f"  {'blue-green: conveyor deploy':<44} median {ms(med(stats(conv)))}")
        log(f"  {'blue-green: switch (history)':<44} median {ms(med(stats(switch)))}")
        log(f"  {'blue-green: helm --wait + kubectl patch':<44} median {ms(med(stats(hand)))}")

    def many(self) -> None:
        """``self.big`` replicas on 10 nodes: install, upgrade, a bad release rolled back."""
        n, ns = self.big, HAND["big"]
        resize = self.run("cluster up --nodes 10 (resize)", self.cluster("up", "--nodes", "10"))
        out: dict[str, Any] = {"resize": resize}
        wait = ("--wait", "--timeout", "600s")
        for what, tag in (("install", "1"), ("upgrade", "2")):
            c = self.run(
                f"conveyor deploy {n} replicas, {what}", self.conveyor("big", tag), timeout=900
            )
            h = self.run(
                f"helm upgrade --install --wait {n}, {what}",
                self.helm_upgrade(ns, "big", tag, n, *wait),
                timeout=900,
            )
            out[what] = {"conveyor": c, "helm": h}
            log(f"  {n} replicas, {what}: conveyor {ms(c)}, helm --wait {ms(h)}")
        bad = self.bad_release("big", ns, "big", n, "not-ready", "bad")
        log(
            f"  {n} replicas, rollback not-ready: "
            + ", ".join(f"{k} {ms(v)}" for k, v in bad.items())
        )
        out["rollback"] = _collect([bad])
        self.raw["many"] = out

    # ------------------------------------------------------------------ rows

    def rows(self) -> None:
        s, raw = self.s, self.raw
        c = raw.get("cluster", {})
        built = raw.get("cold_build")  # only when the binaries were missing
        s.row(
            "13 cluster",
            "cold build (every binary)",
            None,
            "(recipe: 7 min 37 s)",
            built,
            None,
            "",
            None,
            built,
            act_text=NA,
        )
        s.row(
            "13 cluster",
            "up, new state dir (certs made)",
            None,
            "-",
            c.get("first_up"),
            None,
            "",
            None,
            c.get("first_up"),
            act_text=NA,
        )
        s.row(
            "13 cluster",
            "warm start: up, binaries cached",
            None,
            "(recipe: ~3 s)",
            med(c.get("up")),
            None,
            "",
            None,
            mn(c.get("up")),
            act_text=NA,
        )
        s.row(
            "13 cluster",
            "down",
            None,
            "(recipe: ~3 s)",
            med(c.get("down")),
            None,
            "",
            None,
            mn(c.get("down")),
            act_text=NA,
        )
        r = raw.get("rolling", {})
        s.row(
            "13 deploy",
            "3 replicas, new image",
            med(r.get("helm")),
            "helm upgrade --install --wait",
            med(r.get("conveyor")),
            None,
            "",
            None,
            mn(r.get("conveyor")),
            act_text=NA,
        )
        for fault in FAULTS:
            self._rollback_rows(f"13 rollback {fault}", raw.get("rollback", {}).get(fault, {}))
        bg = raw.get("blue_green", {})
        s.row(
            "13 blue-green",
            "switch (Service selector)",
            med(bg.get("patch")),
            "kubectl patch service",
            med(bg.get("switch")),
            None,
            "",
            None,
            mn(bg.get("switch")),
            act_text=NA,
        )
        s.row(
            "13 blue-green",
            "deploy: idle colour + switch",
            med(bg.get("helm_patch")),
            "helm upgrade --wait + kubectl patch",
            med(bg.get("conveyor")),
            None,
            "",
            None,
            mn(bg.get("conveyor")),
            act_text=NA,
        )
        m = raw.get("many")
        if m is None:
            return
        name = f"13 deploy {self.big:,} replicas"
        s.row(
            name,
            "resize: cluster up --nodes 10",
            None,
            "-",
            m.get("resize"),
            None,
            "",
            None,
            m.get("resize"),
            act_text=NA,
        )
        for what in ("install", "upgrade"):
            v = m.get(what, {})
            s.row(
                name,
                f"{what}" + (", new image" if what == "upgrade" else ", from 0"),
                v.get("helm"),
                "helm upgrade --install --wait",
                v.get("conveyor"),
                None,
                "",
                None,
                v.get("conveyor"),
                act_text=NA,
            )
        self._rollback_rows(name, m.get("rollback", {}), "not-ready ")

    def _rollback_rows(self, name: str, r: dict[str, Any], prefix: str = "") -> None:
        s = self.s
        s.row(
            name,
            f"{prefix}detect: apply -> failure seen",
            med(r.get("helm_detect")),
            f"helm upgrade --wait --timeout {HELM_BAD_TIMEOUT} (fails)",
            med(r.get("conv_detect")),
            None,
            "",
            None,
            mn(r.get("conv_detect")),
            act_text=NA,
        )
        restore = med(r.get("conv_restore"))
        s.row(
            name,
            f"{prefix}RTO: failure -> previous ready",
            med(r.get("helm_restore")),
            "helm rollback REV --wait",
            restore,
            None,
            f"< {RTO_TARGET:.0f} s after detection",
            None if restore is None else restore < RTO_TARGET,
            mn(r.get("conv_restore")),
            act_text=NA,
        )
        e2e = med(r.get("conv_e2e"))
        s.row(
            name,
            f"{prefix}RTO end to end: bad deploy cmd",
            med(r.get("helm_e2e")),
            "helm upgrade --wait (fails) + rollback --wait",
            e2e,
            None,
            f"< {E2E_TARGET:.0f} s (requirement 60 s)",
            None if e2e is None else e2e < E2E_TARGET,
            mn(r.get("conv_e2e")),
            act_text=NA,
        )


def _collect(rounds: list[dict[str, float | None]]) -> dict[str, Any]:
    keys = {k for r in rounds for k in r}
    return {k: stats([v for r in rounds if (v := r.get(k)) is not None]) for k in sorted(keys)}


def _binaries(s: Suite) -> tuple[Path | None, str]:
    """The cluster binaries' folder (built now when missing and Go is there), or None and
    why not; and a note on the cold build."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=s.env, capture_output=True, text=True, check=False
    )
    try:
        info = json.loads(probe.stdout)
    except ValueError:
        return None, f"deploy: skipped (could not read the cluster's build: {probe.stderr[-300:]})"
    cold = f"deploy: cold build not measured in this run (binaries cached). {RECIPE_NOTE}"
    if info["missing"]:
        if not info["go"]:
            return None, (
                f"deploy: skipped (cluster binaries {', '.join(info['missing'])} "
                f"missing and Go cannot build them: {info.get('error', '')})"
            )
        log("  building the cluster's binaries (conveyor cluster build, ~8 min cold)")
        r = run_once(
            [*s.conveyor, "cluster", "build"], None, s.env, timeout=3600, capture_stderr=True
        )
        if r["code"] != 0:
            return None, f"deploy: skipped (conveyor cluster build failed: {r['stderr'][-300:]})"
        s.raw.setdefault("deploy_build", {})["cold_build"] = r["wall"]
        cold = (
            f"deploy: cluster binaries built in this run in {r['wall']:.0f} s (missing: "
            f"{', '.join(info['missing'])}; Go's caches may have been warm). {RECIPE_NOTE}"
        )
    return Path(info["bin"]), cold


def deploy(s: Suite) -> None:
    """Scenario 13 (see the module's docstring and bench/README.md)."""
    log("\n[13] deploy: local cluster, Helm deploys, rollbacks, blue-green, many replicas")
    bins, note = _binaries(s)
    if bins is None:
        s.notes.append(note)
        return
    s.notes.append(note)
    b = DeployBench(s, bins)
    try:
        if not b.cluster_times():
            s.notes.append("deploy: conveyor cluster up failed; see the FAILED lines")
            return
        b.rolling()
        b.rollbacks()
        b.blue_green()
        b.many()
    finally:
        subprocess.run(
            b.cluster("down", "--purge"), env=b.cenv, capture_output=True, check=False, timeout=300
        )
        b.raw.update(s.raw.pop("deploy_build", {}))
        s.raw["deploy"] = b.raw
        b.rows()
    s.notes.append(
        "deploy: Conveyor's environments verify with ready-within: 3 (a started pod not Ready "
        "3 s later fails), so a not-ready release is detected no sooner than 3 s; Helm by "
        f"hand detects at its --timeout {HELM_BAD_TIMEOUT}. Restore = Conveyor's "
        "restore_seconds from `conveyor deployments --json` (helm rollback + verification); "
        "switch = the blue-green row's details.switch_seconds (in-process API calls, no "
        "process start) vs a kubectl process"
    )
