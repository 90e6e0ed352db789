"""The import contract between the packages of `app/`.

Shared infrastructure is at the bottom, the features above it, the application (the
factory and the command line) on top. A package imports its own modules and what lies
below it; within its layer another package, as long as no cycle comes of it; never
another feature's `routes` or `forms` (the pages of a feature are its own: what two
features share is a service, a domain module, `app/forms.py` or a signal).

Every `import` and `from … import` counts, also inside a function: a late import hides
a cycle, it does not remove it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

APP = Path(__file__).resolve().parents[1] / "app"

# Lowest first. A unit is a sub-package of `app/` (named by its folder) or a module
# directly in it (named by its file); `app` is `app/__init__.py`, the factory.
LAYERS: dict[str, set[str]] = {
    # What every feature uses: the model, the content files, access rules, forms' pieces,
    # dates, rendering, the domain events, e-mail, storage, audit, the links e-mailed to
    # a guardian.
    "shared": {
        "models",
        "content",
        "audit",
        "catalogues",
        "database",
        "dates",
        "domain",
        "errors",
        "extensions",
        "forms",
        "guardianlinks",
        "i18n",
        "logs",
        "mailer",
        "pdf",
        "policy",
        "rendering",
        "signals",
        "spreadsheets",
        "storage",
        "validators",
        "web",
    },
    # What people work in. They send domain events (`app/signals.py`) and never know
    # who listens.
    "features": {
        "agreements",
        "auth",
        "calls",
        "caseload",
        "closing",
        "competences",
        "drafts",
        "followup",
        "health",
        "mobility",
        "placements",
        "plans",
        "portfolio",
        "privacy",
        "stay",
        "training",
        "visits",
    },
    # Who hears of what the features did and tells people: notifications subscribe to
    # the domain events; the mentors' quick links are sent with their e-mails.
    "listeners": {"mentorlinks", "notifications"},
    # Running the platform: scheduled jobs, backups, administration.
    "operations": {"admin", "backup", "scheduling"},
    # Putting it together: the factory, the command line, the demo world.
    "application": {"app", "cli", "console", "demo", "demo_log", "demo_mobility", "demo_plan"},
}

# The pages of a feature that another imports anyway, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    ("mentorlinks", "app.followup.forms"): (
        "the quick link's page approves a week and takes feedback as the log's own pages "
        "do; it validates with the log's forms so that both accept the same answers"
    ),
    ("mentorlinks", "app.visits.forms"): (
        "the quick link's page confirms a visit report with the visit page's form"
    ),
}

PAGES = ("routes", "forms")


class Import(NamedTuple):
    source: str  # the importing module, e.g. app.privacy.routes
    target: str  # the imported module (or package), e.g. app.placements.routes
    where: str  # file and line, for the message


def module_name(path: Path, root: Path) -> str:
    """`app/privacy/routes.py` → `app.privacy.routes`; a package is its `__init__.py`."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> list[tuple]:
    """(imported module, line) of every import in `source`, wherever it stands; a name
    imported from a package counts as its module when it is one (`from app import
    policy`), else as the package.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                name = f"{origin}.{alias.name}"
                found.append((name if name in known else origin, node.lineno))
    return found


def import_graph(root: Path = APP) -> list[Import]:
    """Every import of one module of `root` by another."""
    files = {module_name(path, root): path for path in root.rglob("*.py")}
    known = set(files)
    edges = []
    for module, path in sorted(files.items()):
        for target, line in imports_of(path.read_text(), module, path.name == "__init__.py", known):
            while target not in known and "." in target:
                target = target.rpartition(".")[0]  # a name in a module: the module
            if target in known and target != module:
                where = f"{path.relative_to(root.parent)}:{line}"
                edges.append(Import(module, target, where))
    return list(dict.fromkeys(edges))


def is_pages(module: str) -> bool:
    """`app.<feature>.routes` or `app.<feature>.forms` (not `app.forms`)."""
    parts = module.split(".")
    return len(parts) == 3 and parts[2] in PAGES


def unit_of(module: str) -> str:
    """`app.privacy.routes` → `privacy`, `app.forms` → `forms`, `app` → `app`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


LAYER_OF = {unit: rank for rank, units in enumerate(LAYERS.values()) for unit in units}
LAYER_NAMES = list(LAYERS)
GRAPH = import_graph()


def between_units(edges: list[Import]) -> dict[tuple[str, str], list[Import]]:
    """The imports from one unit into another, by (importer, imported)."""
    by_pair: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for edge in edges:
        pair = (unit_of(edge.source), unit_of(edge.target))
        if pair[0] != pair[1]:
            by_pair[pair].append(edge)
    return by_pair


def cycles(by_pair: dict[tuple[str, str], list[Import]]) -> list[tuple[set[str], list[str]]]:
    """Each group of units that import each other round (a strongly connected component:
    Tarjan's algorithm), with one cycle in it (a path that ends where it starts).
    """
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in by_pair:
        graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for other in sorted(graph[unit]):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                components.append(set(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return [
        (component, _cycle_through(min(component), component, graph)) for component in components
    ]


def _cycle_through(start: str, component: set[str], graph) -> list[str]:
    """The shortest path from `start` back to itself within its component."""
    paths = {start: [start]}
    queue = [start]
    for unit in queue:
        for other in sorted(graph[unit] & component):
            if other == start:
                return [*paths[unit], start]
            if other not in paths:
                paths[other] = [*paths[unit], other]
                queue.append(other)
    raise AssertionError("a component without a cycle")


def describe_path(path: list[str], by_pair) -> str:
    """Each step of a cycle with one import that makes it."""
    steps = []
    for source, target in zip(path, path[1:], strict=False):
        edge = by_pair[(source, target)][0]
        steps.append(f"{source} → {target} ({edge.where} imports {edge.target})")
    return "; ".join(steps)


# -- the contract -----------------------------------------------------------------------


def test_every_package_and_module_of_app_has_a_layer():
    units = {unit_of(edge.source) for edge in GRAPH} | {unit_of(edge.target) for edge in GRAPH}
    units |= {path.stem for path in APP.glob("*.py") if path.stem != "__init__"}
    units |= {path.parent.name for path in APP.glob("*/__init__.py")}
    missing = sorted(units - set(LAYER_OF))
    assert not missing, f"put these in a layer of LAYERS in {__file__}: {missing}"


def test_no_feature_imports_another_features_routes_or_forms():
    wrong = [
        f"{edge.where}: {edge.source} imports {edge.target}"
        for edge in GRAPH
        if is_pages(edge.target)
        and unit_of(edge.source) != unit_of(edge.target)
        and (unit_of(edge.source), edge.target) not in ALLOWED
        and LAYER_NAMES[LAYER_OF.get(unit_of(edge.source), 0)] != "application"
    ]
    assert not wrong, "a feature's pages are its own; share a service or app/forms.py:\n" + (
        "\n".join(wrong)
    )


def test_every_exception_is_still_needed():
    used = {(unit_of(edge.source), edge.target) for edge in GRAPH}
    assert not set(ALLOWED) - used, "remove these from ALLOWED: nothing imports them any more"


def test_no_package_imports_a_higher_layer():
    wrong = []
    for edge in GRAPH:
        source, target = unit_of(edge.source), unit_of(edge.target)
        if LAYER_OF.get(target, -1) > LAYER_OF.get(source, -1):
            wrong.append(
                f"{edge.where}: {source} ({LAYER_NAMES[LAYER_OF[source]]}) imports "
                f"{edge.target} ({LAYER_NAMES[LAYER_OF[target]]}); send a signal instead, "
                "or move what both need down"
            )
    assert not wrong, "\n".join(wrong)


def test_no_packages_import_each_other_in_a_cycle():
    by_pair = between_units(GRAPH)
    found = cycles(by_pair)
    assert not found, "packages that import each other round:\n" + "\n".join(
        f"{sorted(component)}, e.g. " + " → ".join(path) + "\n    " + describe_path(path, by_pair)
        for component, path in found
    )


def test_the_walk_sees_late_and_relative_imports(tmp_path):
    """The contract reads imports inside functions and relative ones, as Python does."""
    root = tmp_path / "app"
    for package in ("low", "high"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "low" / "services.py").write_text(
        "def later():\n    from app.high import routes\n    return routes\n"
    )
    (root / "high" / "routes.py").write_text("from ..low import services\n")
    by_pair = between_units(import_graph(root))
    assert set(by_pair) == {("low", "high"), ("high", "low")}
    assert cycles(by_pair) == [({"high", "low"}, ["high", "low", "high"])]
