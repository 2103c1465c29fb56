"""``environments:`` in Conveyor's configuration: where and how ``conveyor deploy`` and
``uses: conveyor/deploy@v1`` deploy.

```yaml
environments:
  staging:
    namespace: shop-staging      # default: default (created when missing and allowed)
    kubeconfig: ~/.kube/staging  # default: $KUBECONFIG; or kubeconfig-secret: KUBE_CONFIG
    chart: deploy/chart          # in the repository
    release: shop                # default: the chart folder's name
    values: [deploy/staging.yaml]
    set: {replicaCount: 3}
    image-value: image           # the Helm value that receives the image reference
    image-repository: 127.0.0.1:5000/shop/api   # then --image main-1a2b3c4 is enough
    strategy: rolling            # or blue-green
    timeout: 300
    verify:
      ready-within: 20           # a started pod not Ready after this many seconds fails
      smoke: ./scripts/smoke.sh  # run here; exit status 0 passes
      http: {url: http://127.0.0.1:8080/health, status: 200, latency-ms: 500}
    blue-green:
      service: shop              # the Service switched between the colours
      keep: 600                  # seconds the old colour stays, for an instant rollback
      post-switch: {smoke: ./scripts/smoke.sh}
```
"""

from __future__ import annotations

from typing import Any

from conveyor.config.check import Checker, Where
from conveyor.records import field, record

STRATEGIES = ("rolling", "blue-green")
_KEYS = (
    "namespace", "create-namespace", "kubeconfig", "kubeconfig-secret", "context", "chart",
    "release", "values", "set", "image-value", "image-repository", "strategy", "timeout",
    "helm", "verify",
    "blue-green",
)  # fmt: skip
_CHECK_KEYS = ("ready-within", "smoke", "http")
_HTTP_KEYS = ("url", "status", "latency-ms")
_BG_KEYS = ("service", "keep", "pre-switch", "post-switch")


@record(frozen=True, slots=True)
class HttpCheck:
    url: str
    status: int = 200
    latency_ms: int = 0  # 0: no latency budget


@record(frozen=True, slots=True)
class Checks:
    """What must hold once pods are Ready: a command here and/or an HTTP probe."""

    smoke: str = ""
    http: HttpCheck | None = None

    def __bool__(self) -> bool:
        return bool(self.smoke or self.http)


@record(frozen=True, slots=True)
class BlueGreen:
    service: str = ""  # default: the release's name
    keep: int = 600
    pre_switch: Checks | None = None  # None: the environment's verify checks
    post_switch: Checks | None = None


@record(frozen=True, slots=True)
class Environment:
    name: str
    namespace: str = "default"
    create_namespace: bool = True
    kubeconfig: str = ""
    kubeconfig_secret: str = ""
    context: str = ""
    chart: str = ""
    release: str = ""
    values: tuple[str, ...] = ()
    set: dict[str, str] = field(default_factory=dict)
    image_value: str = ""
    image_repository: str = ""  # --image TAG or @DIGEST means an image of this repository
    strategy: str = "rolling"
    timeout: int = 300
    helm: int = 4  # Helm's major version: 3 or 4
    ready_within: int = 20
    checks: Checks = field(default_factory=Checks)
    blue_green: BlueGreen = field(default_factory=BlueGreen)
    file: str = ""  # where it was declared, for messages


def parse_environments(check: Checker, value: Any) -> dict[str, Environment]:
    where: Where = ("environments",)
    if value is None or not check.mapping(where, value):
        return {}
    found: dict[str, Environment] = {}
    for name, spec in value.items():
        env = _environment(check, str(name), spec if spec is not None else {})
        if env is not None:
            found[str(name)] = env
    return found


def _environment(check: Checker, name: str, spec: Any) -> Environment | None:
    where: Where = ("environments", name)
    if not check.mapping(where, spec):
        return None
    check.keys(where, spec, _KEYS, "environment setting")
    get = spec.get
    if get("kubeconfig") and get("kubeconfig-secret"):
        check.error(where, "give kubeconfig or kubeconfig-secret, not both", key=True)
    helm = check.integer((*where, "helm"), get("helm"), 4, 3)
    if helm not in (3, 4):
        check.error((*where, "helm"), "helm must be 3 or 4")
    verify = get("verify") or {}
    ready_within = 20
    checks = Checks()
    if check.mapping((*where, "verify"), verify):
        check.keys((*where, "verify"), verify, _CHECK_KEYS, "verify setting")
        ready_within = check.integer(
            (*where, "verify", "ready-within"), verify.get("ready-within"), 20, 1
        )
        checks = _checks(check, (*where, "verify"), verify)
    return Environment(
        name=name,
        namespace=check.string((*where, "namespace"), get("namespace"), "default"),
        create_namespace=check.boolean((*where, "create-namespace"), get("create-namespace"), True),
        kubeconfig=check.string((*where, "kubeconfig"), get("kubeconfig")),
        kubeconfig_secret=check.string((*where, "kubeconfig-secret"), get("kubeconfig-secret")),
        context=check.string((*where, "context"), get("context")),
        chart=check.string((*where, "chart"), get("chart")),
        release=check.string((*where, "release"), get("release")),
        values=check.strings((*where, "values"), get("values")),
        set=_settings(check, (*where, "set"), get("set")),
        image_value=check.string((*where, "image-value"), get("image-value")),
        image_repository=check.string((*where, "image-repository"), get("image-repository")),
        strategy=check.choice((*where, "strategy"), get("strategy"), STRATEGIES),
        timeout=check.integer((*where, "timeout"), get("timeout"), 300, 1),
        helm=helm,
        ready_within=ready_within,
        checks=checks,
        blue_green=_blue_green(check, (*where, "blue-green"), get("blue-green")),
        file=check.file,
    )


def _settings(check: Checker, where: Where, value: Any) -> dict[str, str]:
    """``set:`` as a mapping of Helm value paths to scalars (a list of k=v also works)."""
    if value is None:
        return {}
    if isinstance(value, list):
        out: dict[str, str] = {}
        for i, item in enumerate(value):
            key, eq, val = str(item).partition("=")
            if not eq or not key.strip():
                check.error((*where, i), f"'{item}' is not key=value")
            out[key.strip()] = val
        return out
    if not check.mapping(where, value):
        return {}
    result: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, (dict, list)):
            check.error((*where, key), f"set.{key} must be a single value")
        elif isinstance(item, bool):
            result[str(key)] = "true" if item else "false"
        else:
            result[str(key)] = "" if item is None else str(item)
    return result


def _checks(check: Checker, where: Where, spec: dict[str, Any]) -> Checks:
    smoke = check.string((*where, "smoke"), spec.get("smoke"))
    http = spec.get("http")
    probe: HttpCheck | None = None
    if http is not None and check.mapping((*where, "http"), http):
        check.keys((*where, "http"), http, _HTTP_KEYS, "http check setting")
        url = check.string((*where, "http", "url"), http.get("url"))
        if not url.startswith(("http://", "https://")):
            check.error((*where, "http", "url"), "http.url must be an http:// or https:// URL")
        probe = HttpCheck(
            url,
            check.integer((*where, "http", "status"), http.get("status"), 200, 100),
            check.integer((*where, "http", "latency-ms"), http.get("latency-ms"), 0, 0),
        )
    return Checks(smoke, probe)


def _blue_green(check: Checker, where: Where, spec: Any) -> BlueGreen:
    if spec is None or not check.mapping(where, spec):
        return BlueGreen()
    check.keys(where, spec, _BG_KEYS, "blue-green setting")
    phases: dict[str, Checks | None] = {}
    for phase in ("pre-switch", "post-switch"):
        given = spec.get(phase)
        phases[phase] = None
        if given is not None and check.mapping((*where, phase), given):
            check.keys((*where, phase), given, ("smoke", "http"), f"{phase} setting")
            phases[phase] = _checks(check, (*where, phase), given)
    return BlueGreen(
        service=check.string((*where, "service"), spec.get("service")),
        keep=check.integer((*where, "keep"), spec.get("keep"), 600, 0),
        pre_switch=phases["pre-switch"],
        post_switch=phases["post-switch"],
    )
