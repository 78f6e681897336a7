"""The floors point one way (README, Layout): each package imports only the ones below it,
nothing imports app/, infra/ imports nothing of Trellis, and no modules import each other
in a ring. Imports inside functions count as much as those at the top."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Each package and the packages it may import (besides itself).
BELOW = {
    "infra": set(),
    "domain": set(),
    "permissions": {"domain", "infra"},
    "resolvers": {"permissions", "domain", "infra"},
    "jobs": {"resolvers", "permissions", "domain", "infra"},
    "schema": {"resolvers", "permissions", "domain", "infra"},
    "app": {"schema", "resolvers", "permissions", "domain", "jobs", "infra"},
}


def imports(root: Path) -> dict[str, set[str]]:
    """Module -> the Trellis modules it imports, for every module of the packages."""
    files = {}
    for package in BELOW:
        for path in (root / package).rglob("*.py"):
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            files[name] = path
    found: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            targets |= {n for n in names if n in files and n != name}
        found[name] = targets
    return found


def upward(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        package = module.split(".")[0]
        for target in sorted(targets):
            other = target.split(".")[0]
            if other != package and other not in BELOW[package]:
                wrong.append(f"{module} -> {target}")
    return sorted(wrong)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_each_package_imports_only_the_floors_below_it() -> None:
    graph = imports(ROOT)
    assert len(graph) > 50
    assert upward(graph) == []


def test_no_modules_import_each_other_in_a_ring() -> None:
    assert circles(imports(ROOT)) == []


def test_the_checks_bite(tmp_path: Path) -> None:
    """A lower floor importing app/ and the schema, and two schema modules in a ring."""
    for package in BELOW:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text("")
    (tmp_path / "domain" / "rules.py").write_text("from app.main import x\n\ndef f():\n    import schema.a\n")
    (tmp_path / "schema" / "a.py").write_text("from schema.b import y\n")
    (tmp_path / "schema" / "b.py").write_text("def g():\n    from schema import a\n")
    graph = imports(tmp_path)
    assert upward(graph) == ["domain.rules -> app.main", "domain.rules -> schema.a"]
    assert circles(graph) == [["schema.a", "schema.b"]]
