"""The structure drawn from the imports: stages import only backwards, and no module
imports itself through others. Every import counts — at module level, inside a
function, or under ``TYPE_CHECKING``."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# the flow of a change, lowest first; a package may import its own stage and those before
STAGES: list[set[str]] = [
    {
        "conveyor",
        "conveyor.records",
        "conveyor.jsontext",
        "conveyor.fileglob",
        "conveyor.procinfo",
        "conveyor.gitfiles",
        "conveyor.imageref",
    },
    {"conveyor.expr"},
    {"conveyor.workflow"},
    {"conveyor.config"},
    {"conveyor.store"},
    {"conveyor.executors"},
    {"conveyor.images"},
    {"conveyor.cluster"},
    {"conveyor.deploy"},
    {"conveyor.scan"},
    {"conveyor.actions"},
    {"conveyor.engine"},
    {"conveyor.server"},
    {"conveyor.cli", "conveyor.__main__"},
]


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in (SRC / "conveyor").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the Conveyor modules it imports (``from pkg import mod`` counts as mod)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in modules else base)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def _stage(module: str) -> int:
    """The stage of the longest stage member that ``module`` is or lies under."""
    owners = [
        (len(member), i)
        for i, members in enumerate(STAGES)
        for member in members
        if module == member or (member != "conveyor" and module.startswith(member + "."))
    ]
    assert owners, f"{module} belongs to no stage: add it to STAGES"
    return max(owners)[1]


def test_every_module_has_a_stage() -> None:
    for module in _modules():
        _stage(module)


def test_imports_point_only_backwards() -> None:
    modules = _modules()
    wrong = [
        f"{a} (stage {_stage(a)}) imports {b} (stage {_stage(b)})"
        for a, targets in _imports(modules).items()
        for b in targets
        if _stage(b) > _stage(a)
    ]
    assert wrong == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert _cycles(_imports(_modules())) == []


def test_no_package_imports_itself_through_others() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for a, targets in _imports(_modules()).items():
        for b in targets:
            pa, pb = ".".join(a.split(".")[:2]), ".".join(b.split(".")[:2])
            if pa != pb:
                packages[pa].add(pb)
    assert _cycles(packages) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
