"""Workloads: the generated workflows and the throwaway git repos that hold them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HEADER = "name: ci\non: push\njobs:\n"


def wf_steps(n: int) -> str:
    steps = "".join("      - run: true\n" for _ in range(n))
    return HEADER + f"  build:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"


def wf_jobs(n: int, chain: bool = False) -> str:
    out = [HEADER]
    for i in range(n):
        out.append(f"  j{i:03d}:\n    runs-on: ubuntu-latest\n")
        if chain and i:
            out.append(f"    needs: j{i - 1:03d}\n")
        out.append("    steps:\n      - run: true\n")
    return "".join(out)


def log_line(value: str) -> str:
    """An 80-byte line (79 characters and its newline) holding ``value`` once."""
    head = f"bench log line 0123456789 {value} "
    return head + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[: 79 - len(head)]


def log_command(size: int, value: str) -> str:
    """Shell command printing ``size`` bytes of lines holding ``value``."""
    return f"yes '{log_line(value)}' | head -c {size}"


def wf_log(size: int, value: str, expr: str | None = None) -> str:
    """One step printing ``size`` bytes of lines holding ``value``; with ``expr`` (e.g.
    ``${{ secrets.X }}`` whose value is ``value``) the step holds the expression instead,
    so it prints the same bytes."""
    cmd = log_command(size, value)
    if expr:
        cmd = cmd.replace(value, expr)
    return HEADER + f"  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {cmd}\n"


def wf_dry50() -> str:
    """50 jobs x 3 steps; five needs-chains of ten jobs; env + expressions like real CI."""
    out = [HEADER.replace("jobs:\n", "env:\n  LEVEL: info\njobs:\n")]
    for i in range(50):
        out.append(f"  job{i:02d}:\n    name: Job {i}\n    runs-on: ubuntu-latest\n")
        if i % 10:
            out.append(f"    needs: job{i - 1:02d}\n")
        out.append("    steps:\n")
        out.append(f"      - name: Prepare {i}\n        run: echo prepare {i}\n")
        out.append(
            "      - name: Build\n        run: |\n          echo build ${{ github.sha }}\n"
            "          echo $LEVEL\n"
        )
        out.append("      - name: Test\n        if: success()\n        run: echo test\n")
    return "".join(out)


def wf_large(jobs: int = 500, steps: int = 10) -> str:
    """``jobs`` x ``steps``: needs-chains of 10, a fan-in every 50 jobs, a 2x2 matrix every 100."""
    out = [HEADER.replace("jobs:\n", 'env:\n  GLOBAL: "1"\njobs:\n')]
    for i in range(jobs):
        out.append(f"  job{i:03d}:\n    name: Job {i}\n    runs-on: ubuntu-latest\n")
        if i % 50 == 49:
            out.append(f"    needs: [job{i - 1:03d}, job{i - 11:03d}, job{i - 21:03d}]\n")
        elif i % 10:
            out.append(f"    needs: job{i - 1:03d}\n")
        if i % 100 == 5:
            out.append(
                "    strategy:\n      matrix:\n        os: [linux, mac]\n"
                "        py: ['3.11', '3.12']\n"
            )
        out.append(f'    env:\n      JOB_INDEX: "{i}"\n    steps:\n')
        for s in range(steps):
            if s % 3 == 0:
                out.append(
                    f"      - name: Step {s}\n        run: echo step {s} ${{{{ github.ref }}}}\n"
                )
            elif s % 3 == 1:
                out.append(
                    f"      - name: Step {s}\n        if: ${{{{ success() }}}}\n"
                    f'        env:\n          S: "{s}"\n        run: echo $S\n'
                )
            else:
                out.append(f"      - run: |\n          echo multi {s}\n          true\n")
    return "".join(out)


def make_repo(
    path: Path, workflow: str, env: dict[str, str], force_add: list[str] | None = None
) -> Path:
    """A git repo at ``path`` whose one commit holds ``workflow`` (and what ``path`` already
    holds); ``force_add``: files added although ignored."""
    wf = path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(workflow)
    if not (path / "README.md").exists():
        (path / "README.md").write_text("bench workload\n")
    git = [
        "git",
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.com",
        "-c",
        "init.defaultBranch=main",
        "-c",
        "commit.gpgsign=false",
    ]
    adds = [["add", "-f", "--", *force_add]] if force_add else []
    for args in (["init", "-q"], ["add", "-A"], *adds, ["commit", "-qm", "bench workload"]):
        subprocess.run(
            git + args,
            cwd=path,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return path


def wf_container_steps(n: int, image: str) -> str:
    """One job of ``n`` `run: true` steps in a job container of ``image``."""
    steps = "".join("      - run: true\n" for _ in range(n))
    return (
        HEADER
        + f"  build:\n    runs-on: ubuntu-latest\n    container: {image}\n    steps:\n{steps}"
    )


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "aegis-monorepo"
# The example's image matrix (its ci.yml `image` job): service -> build context.
EXAMPLE_IMAGES = {"risk": "services/risk", "dashboard": "dashboard", "engine": "engine"}
ENGINE_BINARY = "engine/target/release/aegis-engine"


def wf_images(services: list[str], tag: str, ca_file: str | None) -> str:
    """One job per example image, each the `image` job's build step (docker/build-push-action
    with the same context, file and ``secret-files``), building locally instead of pushing;
    ``--var NO_CACHE=true`` makes it a build without the layer cache. With ``ca_file``, also
    a job ``<service>-no-secret`` each: the same build without the ``extra_ca`` secret."""
    out = ["name: images\non: push\njobs:\n"]
    jobs = [(sv, ca_file) for sv in services]
    if ca_file:
        jobs += [(sv, None) for sv in services]
    for service, ca in jobs:
        context = EXAMPLE_IMAGES[service]
        job = service if ca or not ca_file else f"{service}-no-secret"
        out.append(
            f"  {job}:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n"
            "      - uses: docker/build-push-action@v6\n        with:\n"
            f"          context: {context}\n          file: {context}/Dockerfile\n"
            f"          push: false\n          tags: {tag.format(service=service)}\n"
            "          no-cache: ${{ vars.NO_CACHE == 'true' }}\n"
        )
        if ca:
            out.append(f"          secret-files: extra_ca={ca}\n")
    return "".join(out)


def make_example_repo(path: Path, workflow: str, env: dict[str, str], engine: Path | None) -> Path:
    """A git repo holding a copy of the example monorepo (sources only) with ``workflow`` as
    its only workflow; ``engine``, the engine's release binary (which its Dockerfile copies in),
    committed at ``engine/target/release/aegis-engine``."""
    shutil.copytree(
        EXAMPLE,
        path,
        ignore=shutil.ignore_patterns(
            ".conveyor", "node_modules", "target", "dist", "__pycache__", ".coverage",
            ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info",
        ),
    )  # fmt: skip
    shutil.rmtree(path / ".github" / "workflows", ignore_errors=True)
    extra: list[str] = []
    if engine is not None:
        (path / ENGINE_BINARY).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(engine, path / ENGINE_BINARY)
        extra = [ENGINE_BINARY]  # ignored by the example's .gitignore: added by force
    return make_repo(path, workflow, env, extra)


# Scenario 13: the tests' deploy chart (tests/deploy/chart.py): a Deployment and a Service;
# ``image`` is the whole reference, ``fault`` labels the pods conveyor.dev/fault (kwok makes
# them never Ready, or crash-loop), ``replicas`` their number.
DEPLOY_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "values.yaml": "image: registry.local/shop/web:1\nreplicas: 3\nfault: ''\n",
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/instance: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .Release.Name }}
        {{- if .Values.fault }}
        conveyor.dev/fault: {{ .Values.fault }}
        {{- end }}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          ports: [{name: http, containerPort: 8080}]
""",
    "templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {app.kubernetes.io/instance: {{ .Release.Name }}}
  ports: [{name: http, port: 80, targetPort: http}]
""",
}


def deploy_config(namespaces: dict[str, str], big_replicas: int) -> str:
    """``.conveyor.yml`` of scenario 13: ``staging`` (rolling, 3 replicas), ``production``
    (blue-green, 3 replicas) and ``big`` (rolling, ``big_replicas``), each in its namespace
    of ``namespaces``; a started pod not Ready 3 s later fails the release."""
    return f"""\
environments:
  staging:
    namespace: {namespaces["staging"]}
    chart: chart
    release: web
    image-value: image
    set: {{replicas: 3}}
    timeout: 120
    verify: {{ready-within: 3}}
  production:
    namespace: {namespaces["production"]}
    chart: chart
    release: shop
    image-value: image
    strategy: blue-green
    set: {{replicas: 3}}
    timeout: 120
    verify: {{ready-within: 3}}
  big:
    namespace: {namespaces["big"]}
    chart: chart
    release: big
    image-value: image
    set: {{replicas: {big_replicas}}}
    timeout: 600
    verify: {{ready-within: 3}}
"""


def make_deploy_repo(path: Path, config: str, env: dict[str, str]) -> Path:
    """A git repo with the deploy chart in ``chart/`` and ``config`` as ``.conveyor.yml``
    (its workflow is a one-step placeholder: deploys do not run it)."""
    for name, text in DEPLOY_CHART.items():
        file = path / "chart" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
    (path / ".conveyor.yml").write_text(config)
    return make_repo(
        path, HEADER + "  noop:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n", env
    )
