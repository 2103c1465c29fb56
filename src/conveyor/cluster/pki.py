"""The cluster's certificates and credentials, made once per state folder with openssl:
a CA, the API server's serving certificate (for 127.0.0.1, localhost and the in-cluster
names), the service-account signing key pair, and an admin bearer token that kubectl,
helm, the controllers and kwok all use (a throwaway cluster: one identity is enough)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SANS = (
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
    "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
)


class PkiError(Exception):
    pass


@dataclass(frozen=True)
class Pki:
    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def cert(self) -> Path:
        return self.folder / "apiserver.crt"

    @property
    def key(self) -> Path:
        return self.folder / "apiserver.key"

    @property
    def sa_key(self) -> Path:
        return self.folder / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.folder / "sa.pub"

    @property
    def tokens(self) -> Path:
        return self.folder / "tokens.csv"

    def token(self) -> str:
        return self.tokens.read_text().split(",", 1)[0]


def ensure(folder: Path) -> Pki:
    """The PKI in ``folder``, made when missing (``tokens.csv``, written last, marks done)."""
    pki = Pki(folder)
    if pki.tokens.exists():
        return pki
    openssl = shutil.which("openssl")
    if openssl is None:
        raise PkiError("openssl is not installed: apt-get install openssl (or scripts/bootstrap)")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)

    def run(*args: str) -> None:
        proc = subprocess.run(
            [openssl, *args], cwd=folder, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise PkiError(f"openssl {args[0]} failed: {proc.stderr.strip()}")

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=conveyor-cluster-ca",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "apiserver.key",
        "-out",
        "apiserver.csr",
        "-subj",
        "/CN=kube-apiserver",
    )
    (folder / "apiserver.ext").write_text(
        f"subjectAltName={SANS}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,"
        "keyEncipherment\n"
    )
    run(
        "x509",
        "-req",
        "-in",
        "apiserver.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "apiserver.crt",
        "-days",
        "3650",
        "-extfile",
        "apiserver.ext",
    )
    run("genrsa", "-out", "sa.key", "2048")
    run("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    # token,user,uid,"group": the admin is in system:masters, which RBAC lets do anything
    write_private(pki.tokens, f'{secrets.token_hex(16)},admin,admin,"system:masters"\n')
    return pki


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only, from the first byte (it holds a token)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    path.chmod(0o600)  # an older file keeps its mode through O_CREAT


def kubeconfig(pki: Pki, server: str) -> str:
    import base64

    ca = base64.b64encode(pki.ca.read_bytes()).decode()
    return f"""\
apiVersion: v1
kind: Config
clusters:
- name: conveyor
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: admin
  user:
    token: {pki.token()}
contexts:
- name: conveyor
  context:
    cluster: conveyor
    user: admin
current-context: conveyor
"""
