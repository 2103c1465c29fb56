"""The records a deploy passes around and leaves behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from conveyor.records import field, record

if TYPE_CHECKING:
    from conveyor.config.environments import Checks, Environment

Log = Callable[[str], None]


class DeployError(Exception):
    """The deploy could not start or could not go on (bad input, unreachable cluster);
    nothing more is changed."""


@record(slots=True)
class Failure:
    """Why verification failed: what a person looks at first."""

    reason: str  # one line: "pod web-7d9 container web: CrashLoopBackOff (5 restarts)"
    kind: str = ""  # not-ready | crashloop | image | failed-pod | timeout | check | deadline
    pod: str = ""
    container: str = ""
    events: list[str] = field(default_factory=list)  # the pod's last events, oldest first


@record(slots=True)
class Target:
    """One deploy, resolved: the environment with the step's or command's overrides."""

    env: Environment
    release: str
    namespace: str
    chart: Path
    image: str = ""
    image_value: str = ""
    values: list[Path] = field(default_factory=list)
    sets: dict[str, str] = field(default_factory=dict)
    strategy: str = "rolling"
    timeout: float = 300.0
    kubeconfig: Path = Path()
    context: str = ""
    helm: Path = Path("helm")
    root: Path = Path(".")  # the repository: where smoke commands run
    checks_env: dict[str, str] = field(default_factory=dict)  # for smoke commands
    api: Any = None  # the kubernetes ApiClient (deploy.kube.connect)
    last_good: int = 0  # the revision to restore on failure (0: none, a first install)


@record(slots=True)
class Outcome:
    """What a deploy or rollback did; becomes a row of the deploy history."""

    result: str = "failed"  # deployed | rolled-back | failed
    revision: int = 0  # the Helm revision this deploy made (0: none)
    serving: int = 0  # the revision serving when it ended
    rolled_back_to: int = 0
    reason: str = ""
    failure: Failure | None = None
    color: str = ""  # blue-green: the colour serving when it ended
    deploy_seconds: float = 0.0  # apply -> verified (or -> failure detected)
    detect_seconds: float = 0.0  # apply -> failure detected
    restore_seconds: float = 0.0  # failure detected -> previous version ready again
    details: dict[str, Any] = field(default_factory=dict)


class Strategy(Protocol):
    """How a new version replaces the serving one, and how it is undone."""

    name: str

    def deploy(self, target: Target, log: Log) -> Outcome:
        """Install the target, verify it, and restore the previous version if it fails."""
        ...

    def rollback(self, target: Target, to: int | None, log: Log) -> Outcome:
        """Serve an earlier version again (``to``: a Helm revision; None: the previous)."""
        ...


def checks_for(env: Environment, phase: str) -> Checks:
    """The checks of a phase: blue-green's own when given, else the environment's."""
    bg = env.blue_green
    chosen = {"pre-switch": bg.pre_switch, "post-switch": bg.post_switch}.get(phase)
    return chosen if chosen is not None else env.checks
