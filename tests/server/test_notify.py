"""Notifiers against real loopback services: an HTTP receiver and a small SMTP sink."""

from __future__ import annotations

import base64
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conveyor.records import replace
from conveyor.server.notify import Email, Notice, SlackWebhook, deliver, should_notify

NOTICE = Notice(
    repo="octo/app",
    workflow="CI",
    branch="main",
    run_id=345,
    run_number=12,
    conclusion="failure",
    previous="success",
    url="http://conveyor.test/octo/app/runs/345",
    sha="0123456789abcdef0123456789abcdef01234567",
)
PASSWORD = "hunter2-Secret!"


# --- an HTTP receiver: answers with scripted statuses, records what it got ---


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[int] = []  # statuses for the next requests; then 200
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/T000/B000/XXXX"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((self.path, dict(self.headers), body))
        code = self.server.replies.pop(0) if self.server.replies else 200
        reply = b"ok" if code == 200 else b"internal error"
        self.send_response(code)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


# --- an SMTP sink: just enough of RFC 5321 for smtplib ---


class Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, auth: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.auth = auth  # offer AUTH PLAIN, and refuse it naming the credentials
        self.mails: list[tuple[str, list[str], bytes]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: Sink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink.test ESMTP")
        sender, recipients = "", list[str]()
        while line := self.rfile.readline():
            verb, _, arg = line.decode().rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-sink.test")
                self.reply("250 AUTH PLAIN" if self.server.auth else "250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink.test")
            elif verb == "AUTH":
                plain = base64.b64decode(arg.split()[-1]).decode().replace("\0", " ")
                self.reply(f"535 5.7.8 rejected:{plain}")
            elif verb == "MAIL":
                sender, recipients = arg.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(arg.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.mails.append((sender, recipients, data))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def no_sleep(_: float) -> None:
    pass


# --- should_notify ---


@pytest.mark.parametrize(
    ("conclusion", "previous", "kind"),
    [
        ("failure", "success", "failure"),
        ("failure", "failure", "failure"),
        ("timed_out", None, "failure"),
        ("success", "failure", "recovery"),
        ("success", "timed_out", "recovery"),
        ("success", "success", None),
        ("success", None, None),
        ("success", "cancelled", None),
        ("cancelled", "success", None),
        ("cancelled", "failure", None),
        ("skipped", "failure", None),
    ],
)
def test_should_notify(conclusion: str, previous: str | None, kind: str | None) -> None:
    assert should_notify(conclusion, previous) == kind


# --- Slack ---


def test_slack_webhook_receives_json_with_text(receiver: Receiver) -> None:
    errors = deliver([SlackWebhook(receiver.url)], NOTICE, sleep=no_sleep)
    assert errors == []
    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/T000/B000/XXXX"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["text"] == (
        ":x: octo/app — CI failed on main (#12) <http://conveyor.test/octo/app/runs/345|details>"
    )
    assert payload["blocks"][0]["text"]["text"] == payload["text"]
    assert "0123456789ab" in payload["blocks"][1]["elements"][0]["text"]


def test_slack_recovery_and_reserved_characters(receiver: Receiver) -> None:
    notice = replace(NOTICE, conclusion="success", previous="failure", workflow="Build <&> Test")
    assert deliver([SlackWebhook(receiver.url)], notice, sleep=no_sleep) == []
    text = json.loads(receiver.requests[0][2])["text"]
    assert text.startswith(":white_check_mark: octo/app — Build &lt;&amp;&gt; Test recovered")


def test_server_errors_are_retried_with_backoff(receiver: Receiver) -> None:
    receiver.replies = [500, 500]
    slept: list[float] = []
    errors = deliver([SlackWebhook(receiver.url)], NOTICE, backoff=0.5, sleep=slept.append)
    assert errors == []
    assert len(receiver.requests) == 3
    assert slept == [0.5, 1.0]


def test_a_failing_notifier_reports_one_line_and_others_still_run(
    receiver: Receiver, sink: Sink
) -> None:
    receiver.replies = [500] * 5
    logged: list[str] = []
    mail = Email("127.0.0.1", sink.port, "ci@example.test", ["dev@example.test"])
    errors = deliver(
        [SlackWebhook(receiver.url), mail], NOTICE, attempts=2, sleep=no_sleep, log=logged.append
    )
    assert errors == ["SlackWebhook: NotifyError: HTTP 500: internal error (after 2 attempts)"]
    assert logged == errors
    assert len(receiver.requests) == 2
    assert len(sink.mails) == 1


# --- e-mail ---


def test_email_reaches_the_sink_with_subject_and_recipients(sink: Sink) -> None:
    to = ["dev@example.test", "ops@example.test"]
    errors = deliver([Email("127.0.0.1", sink.port, "ci@example.test", to)], NOTICE)
    assert errors == []
    [(sender, recipients, data)] = sink.mails
    assert sender == "ci@example.test"
    assert recipients == to
    mail: Message = message_from_bytes(data)
    assert mail["Subject"] == "[octo/app] CI failed on main (#12)"
    assert mail["To"] == "dev@example.test, ops@example.test"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert NOTICE.url.encode() in body and NOTICE.sha.encode() in body


def test_unreachable_smtp_server_gives_an_error_without_the_password() -> None:
    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mail = Email("127.0.0.1", port, "ci@x.test", ["d@x.test"], "ci", PASSWORD, timeout=5)
    slept: list[float] = []
    [error] = deliver([mail], NOTICE, attempts=2, sleep=slept.append)
    assert error.startswith("Email: ConnectionRefusedError:")
    assert PASSWORD not in error and PASSWORD not in repr(mail)
    assert slept == [0.5]


def test_a_refused_login_echoing_the_password_is_masked() -> None:
    server = Sink(auth=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        mail = Email("127.0.0.1", server.port, "ci@x.test", ["d@x.test"], "ci", PASSWORD)
        [error] = deliver([mail], NOTICE, attempts=1)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert error.startswith("Email: SMTPAuthenticationError:")
    assert "rejected: ci ***" in error  # the sink did echo it: masking is what hid it
    assert PASSWORD not in error
    assert server.mails == []
