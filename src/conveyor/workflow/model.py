"""The workflow as data: what a YAML file says, validated and typed.

Values that may hold ``${{ }}`` expressions are kept as raw strings (or raw YAML
values) and evaluated by the engine at the moment GitHub would evaluate them.
"""

from __future__ import annotations

from conveyor.records import field, record
from conveyor.workflow.errors import Pos

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NOWHERE = Pos("<unknown>", 0, 0)


def holds_expression(value: Any) -> bool:
    """``${{`` anywhere in a raw YAML value (keys included): it needs evaluating."""
    if isinstance(value, str):
        return "${{" in value
    if isinstance(value, dict):
        return any(holds_expression(k) or holds_expression(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_expression(v) for v in value)
    return False


@record(slots=True)
class Step:
    index: int  # 0-based position in the job's steps
    id: str | None = None  # as written; None when the YAML has no id
    name: str | None = None  # raw, may contain expressions
    uses: str | None = None
    run: str | None = None
    shell: str | None = None
    working_directory: str | None = None
    # a mapping, or one expression string that evaluates to a mapping at run time
    with_: dict[str, Any] | str = field(default_factory=dict)
    env: dict[str, Any] | str = field(default_factory=dict)
    if_: str | None = None  # raw condition, without implicit success()
    continue_on_error: bool | str = False  # bool or an expression string
    timeout_minutes: float | str | None = None  # number or an expression string
    pos: Pos = NOWHERE


@record(slots=True)
class Strategy:
    matrix: Any = None  # dict (may hold expressions) or an expression string
    fail_fast: bool | str = True
    max_parallel: int | str | None = None
    pos: Pos = NOWHERE
    # `strategy: ${{ ... }}`: the whole mapping as one expression (the fields above unused)
    expression: str | None = None


@record(slots=True)
class Job:
    id: str
    name: str | None = None
    needs: list[str] = field(default_factory=list)
    runs_on: Any = None  # str, list, mapping; may hold expressions
    if_: str | None = None
    env: dict[str, Any] | str = field(default_factory=dict)  # or one expression
    defaults_run: dict[str, str] = field(default_factory=dict)  # shell, working-directory
    steps: list[Step] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    strategy: Strategy | None = None
    timeout_minutes: float | str | None = None  # None means GitHub's default, 360
    continue_on_error: bool | str = False
    container: Any = None
    services: dict[str, Any] | str = field(default_factory=dict)  # or an expression string
    environment: Any = None  # str or {name, url}
    concurrency: Any = None  # str or {group, cancel-in-progress}
    permissions: Any = None
    # a call to a reusable workflow (``jobs.<id>.uses``)
    uses: str | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] | str | None = None  # mapping or "inherit"
    pos: Pos = NOWHERE


@record(slots=True)
class Workflow:
    path: str  # as given to the loader, e.g. ".github/workflows/ci.yml"
    name: str | None = None
    run_name: str | None = None
    # ``on`` normalised to {event: config}; config is {} when the event has no filters
    on: dict[str, dict[str, Any]] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    defaults_run: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)  # in YAML order
    concurrency: Any = None
    permissions: Any = None
    pos: Pos = NOWHERE

    @property
    def display_name(self) -> str:
        return self.name or self.path
