"""handlebars, as far as docker/metadata-action's expressions use it.

Mustaches (``{{name}}``, ``{{{name}}}``, ``{{helper 'arg' key='v'}}``), comments, ``~``
whitespace control and ``\\{{`` escapes, with handlebars' HTML escaping of values. Blocks,
partials and sub-expressions fail loudly: the action documents none of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin.docker_metadata.js import js_str
from conveyor.records import record

# a helper gets the mustache's parameters and its key=value pairs
Helper = Callable[[list[Any], dict[str, Any]], Any]


# the characters an identifier may hold (handlebars' lexer)
_ID = r"""[^\s!"#%-,./;->@\[-\^`{-~]+"""
_SEGMENT = rf"(?:{_ID}|\[[^\]]*\])"
_ARG = re.compile(
    rf"""\s*(?:
      (?P<str>"(?:\\"|[^"])*"|'(?:\\'|[^'])*')
    | (?P<num>-?[0-9]+(?:\.[0-9]+)?)(?=[~}}\s)]|$)
    | (?P<key>{_ID})=
    | (?P<path>(?:this|\.\.?|{_SEGMENT})(?:[./]{_SEGMENT})*)
    | (?P<other>\S)
    )""",
    re.VERBOSE,
)


@record(frozen=True)
class Mustache:
    path: tuple[str, ...]
    params: tuple[tuple[str, str], ...]  # (kind, source): str, num or path
    hash: tuple[tuple[str, tuple[str, str]], ...]
    escape: bool
    strip_before: bool = False
    strip_after: bool = False


# one template piece: text, a mustache, or None for a comment
Part = str | Mustache | None


def _path(source: str) -> tuple[str, ...]:
    segments = re.findall(rf"{_SEGMENT}|\.\.", source)
    parts = [s[1:-1] if s.startswith("[") else s for s in segments]
    return tuple(p for p in parts if p not in ("this", "."))


def _mustache(body: str, escape: bool, template: str) -> Mustache:
    strip_before, strip_after = body.startswith("~"), body.endswith("~")
    body = body[1 if strip_before else 0 : len(body) - (1 if strip_after else 0)]
    if body.lstrip()[:1] in ("#", "/", "^", ">", "*") or re.match(r"\s*else\b", body):
        raise ActionFailed(
            f"'{template}': handlebars blocks, partials and decorators are not supported "
            "(docker/metadata-action's expressions are plain {{name}} mustaches)"
        )
    tokens = [(m.lastgroup or "", m.group(m.lastgroup or 0)) for m in _ARG.finditer(body)]
    tokens = [t for t in tokens if t[1].strip()]
    if not tokens or tokens[0][0] != "path":
        raise ActionFailed(f"'{template}': cannot parse the expression '{{{{{body}}}}}'")
    params: list[tuple[str, str]] = []
    pairs: list[tuple[str, tuple[str, str]]] = []
    rest = tokens[1:]
    while rest:
        kind, text = rest.pop(0)
        if kind == "key":
            if not rest or rest[0][0] not in ("str", "num", "path"):
                raise ActionFailed(f"'{template}': '{text}=' needs a value")
            pairs.append((text, rest.pop(0)))
        elif kind in ("str", "num", "path") and not pairs:
            params.append((kind, text))
        else:
            raise ActionFailed(
                f"'{template}': '{text}' is not supported in an expression "
                "(sub-expressions and block parameters are not)"
            )
    return Mustache(
        _path(tokens[0][1]), tuple(params), tuple(pairs), escape, strip_before, strip_after
    )


def _escaped_text_end(template: str, start: int) -> int:
    """Where the literal text after an escaped ``\\{{`` stops: the next mustache (or its
    own escape)."""
    k = template.find("{{", start)
    if k < 0:
        return len(template)
    if template[k - 2 : k] == "\\\\" and k - 2 >= start:
        return k - 2
    return k - 1 if template[k - 1] == "\\" and k - 1 >= start else k


@lru_cache(maxsize=512)
def parse_template(template: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    i = 0
    while i < len(template):
        j = template.find("{{", i)
        if j < 0:
            parts.append(template[i:])
            break
        if template[j - 1 : j] == "\\" and template[j - 2 : j] != "\\\\":
            end = _escaped_text_end(template, j + 2)
            parts += [template[i : j - 1], template[j:end]]
            i = end
            continue
        text = template[i : j - 1] if template[j - 2 : j] == "\\\\" else template[i:j]
        if text:
            parts.append(text)
        if template.startswith(("{{!--", "{{~!--"), j):
            close = template.find("--", template.find("!--", j) + 3)
            end = template.find("}}", close) if close >= 0 else -1
            parts.append(None)
        elif template.startswith(("{{!", "{{~!"), j):
            end = template.find("}}", j)
            parts.append(None)
        elif template.startswith("{{{", j):
            end = template.find("}}}", j)
            if end >= 0:
                parts.append(_mustache(template[j + 3 : end], False, template))
                end += 1
        else:
            end = template.find("}}", j)
            if end >= 0:
                body = template[j + 2 : end]
                raw = body.lstrip("~").startswith("&")
                if raw:
                    body = body.replace("&", "", 1)
                parts.append(_mustache(body, not raw, template))
        if end < 0:
            raise ActionFailed(f"'{template}': '{{{{' without its closing '}}}}'")
        i = end + 2
    return tuple(p for p in parts if p != "")


def is_raw_statement(pattern: str) -> bool:
    """True when the pattern is exactly one ``{{raw}}`` mustache (then pre-releases keep it)."""
    try:
        parts = parse_template(pattern)
    except ActionFailed:
        return False
    return len(parts) == 1 and isinstance(parts[0], Mustache) and parts[0].path == ("raw",)


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_ESCAPES |= {"`": "&#x60;", "=": "&#x3D;"}


def _lookup(data: Any, path: Sequence[str]) -> Any:
    if not path:
        return data
    if len(path) == 1 and path[0] in ("true", "false", "null", "undefined"):
        return {"true": True, "false": False}.get(path[0])
    for segment in path:
        if isinstance(data, Mapping):
            data = data.get(segment)
        elif isinstance(data, list) and segment.isdigit() and int(segment) < len(data):
            data = data[int(segment)]
        else:
            return None
    return data


def _arg(arg: tuple[str, str], data: Mapping[str, Any]) -> Any:
    kind, text = arg
    if kind == "str":
        return re.sub(r"\\(['\"])", r"\1", text[1:-1])
    if kind == "num":
        return float(text) if "." in text else int(text)
    return _lookup(data, _path(text))


def _value(m: Mustache, data: Mapping[str, Any]) -> Any:
    if m.params or m.hash:
        helper = data.get(m.path[0]) if len(m.path) == 1 else None
        if not callable(helper):
            raise ActionFailed(f'Missing helper: "{".".join(m.path)}"')
        params = [_arg(a, data) for a in m.params]
        return helper(params, {key: _arg(a, data) for key, a in m.hash})
    value = _lookup(data, m.path)
    return value([], {}) if callable(value) else value


def render(template: str, data: Mapping[str, Any]) -> str:
    """``handlebars.compile(template)(data)``; callables in ``data`` are helpers taking
    ``(params, hash)``."""
    out: list[str] = []
    strip_next = False
    for part in parse_template(template):
        if isinstance(part, Mustache):
            if part.strip_before and out:
                out[-1] = out[-1].rstrip()
            text = js_str(_value(part, data))
            out.append("".join(_ESCAPES.get(c, c) for c in text) if part.escape else text)
            out.append("")  # mustache output is never stripped: an empty text follows it
            strip_next = part.strip_after
        elif part is not None:
            out.append(part.lstrip() if strip_next else part)
            strip_next = False
    return "".join(out)
