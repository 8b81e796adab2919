"""The code's shape, checked by reading it: data flows down the layers, never back up.

Each test has a negative control: the same check run on a small planted tree that breaks the
rule, so a check that could no longer fail fails here.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

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


# DDL and grants: the migrations' (pathways/migrations) and dbt's (dbt_project) alone. What
# else may change the database's shape, and why it cannot be a migration or a dbt model:
DDL = re.compile(
    r"\b(create (?:temporary |unique |or replace )?(?:table|index|schema|view|sequence|role"
    r"|policy|function|trigger|type|extension)|(?:alter|drop) (?:table|index|schema|view"
    r"|sequence|role|policy|function|type)|add column|enable row level security"
    r"|grant|revoke)\b",
    re.IGNORECASE,
)
ALLOWED_DDL = {
    # Session-scoped working tables, gone at the end of the transaction: no schema changes.
    "ingestion/file_rows.py": {"create temporary table"},
    "pathways/publish/releases.py": {"create temporary table"},
    # Per run: one login per programme school found in the data (roles follow the schools),
    # and the database's own privileges, which a copied warehouse does not inherit.
    "pathways/publish/access.sql": {"create role", "alter role", "grant", "revoke"},
    # The career leads' copy of the dbt model restricted_career_lead_students, delivered only
    # after a build succeeded (a failed build must leave them the last good rows): it takes
    # the dbt model's shape, so it is remade when a release changes it, with its policy.
    "pathways/publish/career_lead_detail.sql": {
        "create table", "alter table", "enable row level security", "drop policy",
        "create policy", "grant", "create or replace view",
    },
    # The same, remade when a release changes the dbt model's columns.
    "pathways/publish/career_lead_detail.py": {"drop view", "drop table"},
    # The operator's `pathways partner-login` and role passwords, which come from the
    # environment (secrets are never in a revision).
    "pathways/publish/access.py": {"create role", "alter role", "grant", "revoke"},
}  # fmt: skip


def ddl_outside_migrations(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.suffix not in (".py", ".sql") or relative.startswith("pathways/migrations/"):
                continue
            for match in DDL.finditer(path.read_text()):
                found[relative].add(" ".join(match.group(1).lower().split()))
    return dict(found)


def test_no_ddl_outside_the_migrations_and_dbt():
    found = ddl_outside_migrations(REPO, (*PRODUCTION, "dags"))
    unexpected = {
        path: kinds - ALLOWED_DDL.get(path, set())
        for path, kinds in found.items()
        if kinds - ALLOWED_DDL.get(path, set())
    }
    assert unexpected == {}
    assert set(found) == set(ALLOWED_DDL)  # an exception no longer needed is taken out


def test_planted_ddl_is_found(tmp_path):
    (tmp_path / "pathways" / "publish").mkdir(parents=True)
    (tmp_path / "pathways" / "migrations").mkdir()
    (tmp_path / "pathways" / "migrations" / "0001.py").write_text('SQL = "create table raw.x ()"')
    (tmp_path / "pathways" / "publish" / "publish.py").write_text(
        'conn.execute("alter table published.x add column y text")'
    )
    assert ddl_outside_migrations(tmp_path, ("pathways",)) == {
        "pathways/publish/publish.py": {"alter table", "add column"}
    }


# radon's grades: A 1-5, B 6-10, C 11-20. Production code stays within B; benchmarks and
# tests are not held to it.
MOST_COMPLEX = 10


def too_complex(root: Path, packages: tuple[str, ...]) -> list[str]:
    from radon.complexity import cc_visit

    found = []
    for name, path in sorted(modules(root, packages).items()):
        # functions, methods and classes, as `radon cc` lists them
        for block in cc_visit(path.read_text()):
            if block.complexity > MOST_COMPLEX:
                found.append(f"{name}.{block.fullname}: {block.complexity}")
    return found


def test_no_production_function_above_radon_b():
    assert too_complex(REPO, (*PRODUCTION, "dags")) == []


def test_a_planted_complex_function_is_found(tmp_path):
    """A function and a method with twelve paths each (the method's class has simple methods
    beside it: the method is found on its own)."""
    (tmp_path / "pathways").mkdir()
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(11))
    method = "".join("    " + line + "\n" for line in branches.splitlines())
    simple = "".join(f"    def plain{n}(self):\n        return {n}\n" for n in range(3))
    (tmp_path / "pathways" / "tangled.py").write_text(
        f"def choose(x):\n{branches}    return -1\n\n\n"
        f"class Chooser:\n{simple}    def choose(self, x):\n{method}        return -1\n"
    )
    (tmp_path / "pathways" / "plain.py").write_text("def plain(x):\n    return x\n")
    assert too_complex(tmp_path, ("pathways",)) == [
        "pathways.tangled.choose: 12",
        "pathways.tangled.Chooser.choose: 12",
    ]
