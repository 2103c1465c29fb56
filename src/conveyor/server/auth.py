"""Who may do what: API tokens with scopes, local users with scrypt-hashed passwords and
browser sessions. Only digests are stored; a token is shown once, when created."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from conveyor.server import models as m
from conveyor.server.db import now

# each scope includes the ones before it; admin also manages repositories and tokens
SCOPES = ("read", "trigger", "approve", "admin")
# an agent's token leases and runs jobs (it receives their secrets) and nothing else
AGENT = "agent"
SESSION_SECONDS = 12 * 3600


def allows(scope: str, needed: str) -> bool:
    if needed == AGENT:
        return scope in (AGENT, "admin")
    return scope in SCOPES and SCOPES.index(scope) >= SCOPES.index(needed)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(s: Session, scope: str, name: str = "", user: str = "") -> str:
    if scope not in (*SCOPES, AGENT):
        raise ValueError(f"unknown scope '{scope}'; scopes are: {', '.join((*SCOPES, AGENT))}")
    token = "cvy_" + secrets.token_urlsafe(30)
    s.add(m.Token(name=name, digest=digest(token), scope=scope, user=user, created_at=now()))
    return token


def token_scope(s: Session, token: str) -> tuple[str, str] | None:
    """(scope, user) of a valid token."""
    row = s.scalars(select(m.Token).where(m.Token.digest == digest(token))).first()
    return (row.scope, row.user or row.name or "token") if row else None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${key.hex()}"


def check_password(stored: str, password: str) -> bool:
    try:
        kind, salt, key = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(got.hex(), key)


def add_user(s: Session, name: str, password: str, scope: str = "admin") -> None:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope '{scope}'; scopes are: {', '.join(SCOPES)}")
    row = s.scalars(select(m.User).where(m.User.name == name)).first()
    if row is None:
        s.add(m.User(name=name, password=hash_password(password), scope=scope, created_at=now()))
    else:
        row.password, row.scope = hash_password(password), scope


def login(s: Session, name: str, password: str) -> str | None:
    """A new session token for a correct name and password."""
    row = s.scalars(select(m.User).where(m.User.name == name)).first()
    if row is None or not check_password(row.password, password):
        return None
    token = secrets.token_urlsafe(32)
    s.add(m.Session(digest=digest(token), user=name, expires=now() + SESSION_SECONDS))
    return token


def session_user(s: Session, token: str) -> tuple[str, str] | None:
    """(scope, user) of a live session."""
    row = s.scalars(select(m.Session).where(m.Session.digest == digest(token))).first()
    if row is None or row.expires < now():
        return None
    user = s.scalars(select(m.User).where(m.User.name == row.user)).first()
    return (user.scope, user.name) if user else None


def logout(s: Session, token: str) -> None:
    row = s.scalars(select(m.Session).where(m.Session.digest == digest(token))).first()
    if row is not None:
        s.delete(row)
