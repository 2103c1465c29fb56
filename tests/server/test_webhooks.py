from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from conveyor.server import webhooks
from conveyor.server.webhooks import Trigger

SECRET = "It's a Secret to Everybody"
BODY = b"Hello, World!"
# GitHub's own worked example ("Validating webhook deliveries")
GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
SHA_A = "a" * 40
SHA_B = "b" * 40
ZEROS = "0" * 40


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_matches_githubs_documented_example() -> None:
    assert webhooks.verify_signature(SECRET, BODY, GITHUB_EXAMPLE)
    upper_hex = "sha256=" + GITHUB_EXAMPLE[7:].upper()
    assert webhooks.verify_signature(SECRET, BODY, upper_hex)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        GITHUB_EXAMPLE[:-1],
        GITHUB_EXAMPLE[:-1] + "0",
        "sha1=" + GITHUB_EXAMPLE[7:],
        GITHUB_EXAMPLE[7:],  # bare hex is Gitea's form: signature_header adds the prefix
        "sha256=" + "z" * 64,
    ],
)
def test_bad_or_missing_signatures_fail(header: str | None) -> None:
    assert not webhooks.verify_signature(SECRET, BODY, header)


def test_other_body_or_secret_fails() -> None:
    assert not webhooks.verify_signature(SECRET, BODY + b" ", GITHUB_EXAMPLE)
    assert not webhooks.verify_signature("other", BODY, GITHUB_EXAMPLE)
    assert not webhooks.verify_signature("", BODY, "sha256=" + sign("", BODY))


@pytest.mark.parametrize("name", ["X-Gitea-Signature", "X-Forgejo-Signature", "x-gogs-signature"])
def test_gitea_style_bare_hex_is_normalised(name: str) -> None:
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    header = webhooks.signature_header({name: sign("s3cret", body)})
    assert header == "sha256=" + sign("s3cret", body)
    assert webhooks.verify_signature("s3cret", body, header)


def test_github_header_wins_and_lookup_ignores_case() -> None:
    headers = {"x-hub-signature-256": GITHUB_EXAMPLE, "X-Gitea-Signature": "ff" * 32}
    assert webhooks.signature_header(headers) == GITHUB_EXAMPLE
    assert webhooks.signature_header({"X-Hub-Signature": "sha1=abc"}) is None


def test_event_and_delivery_from_each_forge() -> None:
    assert webhooks.event_name({"X-GitHub-Event": "push"}) == "push"
    assert webhooks.event_name({"X-Gitea-Event": "pull_request"}) == "pull_request"
    assert webhooks.event_name({"x-forgejo-event": "create"}) == "create"
    assert webhooks.event_name({"X-Gogs-Event": "push"}) == "push"
    assert webhooks.event_name({"Content-Type": "application/json"}) is None
    assert webhooks.delivery_id({"X-GitHub-Delivery": "72d3162e"}) == "72d3162e"
    assert webhooks.delivery_id({"X-Forgejo-Delivery": "f-1"}) == "f-1"
    assert webhooks.delivery_id({}) is None


def push(ref: str, before: str, after: str, **extra: object) -> dict[str, object]:
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": {"full_name": "acme/widgets"},
        **extra,
    }


def test_branch_push() -> None:
    payload = push(
        "refs/heads/main",
        SHA_A,
        SHA_B,
        head_commit={"id": SHA_B, "message": "Fix the thing"},
        commits=[{"message": "older"}, {"message": "Fix the thing"}],
    )
    assert webhooks.parse("push", payload) == Trigger(
        event="push",
        ref="refs/heads/main",
        sha=SHA_B,
        payload=payload,
        head_message="Fix the thing",
        before=SHA_A,
        repo_full_name="acme/widgets",
    )


def test_tag_push_uses_last_commit_when_head_commit_is_missing() -> None:
    payload = push("refs/tags/v1.0", ZEROS, SHA_B, commits=[{"message": "a"}, {"message": "b"}])
    trigger = webhooks.parse("push", payload)
    assert trigger is not None
    assert (trigger.ref, trigger.sha, trigger.head_message) == ("refs/tags/v1.0", SHA_B, "b")
    assert not trigger.deleted


def test_branch_delete_is_marked() -> None:
    by_zeros = webhooks.parse("push", push("refs/heads/gone", SHA_A, ZEROS, head_commit=None))
    by_flag = webhooks.parse("push", push("refs/heads/gone", SHA_A, SHA_A, deleted=True))
    assert by_zeros is not None and by_zeros.deleted and by_zeros.head_message == ""
    assert by_flag is not None and by_flag.deleted


def pull_request(action: str, number: int = 7) -> dict[str, object]:
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": SHA_B, "ref": "feature"},
            "base": {"sha": SHA_A, "ref": "main"},
        },
        "repository": {"full_name": "acme/widgets"},
    }


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "edited", "closed"])
def test_pull_request_maps_to_merge_ref_and_head_sha(action: str) -> None:
    trigger = webhooks.parse("pull_request", pull_request(action), head_message="wip [skip ci]")
    assert trigger is not None
    assert (trigger.ref, trigger.sha, trigger.pr_number) == ("refs/pull/7/merge", SHA_B, 7)
    assert trigger.payload["action"] == action
    assert trigger.head_message == "wip [skip ci]"
    assert trigger.repo_full_name == "acme/widgets"


def test_gitea_synchronized_becomes_synchronize() -> None:
    original = pull_request("synchronized")
    trigger = webhooks.parse("pull_request", original)
    assert trigger is not None and trigger.payload["action"] == "synchronize"
    assert original["action"] == "synchronized"  # the caller's dict is left alone


def test_pull_request_target_runs_on_the_base_branch() -> None:
    trigger = webhooks.parse("pull_request_target", pull_request("opened", 3))
    assert trigger is not None
    assert (trigger.ref, trigger.sha, trigger.pr_number) == ("refs/heads/main", "", 3)


@pytest.mark.parametrize(
    ("ref_type", "ref", "expected"),
    [("tag", "v1.2", "refs/tags/v1.2"), ("branch", "feat/x", "refs/heads/feat/x")],
)
def test_create_names_the_full_ref_and_leaves_sha_to_the_caller(
    ref_type: str, ref: str, expected: str
) -> None:
    trigger = webhooks.parse("create", {"ref": ref, "ref_type": ref_type})
    assert trigger is not None and (trigger.ref, trigger.sha) == (expected, "")


def test_ping_is_not_a_trigger() -> None:
    assert webhooks.parse("ping", {"zen": "Keep it logically awesome.", "hook_id": 1}) is None


def test_other_events_keep_their_name_and_a_full_ref_only() -> None:
    dispatch = webhooks.parse("workflow_dispatch", {"ref": "refs/heads/dev", "inputs": {}})
    release = webhooks.parse("release", {"action": "published", "release": {"tag_name": "v1"}})
    delete = webhooks.parse("delete", {"ref": "feature", "ref_type": "branch"})
    assert dispatch is not None
    assert (dispatch.event, dispatch.ref) == ("workflow_dispatch", "refs/heads/dev")
    assert release is not None and (release.event, release.ref, release.sha) == ("release", "", "")
    assert delete is not None and (delete.ref, delete.deleted) == ("", False)


@pytest.mark.parametrize(
    "message",
    [
        "Docs [skip ci]",
        "[ci skip] typo",
        "x [no ci]",
        "[skip actions]",
        "tidy [actions skip]\n\nbody",
        "Title\n\nlonger body [Skip CI]",
        "Title\n\n\nskip-checks: true",
        "Title\n\n\nSigned-off-by: A <a@example.com>\nskip-checks:true\n",
    ],
)
def test_skip_ci_markers(message: str) -> None:
    assert webhooks.skip_ci(message)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "skip ci",
        "[skip-ci]",
        "[ skip ci ]",
        "ci skip please",
        "Title\n\nskip-checks: true",  # one empty line: git's default clean-up, not GitHub's rule
        "Title\n\n\nskip-checks: true\nSigned-off-by: A <a@example.com>",  # not the last trailer
        "Title\n\n\nskip-checks: false",
    ],
)
def test_not_skip_ci(message: str) -> None:
    assert not webhooks.skip_ci(message)


def test_skips_only_push_and_pull_request() -> None:
    assert webhooks.skips("push") and webhooks.skips("pull_request")
    others = ("pull_request_target", "workflow_dispatch", "schedule", "create")
    assert not any(webhooks.skips(e) for e in others)
