"""Secrets at rest: webhook secrets and repository/environment secrets are stored
sealed (Fernet: AES-128-CBC + HMAC-SHA256) with the server's key, never in plain text.

The key comes from ``$CONVEYOR_SECRET_KEY``, else from ``secret.key`` in the data
directory (made 0600 on first start). Keep it off the database's backups.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

ENV_VAR = "CONVEYOR_SECRET_KEY"


class SealError(Exception):
    pass


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode() if value else ""

    def open(self, sealed: str) -> str:
        if not sealed:
            return ""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError(
                f"a stored secret cannot be opened with this server's key (was "
                f"${ENV_VAR} or secret.key changed?)"
            ) from None


def load_sealer(data_dir: Path) -> Sealer:
    given = os.environ.get(ENV_VAR)
    if given:
        return Sealer(given.encode())
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
    return Sealer(path.read_bytes().strip())
