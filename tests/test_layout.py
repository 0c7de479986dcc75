"""The package's shape: no import cycles, the core never imports a feature, no module imports
the package root, and few modules flat at the top. Imports are read from the source: those
inside functions count, those under ``if TYPE_CHECKING:`` do not."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORE = ("errors", "base", "gate", "read", "netlist", "plan", "tiers", "run", "io")


def modules() -> dict[str, pathlib.Path]:
    found = {}
    for top in ("circuitsim", "gates"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def imports(name: str) -> set[str]:
    """The modules of circuitsim and gates that module ``name`` imports."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports(name) for name in MODULES}


def test_no_import_cycles():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def _is_core(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "circuitsim" and len(parts) > 1 and parts[1] in CORE


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _is_core(n)))
def test_the_core_never_imports_a_feature(name):
    features = sorted(t for t in GRAPH[name] if t.startswith("circuitsim") and not _is_core(t) and t != "circuitsim._version")
    assert not features, f"{name} imports {features}"


def test_no_module_imports_the_package_root():
    assert [name for name, targets in GRAPH.items() if "circuitsim" in targets and name != "circuitsim.__main__"] == []


def test_few_modules_flat_at_the_top():
    flat = sorted(p.name for p in (ROOT / "circuitsim").glob("*.py"))
    assert len(flat) <= 12, flat
