"""Notifications when a workflow starts failing and when it recovers.

A notifier is anything with ``send(notice)`` (``Notifier``); Slack-compatible webhooks and
plain e-mail are here. ``deliver`` sends one notice through each, with retries, and turns
what still fails into one-line messages with the notifiers' secrets masked.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx

from conveyor.records import field, record

_FAILED = {"failure": "failed", "timed_out": "timed out"}
_MASK = "***"
_log = logging.getLogger(__name__)


@record(frozen=True, slots=True)
class Notice:
    """One finished run worth telling people about; ``previous`` is the conclusion of the
    run before it on the same workflow and branch (None: there was none)."""

    repo: str  # owner/name
    workflow: str
    branch: str
    run_id: int
    run_number: int
    conclusion: str
    previous: str | None
    url: str
    sha: str


class Notifier(Protocol):
    """Sends a notice or raises. A notifier may also have ``secrets``, strings that
    ``deliver`` masks in error messages."""

    def send(self, message: Notice) -> None: ...


def should_notify(conclusion: str, previous: str | None) -> str | None:
    """ "failure" for a failed or timed-out run, "recovery" for a success after a failure,
    else None: cancelled and skipped runs say nothing about the code."""
    if conclusion in _FAILED:
        return "failure"
    if conclusion == "success" and previous in _FAILED:
        return "recovery"
    return None


def headline(notice: Notice) -> str:
    """``CI failed on main (#12)``: what happened, for a subject or a chat line."""
    what = _FAILED.get(notice.conclusion)
    if what is None:
        kind = should_notify(notice.conclusion, notice.previous)
        what = "recovered" if kind == "recovery" else f"finished ({notice.conclusion})"
    return f"{notice.workflow} {what} on {notice.branch} (#{notice.run_number})"


@record(slots=True)
class SlackWebhook:
    """A Slack incoming webhook, or anything that takes its JSON (Mattermost, Rocket.Chat,
    Discord's ``/slack`` endpoint)."""

    url: str = field(repr=False)  # the URL is the credential
    timeout: float = 10

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.url,)

    def send(self, message: Notice) -> None:
        n = message
        icon = ":x:" if n.conclusion in _FAILED else ":white_check_mark:"
        head = f"{_slack(n.repo)} — {_slack(headline(n))}"
        text = f"{icon} {head} <{n.url}|details>"
        detail = f"commit `{n.sha[:12]}` · run {n.run_id} · previous: {n.previous or 'none'}"
        payload = {
            "text": text,  # shown in notifications and by clients without blocks
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": detail}]},
            ],
        }
        response = httpx.post(self.url, json=payload, timeout=self.timeout)
        if response.status_code >= 300:
            # our own message: httpx's names the URL, which holds the webhook's token
            raise NotifyError(f"HTTP {response.status_code}: {response.text[:200]}")


@record(slots=True)
class Email:
    """Plain-text mail through an SMTP server; ``starttls`` upgrades the connection first,
    and a ``username`` logs in."""

    host: str
    port: int
    sender: str
    recipients: list[str]
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout: float = 10

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password,) if self.password else ()

    def send(self, message: Notice) -> None:
        n = message
        mail = EmailMessage()
        mail["Subject"] = f"[{n.repo}] {headline(n)}"
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain="conveyor")
        mail.set_content(
            f"{headline(n)} in {n.repo}.\n\n"
            f"Run:        #{n.run_number} (id {n.run_id})\n"
            f"Commit:     {n.sha}\n"
            f"Conclusion: {n.conclusion}\n"
            f"Previous:   {n.previous or 'none'}\n\n"
            f"{n.url}\n"
        )
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail, self.sender, self.recipients)


class NotifyError(Exception):
    """A notifier's endpoint refused the notice."""


def deliver(
    notifiers: Iterable[Notifier],
    notice: Notice,
    *,
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = _log.warning,
) -> list[str]:
    """Sends ``notice`` through every notifier, each tried up to ``attempts`` times with
    ``backoff``, twice that, ... between tries. Never raises: returns one line per notifier
    that still failed, its secrets masked."""
    errors: list[str] = []
    tries = max(attempts, 1)
    for notifier in notifiers:
        for attempt in range(tries):
            try:
                notifier.send(notice)
                break
            except Exception as e:  # any notifier's failure must not stop the others
                if attempt + 1 < tries:
                    sleep(backoff * 2**attempt)
                    continue
                text = mask(f"{type(e).__name__}: {e}", getattr(notifier, "secrets", ()))
                line = f"{type(notifier).__name__}: {' '.join(text.split())}"
                line += f" (after {tries} attempts)"
                log(line)
                errors.append(line)
    return errors


def _slack(text: str) -> str:
    # the three characters Slack's mrkdwn reserves for links and mentions
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return text
