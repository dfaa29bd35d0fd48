"""The layer rule of app/ (README, "Architecture"): every import points down.

A module may import its own package and the layers below it, never a layer above or a
neighbour on its own layer (the bot, the API and the worker do not import each other).
Imports inside functions and under TYPE_CHECKING count the same: a lower layer that
needs something from above owns an interface the upper layer installs
(`app.telegram.background`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.errors", "app.miniapp"),
    ("app.contests",),
    ("app.config", "app.logs", "app.metrics", "app.locales", "app.retries", "app.single_flight"),
    ("app.redis_pool",),
    ("app.db",),
    ("app.telegram",),
    ("app.bot", "app.api", "app.worker"),
    ("app.runtime", "app.dev"),
    ("app.cli",),
)
"""Bottom to top. `app.contests` is the domain: it imports nothing but the errors;
`app.miniapp` holds the Mini App's build script, which imports nothing from `app`."""


def part_of(module: str) -> str:
    """The package or top-level module of `app` that `module` belongs to."""
    return ".".join(module.split(".")[:2])


def layer_of(module: str) -> int:
    part = part_of(module)
    for number, parts in enumerate(LAYERS):
        if part in parts:
            return number
    raise LookupError(f"{part} is in no layer: add it to LAYERS (and the README)")


def module_name(path: Path) -> str:
    relative = path.relative_to(APP.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported(source: str, module: str, package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in `source`, wherever it stands; `package` says
    whether `module` is a package's `__init__` (relative imports start there)."""
    anchor = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                start = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*start, base] if base else start)
            if base == "app":
                for alias in node.names:
                    yield node.lineno, f"app.{alias.name}"
            else:
                yield node.lineno, base


def violations(source: str, module: str, package: bool = False) -> list[str]:
    """Imports in `module` (whose text is `source`) that go against the layer rule."""
    own_part, own_layer = part_of(module), layer_of(module)
    found = []
    for line, target in imported(source, module, package):
        if target != "app" and not target.startswith("app."):
            continue
        if part_of(target) == own_part:
            continue
        if layer_of(target) >= own_layer:
            found.append(f"{module}:{line} imports {target}")
    return found


def app_modules() -> Iterator[tuple[str, str, bool]]:
    """Every module under app/ but the package marker `app/__init__.py`."""
    for path in sorted(APP.rglob("*.py")):
        if "node_modules" not in path.parts and path != APP / "__init__.py":
            yield module_name(path), path.read_text(), path.name == "__init__.py"


def test_every_import_in_app_points_down() -> None:
    found = [v for m, source, package in app_modules() for v in violations(source, m, package)]
    assert not found, "imports against the layer rule:\n" + "\n".join(found)


def test_every_part_of_app_has_a_layer() -> None:
    for module, _, _ in app_modules():
        layer_of(module)


def test_an_upward_import_is_caught_even_inside_a_function() -> None:
    source = "def f():\n    from app.worker import enqueue\n"
    assert violations(source, "app.telegram.joining") == [
        "app.telegram.joining:2 imports app.worker"
    ]
    assert violations("from app.bot.keyboards import managed\n", "app.telegram.cards")
    assert violations("import app.api.schemas\n", "app.contests.rules")


def test_neighbours_on_one_layer_do_not_import_each_other() -> None:
    assert violations("from app.worker import broker\n", "app.api.server")
    assert violations("from app import metrics\n", "app.config")


def test_downward_and_own_package_imports_pass() -> None:
    source = (
        "from app.db import contests\nfrom app import metrics\nfrom app.telegram import cards\n"
    )
    assert violations(source, "app.telegram.joining") == []
    assert violations("from app.worker import broker\n", "app.runtime") == []
    assert violations("from . import draw\n", "app.contests.proof") == []
    assert violations("from . import draw\n", "app.contests", package=True) == []
    assert violations("from .. import worker\n", "app.telegram.cards")
