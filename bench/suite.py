"""The shared state of one bench run: the environment every command runs in, the tools
being compared, the generated workload repos, and the collected timings and table rows.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measure import SRC, Timer
from report import make_row
from workloads import make_repo


def bench_env(tmp: Path, notes: list[str]) -> dict[str, str]:
    """The environment for every measured command: no colour, caches and bytecode in ``tmp``."""
    env = dict(os.environ)
    env.update(
        {
            "NO_COLOR": "1",
            "CONVEYOR_CACHE_DIR": str(tmp / "cache"),
            "CONVEYOR_DATA_DIR": str(tmp / "data"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    env.pop("FORCE_COLOR", None)
    env.pop("GITHUB_TOKEN", None)
    # Measure what an installed Conveyor costs: bytecode cached (.pyc), as after any normal
    # install. The .pyc files go to the temp dir, so src/ is never written to.
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        notes.append(
            "PYTHONDONTWRITEBYTECODE was set in the environment; the bench unsets it "
            "(pyc cache in the temp dir) and reports the no-.pyc cost as separate rows"
        )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def snapshot_src(tmp: Path, env: dict[str, str]) -> Path:
    """Copy src/ into ``tmp`` and put the copy first on ``env``'s PYTHONPATH.

    Edits made to the tree while the bench runs then cannot mix versions within one run.
    PYTHONPATH puts the copy ahead of the editable install.
    """
    src = tmp / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return src


def no_pyc_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with bytecode caching off: every module is compiled on every start."""
    env_nopyc = dict(env, PYTHONDONTWRITEBYTECODE="1")
    env_nopyc.pop("PYTHONPYCACHEPREFIX")
    return env_nopyc


@dataclass
class Suite:
    tmp: Path
    env: dict[str, str]
    env_nopyc: dict[str, str]
    src: Path
    repeats: int
    timer: Timer
    conveyor: list[str]
    act: str | None
    act_cache: Path
    quick: bool = False
    heavy_repeats: int = 3
    repos: dict[str, Path] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def repo(self, name: str, text: str) -> Path:
        """The workload repo ``name``, generated with workflow ``text`` on first use."""
        if name not in self.repos:
            self.repos[name] = make_repo(self.tmp / "repos" / name, text, self.env)
        return self.repos[name]

    def conv_cmd(self, r: Path, *extra: str) -> list[str]:
        return [*self.conveyor, "run", "-C", str(r), *extra]

    def row(
        self,
        scenario: str,
        metric: str,
        baseline: float | None,
        baseline_what: str,
        conveyor_v: float | None,
        act_v: float | None,
        target: str = "",
        met: bool | None = None,
        conveyor_min: float | None = None,
        act_min: float | None = None,
        unit: str = "s",
        act_text: str | None = None,
    ) -> None:
        self.rows.append(
            make_row(
                scenario,
                metric,
                baseline,
                baseline_what,
                conveyor_v,
                act_v,
                target,
                met,
                conveyor_min,
                act_min,
                unit,
                act_text,
            )
        )
