"""The keys and values GitHub accepts in a workflow file.

Taken from GitHub's workflow syntax docs and the workflow-v1.0 parser schema
(actions/languageservices), which is what github.com itself validates against.
"""

from __future__ import annotations

import re

from conveyor.records import record

ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")

WORKFLOW_KEYS = (
    "name",
    "description",
    "run-name",
    "on",
    "permissions",
    "env",
    "defaults",
    "concurrency",
    "jobs",
)
JOB_KEYS = (
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "snapshot",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "cancel-timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
)
# A job that calls a reusable workflow (jobs.<id>.uses) may only use these.
CALLER_JOB_KEYS = (
    "name",
    "uses",
    "with",
    "secrets",
    "needs",
    "if",
    "permissions",
    "concurrency",
    "strategy",
)
RUN_STEP_KEYS = (
    "id",
    "if",
    "name",
    "run",
    "shell",
    "working-directory",
    "env",
    "continue-on-error",
    "timeout-minutes",
)
USES_STEP_KEYS = ("id", "if", "name", "uses", "with", "env", "continue-on-error", "timeout-minutes")
STEP_KEYS = (*RUN_STEP_KEYS, "uses", "with")
STRATEGY_KEYS = ("matrix", "fail-fast", "max-parallel")
DEFAULTS_KEYS = ("run",)
DEFAULTS_RUN_KEYS = ("shell", "working-directory")
CONCURRENCY_KEYS = ("group", "cancel-in-progress", "queue")
ENVIRONMENT_KEYS = ("name", "url", "deployment")
RUNS_ON_KEYS = ("group", "labels")
SNAPSHOT_KEYS = ("image-name", "if", "version")
CONTAINER_KEYS = ("image", "options", "env", "ports", "volumes", "credentials")
SERVICE_KEYS = (*CONTAINER_KEYS, "entrypoint", "command")
CREDENTIALS_KEYS = ("username", "password")

_ANY = ("read", "write", "none")
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "actions": _ANY,
    "artifact-metadata": _ANY,
    "attestations": _ANY,
    "checks": _ANY,
    "contents": _ANY,
    "copilot-requests": ("write", "none"),
    "deployments": _ANY,
    "discussions": _ANY,
    "id-token": ("write", "none"),
    "issues": _ANY,
    "models": ("read", "none"),
    "packages": _ANY,
    "pages": _ANY,
    "pull-requests": _ANY,
    "repository-projects": _ANY,
    "security-events": _ANY,
    "statuses": _ANY,
    "vulnerability-alerts": ("read", "none"),
}
PERMISSION_SHORTHANDS = ("read-all", "write-all")

DISPATCH_INPUT_KEYS = ("description", "type", "required", "default", "options")
DISPATCH_INPUT_TYPES = ("string", "boolean", "choice", "number", "environment")
CALL_INPUT_KEYS = ("description", "type", "required", "default")
CALL_INPUT_TYPES = ("string", "boolean", "number")
CALL_SECRET_KEYS = ("description", "required")
CALL_OUTPUT_KEYS = ("description", "value")
SCHEDULE_KEYS = ("cron", "timezone")


@record(frozen=True)
class EventSpec:
    keys: tuple[str, ...]  # allowed config keys; () means the event takes no configuration
    types: tuple[str, ...] | None = None  # allowed activity types; None means any string


_PR_TYPES = (
    "assigned",
    "unassigned",
    "labeled",
    "unlabeled",
    "opened",
    "edited",
    "closed",
    "reopened",
    "synchronize",
    "converted_to_draft",
    "locked",
    "unlocked",
    "enqueued",
    "dequeued",
    "milestoned",
    "demilestoned",
    "ready_for_review",
    "review_requested",
    "review_request_removed",
    "auto_merge_enabled",
    "auto_merge_disabled",
)
_CED = ("created", "edited", "deleted")
_T = ("types",)
_PR_KEYS = ("types", "branches", "branches-ignore", "paths", "paths-ignore")

EVENTS: dict[str, EventSpec] = {
    "branch_protection_rule": EventSpec(_T, _CED),
    "check_run": EventSpec(_T, ("completed", "created", "rerequested", "requested_action")),
    "check_suite": EventSpec(_T, ("completed",)),
    "create": EventSpec(()),
    "delete": EventSpec(()),
    "deployment": EventSpec(()),
    "deployment_status": EventSpec(()),
    "discussion": EventSpec(
        _T,
        (
            *_CED,
            "transferred",
            "pinned",
            "unpinned",
            "labeled",
            "unlabeled",
            "locked",
            "unlocked",
            "category_changed",
            "answered",
            "unanswered",
        ),
    ),
    "discussion_comment": EventSpec(_T, _CED),
    "fork": EventSpec(()),
    "gollum": EventSpec(()),
    "image_version": EventSpec(("types", "names", "versions"), ("created", "ready", "deleted")),
    "issue_comment": EventSpec(_T, _CED),
    "issues": EventSpec(
        _T,
        (
            "opened",
            "edited",
            "deleted",
            "transferred",
            "pinned",
            "unpinned",
            "closed",
            "reopened",
            "assigned",
            "unassigned",
            "labeled",
            "unlabeled",
            "locked",
            "unlocked",
            "milestoned",
            "demilestoned",
        ),
    ),
    "label": EventSpec(_T, _CED),
    "merge_group": EventSpec(("types", "branches", "branches-ignore"), ("checks_requested",)),
    "milestone": EventSpec(_T, ("created", "closed", "opened", "edited", "deleted")),
    "page_build": EventSpec(()),
    "project": EventSpec(_T, ("created", "closed", "reopened", "edited", "deleted")),
    "project_card": EventSpec(_T, ("created", "moved", "converted", "edited", "deleted")),
    "project_column": EventSpec(_T, ("created", "updated", "moved", "deleted")),
    "public": EventSpec(()),
    "pull_request": EventSpec(_PR_KEYS, _PR_TYPES),
    "pull_request_comment": EventSpec(_T, _CED),
    "pull_request_review": EventSpec(_T, ("submitted", "edited", "dismissed")),
    "pull_request_review_comment": EventSpec(_T, _CED),
    "pull_request_target": EventSpec(_PR_KEYS, _PR_TYPES),
    "push": EventSpec(
        ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore")
    ),
    "registry_package": EventSpec(_T, ("published", "updated")),
    "release": EventSpec(
        _T, ("published", "unpublished", "created", "edited", "deleted", "prereleased", "released")
    ),
    "repository_dispatch": EventSpec(_T),
    "schedule": EventSpec(SCHEDULE_KEYS),
    "status": EventSpec(()),
    "watch": EventSpec(_T, ("started",)),
    "workflow_call": EventSpec(("inputs", "outputs", "secrets")),
    "workflow_dispatch": EventSpec(("inputs",)),
    "workflow_run": EventSpec(
        ("types", "workflows", "branches", "branches-ignore"),
        ("requested", "completed", "in_progress"),
    ),
}

# Filters that cannot be combined with their -ignore twin on the same event.
EXCLUSIVE_FILTERS = ("branches", "tags", "paths")
