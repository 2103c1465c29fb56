"""Does a workflow's ``on:`` fire for an event? GitHub's filter rules, with reasons.

Docs: "Events that trigger workflows" and "Workflow syntax" (``on.<event>.types``,
``on.push.<branches|tags|...>``, ``on.<pull_request|...>.<branches|...>``,
``on.<push|pull_request|pull_request_target>.<paths|paths-ignore>``).

Choices where a local run differs from github.com:

- a ``pull_request``/``pull_request_target`` payload without ``action`` counts
  as ``opened`` (what the default local payload says);
- for other events with ``types``, a payload without ``action`` is not
  filtered by type (the decision's reason says so);
- ``workflow_call`` never fires from an event: a caller runs it.
"""

from __future__ import annotations

from pathlib import Path

from conveyor.records import record
from conveyor.workflow.event import Event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PR_DEFAULT_TYPES = ("opened", "synchronize", "reopened")
MAX_DIFF_FILES = 300  # GitHub only looks at the first 300 changed files


@record
class TriggerDecision:
    triggered: bool
    reason: str


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _fmt(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _ref_filter(cfg: dict[str, Any], key: str, kind: str, name: str) -> str | None:
    """Check ``<key>``/``<key>-ignore`` for one ref name; a failure reason or ``None``."""
    ignore = f"{key}-ignore"
    if key not in cfg and ignore not in cfg:
        return None
    if key in cfg and ignore in cfg:
        return f"'{key}' and '{ignore}' cannot both be used for the same event"
    # the glob engine loads only for a workflow with filters: a plain run skips its import
    from conveyor.workflow.globs import match_filters

    if key in cfg:
        pats = _list(cfg[key])
        if not match_filters([name], pats):
            return f"{kind} '{name}' not in {key} {_fmt(pats)}"
    elif ignore in cfg:
        pats = _list(cfg[ignore])
        if match_filters([name], pats):
            return f"{kind} '{name}' matches {ignore} {_fmt(pats)}"
    return None


def _paths_filter(cfg: dict[str, Any], event: Event, repo: Path) -> tuple[str | None, str]:
    """(failure reason or None, note for the success reason)."""
    if "paths" not in cfg and "paths-ignore" not in cfg:
        return None, ""
    if "paths" in cfg and "paths-ignore" in cfg:
        return "'paths' and 'paths-ignore' cannot both be used for the same event", ""
    from conveyor.workflow.changes import event_changed_files

    files = event_changed_files(event, repo)
    if files is None:
        # GitHub: when it has no diff (>1,000 commits, timeout) the workflow always runs
        return None, "; changed files unknown, so path filters pass"
    if not files:
        return "no files changed", ""
    files = files[:MAX_DIFF_FILES]
    from conveyor.workflow.globs import first_included, value_included

    if "paths" in cfg:
        pats = _list(cfg["paths"])
        hit = first_included(files, pats)
        if hit is None:
            return f"no changed file matches paths {_fmt(pats)}", ""
        return None, f"; '{hit}' matches paths"
    pats = _list(cfg["paths-ignore"])
    kept = next((f for f in files if not value_included(f, pats)), None)
    if kept is None:
        return f"every changed file matches paths-ignore {_fmt(pats)}", ""
    return None, f"; '{kept}' is not in paths-ignore"


def _types_filter(cfg: dict[str, Any], action: Any, default: tuple[str, ...] | None) -> str | None:
    types = _list(cfg.get("types")) if "types" in cfg else list(default or ())
    if not types:
        return None  # every activity type triggers
    if action is None:
        return None
    if str(action) not in types:
        return f"activity type '{action}' not in types {_fmt(types)}"
    return None


def _push(cfg: dict[str, Any], event: Event, repo: Path) -> TriggerDecision:
    ref = event.ref
    has_branches = "branches" in cfg or "branches-ignore" in cfg
    has_tags = "tags" in cfg or "tags-ignore" in cfg
    if ref.startswith("refs/heads/"):
        kind, name, key, other = "branch", ref[len("refs/heads/") :], "branches", has_tags
        mine = has_branches
    elif ref.startswith("refs/tags/"):
        kind, name, key, other = "tag", ref[len("refs/tags/") :], "tags", has_branches
        mine = has_tags
    else:
        if has_branches or has_tags:
            return TriggerDecision(False, f"ref '{ref}' is neither a branch nor a tag")
        kind, name, key, other, mine = "ref", ref, "", False, False
    if mine:
        failed = _ref_filter(cfg, key, kind, name)
        if failed:
            return TriggerDecision(False, failed)
    elif other:
        # only the other kind of ref is filtered: this kind never triggers
        only = "tags" if kind == "branch" else "branches"
        return TriggerDecision(
            False, f"only {only} filters are defined; {kind} pushes don't trigger"
        )
    note = ""
    if kind != "tag":  # path filters are not evaluated for pushes of tags
        failed, note = _paths_filter(cfg, event, repo)
        if failed:
            return TriggerDecision(False, failed)
    return TriggerDecision(True, f"push to {kind} '{name}'{note}")


def _pull_request(cfg: dict[str, Any], event: Event, repo: Path) -> TriggerDecision:
    action = event.payload.get("action") or "opened"
    failed = _types_filter(cfg, action, PR_DEFAULT_TYPES)
    if failed:
        return TriggerDecision(False, failed)
    pr = event.payload.get("pull_request") or {}
    base = event.base_ref or str((pr.get("base") or {}).get("ref") or "")
    failed = _ref_filter(cfg, "branches", "base branch", base)
    if failed:
        return TriggerDecision(False, failed)
    failed, note = _paths_filter(cfg, event, repo)
    if failed:
        return TriggerDecision(False, failed)
    if event.name == "pull_request" and event.merge_conflict:
        # docs: "Workflows will not run on pull_request activity if the pull request has
        # a merge conflict. The merge conflict must be resolved first."
        return TriggerDecision(False, "the pull request has a merge conflict")
    return TriggerDecision(True, f"{event.name} '{action}' into '{base}'{note}")


def _workflow_run(cfg: dict[str, Any], event: Event) -> TriggerDecision:
    p = event.payload
    name = (p.get("workflow") or {}).get("name") or (p.get("workflow_run") or {}).get("name")
    workflows = _list(cfg.get("workflows"))
    if not workflows:
        return TriggerDecision(False, "workflow_run needs a 'workflows' list")
    if name not in workflows:
        return TriggerDecision(False, f"workflow '{name}' not in workflows {_fmt(workflows)}")
    failed = _types_filter(cfg, p.get("action"), None)
    if failed:
        return TriggerDecision(False, failed)
    branch = str((p.get("workflow_run") or {}).get("head_branch") or "")
    failed = _ref_filter(cfg, "branches", "branch", branch)
    if failed:
        return TriggerDecision(False, failed)
    return TriggerDecision(True, f"workflow '{name}' ran on '{branch}'")


def _schedule(cfg: Any, event: Event) -> TriggerDecision:
    # the loader normalises `schedule` to {"cron": [...], "entries": [...]}; a raw list of
    # {cron: ...} mappings (as written in YAML) is accepted too
    if isinstance(cfg, dict) and isinstance(cfg.get("cron"), list):
        crons = [str(c) for c in cfg["cron"]]
    else:
        items = cfg if isinstance(cfg, list) else (cfg or {}).get("schedule") or []
        crons = [str(i.get("cron")) for i in items if isinstance(i, dict) and "cron" in i]
    wanted = event.payload.get("schedule")
    if wanted and crons and wanted not in crons:
        return TriggerDecision(False, f"schedule '{wanted}' not in {_fmt(crons)}")
    return TriggerDecision(True, f"schedule '{wanted}'" if wanted else "schedule")


def match_trigger(on: dict[str, Any], event: Event, repo: Path) -> TriggerDecision:
    """Decide whether ``on`` (normalised ``{event: config}``) fires for ``event``."""
    if event.name not in on:
        listed = ", ".join(on) or "nothing"
        return TriggerDecision(False, f"workflow is not triggered by '{event.name}' (on: {listed})")
    raw = on[event.name]
    if event.name == "schedule":
        return _schedule(raw, event)
    cfg: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if event.name == "push":
        return _push(cfg, event, repo)
    if event.name in ("pull_request", "pull_request_target"):
        return _pull_request(cfg, event, repo)
    if event.name == "workflow_run":
        return _workflow_run(cfg, event)
    if event.name == "workflow_call":
        return TriggerDecision(False, "workflow_call workflows run only when another calls them")
    if event.name == "workflow_dispatch":
        return TriggerDecision(True, "workflow_dispatch")
    action = event.payload.get("action")
    if action is None and event.name == "repository_dispatch":
        action = event.payload.get("event_type")
    failed = _types_filter(cfg, action, None)
    if failed:
        return TriggerDecision(False, failed)
    if action is None and "types" in cfg:
        return TriggerDecision(True, f"{event.name} (payload has no action; types not checked)")
    return TriggerDecision(True, f"{event.name} '{action}'" if action else event.name)
