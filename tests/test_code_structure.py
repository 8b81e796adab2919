"""The code's shape, checked by reading it: data flows down the layers, never back up.

Each test has a negative control: the same check run on a small planted tree that breaks the
rule, so a check that could no longer fail fails here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = ("pathways", "ingestion", "quality")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def unit(module: str, root: Path) -> str:
    """What a circle is counted between: a sub-package of pathways (a stage), a top-level module
    of pathways (the spine: pipeline, cli, warehouse, …), or a whole top-level package."""
    parts = module.split(".")
    if parts[0] == "pathways" and len(parts) > 1:
        if (root / "pathways" / parts[1]).is_dir():
            return ".".join(parts[:2])
        return module
    return parts[0]


def imported(tree: ast.AST) -> set[str]:
    """Every module named by an import anywhere in the file, a function's own imports too."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.add(node.module)
    return names


def unit_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    known = modules(root, packages)
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for target in imported(ast.parse(path.read_text(), str(path))):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and unit(target, root) != unit(name, root):
                graph[unit(name, root)].add(unit(target, root))
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            if component:
                found.append(sorted([node, *component]))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_stages():
    graph = unit_graph(REPO, PRODUCTION)
    assert "pathways.pipeline" in graph["pathways.cli"]  # the graph was read at all
    assert circles(graph) == []


def test_a_planted_import_circle_is_found(tmp_path):
    (tmp_path / "pathways" / "transform").mkdir(parents=True)
    (tmp_path / "pathways" / "publish").mkdir()
    (tmp_path / "pathways" / "transform" / "dbt.py").write_text("import os\n")
    (tmp_path / "pathways" / "publish" / "access.py").write_text(
        "from pathways.transform import dbt\n"
    )
    (tmp_path / "pathways" / "warehouse.py").write_text(
        "def loader_url():\n    from pathways.publish import access\n"  # inside a function
    )
    assert circles(unit_graph(tmp_path, ("pathways",))) == []
    (tmp_path / "pathways" / "transform" / "dbt.py").write_text("from pathways import warehouse\n")
    assert circles(unit_graph(tmp_path, ("pathways",))) == [
        ["pathways.publish", "pathways.transform", "pathways.warehouse"]
    ]
