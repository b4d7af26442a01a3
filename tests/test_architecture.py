"""The shape of the code, read from its source with `ast` (docs/architecture.md):

- no import cycle between the packages of app/ (a module directly under app/ counts as a
  package of its own), counting imports inside functions too;
- no feature imports another feature's `routes` or `forms`: it calls its services;
- no shared layer (a package below the features) imports a feature or the wiring;
- no SQLAlchemy event listener outside app/transaction_hooks.py, where every side effect
  of a write is declared (the SQLite pragmas on connect excepted, a connection setting).
"""

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# Listeners that are not side effects of a write: (file, event name).
LISTENERS_ELSEWHERE = {
    ("app/__init__.py", "connect"),
    ("app/__init__.py", "checkin"),
    ("app/__init__.py", "checkout"),
}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(), filename=str(path))
    return found


MODULES = _modules()


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "app" else None


def _imports(name: str, tree: ast.Module) -> list[tuple[str, int]]:
    """Every module `name` imports, anywhere in its body, with the line."""
    is_package = (APP.parent / Path(*name.split(".")) / "__init__.py").exists()
    here = name.split(".") if is_package else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((module, node.lineno))
            # `from app.x import y` may name a module y of package x
            for alias in node.names:
                if f"{module}.{alias.name}" in MODULES:
                    found.append((f"{module}.{alias.name}", node.lineno))
    return found


def _package_graph() -> dict[str, dict[str, list[str]]]:
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name, tree in MODULES.items():
        source = _package_of(name)
        if source is None:
            continue  # app/__init__.py wires everything together
        for target, line in _imports(name, tree):
            package = _package_of(target)
            if package is not None and package != source:
                graph[source][package].append(f"{name}:{line}")
    return graph


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _arrows_in_cycles(graph: dict[str, dict[str, list[str]]]) -> dict[tuple[str, str], list[str]]:
    found = {}
    for group in _cycles(graph):
        for source in group:
            for target in graph[source]:
                if target in group:
                    found[(source, target)] = sorted(set(graph[source][target]))
    return found


def test_no_import_cycle_between_packages():
    arrows = _arrows_in_cycles(_package_graph())
    assert not arrows, "these imports close a cycle between packages:\n" + "\n".join(
        f"  {source} -> {target}: {', '.join(where)}" for (source, target), where in arrows.items()
    )


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}
    assert _cycles(graph) == [["a", "b", "c"]]


def _features() -> set[str]:
    """Packages with a blueprint of their own."""
    return {
        path.parent.name
        for path in APP.glob("*/*.py")
        if "Blueprint(" in path.read_text() and path.parent.name != "app"
    }


def test_no_feature_imports_another_features_routes_or_forms():
    features = _features()
    assert {"registration", "organiser", "messages", "evaluation"} <= features
    found = []
    for name, tree in MODULES.items():
        source = _package_of(name)
        for target, line in _imports(name, tree):
            parts = target.split(".")
            if (
                len(parts) >= 3
                and parts[0] == "app"
                and parts[1] in features
                and parts[1] != source
                and parts[2] in ("routes", "forms")
            ):
                found.append(f"{name}:{line} imports {target}")
    assert not found, "\n".join(found)


# What wires the app together: it may import anything, and nothing imports it.
WIRING = {"cli", "transaction_hooks", "demo", "public"}
# Features without pages of their own: the report's content, which report_runs shows.
FEATURES_WITHOUT_BLUEPRINT = {"reporting"}


def test_shared_layers_import_no_feature():
    above = _features() | FEATURES_WITHOUT_BLUEPRINT | WIRING
    assert "privacy_records" not in above and "privacy" in above
    found = [
        f"{source} -> {target}: {', '.join(sorted(set(where)))}"
        for source, targets in _package_graph().items()
        if source not in above
        for target, where in targets.items()
        if target in above
    ]
    assert not found, "a shared layer imports a feature:\n" + "\n".join(found)


def _listener_calls(tree: ast.Module) -> list[tuple[int, str]]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            is_attribute = isinstance(function, ast.Attribute)
            name = function.attr if is_attribute else getattr(function, "id", "")
            if name in ("listen", "listens_for") and len(node.args) >= 2:
                event_name = node.args[1]
                label = event_name.value if isinstance(event_name, ast.Constant) else "?"
                calls.append((node.lineno, str(label)))
    return calls


def test_orm_event_listeners_live_only_in_transaction_hooks():
    found = []
    for name, tree in MODULES.items():
        if name == "app.transaction_hooks":
            continue
        is_package = (APP.parent / Path(*name.split(".")) / "__init__.py").exists()
        path = "/".join(name.split(".")) + ("/__init__.py" if is_package else ".py")
        for line, event_name in _listener_calls(tree):
            if (path, event_name) not in LISTENERS_ELSEWHERE:
                found.append(f"{path}:{line} listens for {event_name!r}")
    assert not found, "register it in app/transaction_hooks.py:\n" + "\n".join(found)
    assert _listener_calls(MODULES["app.transaction_hooks"]), "the hooks module registers them"
