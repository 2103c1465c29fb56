"""Conveyor's configuration files: what they hold, which wins, and located mistakes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conveyor.config.load import Registry, load_config, parse_config
from conveyor.config.registries import registries_conf, write_registries_conf
from conveyor.workflow.errors import WorkflowErrors
from tests.harness import Repo, RepoFactory

GOOD = """
executor: container
platforms:
  ubuntu-latest: debian:bookworm
  self-hosted: python:3.12
registries:
  docker.io:
    mirrors: [mirror.internal:5000, 127.0.0.1:5001]
  ghcr.io:
    username: ci-bot
    password-secret: GHCR_TOKEN
  10.0.0.5:5000:
    insecure: true
"""


def test_a_file_gives_executor_platforms_and_registries() -> None:
    config = parse_config(GOOD, ".conveyor.yml")
    assert config.executor == "container"
    assert config.platforms == {"ubuntu-latest": "debian:bookworm", "self-hosted": "python:3.12"}
    assert config.registries["docker.io"].mirrors == ("mirror.internal:5000", "127.0.0.1:5001")
    assert config.registries["ghcr.io"] == Registry("ghcr.io", (), False, "ci-bot", "GHCR_TOKEN")
    assert config.registries["10.0.0.5:5000"].insecure is True


def _errors(text: str) -> list[str]:
    with pytest.raises(WorkflowErrors) as caught:
        parse_config(text, "c.yml")
    return [str(e) for e in caught.value.errors]


def test_every_mistake_is_reported_with_its_line_and_column() -> None:
    errors = _errors(
        "executor: vm\n"
        "platform:\n  x: y\n"
        "registries:\n"
        "  ghcr.io:\n    username: bot\n    mirors: [a]\n"
        "  docker.io/library:\n    mirrors: [a]\n"
    )
    assert errors == [
        "c.yml:2:1: unknown setting 'platform'; did you mean 'platforms'? [config]",
        "c.yml:1:11: executor must be one of host, container [config]",
        "c.yml:7:5: unknown registry setting 'mirors'; did you mean 'mirrors'? [config]",
        "c.yml:6:5: a login needs both username and password-secret [config]",
        "c.yml:9:5: 'docker.io/library' is not a registry host (host or host:port, no path) "
        "[config]",
    ]


def test_a_password_in_the_file_is_refused_by_name() -> None:
    errors = _errors("registries:\n  ghcr.io:\n    username: bot\n    password: hunter2\n")
    assert len(errors) == 2
    assert "password-secret" in errors[1] and errors[1].startswith("c.yml:4:15:")
    assert all("hunter2" not in e for e in errors)


def test_bad_yaml_and_wrong_shapes_are_located() -> None:
    assert _errors("platforms: [a")[0].startswith("c.yml:2:1: invalid YAML")
    assert _errors("- a\n") == [
        "c.yml:1:1: the configuration must be a mapping (executor:, platforms:, ...) [config]"
    ]
    assert _errors("platforms:\n  ubuntu-latest: 3\n") == [
        "c.yml:2:18: platforms.ubuntu-latest must be an image [config]"
    ]
    assert parse_config("", "c.yml").platforms == {}


def test_the_repository_file_wins_over_the_users_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "xdg"
    (home / "conveyor").mkdir(parents=True)
    (home / "conveyor" / "config.yml").write_text(
        "executor: container\nplatforms: {ubuntu-latest: a, windows-latest: w}\n"
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".conveyor.yml").write_text("platforms: {ubuntu-latest: b}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("CONVEYOR_CONFIG", raising=False)
    config = load_config(repo)
    assert config.executor == "container"
    assert config.platforms == {"ubuntu-latest": "b", "windows-latest": "w"}
    assert config.files == [str(home / "conveyor" / "config.yml"), str(repo / ".conveyor.yml")]
    other = tmp_path / "other.yml"
    other.write_text("platforms: {ubuntu-latest: c}\n")
    assert load_config(repo, str(other)).platforms["ubuntu-latest"] == "c"
    monkeypatch.setenv("CONVEYOR_CONFIG", str(other))
    assert load_config(repo).files[-1] == str(other)


def test_registries_conf_keeps_the_system_settings_and_replaces_the_same_host() -> None:
    system = """
unqualified-search-registries = ["docker.io", "quay.io"]
[[registry]]
prefix = "docker.io"
location = "docker.io"
blocked = true
[[registry]]
prefix = "quay.io"
location = "quay.io"
[aliases]
"debian" = "docker.io/library/debian"
"""
    config = parse_config(GOOD, "c.yml")
    doc = tomllib.loads(registries_conf(config.registries.values(), system))
    assert doc["unqualified-search-registries"] == ["docker.io", "quay.io"]
    assert doc["aliases"] == {"debian": "docker.io/library/debian"}
    by_prefix = {r["prefix"]: r for r in doc["registry"]}
    assert set(by_prefix) == {"quay.io", "docker.io", "10.0.0.5:5000"}  # no login-only host
    assert "blocked" not in by_prefix["docker.io"]
    assert by_prefix["docker.io"]["mirror"] == [
        {"location": "mirror.internal:5000", "insecure": False},
        {"location": "127.0.0.1:5001", "insecure": True},  # loopback: plain HTTP
    ]
    assert by_prefix["10.0.0.5:5000"]["insecure"] is True


def test_no_file_is_written_for_logins_alone(tmp_path: Path) -> None:
    only_login = parse_config(
        "registries:\n  ghcr.io: {username: a, password-secret: B}\n", "c.yml"
    )
    assert write_registries_conf(only_login.registries.values(), tmp_path) is None
    assert list(tmp_path.iterdir()) == []


ECHO = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ran-it\n"


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    return make_repo("shop")


def test_validate_and_run_report_a_broken_config_before_anything_runs(repo: Repo) -> None:
    repo.workflow(ECHO)
    repo.write(".conveyor.yml", "executor: vm\n")
    res = repo.cli("validate")
    assert res.code == 2
    assert ".conveyor.yml:1:11: executor must be one of host, container [config]" in res.err
    res = repo.run()
    assert res.code == 2 and "ran-it" not in res.out
    assert "executor must be one of" in res.err
    repo.write(".conveyor.yml", "platforms: {}\n")
    res = repo.cli("validate")
    assert res.code == 0 and ".conveyor.yml: ok (configuration)" in res.out
    res = repo.run("--config", "nowhere.yml")
    assert res.code == 2 and "--config nowhere.yml: no such file" in res.err


@pytest.mark.containers
def test_the_config_platform_puts_a_job_in_a_container_and_the_option_wins(repo: Repo) -> None:
    repo.workflow(ECHO)
    repo.write(".conveyor.yml", "platforms: {ubuntu-latest: 'no-such-image:0'}\n")
    res = repo.run("--offline")
    assert res.code == 1
    assert "no-such-image:0" in res.job("a")["error"]
    res = repo.run("-P", "ubuntu-latest=-self-hosted", "--executor", "host")
    assert res.code == 0, res.output
    assert "ran-it" in res.logs
