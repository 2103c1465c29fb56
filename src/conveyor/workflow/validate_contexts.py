"""Which contexts and special functions an expression may use, per workflow key.

GitHub decides this when it loads a workflow, before anything runs: ``secrets`` in a
step ``if:`` or ``matrix`` in a job ``if:`` makes the whole file invalid with
"Unrecognized named-value: 'secrets'". The rows below follow the "Context
availability" table of GitHub's contexts reference, cross-checked against the
workflow-v1.0 parser schema (actions/languageservices) that github.com validates with.
Where the two disagree the schema wins, as it is what GitHub actually enforces (it
also allows ``steps`` in ``container.env``/``services.<id>.env``).

Built-in functions (``contains``, ``format``, ``toJSON`` ...) are allowed wherever an
expression is; only the *special* functions in :data:`SPECIAL_FUNCTIONS` are limited.

A key with an empty context set takes no expressions that read anything (GitHub: a
named value there is unrecognized, any other expression is "not allowed in this
context"). A path that no row covers is not checked here: either another check already
rejects expressions there (``uses``, ``needs``, ``permissions``, step ``id``) or it is
under ``on`` where only the two ``workflow_call`` rows below accept expressions.
"""

from __future__ import annotations

from typing import Final

from conveyor.records import record
from conveyor.workflow.yamlload import Path

SPECIAL_FUNCTIONS: Final = frozenset({"always", "cancelled", "failure", "success", "hashfiles"})

_STATUS: Final = frozenset({"always", "cancelled", "failure", "success"})
_HASH: Final = frozenset({"hashfiles"})
_NOTHING: Final[frozenset[str]] = frozenset()

# Context groups, each a superset of the one before.
_WORKFLOW: Final = frozenset({"github", "inputs", "vars"})
_JOB: Final = _WORKFLOW | {"needs", "strategy", "matrix"}
_RUNNER: Final = _JOB | {"secrets", "steps", "job", "runner", "env"}


@record(frozen=True, slots=True)
class Availability:
    """What one row of the table allows."""

    key: str  # the row, in GitHub's notation, e.g. "jobs.<job_id>.steps.if"
    contexts: frozenset[str]  # lower-case context names
    functions: frozenset[str] = _NOTHING  # lower-case special functions allowed

    @property
    def takes_expressions(self) -> bool:
        return bool(self.contexts)


# (key, contexts, special functions). In a key, ``<name>`` matches any mapping key or
# sequence index and ``[*]`` any sequence index. A row covers everything below its key
# unless a longer row says otherwise.
TABLE: Final[tuple[tuple[str, frozenset[str], frozenset[str]], ...]] = (
    # -- workflow level ----------------------------------------------------------------
    ("name", _NOTHING, _NOTHING),
    ("description", _NOTHING, _NOTHING),
    ("run-name", _WORKFLOW, _NOTHING),
    ("on.workflow_call.inputs.<inputs_id>.default", _WORKFLOW, _NOTHING),
    ("on.workflow_call.outputs.<output_id>.value", _WORKFLOW | {"jobs"}, _NOTHING),
    ("env", _WORKFLOW | {"secrets"}, _NOTHING),
    ("defaults", _NOTHING, _NOTHING),
    ("concurrency", _WORKFLOW, _NOTHING),
    # -- job level ---------------------------------------------------------------------
    ("jobs.<job_id>.name", _JOB, _NOTHING),
    ("jobs.<job_id>.if", _WORKFLOW | {"needs"}, _STATUS),
    ("jobs.<job_id>.strategy", _WORKFLOW | {"needs"}, _NOTHING),
    ("jobs.<job_id>.runs-on", _JOB, _NOTHING),
    ("jobs.<job_id>.environment", _JOB, _NOTHING),
    ("jobs.<job_id>.environment.url", _RUNNER - {"secrets"}, _NOTHING),
    ("jobs.<job_id>.concurrency", _JOB, _NOTHING),
    ("jobs.<job_id>.outputs", _RUNNER, _NOTHING),
    ("jobs.<job_id>.env", _JOB | {"secrets"}, _NOTHING),
    ("jobs.<job_id>.defaults", _NOTHING, _NOTHING),
    ("jobs.<job_id>.defaults.run", _JOB | {"env"}, _NOTHING),
    ("jobs.<job_id>.timeout-minutes", _JOB, _NOTHING),
    ("jobs.<job_id>.cancel-timeout-minutes", _JOB, _NOTHING),
    ("jobs.<job_id>.continue-on-error", _JOB, _NOTHING),
    ("jobs.<job_id>.container", _JOB, _NOTHING),
    ("jobs.<job_id>.container.env", _RUNNER, _NOTHING),
    ("jobs.<job_id>.container.credentials", _JOB | {"secrets", "env"}, _NOTHING),
    ("jobs.<job_id>.services", _JOB, _NOTHING),
    ("jobs.<job_id>.services.<service_id>.env", _RUNNER, _NOTHING),
    ("jobs.<job_id>.services.<service_id>.credentials", _JOB | {"secrets", "env"}, _NOTHING),
    ("jobs.<job_id>.snapshot", _NOTHING, _NOTHING),
    ("jobs.<job_id>.snapshot.if", _JOB, _NOTHING),
    # a job that calls a reusable workflow
    ("jobs.<job_id>.with", _JOB, _NOTHING),
    ("jobs.<job_id>.secrets", _JOB | {"secrets"}, _NOTHING),
    # -- step level --------------------------------------------------------------------
    ("jobs.<job_id>.steps[*].if", _RUNNER - {"secrets"}, _STATUS | _HASH),
    ("jobs.<job_id>.steps[*].name", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].run", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].shell", _NOTHING, _NOTHING),
    ("jobs.<job_id>.steps[*].working-directory", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].env", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].with", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].continue-on-error", _RUNNER, _HASH),
    ("jobs.<job_id>.steps[*].timeout-minutes", _RUNNER, _HASH),
)

_ANY: Final = "<>"  # trie edge for a wildcard segment


class _Node:
    __slots__ = ("children", "row")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.row: Availability | None = None


def _segments(key: str) -> list[str]:
    out: list[str] = []
    for part in key.split("."):
        if part.endswith("[*]"):
            out.extend((part[:-3], _ANY))
        elif part.startswith("<") and part.endswith(">"):
            out.append(_ANY)
        else:
            out.append(part)
    return out


def _build() -> _Node:
    root = _Node()
    for key, contexts, functions in TABLE:
        node = root
        for segment in _segments(key):
            node = node.children.setdefault(segment, _Node())
        if node.row is not None:
            raise ValueError(f"duplicate context-availability row {key!r}")
        node.row = Availability(key.replace("[*]", ""), contexts, functions)
    return root


_ROOT: Final = _build()


def availability(path: Path) -> Availability | None:
    """The row covering the value at ``path``, or None when the value is not checked."""
    node, found = _ROOT, None
    for part in path:
        child = node.children.get(part) if isinstance(part, str) else None
        if child is None:
            child = node.children.get(_ANY)
            if child is None:
                break
        node = child
        if node.row is not None:
            found = node.row
    return found
