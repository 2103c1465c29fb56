"""``environments:`` in .conveyor.yml: what a deploy reads, and located mistakes."""

from __future__ import annotations

import pytest

from conveyor.config.environments import BlueGreen, Checks, HttpCheck
from conveyor.config.load import parse_config
from conveyor.workflow.errors import WorkflowErrors

FULL = """
environments:
  staging:
    namespace: shop
    kubeconfig-secret: KUBE_CONFIG
    chart: deploy/chart
    values: deploy/staging.yaml
    set: {replicaCount: 3, debug: true}
    image-value: image
    timeout: 120
    helm: 3
    verify:
      ready-within: 5
      smoke: ./smoke.sh
      http: {url: 'http://127.0.0.1:8080/health', latency-ms: 500}
  production:
    strategy: blue-green
    chart: deploy/chart
    blue-green: {service: shop, keep: 0, post-switch: {smoke: exit 1}}
  empty:
"""


def test_environments_read_with_their_defaults() -> None:
    envs = parse_config(FULL, "c.yml").environments
    staging = envs["staging"]
    assert (staging.namespace, staging.kubeconfig_secret, staging.chart) == (
        "shop", "KUBE_CONFIG", "deploy/chart")  # fmt: skip
    assert staging.values == ("deploy/staging.yaml",)
    assert staging.set == {"replicaCount": "3", "debug": "true"}
    assert (staging.timeout, staging.helm, staging.ready_within) == (120, 3, 5)
    assert staging.checks == Checks(
        "./smoke.sh", HttpCheck("http://127.0.0.1:8080/health", 200, 500)
    )
    production = envs["production"]
    assert production.strategy == "blue-green" and production.namespace == "default"
    assert production.blue_green == BlueGreen("shop", 0, None, Checks("exit 1"))
    assert envs["empty"].strategy == "rolling" and envs["empty"].helm == 4


def test_environment_mistakes_are_located() -> None:
    text = (
        "environments:\n"
        "  staging:\n"
        "    strategy: canary\n"
        "    timout: 3\n"
        "    verify: {http: {url: ftp://x}}\n"
        "    kubeconfig: a\n"
        "    kubeconfig-secret: B\n"
    )
    with pytest.raises(WorkflowErrors) as caught:
        parse_config(text, "c.yml")
    errors = [str(e) for e in caught.value.errors]
    assert (
        "c.yml:4:5: unknown environment setting 'timout'; did you mean 'timeout'? [config]"
        in errors
    )
    assert "c.yml:2:3: give kubeconfig or kubeconfig-secret, not both [config]" in errors
    assert "c.yml:5:26: http.url must be an http:// or https:// URL [config]" in errors
    assert "c.yml:3:15: strategy must be one of rolling, blue-green [config]" in errors


def test_a_bare_tag_or_digest_is_an_image_of_the_environments_repository() -> None:
    from conveyor.deploy.run import full_image

    env = parse_config("environments:\n  s: {image-repository: 127.0.0.1:5000/shop/api}\n", "c")
    repo = env.environments["s"].image_repository
    assert full_image(repo, "main-1a2b3c4") == "127.0.0.1:5000/shop/api:main-1a2b3c4"
    assert full_image(repo, "sha256:ab") == "127.0.0.1:5000/shop/api@sha256:ab"
    assert full_image(repo, "@sha256:ab") == "127.0.0.1:5000/shop/api@sha256:ab"
    assert full_image(repo, "ghcr.io/x/y:1") == "ghcr.io/x/y:1"
    assert full_image("", "main-1") == "main-1"
