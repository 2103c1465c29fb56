"""Where jobs run. An executor is one module filling ``base.Executor`` plus one line in
``EXECUTORS``; ``choose`` picks the one for a job from its ``runs-on`` and ``container``."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conveyor.executors.base import Executor, ExecutorRequest

# name -> module with ``create(request) -> Executor``; imported only when chosen
EXECUTORS: dict[str, str] = {
    "host": "conveyor.executors.host",
    "container": "conveyor.executors.container",
}


class ExecutorUnavailable(Exception):
    """No registered executor can run this job (the message names the feature)."""


def choose(request: ExecutorRequest) -> str:
    """The executor's name for a job: a job container needs a container executor."""
    if request.container or request.services or request.image:
        what = "container" if request.container else "services"
        if "container" not in EXECUTORS:
            raise ExecutorUnavailable(
                f"jobs.<id>.{what} is not supported yet: it needs the container executor "
                "(podman or docker), which is not installed in this Conveyor"
            )
        return "container"
    return "host"


def create_executor(request: ExecutorRequest, name: str | None = None) -> Executor:
    """An executor for one job, typed as the Protocol."""
    if name == "host" and (request.container or request.services):
        what = "container" if request.container else "services"
        raise ExecutorUnavailable(
            f"jobs.<id>.{what} needs containers, and --executor host runs every job on "
            "this machine: drop --executor host, or use --executor container"
        )
    module_name = EXECUTORS[name or choose(request)]
    __import__(module_name)  # importlib.import_module's work, without importing importlib
    module = sys.modules[module_name]
    executor: Executor = module.create(request)
    return executor


def sweep(prefix: str) -> None:
    """Remove what the jobs of a dead Conveyor process (tracking ids starting with
    ``prefix``) left in every executor: containers, networks."""
    for module_name in EXECUTORS.values():
        __import__(module_name)
        sweeper = getattr(sys.modules[module_name], "sweep", None)
        if sweeper is not None:
            sweeper(prefix)


def stop_all() -> None:
    """Kill everything every executor in use still runs: the run is being aborted."""
    for module_name in EXECUTORS.values():
        module = sys.modules.get(module_name)
        stop = getattr(module, "stop_all", None)
        if stop is not None:
            stop()
