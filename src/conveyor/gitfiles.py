"""Facts of a local git repository read from its files, without starting git.

Every ``conveyor run`` needs a few facts (owner/name, the actor, the head commit); a git
process costs milliseconds, reading a file microseconds. Each reader here knows the
plain layouts only and returns ``None`` for anything else (an environment override, a
file owned by someone else, an include, a packed object, a reftable...): the caller
asks git then. tests/workflow/test_gitfiles.py compares both on real repositories.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

# variables that make git look elsewhere than <root>/.git or read other files
_REPO_OVERRIDES = (
    "GIT_DIR",
    "GIT_COMMON_DIR",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_NAMESPACE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_GRAFT_FILE",
)
_CONFIG_OVERRIDES = ("GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG_SYSTEM")


def _owned(*paths: str) -> bool:
    """git's safe.directory check passes without configuration (else git decides)."""
    uid = os.geteuid()
    if uid == 0 and "SUDO_UID" in os.environ:
        return False  # git compares with the sudo user then
    return all(os.lstat(p).st_uid == uid for p in paths)


def git_dirs(root: Path | str) -> tuple[str, str] | None:
    """(git dir, common dir) of the work tree ``root``: ``root/.git``, or for a linked
    work tree the folder its ``.git`` file names and that folder's ``commondir``."""
    if any(name in os.environ for name in _REPO_OVERRIDES):
        return None
    try:
        dot = os.path.join(root, ".git")
        if os.path.isdir(dot):
            gitdir = dot
            owned = _owned(str(root), gitdir)
        else:
            with open(dot, encoding="utf-8") as f:
                text = f.read().strip()
            if not text.startswith("gitdir: "):
                return None
            gitdir = os.path.realpath(os.path.join(root, text[len("gitdir: ") :]))
            owned = _owned(str(root), dot, gitdir)
        common = gitdir
        commondir = os.path.join(gitdir, "commondir")
        if os.path.isfile(commondir):
            with open(commondir, encoding="utf-8") as f:
                common = os.path.realpath(os.path.join(gitdir, f.read().strip()))
            owned = owned and _owned(common)
        if not owned or not os.path.isfile(os.path.join(gitdir, "HEAD")):
            return None
        return gitdir, common
    except (OSError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------------------- commit


def head_commit(root: Path | str) -> tuple[str, str, str, str, str, str, str] | None:
    """HEAD's branch and commit as ``git log -1 HEAD`` formats them: (branch, %H, %P,
    %an, %ae, %cI, %B). Only for HEAD on a branch whose commit is a loose object in
    UTF-8; None for a detached HEAD, a packed commit, replace refs, grafts, a shallow
    clone, another encoding or an odd line: git is asked then."""
    dirs = git_dirs(root)
    if dirs is None:
        return None
    gitdir, common = dirs
    try:
        with open(os.path.join(gitdir, "HEAD"), encoding="utf-8") as f:
            head = f.read()
        if not head.startswith("ref: refs/heads/"):
            return None
        ref = head[len("ref: ") :].strip()
        for odd in ("reftable", "shallow", "info/grafts", "refs/replace"):
            if os.path.exists(os.path.join(common, odd)):
                return None
        sha = _read_ref(common, ref)
        if sha is None:
            return None
        with open(os.path.join(common, "objects", sha[:2], sha[2:]), "rb") as f:
            import zlib

            raw = zlib.decompress(f.read())
        fields = _parse_commit(raw)
    except (OSError, UnicodeDecodeError, ValueError, OverflowError):
        return None
    if fields is None:
        return None
    return (ref[len("refs/heads/") :], sha, *fields)


def _read_ref(common: str, ref: str) -> str | None:
    """The SHA-1 ``ref`` holds, from its loose file or packed-refs; None for anything
    else (a symbolic ref, no such ref, replace refs among the packed ones)."""
    packed = os.path.join(common, "packed-refs")
    lines: list[str] = []
    if os.path.exists(packed):
        with open(packed, encoding="utf-8") as f:
            text = f.read()
        if "refs/replace/" in text:
            return None
        lines = text.splitlines()
    try:
        with open(os.path.join(common, ref), encoding="utf-8") as f:
            sha = f.read().strip()
    except FileNotFoundError:
        suffix = f" {ref}"
        sha = next((line[: -len(suffix)] for line in lines if line.endswith(suffix)), "")
    if len(sha) != 40 or sha.strip("0123456789abcdef"):
        return None
    return sha


def _parse_commit(raw: bytes) -> tuple[str, str, str, str, str] | None:
    """(%P, %an, %ae, %cI, %B) of a commit object ``commit <size>\\0<headers>\\n\\n<msg>``."""
    kind, _, body = raw.partition(b"\0")
    if kind != b"commit %d" % len(body) or b"\0" in body:
        return None
    head, blank, message = body.partition(b"\n\n")
    if not blank:
        return None
    parents = []
    author = committer = None
    for line in head.split(b"\n"):
        name, _, value = line.partition(b" ")
        if name == b"parent":
            parents.append(value.decode("ascii"))
        elif name == b"author":
            author = _ident(value.decode("utf-8"))
        elif name == b"committer":
            committer = _ident(value.decode("utf-8"))
        elif name == b"encoding" and value.lower() not in (b"utf-8", b"utf8"):
            return None  # git re-encodes the message
    if author is None or committer is None:
        return None
    date = _iso8601(int(committer[2]), committer[3])
    return " ".join(parents), author[0], author[1], date, message.decode("utf-8")


def _ident(text: str) -> tuple[str, str, str, str] | None:
    """(name, email, timestamp, zone) of ``Name <email> 1700000000 +0100``; None for
    anything less regular (git's split_ident_line takes more, the caller asks git)."""
    name, lt, rest = text.partition("<")
    email, gt, when = rest.partition(">")
    if not lt or not gt or ">" in name or "<" in rest or ">" in when:
        return None
    stamp, space, zone = when.strip(" ").partition(" ")
    if not (when.startswith(" ") and space and stamp.isdigit() and stamp.isascii()):
        return None
    if len(zone) != 5 or zone[0] not in "+-" or not zone[1:].isdigit() or not zone.isascii():
        return None
    if when != f" {stamp} {zone}":
        return None
    return name.rstrip(" \t\r\n"), email, stamp, zone


def _iso8601(stamp: int, zone: str) -> str:
    """git's strict ISO 8601 date (``%cI``) of a commit time and its zone (date.c)."""
    import time

    tz = int(zone)
    hhmm = abs(tz)
    minutes = (hhmm // 100) * 60 + hhmm % 100
    t = time.gmtime(stamp + (minutes if tz >= 0 else -minutes) * 60)
    if t.tm_year > 9999:
        raise OverflowError(stamp)
    sign = "+" if tz >= 0 else "-"
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}{sign}{hhmm // 100:02d}:{hhmm % 100:02d}"
    )


# ---------------------------------------------------------------------------- config


def config_output(root: Path | str, keys: tuple[str, ...]) -> str | None:
    """What ``git config --get-regexp '^(k1|k2)$'`` prints in ``root`` for the exact
    ``keys`` (``section.name`` or ``section.subsection.name``, section and name in lower
    case): every match of the system, global and repository files, in git's order, as
    ``key value`` lines. ``None`` when git must be asked: includes, an ``[extensions]``
    section (per-worktree config, reftable...), ``GIT_CONFIG_*`` overrides other than
    ``GIT_CONFIG_GLOBAL`` and ``GIT_CONFIG_NOSYSTEM``, a line git would refuse."""
    dirs = git_dirs(root)
    if dirs is None or not sys.platform.startswith("linux"):
        return None
    if any(name in os.environ for name in _CONFIG_OVERRIDES):
        return None
    files = []
    nosystem = os.environ.get("GIT_CONFIG_NOSYSTEM")
    if nosystem is None or nosystem.lower() in ("", "0", "false", "no", "off"):
        if not _git_is_usr_bin():
            return None  # another build of git reads another system file
        files.append("/etc/gitconfig")
    elif nosystem.lower() not in ("1", "true", "yes", "on"):
        return None
    given = os.environ.get("GIT_CONFIG_GLOBAL")
    home = os.environ.get("HOME")
    if given is not None:
        files.append(given)
    elif home:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        files.append(os.path.join(xdg, "git", "config") if xdg else f"{home}/.config/git/config")
        files.append(os.path.join(home, ".gitconfig"))
    files.append(os.path.join(dirs[1], "config"))
    lines = []
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        except OSError:
            return None
        entries = parse_config(data)
        if entries is None:
            return None
        for key, value in entries:
            if key.startswith(("include.", "includeif.", "extensions.")):
                return None
            if key in keys:
                lines.append(key if value is None else f"{key} {value}")
    try:
        for line in lines:
            line.encode("utf-8")  # a value git would print as bytes that are not UTF-8
    except UnicodeEncodeError:
        return None
    return "".join(line + "\n" for line in lines)


def _git_is_usr_bin() -> bool:
    """The ``git`` on PATH is /usr/bin/git, built with prefix /usr: its system file is
    /etc/gitconfig (a git under /usr/local or /opt reads <prefix>/etc/gitconfig)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", "git")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.realpath(candidate) == "/usr/bin/git"
    return False


_SPACE = " \t\r\n"  # git's isspace()


def _keychar(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "-")


def parse_config(data: bytes) -> list[tuple[str, str | None]] | None:
    """The entries of one git config file as git reads them (config.c: ``[section]``,
    ``[section "subsection"]``, case-insensitive names, quotes, escapes, ``\\``-newline
    continuations, ``#``/``;`` comments): ``("section.subsection.name", value)``, the
    value ``None`` for a bare ``name``. ``None`` for what git would reject, and for the
    deprecated ``[section.subsection]`` form."""
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    text = text.removeprefix("\ufeff")
    n, i = len(text), 0
    section: str | None = None
    entries: list[tuple[str, str | None]] = []
    while i < n:
        c = text[i]
        i += 1
        if c in _SPACE:
            continue
        if c in "#;":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "[":
            header = _section(text, i)
            if header is None:
                return None
            section, i = header
            continue
        if not (c.isascii() and c.isalpha()) or section is None:
            return None
        j = i
        while j < n and _keychar(text[j]):
            j += 1
        name = text[i - 1 : j].lower()
        while j < n and text[j] in " \t":
            j += 1
        value: str | None = None
        if j < n and text[j] != "\n":
            if text[j] != "=":
                return None
            value, j = _value(text, j + 1)
            if value is None:
                return None
        entries.append((f"{section}.{name}", value))
        i = j
    return entries


def _section(text: str, i: int) -> tuple[str, int] | None:
    """The section header after the ``[`` at ``text[i - 1]``: ``name`` in lower case or
    ``name.subsection``, and the index after its ``]``; None if git would reject it."""
    n, j = len(text), i
    while j < n and _keychar(text[j]):
        j += 1
    name = text[i:j].lower()
    if not name or j >= n:
        return None
    if text[j] == "]":
        return name, j + 1
    if text[j] not in " \t":
        return None  # includes the deprecated [section.subsection]
    while j < n and text[j] in " \t":
        j += 1
    if j >= n or text[j] != '"':
        return None
    sub = []
    j += 1
    while True:
        if j >= n or text[j] == "\n":
            return None
        c = text[j]
        if c == '"':
            break
        if c == "\\":
            j += 1
            if j >= n or text[j] == "\n":
                return None
            c = text[j]
        sub.append(c)
        j += 1
    if j + 1 >= n or text[j + 1] != "]":
        return None
    return f"{name}.{''.join(sub)}", j + 2


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "\\": "\\", '"': '"'}


def _value(text: str, i: int) -> tuple[str | None, int]:
    """The value after the ``=`` at ``text[i - 1]`` and the index of the newline that
    ends it (config.c parse_value: whitespace outside quotes becomes one space per
    character inside the value and goes at its ends, a comment ends it, a
    backslash-newline continues it); None if git would reject it."""
    out: list[str] = []  # no empty strings: ``out`` is git's value.len
    n = len(text)
    quote = False
    space = 0
    while i < n:
        c = text[i]
        i += 1
        if c == "\n":
            return (None if quote else "".join(out)), i - 1
        if c in _SPACE and not quote:
            space += 1 if out else 0
            continue
        if not quote and c in "#;":
            end = text.find("\n", i)
            return "".join(out), (n if end < 0 else end)
        if space:
            out.append(" " * space)
            space = 0
        if c == "\\":
            c = text[i] if i < n else "\n"
            i += 1
            if c == "\n":
                continue
            if c not in _ESCAPES:
                return None, i
            out.append(_ESCAPES[c])
        elif c == '"':
            quote = not quote
        else:
            out.append(c)
    return (None if quote else "".join(out)), n
