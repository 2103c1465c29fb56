"""Jobs with `container:` and `services:` through `conveyor run`, on real podman containers.

Rules: GitHub's "Running jobs in a container" and "About service containers" (a job
container reaches a service by its label; a job on the runner machine by
`localhost:<mapped port>`; `job.services.<id>.ports`), the runner's
ContainerOperationProvider (a network per job, health checks waited for, everything
removed at job end), and "Nothing outlives its job" — after a timeout, a cancel, or a
Conveyor killed with SIGKILL (the next run removes what it left).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conveyor.procinfo import process_start, tracking_prefix
from tests.executors.busybox_image import container_engine, ensure_busybox_image
from tests.harness import Repo, RepoFactory

pytestmark = pytest.mark.containers

WEB = """
      web:
        image: {image}
        command: httpd -f -p 8080 -h /www
        options: >-
          --health-cmd "wget -q -O- http://localhost:8080/"
          --health-interval 1s --health-retries 20
        ports: ["8080"]
"""


def leftovers(pid: int | None = None) -> list[str]:
    """Containers and networks that the jobs of Conveyor process ``pid`` (default: this
    test process, where in-process runs happen) labelled and that still exist. Other
    processes' (someone else's test run) are not counted."""
    pid = os.getpid() if pid is None else pid
    prefix = tracking_prefix(pid, process_start(pid) if pid == os.getpid() else None)
    if pid != os.getpid():
        prefix = f"conveyor_{pid}_"  # the start time of a dead process is gone
    engine = container_engine()
    names: list[str] = []
    for args, key in ((["ps", "-a"], "Names"), (["network", "ls"], "Name")):
        out = subprocess.run(
            [engine, *args, "--filter", "label=io.conveyor.owner",
             "--format", f"{{{{.{key}}}}}\t{{{{.Labels}}}}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        for line in out.stdout.splitlines():
            name, _, labels = line.partition("\t")
            if f"io.conveyor.owner:{prefix}" in labels or f"io.conveyor.owner={prefix}" in labels:
                names.append(name)
    return names


@pytest.fixture
def image() -> str:
    return ensure_busybox_image()


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    assert leftovers() == [], "an earlier test left containers behind"
    return make_repo("shop")


def test_job_container_reaches_a_service_by_its_label(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container:
      image: {image}
      env:
        FROM_CONTAINER: set
    services:{WEB.format(image=image)}
    steps:
      - id: probe
        run: |
          echo "ws=$GITHUB_WORKSPACE home=$HOME pwd=$(pwd) from=$FROM_CONTAINER"
          echo "page=$(wget -q -O- http://web:8080/)" >> "$GITHUB_OUTPUT"
          echo "/opt/tools" >> "$GITHUB_PATH"
          echo "MY_VAR=from-env-file" >> "$GITHUB_ENV"
      - run: |
          echo "path=$PATH var=$MY_VAR"
          echo "port=${{{{ job.services.web.ports['8080'] }}}}"
          echo "net=${{{{ job.container.network }}}} id=${{{{ job.container.id }}}}"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    assert "ws=/__w/shop/shop home=/github/home pwd=/__w/shop/shop from=set" in res.logs
    assert res.step("test", "probe")["outputs"] == {"page": "hello-www"}
    assert "path=/opt/tools:/bin var=from-env-file" in res.logs
    port = res.logs.split("port=")[1].split()[0]
    assert port.isdigit() and port != "8080"  # a free host port, published on loopback
    net = res.logs.split("net=")[1].split()[0]
    assert net.startswith("conveyor-")
    assert len(res.logs.split(" id=")[1].split()[0]) == 64
    assert leftovers() == []


def test_a_job_on_the_host_reaches_a_service_by_its_mapped_port(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:{WEB.format(image=image)}
    steps:
      - run: |
          port=${{{{ job.services.web.ports['8080'] }}}}
          python3 -c "import urllib.request as u; print(u.urlopen('http://localhost:$port/').read().decode())"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    assert "hello-www" in res.logs
    assert leftovers() == []


def test_an_unhealthy_service_fails_the_job_with_its_output(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image}
    services:
      db:
        image: {image}
        command: sh -c "echo db-starting-up; sleep 600"
        options: --health-cmd false --health-interval 1s --health-retries 2
    steps:
      - run: echo never
"""
    )
    res = repo.run()
    assert res.code == 1
    job = res.job("test")
    assert "service 'db' is unhealthy" in job["error"]
    assert "db-starting-up" in job["error"]
    assert "never" not in res.logs
    assert leftovers() == []


def test_a_missing_image_names_the_bootstrap_command(repo: Repo) -> None:
    repo.workflow(
        """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: localhost/conveyor-no-such-image:1
    steps:
      - run: echo never
"""
    )
    res = repo.run()
    assert res.code == 1
    assert "conveyor images bootstrap" in res.job("test")["error"]
    assert leftovers() == []


def test_a_step_timeout_stops_its_processes_in_the_container(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image}
    steps:
      - run: sleep 600
        timeout-minutes: 0.02
      - if: always()
        run: |
          echo "sleeping=$(ps -o pid,args | grep -c "[s]leep 600")"
"""
    )
    res = repo.run()
    assert res.code == 1, res.output
    assert res.job("test")["steps"][0]["outcome"] == "failure"
    assert "The action has timed out" in res.logs
    # the second step ran in the same container: the timed-out sleep is gone from it
    assert "sleeping=0" in res.logs, res.logs
    assert leftovers() == []


def test_after_kill_9_the_next_conveyor_removes_the_containers(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image}
    services:
      side:
        image: {image}
        command: sleep 600
    steps:
      - run: touch "$RUNNER_TEMP/started"; sleep 600
"""
    )
    proc = repo.start()
    deadline = time.monotonic() + 60
    while not list((repo.root / ".conveyor").glob("runs/1/work/*/_temp/started")):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    assert len(leftovers(proc.pid)) == 3  # job container, service, network
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(leftovers(proc.pid)) == 3  # nothing could remove them...
    listing = repo.cli("runs")
    assert listing.code == 0, listing.output
    assert leftovers(proc.pid) == []  # ...until the next conveyor found the dead run


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_cancelled_run_removes_its_containers_and_network(
    repo: Repo, image: str, sig: int, code: int
) -> None:
    # Ctrl-C (or a SIGTERM) while a step sleeps in the job container: the step is cancelled,
    # the `if: always()` step still runs in that container, and then the job container,
    # the service and the job's network are all removed before Conveyor exits
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image}
    services:
      side:
        image: {image}
        command: sleep 600
    steps:
      - id: wait
        run: touch "$RUNNER_TEMP/started"; sleep 600; echo "woke=$((6 * 7))"
      - id: skipped
        run: echo should-not-run
      - id: cleanup
        if: always()
        run: |
          in_container=no
          if [ -e /run/.containerenv ] || [ -e /.dockerenv ]; then in_container=yes; fi
          echo "cleanup ran with ${{{{ job.status }}}}, in the container: $in_container"
"""
    )
    proc = repo.start()
    deadline = time.monotonic() + 60
    while not list((repo.root / ".conveyor").glob("runs/1/work/*/_temp/started")):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    assert len(leftovers(proc.pid)) == 3  # job container, service, network
    proc.send_signal(sig)
    res = repo.finish(proc, timeout=120)
    assert res.code == code, res.out
    assert res.report["conclusion"] == "cancelled"
    job = res.report["workflows"][0]["jobs"][0]
    assert job["conclusion"] == "cancelled"
    steps = {s["id"]: s for s in job["steps"]}
    assert steps["wait"]["outcome"] == "cancelled"
    assert steps["skipped"]["outcome"] == "skipped"
    assert steps["cleanup"]["outcome"] == "success"
    assert "cleanup ran with cancelled, in the container: yes" in res.out, res.out
    assert "woke=42" not in res.out  # the sleep was stopped, not waited for
    assert leftovers(proc.pid) == []  # removed by the cancelled run itself, not a later one


def test_job_services_context_has_id_network_and_ports(repo: Repo, image: str) -> None:
    repo.workflow(
        f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:{WEB.format(image=image)}
    steps:
      - id: show
        run: |
          {{ echo "json<<EOF"; echo '${{{{ toJSON(job.services) }}}}'; echo EOF; }} \
            >> "$GITHUB_OUTPUT"
"""
    )
    res = repo.run()
    assert res.code == 0, res.output
    services = json.loads(res.step("test", "show")["outputs"]["json"])
    assert set(services["web"]) == {"id", "network", "ports"}
    assert list(services["web"]["ports"]) == ["8080"]


def test_a_private_image_is_pulled_with_the_jobs_credentials(
    repo: Repo, image: str, tmp_path: Path
) -> None:
    from tests.images.registry import PASSWORD, USER, running_registry

    (tmp_path / "registry").mkdir()
    with running_registry(tmp_path / "registry") as registry:
        private = f"{registry.host}/private/busybox:1"
        engine = container_engine()
        pushed = subprocess.run(
            ["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", f"{USER}:{PASSWORD}",
             f"containers-storage:{image}", f"docker://{private}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert pushed.returncode == 0, pushed.stderr
        try:
            workflow = f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container:
      image: {private}
      credentials:
        username: {USER}
        password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
    steps:
      - run: echo "inside $(cat /www/index.html)"
"""
            repo.workflow(workflow)
            res = repo.run("--secret", f"REGISTRY_PASSWORD={PASSWORD}")
            assert res.code == 0, res.output
            assert "inside hello-www" in res.logs
            subprocess.run([engine, "rmi", "-f", private], capture_output=True, check=False)
            res = repo.run("--secret", "REGISTRY_PASSWORD=wrong-password-1")
            assert res.code == 1
            assert "login to" in res.job("test")["error"]
            assert "wrong-password-1" not in res.output + res.logs
        finally:
            subprocess.run([engine, "rmi", "-f", private], capture_output=True, check=False)
    assert leftovers() == []
