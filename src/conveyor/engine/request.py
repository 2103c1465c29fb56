"""A job as data: everything one job instance needs to run, and nothing live.

A ``JobRequest`` can be printed, stored, compared and sent to an agent as JSON
(``to_json``/``from_json``); secrets travel as a reference to one of the run's secret
sets, never as values. The cancel token and the event sinks travel beside it.
"""

from __future__ import annotations

from conveyor.engine.scope import Origin
from conveyor.records import field, from_data, record, to_data
from conveyor.workflow.model import Job

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from conveyor.engine.report import JobReport
    from conveyor.executors.base import CancelToken
else:
    Protocol = object


@record(slots=True)
class JobRequest:
    """One job instance to run: a job, one matrix combination, the results it needs."""

    workflow: str  # the workflow file
    workflow_env: dict[str, Any]  # the workflow's `env:`, raw
    workflow_defaults: dict[str, str]  # the workflow's `defaults.run`
    key: str  # the job's id in the YAML
    job: Job
    name: str  # display name, e.g. "test (3.11)"
    label: str  # output prefix, e.g. "call / greet"
    log_name: str  # unique in the run: the job's log and work directory
    github: dict[str, Any]
    matrix: dict[str, Any] | None = None
    strategy: dict[str, Any] = field(default_factory=dict)
    needs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    secrets_ref: str = ""  # which secret set of the run the job reads ("": the run's own)
    vars: dict[str, str] = field(default_factory=dict)  # its environment's, over the run's
    origin: Origin = field(default_factory=Origin)  # the workflow file's repository, for `$/`

    def to_json(self) -> str:
        import json  # only where jobs travel as text (the server's workers)

        return json.dumps(to_data(self))

    @staticmethod
    def from_json(text: str) -> JobRequest:
        import json

        request = from_data(json.loads(text))
        if not isinstance(request, JobRequest):
            raise ValueError("not a job request")
        return request


class JobDispatcher(Protocol):
    """Runs a job instance somewhere and returns its report once it has ended; the
    job's events reach the run's bus meanwhile. ``cancel`` is the job's token."""

    def dispatch(self, request: JobRequest, cancel: CancelToken) -> JobReport: ...
