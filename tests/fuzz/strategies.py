"""Structure-aware Hypothesis strategies: expressions from the grammar, ``${{ }}``
templates, YAML workflows from the schema vocabulary, and glob patterns."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from conveyor.expr.parser import FUNCTIONS
from conveyor.workflow import validate_schema as schema

# --- expressions ------------------------------------------------------------------------

NUMBERS = [
    "0", "1", "-1", "+1", "-0", "3.14", ".5", "5.", "1e3", "1E-7", "1e308", "1e309", "-1e400",
    "0x1F", "0xffffffff", "0x100000000", "0x" + "f" * 5000, "0o17", "0o" + "7" * 3000,
    "9" * 400, "1" * 5000, "0" * 50 + "1", "NaN", "Infinity", "-Infinity", "1e", "0x", "1.2.3",
    "2147483647", "2147483648", "-2147483649", "1_000", "0b101",
]  # fmt: skip
NAMES = [
    "github", "env", "matrix", "steps", "needs", "inputs", "vars", "secrets", "strategy",
    "job", "jobs", "runner", "GITHUB", "unknown", "_x", "a-b", "a1",
]  # fmt: skip
PROPERTIES = ["ref", "event", "os", "outputs", "result", "x", "a-b", "0", "*", "length", "nums"]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "&&", "||"]
JUNK = [
    "(", ")", "[", "]", ",", ".", "!", "=", "&", "|", "'", "''", "$", "{", "}", "\\",
    "\t", "\n", "\x00", "\u00a0", "\ud800", "é", "\u0130", "\u0131", "🙂", " ",
]  # fmt: skip
FUNCTION_NAMES = [spec[0] for spec in FUNCTIONS.values()] + ["FORMAT", "nope", "toJson", "len"]


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


string_literals = st.one_of(
    st.text(max_size=20).map(quoted),
    st.sampled_from(["'{0}'", "'{0}{1}'", "'{{0}}'", "'{'", "'}'", "'{0:x}'", "'{256}'"]),
    st.sampled_from(["'[1,2,{\"a\":[3]}]'", "'{\"a\":1e999}'", "'[' ", "'unterminated"]),
    st.integers(1, 5000).map(lambda n: quoted("{0}" * n)),
    st.integers(1, 2000).map(lambda n: quoted("[" * n + "]" * n)),
    st.integers(1, 200).map(lambda n: quoted('{"a":' * n + "1" + "}" * n)),
    st.integers(1, 30).map(lambda n: quoted("9" * (n * 200))),
)
literals = st.one_of(
    st.sampled_from(["null", "true", "false", "True", "NULL"]),
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    string_literals,
)
named_values = st.sampled_from(NAMES)


def _postfix(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    suffix = st.one_of(
        st.sampled_from(PROPERTIES).map(lambda p: "." + p),
        st.just("[*]"),
        st.sampled_from(["[0]", "[1]", "[-1]", "[1e400]", "['ref']", "[2147483648]", "[NaN]"]),
    )
    return st.tuples(base, st.lists(suffix, max_size=6)).map(lambda t: t[0] + "".join(t[1]))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    call = st.tuples(st.sampled_from(FUNCTION_NAMES), st.lists(inner, max_size=5)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})"
    )
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(" ".join),
        inner.map(lambda e: f"!{e}"),
        inner.map(lambda e: f"({e})"),
        _postfix(inner.map(lambda e: f"({e})")),
        call,
        _postfix(call),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
    )


_leaves = st.one_of(literals, _postfix(named_values))
grammar_expressions = st.recursive(_leaves, _extend, max_leaves=12)


@st.composite
def deep_expressions(draw: st.DrawFn) -> str:
    """One construct nested far beyond MAX_DEPTH (50), or just under it."""
    n = draw(st.sampled_from([10, 49, 50, 51, 60, 100, 200, 500, 1000, 5000]))
    kind = draw(st.sampled_from(["paren", "not", "index", "call", "eq", "and", "prop", "arr"]))
    if kind == "paren":
        return "(" * n + "1" + ")" * n
    if kind == "not":
        return "!" * n + "true"
    if kind == "index":
        return "github" + "[0]" * n
    if kind == "call":
        return "toJSON(" * n + "1" + ")" * n
    if kind == "eq":
        return " == ".join(["1"] * n)
    if kind == "and":
        return " && ".join(["(1 || (2 && !3))"] * n)
    if kind == "prop":
        return "github" + ".a" * n
    return "fromJSON('" + "[" * n + "]" * n + "')"


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """``base`` with a few characters inserted, deleted or cut off."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "cut"]))
        if op == "insert":
            text = text[:i] + draw(st.sampled_from(JUNK) | st.characters()) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + 1 :]
        else:
            text = text[:i]
    return text


expressions = st.one_of(
    grammar_expressions,
    mutated(grammar_expressions),
    deep_expressions(),
    st.text(max_size=60),
    st.lists(st.sampled_from([*JUNK, "a", "1", "0x", "e", "null"]), max_size=40).map("".join),
)

# --- templates ----------------------------------------------------------------------------

_template_parts = st.one_of(
    st.text(max_size=15),
    expressions.map(lambda e: "${{ " + e + " }}"),
    st.sampled_from(["${{", "}}", "${{ '}}' }}", "${{}}", "$${{ 1 }}", "${{ 'a", "{{ x }}"]),
)
templates = st.lists(_template_parts, min_size=1, max_size=6).map("".join)

# --- YAML workflows -----------------------------------------------------------------------

ODD_SCALARS = [
    "", "~", "null", "Null", "true", "False", "yes", "on", "off", "0x1F", "0o17", "0b101",
    "1e400", "-.inf", ".NaN", "9" * 5000, "0x" + "f" * 5000, "0o" + "7" * 5000, "-0", "+1",
    "1_000", "12:30", "2024-01-01", "3.10", "!!int 3", "!!int x", "!!str 5", "!!float 1",
    "!!bool yes", "!!null", "!!binary aGk=", "!!map {}", "!custom x", "!", "'single'",
    '"double\\u00e9"', '"\\ud800"', "|", ">-", "[]", "{}", "[a, b]", "{a: 1}",
    "ubuntu-latest", "push", "actions/checkout@v4", "./.github/actions/x", "docker://alpine",
    "bash", "echo hi", "${{ github.ref }}", "${{ matrix.os }}", "${{", "}}", "${{ }}",
    "${{ fromJSON('[1,2]') }}", "${{ toJSON(github) }}", "*", "**", "!x", "[", "]",
]  # fmt: skip
ANCHORS = ["a", "b", "c"]

_plain_key = st.sampled_from(
    sorted(
        {
            *schema.WORKFLOW_KEYS, *schema.JOB_KEYS, *schema.CALLER_JOB_KEYS, *schema.STEP_KEYS,
            *schema.STRATEGY_KEYS, *schema.CONCURRENCY_KEYS, *schema.CONTAINER_KEYS,
            *schema.SERVICE_KEYS, "include", "exclude", "branches", "tags", "paths",
            "branches-ignore", "tags-ignore", "paths-ignore", "types", "inputs", "outputs",
            "secrets", "cron", "workflow_dispatch", "workflow_call", "pull_request", "push",
            "schedule", "default", "required", "type", "description", "value", "<<",
        }
    )
)  # fmt: skip
keys = st.one_of(_plain_key, st.text(min_size=1, max_size=10).map(json.dumps))


def _scalar_text(value: str) -> str:
    """``value`` written so that YAML reads it back as that string."""
    return json.dumps(value)


scalars = st.one_of(
    st.sampled_from(ODD_SCALARS),
    templates.map(_scalar_text),
    expressions.map(_scalar_text),
    st.text(max_size=20).map(_scalar_text),
    st.integers().map(str),
    st.floats().map(repr),
)

# A node: ("scalar", text) | ("alias", name) | ("map"/"seq", items, anchor, flow)
Node = tuple[Any, ...]


def _nodes(depth: int) -> st.SearchStrategy[Node]:
    leaf = st.one_of(
        scalars.map(lambda s: ("scalar", s)),
        st.sampled_from(ANCHORS).map(lambda a: ("alias", a)),
    )
    if depth <= 0:
        return leaf
    child = st.deferred(lambda: _nodes(depth - 1))
    anchor = st.none() | st.sampled_from(ANCHORS)
    mapping = st.tuples(
        st.just("map"), st.lists(st.tuples(keys, child), max_size=5), anchor, st.booleans()
    )
    sequence = st.tuples(st.just("seq"), st.lists(child, max_size=4), anchor, st.booleans())
    return st.one_of(leaf, mapping, sequence)


def _inline(node: Node) -> str:
    kind = node[0]
    if kind == "scalar":
        return str(node[1])
    if kind == "alias":
        return f"*{node[1]}"
    prefix = f"&{node[2]} " if node[2] else ""
    if kind == "map":
        return prefix + "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in node[1]) + "}"
    return prefix + "[" + ", ".join(_inline(v) for v in node[1]) + "]"


def _block(node: Node, indent: int) -> list[str]:
    """Lines of ``node`` as a block collection at ``indent`` (flow parts stay inline)."""
    pad = " " * indent
    kind, items = node[0], node[1]
    if kind == "map":
        if not items:
            return [pad + "{}"]
        lines: list[str] = []
        for key, value in items:
            if value[0] in ("scalar", "alias") or value[3] or not value[1]:
                lines.append(f"{pad}{key}: {_inline(value)}")
            else:
                anchor = f" &{value[2]}" if value[2] else ""
                lines.append(f"{pad}{key}:{anchor}")
                lines.extend(_block(value, indent + 2))
        return lines
    if not items:
        return [pad + "[]"]
    lines = []
    for value in items:
        if value[0] in ("scalar", "alias") or value[3] or not value[1]:
            lines.append(f"{pad}- {_inline(value)}")
        else:
            anchor = f" &{value[2]}" if value[2] else ""
            lines.append(f"{pad}-{anchor}")
            lines.extend(_block(value, indent + 2))
    return lines


def render(node: Node) -> str:
    if node[0] in ("map", "seq") and not node[3]:
        anchor = f"--- &{node[2]}\n" if node[2] else ""
        return anchor + "\n".join(_block(node, 0)) + "\n"
    return _inline(node) + "\n"


def _step() -> st.SearchStrategy[Node]:
    entries = st.lists(
        st.tuples(st.sampled_from(schema.STEP_KEYS), _nodes(1)), min_size=1, max_size=5
    )
    return st.tuples(st.just("map"), entries, st.none(), st.booleans())


def _matrix() -> st.SearchStrategy[Node]:
    vector = st.tuples(
        st.just("seq"),
        st.lists(_nodes(1), min_size=0, max_size=12),
        st.none() | st.sampled_from(ANCHORS),
        st.booleans(),
    )
    entries = st.lists(
        st.tuples(st.sampled_from(["os", "py", "include", "exclude", "<<", "x"]), vector),
        max_size=8,
    )
    return st.tuples(st.just("map"), entries, st.none(), st.booleans())


def _job() -> st.SearchStrategy[Node]:
    steps = st.tuples(st.just("seq"), st.lists(_step(), max_size=4), st.none(), st.booleans())
    strategy = st.tuples(
        st.just("map"), st.lists(st.tuples(st.just("matrix"), _matrix()), max_size=1),
        st.none(), st.booleans(),
    )  # fmt: skip
    entry = st.one_of(
        st.tuples(st.just("runs-on"), st.sampled_from(["ubuntu-latest", "[self-hosted]", ""])
                  .map(lambda s: ("scalar", s))),
        st.tuples(st.just("steps"), steps),
        st.tuples(st.just("strategy"), strategy),
        st.tuples(st.sampled_from(schema.JOB_KEYS + schema.CALLER_JOB_KEYS), _nodes(2)),
    )  # fmt: skip
    return st.tuples(st.just("map"), st.lists(entry, max_size=6), st.none(), st.booleans())


@st.composite
def workflow_trees(draw: st.DrawFn) -> Node:
    on = draw(
        st.one_of(
            st.sampled_from(["push", "[push, pull_request]", "workflow_dispatch"])
            .map(lambda s: ("scalar", s)),
            _nodes(3),
        )
    )  # fmt: skip
    job_ids = st.one_of(st.sampled_from(["build", "test", "a-b", "_x"]), keys)
    jobs = ("map", draw(st.lists(st.tuples(job_ids, _job()), max_size=3)), None, False)
    entries = [("on", on), ("jobs", jobs)]
    entries += draw(st.lists(st.tuples(keys, _nodes(3)), max_size=3))
    order = draw(st.permutations(range(len(entries))))
    return ("map", [entries[i] for i in order], None, False)


@st.composite
def deep_yaml(draw: st.DrawFn) -> str:
    n = draw(st.sampled_from([40, 49, 50, 51, 60, 100, 400, 999, 1000, 1001, 5000]))
    kind = draw(st.sampled_from(["flow-seq", "flow-map", "block-seq", "block-map", "mixed"]))
    if kind == "flow-seq":
        inner = "[" * n + "]" * n
    elif kind == "flow-map":
        inner = "{a: " * n + "1" + "}" * n
    elif kind == "block-seq":
        return "on: push\njobs:\n  x:\n" + "".join(" " * (4 + i) + "-\n" for i in range(n))
    elif kind == "block-map":
        return "on: push\njobs:\n" + "".join(" " * (2 + i) + "k:\n" for i in range(n))
    else:
        inner = "[{a: " * n + "1" + "}]" * n
    where = draw(st.sampled_from(["top", "with", "matrix"]))
    if where == "top":
        return inner
    if where == "with":
        return f"on: push\njobs:\n  x:\n    runs-on: x\n    steps:\n      - with: {inner}\n"
    return (
        f"on: push\njobs:\n  x:\n    runs-on: x\n    strategy:\n      matrix:\n        v: {inner}\n"
    )


@st.composite
def yaml_bombs(draw: st.DrawFn) -> str:
    """Aliases expanding one another, and merge keys doing the same."""
    width = draw(st.integers(2, 12))
    levels = draw(st.integers(2, 12))
    if draw(st.booleans()):
        lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
        for i in range(1, levels):
            lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
        return "\n".join(lines) + f"\non: push\njobs: {{x: {{runs-on: *a{levels - 1}}}}}\n"
    chain = draw(st.integers(10, 3000))
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: {j}" for j in range(width)) + "}"]
    for i in range(1, chain):
        lines.append(
            f"m{i}: &m{i}\n  <<: [*m{i - 1}" + f", *m{i - 1}" * (width % 3) + f"]\n  z{i}: 1"
        )
    return "\n".join(lines) + "\n"


@st.composite
def mutated_text(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """Byte-level surprises a YAML reader meets: BOMs, tabs, cuts, odd characters."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["bom", "tab", "cut", "char", "dup", "crlf"]))
        i = draw(st.integers(0, len(text)))
        if op == "bom":
            text = "\ufeff" + text
        elif op == "tab":
            text = text.replace("  ", "\t", draw(st.integers(1, 5)))
        elif op == "cut":
            text = text[:i]
        elif op == "char":
            ch = draw(st.sampled_from([*JUNK, ":", "-", "#", "&", "*", "%", "@", "`"]))
            text = text[:i] + ch + text[i:]
        elif op == "dup":
            lines = text.splitlines(keepends=True)
            if lines:
                j = draw(st.integers(0, len(lines) - 1))
                text = "".join(lines[: j + 1] + lines[j:])
        else:
            text = text.replace("\n", "\r\n")
    return text


workflow_texts = st.one_of(
    workflow_trees().map(render),
    mutated_text(workflow_trees().map(render)),
    _nodes(4).map(render),
    st.text(max_size=200),
)


@st.composite
def workflow_bytes(draw: st.DrawFn) -> bytes:
    """Workflow files as bytes: valid ones, invalid UTF-8, other encodings' BOMs."""
    text = draw(workflow_texts)
    data = text.encode("utf-8", "surrogatepass")
    op = draw(st.sampled_from(["none", "bytes", "utf16", "insert"]))
    if op == "bytes":
        return draw(st.binary(max_size=300))
    if op == "utf16":
        return text.encode("utf-16", "surrogatepass")
    if op == "insert":
        i = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xef\xbb\xbf"]))
        return data[:i] + junk + data[i:]
    return data


# --- glob patterns ------------------------------------------------------------------------

GLOB_PIECES = [
    "*", "**", "**/", "/**", "?", "+", "[", "]", "[a-z]", "[!a]", "[^a]", "[]", "[z-a]", "[\\]]",
    "\\", "\\*", "\\\\", "!", "/", ".", "..", "~", "#", "{a,b}", "{", "}", ",", "a", "b", "x.js",
    " ", "é", "-",
]  # fmt: skip
glob_patterns = st.one_of(
    st.lists(st.sampled_from(GLOB_PIECES), min_size=1, max_size=16).map("".join),
    st.tuples(st.sampled_from(["*", "**/", "*a", "**/a/", "a*", "[ab]*"]), st.integers(1, 60))
    .map(lambda t: t[0] * t[1] + "b"),
    st.text(max_size=30),
    st.integers(100, 5000).map(lambda n: "a" * n),
)  # fmt: skip
glob_values = st.one_of(
    st.lists(st.sampled_from(["a", "b", "/", ".", "x.js", "aaaa", "é", "-"]), max_size=30)
    .map("".join),
    st.integers(1, 3000).map(lambda n: "a" * n),
    st.integers(1, 300).map(lambda n: "a/" * n),
    st.text(max_size=40),
)  # fmt: skip
