"""The package's import graph keeps DESIGN's rule: dependencies point down the layers, with no cycles.

Every `import` and `from ... import` of a runway_nb module counts, at module level or inside a function
(a lazy import only moves the cost to the first call; the dependency is the same). `if TYPE_CHECKING:`
blocks count too (they describe a dependency as much as any other import). Modules in the same layer
may import each other as long as no cycle forms.

The sandbox is a second program beside the package, not a layer: it imports only the shared rules
(catalog, the shape walk and its words, validate, pricing, formats, clock), and of the package only the client (which starts it as
its default server, the one lazy import DESIGN allows), the `runway-nb` command line that serves it and
the package's public names (`runway_nb.sandbox`) may import it. `__main__` modules are entry points
run by `python -m`, never imported, so their imports are not dependencies of anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "runway_nb"

# Bottom to top. A module may import modules of its own layer or below, never above.
LAYERS: list[tuple[str, ...]] = [
    ("catalog", "clock", "_loop", "_html", "_version"),           # data and plain tools: nothing of ours
    ("errors",),                                                    # one tree; imports only the catalog
    ("formats", "problems", "seed_shapes", "shapes", "validate", "pricing", "media", "media_facts", "render",
     "compare"),  # the API's rules; media; the one HTML renderer
    ("http",),                                                      # the wire
    ("tasks", "invocations", "poll", "outputs"),                    # following tasks, fetching outputs
    ("journal", "journal_search", "store", "observer", "_mux"),                      # what is written down and kept
    ("plan", "client", "_wire", "operations", "batch"),              # the SDK-style face over the core
    ("recovery", "magics", "magic_args", "magic_actions", "magic_models", "magic_request", "magic_inputs", "magic_ops",
     "magic_complete", "magic_batch",
     "widgets", "cli", "__init__"),  # faces on top
]
SANDBOX_MAY_IMPORT = {"catalog", "problems", "seed_shapes", "shapes", "validate", "pricing", "formats", "clock"}
MAY_IMPORT_SANDBOX = {"client", "cli", "__init__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "__init__"


def imports_of(path: Path) -> set[str]:
    """The runway_nb modules `path` imports, as dotted names inside the package ('sandbox.engine')."""
    here = module_name(path).split(".") if module_name(path) != "__init__" else []
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "runway_nb" or alias.name.startswith("runway_nb."):
                    found.add(alias.name.removeprefix("runway_nb").lstrip(".") or "__init__")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else list(package)
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and (node.module == "runway_nb" or node.module.startswith("runway_nb.")):
                target = node.module.removeprefix("runway_nb").lstrip(".")
            else:
                continue
            for alias in node.names:  # `from . import errors` names a module; `from .x import y` names x
                sub = f"{target}.{alias.name}" if target else alias.name
                found.add(sub if _exists(sub) else (target or "__init__"))
    return found


def _exists(dotted: str) -> bool:
    base = PACKAGE.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if path.name == "__main__.py":
            continue
        edges[name] = {m for m in imports_of(path) if m != name}
    return edges


def top(name: str) -> str:
    """The unit a layer names: a module, or a subpackage (widgets, sandbox) as a whole."""
    return name.split(".")[0]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan): each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def layer_of(name: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if top(name) in layer or name in layer:
            return i
    return None


def test_the_graph_is_read_from_real_imports():
    edges = graph()
    assert "errors" in edges["http"] and "tasks" in edges["client"]  # a lazy import inside a method
    assert "sandbox" in edges["client"] and "sandbox.engine" in edges["sandbox.app"]


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_every_module_has_a_layer():
    unplaced = sorted(n for n in graph() if top(n) != "sandbox" and layer_of(n) is None)
    assert unplaced == [], "place these in LAYERS"


def test_no_module_imports_one_above_it():
    upward = []
    for name, targets in graph().items():
        if top(name) == "sandbox":
            continue
        for target in targets:
            if top(target) == "sandbox":
                if top(name) not in MAY_IMPORT_SANDBOX:
                    upward.append(f"{name} -> {target}")
            elif top(target) != top(name) and layer_of(target) > layer_of(name):
                upward.append(f"{name} -> {target}")
    assert sorted(upward) == []


def test_the_sandbox_imports_only_the_shared_rules():
    outside = sorted(f"{name} -> {target}" for name, targets in graph().items() if top(name) == "sandbox"
                     for target in targets if top(target) != "sandbox" and top(target) not in SANDBOX_MAY_IMPORT)
    assert outside == []


def test_errors_and_catalog_import_nothing_of_ours_but_the_catalog():
    edges = graph()
    assert edges["catalog"] <= {"catalog.api", "catalog.overlay"}  # its own generated data and overlay
    assert edges["catalog.api"] == edges["catalog.overlay"] == set()
    assert edges["errors"] <= {"catalog"}
