"""The package's layers: each module imports only from its own layer or those below, no import
cycles (imports inside functions included), and heavy libraries load only where they are used."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lmirrors"
# bottom up; a module may import from its own layer and any layer before it
LAYERS = [
    {"validation", "activations"},
    {"convex"},
    {"closed_forms"},
    {"libraries"},
    {"networks"},
    {"registry"},
    {"fitting"},
    {
        "training",
        "stationarity",
        "export",
        "cli",
        "estimator",
        "plotting",
        "interactive",
        "widgets",
        "datasets",
        "forecasting",
        "comparison",
        "__main__",
    },
]
HEAVY = ("cvxpy", "torch", "sklearn", "matplotlib", "ipywidgets", "tqdm", "pandas")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> tuple[set[str], set[str]]:
    """(lmirrors modules imported anywhere in the file, top-level third-party packages imported at module level)."""
    name = module_name(path)
    package = name if path.stem == "__init__" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    typing_only = {  # imports under `if TYPE_CHECKING:` never run
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for n in ast.walk(block)
    }
    inner, outer = set(), set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            inner.add(target)
            for alias in node.names:  # "from . import column_generation" names a module
                if (PACKAGE.parent / (target.replace(".", "/") + f"/{alias.name}.py")).exists():
                    inner.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            inner.update(n for n in names if n.startswith("lmirrors"))
    for node in tree.body:
        if isinstance(node, ast.Import):
            outer.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            outer.add((node.module or "").split(".")[0])
    return inner, outer


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) == 1:
        return -1  # the package itself: lazy exports only
    return next(i for i, group in enumerate(LAYERS) if parts[1] in group)


@pytest.mark.parametrize("name", [n for n in MODULES if n != "lmirrors"])
def test_imports_only_from_lower_layers(name):
    inner, _ = imports(MODULES[name])
    for target in inner:
        assert layer(target) <= layer(name), f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"


def test_no_import_cycles():
    graph = {name: {t for t in imports(path)[0] if t in MODULES and t != name} for name, path in MODULES.items()}
    graph["lmirrors"] = set()  # its names load lazily, on first use
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != "open", "import cycle: " + " -> ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


@pytest.mark.parametrize("name", [n for n in MODULES if n != "lmirrors" and layer(n) < len(LAYERS) - 1])
def test_core_layers_import_no_heavy_library_at_load(name):
    if name == "lmirrors.networks.torch_modules":
        pytest.skip("the torch twins are torch; to_torch() imports them when called")
    _, outer = imports(MODULES[name])
    assert not outer & set(HEAVY), f"{name} imports {sorted(outer & set(HEAVY))} at load; import it where it is used"


def test_import_lmirrors_loads_no_heavy_library():
    code = (
        "import sys, lmirrors; from lmirrors import fit, Architecture; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout
