"""Load YAML the way GitHub reads workflow files, keeping a position for every value.

PyYAML's resolver follows YAML 1.1 (``on`` would become ``True``); GitHub uses YAML 1.2
core rules, so we compose a node tree with libyaml and resolve plain scalars ourselves.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from conveyor.records import field, record
from conveyor.workflow.errors import Pos, WorkflowError

Path = tuple[str | int, ...]

_PLAIN = "tag:conveyor:plain"
_YAML = "tag:yaml.org,2002:"
_MAX_NODES = 100_000  # alias bombs stop in well under a second; a 5,000-step workflow is ~20k
# GitHub's template readers stop at this many nested mappings and sequences: 50 in a
# workflow (ParseOptions.MaxDepth), 100 in an action.yml (the runner's manifest reader)
MAX_DEPTH_WORKFLOW = 50
MAX_DEPTH_ACTION = 100


class _Loader(yaml.CSafeLoader):
    """Tags every plain scalar with ``_PLAIN`` so explicit tags stay distinguishable.

    Replaces PyYAML's YAML 1.1 resolver, which is also the slowest part of loading.
    """

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _YAML + "str"
        return _YAML + ("seq" if kind is SequenceNode else "map")

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


class _RedefiningLoader(Composer, _Loader):
    """Composes in Python so that an anchor may be defined again, as YAML 1.2 allows
    (an alias refers to the closest preceding definition) and GitHub accepts.

    libyaml's composer rejects a repeated anchor name, so this slower loader is used only
    for documents that have one.
    """

    def __init__(self, stream: str) -> None:
        _Loader.__init__(self, stream)
        self.anchors: dict[str, Node] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if not self.check_event(AliasEvent):
            anchor = getattr(self.peek_event(), "anchor", None)
            if anchor is not None:
                self.anchors.pop(anchor, None)  # a new definition replaces the old one
        return super().compose_node(parent, index)


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})
_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_INT8 = re.compile(r"0o[0-7]+\Z")
_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NANS = frozenset({".nan", ".NaN", ".NAN"})
_NUMBER_START = frozenset("0123456789+-.")


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar with the YAML 1.2 core schema."""
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text[0] not in _NUMBER_START:
        return text
    if _INT10.match(text):
        try:
            return _double_range(int(text))
        except ValueError:  # beyond Python's digit limit: a double, as GitHub reads it
            return float(text)
    if _INT8.match(text):
        return _double_range(int(text[2:], 8))
    if _INT16.match(text):
        return _double_range(int(text[2:], 16))
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text[0] == "-" else float("inf")
    if text in _NANS:
        return float("nan")
    return text


def _double_range(value: int) -> int | float:
    """``value``, or an infinity when it is beyond a double (every number is one on GitHub):
    later steps must be able to print it and convert it to float."""
    try:
        float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    return value


@record
class Doc:
    """A loaded YAML document: plain values plus where each one was written."""

    value: Any
    positions: dict[Path, Pos]  # path -> position of the value node; () is the root
    key_positions: dict[Path, Pos]  # path -> position of the key node of a mapping entry
    lines: list[str] = field(default_factory=list)  # the source, to point inside long values

    def pos(self, path: Path) -> Pos | None:
        """The value's position, or the nearest ancestor's when the value is absent."""
        while True:
            found = self.positions.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]

    def key_pos(self, path: Path) -> Pos | None:
        """The key's position for a mapping entry, else the value's."""
        return self.key_positions.get(path) or self.pos(path)


class _Builder:
    def __init__(self, file: str, max_depth: int) -> None:
        self.file = file
        self.max_depth = max_depth
        self.positions: dict[Path, Pos] = {}
        self.key_positions: dict[Path, Pos] = {}
        self.budget = _MAX_NODES
        self.active: set[int] = set()  # nodes being built, to catch recursive aliases
        # each mapping's entries with merges expanded, computed once: a chain of mappings
        # each merging the one before costs linear time, not cubic
        self.merged: dict[int, list[tuple[ScalarNode, Node]]] = {}
        self.merging: set[int] = set()  # mappings whose merges are being expanded

    def pos(self, node: Node) -> Pos:
        mark = node.start_mark
        return Pos(self.file, mark.line + 1, mark.column + 1)

    def spend(self, amount: int, node: Node) -> None:
        self.budget -= amount
        if self.budget < 0:
            raise WorkflowError(
                f"document is too large: more than {_MAX_NODES:,} values "
                "(aliases or merge keys expanding one another?)",
                self.pos(node),
                "yaml",
            )

    def build(self, node: Node, path: Path) -> Any:
        self.spend(1, node)  # every value counts: an alias bomb multiplies scalars too
        self.positions[path] = self.pos(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise WorkflowError("an alias refers to its own anchor", self.pos(node), "yaml")
        if len(self.active) >= self.max_depth:
            raise WorkflowError(
                f"maximum object depth exceeded: more than {self.max_depth} nested mappings "
                "and sequences",
                self.pos(node),
                "yaml",
            )
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            assert isinstance(node, MappingNode)  # the composer makes only three node kinds
            out: dict[str, Any] = {}
            for key_node, value_node in self.entries(node):
                key_path = (*path, key_node.value)
                self.key_positions[key_path] = self.pos(key_node)
                out[key_node.value] = self.build(value_node, key_path)
            return out
        finally:
            self.active.discard(id(node))

    def entries(self, node: MappingNode) -> list[tuple[ScalarNode, Node]]:
        """Mapping entries in YAML order with ``<<`` merges expanded in place.

        Keys written explicitly win over merged ones; among merged sources the first wins.
        """
        found = self.merged.get(id(node))
        if found is not None:
            return found
        if id(node) in self.merging:
            raise WorkflowError("a merge key refers to its own mapping", self.pos(node), "yaml")
        self.merging.add(id(node))
        try:
            found = self.merged[id(node)] = self.expand(node)
        finally:
            self.merging.discard(id(node))
        return found

    def expand(self, node: MappingNode) -> list[tuple[ScalarNode, Node]]:
        explicit: dict[str, ScalarNode] = {}
        has_merge = False
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                raise WorkflowError(
                    "mapping keys must be plain strings, not collections",
                    self.pos(key_node),
                    "yaml",
                )
            if key_node.tag == _PLAIN and key_node.value == "<<":
                has_merge = True
                continue
            first = explicit.get(key_node.value)
            if first is not None:
                raise WorkflowError(
                    f'duplicate key "{key_node.value}" (first defined at line '
                    f"{first.start_mark.line + 1}); each key may appear only once in a mapping",
                    self.pos(key_node),
                    "yaml",
                )
            explicit[key_node.value] = key_node
        if not has_merge:
            return list(node.value)
        out: list[tuple[ScalarNode, Node]] = []
        taken = set(explicit)
        for key_node, value_node in node.value:
            if key_node.value != "<<" or key_node.tag != _PLAIN:
                out.append((key_node, value_node))
                continue
            for key, value in self.merge_sources(value_node):
                if key.value not in taken:
                    taken.add(key.value)
                    out.append((key, value))
        return out

    def merge_sources(self, node: Node) -> list[tuple[ScalarNode, Node]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        out: list[tuple[ScalarNode, Node]] = []
        for src in sources:
            if not isinstance(src, MappingNode):
                raise WorkflowError(
                    "the value of a merge key << must be a mapping or a list of mappings",
                    self.pos(src),
                    "yaml",
                )
            if id(src) in self.active:
                raise WorkflowError("a merge key refers to its own mapping", self.pos(src), "yaml")
            entries = self.entries(src)
            self.spend(len(entries), src)  # merged entries are copies, as aliases are
            out.extend(entries)
        return out

    def scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _PLAIN:
            return resolve_plain(text)
        if tag in (_YAML + "str", "!"):
            return text
        if not tag.startswith(_YAML):
            raise WorkflowError(f'unsupported YAML tag "{tag}"', self.pos(node), "yaml")
        # An explicit core tag such as !!int: the text must fit that type.
        value = resolve_plain(text) if text else None
        kind = tag[len(_YAML) :]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if kind == "float":
                return float(value)
            if kind == "int" and isinstance(value, int):
                return value
        if (kind == "bool" and isinstance(value, bool)) or (kind == "null" and value is None):
            return value
        if kind not in ("int", "float", "bool", "null"):
            raise WorkflowError(f'unsupported YAML tag "!!{kind}"', self.pos(node), "yaml")
        raise WorkflowError(f'"{text}" is not a valid !!{kind}', self.pos(node), "yaml")


def _offset_pos(text: str, offset: int, file: str) -> Pos:
    line = text.count("\n", 0, offset) + 1
    return Pos(file, line, offset - text.rfind("\n", 0, offset))


def _syntax_error(exc: yaml.YAMLError, text: str, file: str) -> WorkflowError:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        char = exc.character
        code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        # libyaml's offset drifts after multi-byte characters; the reader stops at the
        # first disallowed character, so its first occurrence is the place
        offset = text.find(chr(char)) if isinstance(char, int) else -1
        return WorkflowError(
            f"invalid YAML: character {code} is not allowed: {exc.reason}",
            _offset_pos(text, offset if offset >= 0 else min(exc.position, len(text)), file),
            "yaml",
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}"
    if context:
        context_mark = getattr(exc, "context_mark", None)
        where = f" at line {context_mark.line + 1}" if context_mark is not None else ""
        message += f" ({context}{where})"
    pos = Pos(file, mark.line + 1, mark.column + 1) if mark is not None else Pos(file, 1, 1)
    return WorkflowError(message, pos, "yaml")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC: building many small objects otherwise triggers it constantly,
    which more than doubles load time for large workflows. Nothing here makes cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _unencodable(exc: UnicodeEncodeError, text: str, file: str) -> WorkflowError:
    """A lone surrogate (only a str built in memory can hold one), where it is."""
    return WorkflowError(
        f"invalid YAML: character U+{ord(text[exc.start]):04X} is not allowed: "
        "a lone surrogate is not text",
        _offset_pos(text, exc.start, file),
        "yaml",
    )


def load_yaml(text: str, file: str, max_depth: int = MAX_DEPTH_ACTION) -> Doc:
    """Parse one YAML document; raises WorkflowError (with a position) on bad YAML."""
    with paused_gc():
        try:
            try:
                root = yaml.compose(text, Loader=_Loader)
            except yaml.composer.ComposerError as exc:
                if not str(exc.context or "").startswith("found duplicate anchor"):
                    raise
                root = yaml.compose(text, Loader=_RedefiningLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text, file) from None
        except UnicodeEncodeError as exc:  # libyaml reads UTF-8
            raise _unencodable(exc, text, file) from None
        if root is None:
            return Doc(None, {(): Pos(file, 1, 1)}, {}, text.splitlines())
        builder = _Builder(file, max_depth)
        try:
            value = builder.build(root, ())
        except RecursionError:  # max_depth keeps well inside the limit; a deep caller may not
            raise WorkflowError("document is nested too deeply", Pos(file, 1, 1), "yaml") from None
        return Doc(value, builder.positions, builder.key_positions, text.splitlines())
