"""The server's tables (SQLAlchemy 2). Migrations in ``migrations/`` create them; a
change here needs a new revision there (``tests/server/test_db.py`` compares both).

States follow GitHub's Actions API: a run or a job is ``queued``, ``waiting`` (for an
environment's reviewers, timer or deploy window), ``in_progress`` or ``completed``;
a completed one has a ``conclusion``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Repo(Base):
    __tablename__ = "repos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), unique=True)
    clone_url: Mapped[str] = mapped_column(Text)
    webhook_secret: Mapped[str] = mapped_column(Text, default="")  # sealed (server.seal)
    default_branch: Mapped[str] = mapped_column(String(200), default="main")
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # anonymous read
    created_at: Mapped[float] = mapped_column(Float)


class Run(Base):
    """One workflow run: a workflow file triggered by one event at one commit."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id"), index=True)
    workflow_file: Mapped[str] = mapped_column(String(300))
    workflow_name: Mapped[str] = mapped_column(String(300))
    run_number: Mapped[int] = mapped_column(Integer)
    run_attempt: Mapped[int] = mapped_column(Integer, default=1)
    event: Mapped[str] = mapped_column(String(60))
    ref: Mapped[str] = mapped_column(String(300))
    head_branch: Mapped[str] = mapped_column(String(300), default="")
    head_sha: Mapped[str] = mapped_column(String(64))
    head_message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[str] = mapped_column(Text)  # the event payload, JSON
    inputs: Mapped[str] = mapped_column(Text, default="{}")  # workflow_dispatch inputs, JSON
    status: Mapped[str] = mapped_column(String(20), index=True)
    conclusion: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it ended as it did
    # which server process drives the run's engine, until when (renewed while it runs)
    owner: Mapped[str] = mapped_column(String(100), default="")
    lease_until: Mapped[float] = mapped_column(Float, default=0.0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Job(Base):
    """One job instance of a run (a matrix combination), leased to one worker at a time."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("run_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    key: Mapped[str] = mapped_column(String(500))  # stable across restarts of the run
    name: Mapped[str] = mapped_column(String(300))
    job_id: Mapped[str] = mapped_column(String(200))  # the id in the YAML
    needs: Mapped[str] = mapped_column(Text, default="[]")  # the YAML ids it needs, JSON
    environment: Mapped[str] = mapped_column(String(200), default="")
    request: Mapped[str] = mapped_column(Text)  # engine.request.JobRequest, JSON
    report: Mapped[str] = mapped_column(Text, default="")  # engine.report.JobReport, JSON
    status: Mapped[str] = mapped_column(String(20), index=True)
    conclusion: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
    lease_until: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    not_before: Mapped[float] = mapped_column(Float, default=0.0)  # a wait timer's end
    log_size: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")  # GITHUB_STEP_SUMMARY Markdown
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("job_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    conclusion: Mapped[str | None] = mapped_column(String(20), nullable=True)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class LogChunk(Base):
    """A job's log, masked, in the order it was written: ``offset`` is the byte offset
    of the chunk's first byte (UTF-8) in the whole log."""

    __tablename__ = "log_chunks"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class Annotation(Base):
    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[str] = mapped_column(String(20), default="")


class Artifact(Base):
    __tablename__ = "artifacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)


class Environment(Base):
    """A repository's deployment environment and its protection rules (as GitHub's)."""

    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("repo_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    reviewers: Mapped[str] = mapped_column(Text, default="[]")  # user names, JSON
    required: Mapped[bool] = mapped_column(Boolean, default=False)  # a review by any approver
    prevent_self_review: Mapped[bool] = mapped_column(Boolean, default=False)
    wait_timer: Mapped[int] = mapped_column(Integer, default=0)  # minutes, as GitHub
    branches: Mapped[str] = mapped_column(Text, default="[]")  # allowed patterns; []: any
    tags: Mapped[str] = mapped_column(Text, default="[]")
    windows: Mapped[str] = mapped_column(Text, default="[]")  # deploy windows, JSON
    variables: Mapped[str] = mapped_column(Text, default="{}")


class Secret(Base):
    """A repository's or environment's secret, sealed (never stored in plain text)."""

    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("repo_id", "environment", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id"), index=True)
    environment: Mapped[str] = mapped_column(String(200), default="")  # "": the repo's
    name: Mapped[str] = mapped_column(String(200))
    sealed: Mapped[str] = mapped_column(Text)


class Approval(Base):
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    environment: Mapped[str] = mapped_column(String(200))
    user: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))  # approved | rejected
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[float] = mapped_column(Float)


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    scope: Mapped[str] = mapped_column(String(20))  # read | trigger | approve | admin
    user: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[float] = mapped_column(Float)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password: Mapped[str] = mapped_column(Text)  # scrypt, see server.auth
    scope: Mapped[str] = mapped_column(String(20), default="admin")
    created_at: Mapped[float] = mapped_column(Float)


class Session(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user: Mapped[str] = mapped_column(String(200))
    expires: Mapped[float] = mapped_column(Float)


class Delivery(Base):
    """Webhook deliveries seen, so a replayed ``X-GitHub-Delivery`` starts nothing."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(60))
    repo: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(40))
    at: Mapped[float] = mapped_column(Float)


class Schedule(Base):
    """When each repository's `schedule` crons last fired (UTC minute, epoch seconds)."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("repo_id", "workflow_file", "cron"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id"))
    workflow_file: Mapped[str] = mapped_column(String(300))
    cron: Mapped[str] = mapped_column(String(100))
    last: Mapped[float] = mapped_column(Float)
