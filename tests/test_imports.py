"""The package's import graph (docs/architecture.md): no cycles, lower layers never import
higher ones, and no private name crosses a module boundary (nor reaches a test or a script).

The graph is read from the source (every ``import`` statement, also those inside functions),
so a lazy import that closes a cycle counts as one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "library_of_mirrors"

#: the layers of docs/architecture.md, bottom up: a module may import its own layer and the
#: layers below (top-level names: a module file or a subpackage of library_of_mirrors)
LAYERS = [
    {"activations", "validation", "executors", "units", "outputs", "parallel_blocks"},
    {"kinks"},
    {"families"},
    {"features", "architectures"},
    {"dictionary"},
    {"solvers"},
    {"nn", "reconstruct"},
    {"models", "model_selection", "compare"},
    {"timeseries", "analysis", "plotting"},
    {"figures"},
    {"cli"},
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    if node.level:
        base = base[:len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module or ""


def _imports(path: Path, name: str, modules: dict) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) of every import in the file."""
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_pkg, node)
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in modules:  # `from . import module`
                    out.append((sub, None, node.lineno))
                else:
                    out.append((target, a.name, node.lineno))
    return out


def _graph():
    modules = _modules()
    edges = {m: set() for m in modules}
    for m, path in modules.items():
        for target, _, _ in _imports(path, m, modules):
            if target in modules and target != m:
                edges[m].add(target)
    return modules, edges


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # the package itself re-exports everything
    for i, layer in enumerate(LAYERS):
        if parts[1] in layer:
            return i
    raise AssertionError(f"{module} is in no layer of docs/architecture.md")


def test_every_module_has_a_layer():
    for m in _modules():
        _layer(m)


def test_no_import_cycles():
    modules, edges = _graph()
    # a package's __init__ importing its own submodules is how packages work; the cycle
    # submodule -> __init__ -> submodule would be one, so keep those edges
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m)


def test_lower_layers_never_import_higher_ones():
    modules, edges = _graph()
    bad = []
    for m, targets in edges.items():
        lm = _layer(m)
        if lm is None:
            continue
        for t in targets:
            lt = _layer(t)
            if lt is not None and lt > lm:
                bad.append(f"{m} (layer {lm}) imports {t} (layer {lt})")
    assert not bad, "\n".join(bad)


def _private_imports(path: Path, name: str, modules: dict, inside: bool) -> list[str]:
    """Imports of private names (or private modules) across a module boundary."""
    bad = []
    pkg_of = name.rsplit(".", 1)[0] if name else ""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for target, attr, line in _imports(path, name, modules):
        if not target.startswith("library_of_mirrors"):
            continue
        last = target.rsplit(".", 1)[-1]
        if last.startswith("_") and not last.startswith("__"):
            # a private module: only its own package may import it
            if not inside or target.rsplit(".", 1)[0] != pkg_of:
                bad.append(f"{where}:{line} imports private module {target}")
        if attr and attr.startswith("_") and not attr.startswith("__"):
            bad.append(f"{where}:{line} imports private name {attr} from {target}")
    return bad


def test_no_private_name_crosses_a_module():
    modules = _modules()
    bad = []
    for m, path in modules.items():
        bad += _private_imports(path, m, modules, inside=True)
    for folder in ("tests", "scripts"):
        for path in (ROOT / folder).glob("*.py"):
            bad += _private_imports(path, "", modules, inside=False)
    assert not bad, "\n".join(bad)


def test_the_checker_sees_cycles_and_private_names(tmp_path):
    """The walk itself: a lazy import inside a function is an edge, a private name is
    reported (so the tests above cannot pass vacuously)."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from library_of_mirrors.solvers.engine import _helper\n")
    found = _imports(src, "library_of_mirrors.m", _modules())
    assert ("library_of_mirrors.solvers.engine", "_helper", 2) in found
    assert _private_imports(src, "", _modules(), inside=False)
    modules, edges = _graph()
    assert "library_of_mirrors.dictionary.pools" in edges["library_of_mirrors.dictionary.explicit"]
