"""``post-receive`` hooks for plain bare repositories, so a ``git push`` to a self-hosted
remote tells Conveyor what changed, and the server's reading of what the hook sends.

The hook is POSIX sh with curl (or python3 when curl is missing) and never holds up or fails
a push: ten seconds at most, and a failure is one ``remote: conveyor: ...`` line.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

MARKER = "# installed by conveyor hooks install"
CHAINED = "post-receive.conveyor-chained"

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|/\.|\.lock(/|$)|/$|\.$")

_SCRIPT = """#!/bin/sh
{marker}
# Tells Conveyor about this push. It never fails the push: git ignores post-receive's
# status, and every error here is one line on stderr (the pusher sees "remote: ...").
server={server}
url={url}
token={token}
body=$(cat)

# an earlier post-receive, kept when conveyor was installed, sees the same input first
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
    printf '%s\\n' "$body" | "$chained"
fi

if command -v curl >/dev/null 2>&1; then
    if [ -n "$token" ]; then set -- -H "Authorization: Bearer $token"; else set --; fi
    err=$(printf '%s\\n' "$body" | curl -sS -f -o /dev/null --connect-timeout 5 -m 10 \\
        -X POST -H 'Content-Type: text/plain' "$@" --data-binary @- "$url" 2>&1)
elif command -v python3 >/dev/null 2>&1; then
    err=$(CONVEYOR_BODY="$body" python3 - "$url" "$token" 2>&1 <<'PYTHON'
import os, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
request = urllib.request.Request(url, data=(os.environ["CONVEYOR_BODY"] + "\\n").encode(),
                                 method="POST", headers={{"Content-Type": "text/plain"}})
if token:
    request.add_header("Authorization", "Bearer " + token)
try:
    urllib.request.urlopen(request, timeout=10).close()
except Exception as e:
    print(e)
    sys.exit(1)
PYTHON
)
else
    err="neither curl nor python3 is installed"
    false
fi
if [ $? -ne 0 ]; then
    printf 'conveyor: could not notify %s: %s\\n' "$server" \\
        "$(printf '%s' "$err" | tr '\\n' ' ')" >&2
fi
exit 0
"""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _git(bare_dir: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=bare_dir, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def script(server_url: str, repo: str, token: str = "") -> str:
    """The hook's text for ``repo`` (OWNER/NAME) on ``server_url``."""
    if not re.fullmatch(r"https?://[^\s'\"]+", server_url):
        raise ValueError(f"server URL {server_url!r}: expected http://host[:port][/path]")
    if not _REPO.fullmatch(repo) or any(part in (".", "..") for part in repo.split("/")):
        raise ValueError(f"repository {repo!r}: expected OWNER/NAME, e.g. acme/widgets")
    if token and not re.fullmatch(r"[\x21-\x7e]+", token):
        raise ValueError("token: printable characters only, no spaces or line breaks")
    server = server_url.rstrip("/")
    return _SCRIPT.format(
        marker=MARKER,
        server=_quote(server),
        url=_quote(f"{server}/hooks/git/{repo}"),
        token=_quote(token),
        chained=CHAINED,
    )


def install(bare_dir: Path, server_url: str, repo: str, token: str = "") -> Path:
    """Write ``hooks/post-receive`` into the bare repository ``bare_dir`` (or where its
    core.hooksPath points) and return its path. A post-receive that is not ours is kept as
    ``post-receive.conveyor-chained`` and run first; reinstalling replaces only ours."""
    text = script(server_url, repo, token)
    if not bare_dir.is_dir() or _git(bare_dir, "rev-parse", "--is-bare-repository") != "true":
        raise ValueError(f"{bare_dir}: not a bare git repository (git init --bare makes one)")
    hooks = bare_dir / _git(bare_dir, "rev-parse", "--git-path", "hooks")
    hooks.mkdir(parents=True, exist_ok=True)
    hook, chained = hooks / "post-receive", hooks / CHAINED
    if hook.exists() or hook.is_symlink():
        ours = MARKER in hook.read_text(errors="replace") if hook.is_file() else False
        if not ours:
            if chained.exists():
                raise FileExistsError(
                    f"{hook} is not conveyor's and {chained} already exists: merge the two "
                    f"into {chained}, remove {hook}, then install again"
                )
            hook.rename(chained)
    # written beside and renamed: a push meanwhile runs the old hook or the new, never half
    partial = hooks / f".post-receive.conveyor-{os.getpid()}"
    partial.write_text(text)
    partial.chmod(0o755)
    partial.replace(hook)
    return hook


def parse_hook_body(text: str) -> list[tuple[str, str, str]]:
    """The ``<old> <new> <ref>`` lines a hook sent, in order; ValueError names a bad line."""
    updates = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            raise ValueError(f"line {number}: expected '<old-sha> <new-sha> <ref>': {line!r}")
        old, new, ref = parts
        if not (_SHA.fullmatch(old) and _SHA.fullmatch(new)) or len(old) != len(new):
            raise ValueError(f"line {number}: not a pair of full commit ids: {line!r}")
        if not ref.startswith("refs/") or _BAD_REF.search(ref):
            raise ValueError(f"line {number}: not a ref name: {ref!r}")
        updates.append((old, new, ref))
    return updates
