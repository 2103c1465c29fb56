"""``$/path``: GitHub's self-repository reference in ``uses:`` (steps, composite steps and
reusable workflow calls; runner 2.336.0, changelog of 2026-07-30).

It names a path in the repository of the file that holds the ``uses:``, at the commit that
is running, so it takes no ``@ref``. The runner strips the leading slashes of the path and
rejects an empty one (actions/runner#4457); Conveyor also rejects a path that climbs out of
the repository with ``..``.
"""

from __future__ import annotations

PREFIX = "$/"


def is_self_ref(uses: str) -> bool:
    return uses.strip().startswith(PREFIX)


def self_ref_path(uses: str) -> str:
    """The repository-relative path of ``$/path``, normalised (``a/./b`` is ``a/b``);
    ValueError saying what is wrong (without quoting ``uses``) when it is not valid."""
    text = uses.strip()
    rest = text[len(PREFIX) :]
    if "@" in rest:
        path, _, ref = rest.rpartition("@")
        raise ValueError(
            "a '$/' reference always uses the commit that is running and takes "
            f"no '@{ref}'; write '$/{path}'"
        )
    parts: list[str] = []
    for part in rest.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise ValueError("a '$/' path must stay inside the repository ('..' climbs out)")
            parts.pop()
        else:
            parts.append(part)
    if not parts:
        raise ValueError(
            "a '$/' reference needs a path inside the repository, "
            "e.g. '$/.github/actions/my-action'"
        )
    return "/".join(parts)


def climbs_out(path: str) -> bool:
    """``path`` (``/``-separated, relative) leaves the folder it is relative to: more
    ``..`` segments than names before them, at some point."""
    depth = 0
    for part in path.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def uses_climbs_out(uses: str) -> bool:
    """A ``uses:`` whose path leaves its folder: ``./../x`` (the workspace) or
    ``owner/repo/../../x@ref`` (the action's repository)."""
    where = uses.strip().partition("@")[0]
    if where.startswith(("docker://", PREFIX)):
        return False  # an image; or $/, which self_ref_path checks
    if where.startswith("./") or where == ".":
        return climbs_out(where)
    return ".." in where.split("/")[2:]
