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
