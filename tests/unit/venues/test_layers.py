"""The venue layer's packages: each states its public names, and the layers only point down.

`venues/http` (transport, clock, limiters, errors) must not know any dialect, `venues/common` may
use `http` but no dialect, and no dialect imports another: a third dialect is then a folder of
hooks, parsers and a path table, never an edit of a neighbour.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import alphaloop.venues

VENUES = Path(alphaloop.venues.__file__).parent
PACKAGES = (
    "alphaloop.venues",
    "alphaloop.venues.http",
    "alphaloop.venues.common",
    "alphaloop.venues.weex",
    "alphaloop.venues.woox",
)
#: package folder -> the other alphaloop.venues subpackages its modules may import
ALLOWED: dict[str, set[str]] = {
    "http": set(),
    "common": {"base", "http"},
    "weex": {"base", "http", "common"},
    "woox": {"base", "http", "common"},
}


@pytest.mark.parametrize("name", PACKAGES)
def test_every_venue_package_states_its_public_names_and_they_exist(name: str) -> None:
    package = importlib.import_module(name)
    names = package.__all__
    assert len(names) == len(set(names)), name
    missing = [n for n in names if not hasattr(package, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def venue_imports(path: Path) -> set[str]:
    """The `alphaloop.venues.<sub>` subpackages a module imports (module-level and lazy alike)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[:2] == ["alphaloop", "venues"] and len(parts) > 2:
                found.add(parts[2])
    return found


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_venue_layers_only_point_down(folder: str) -> None:
    wrong = {
        str(path.relative_to(VENUES)): sorted(venue_imports(path) - ALLOWED[folder] - {folder})
        for path in sorted((VENUES / folder).glob("*.py"))
    }
    wrong = {module: bad for module, bad in wrong.items() if bad}
    assert not wrong, f"imports against the venue layering: {wrong}"


def test_the_layer_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "transport.py"
    module.write_text(
        "from alphaloop.venues.weex.constants import VENUE_NAME\nimport alphaloop.venues.woox\n"
    )
    assert venue_imports(module) - ALLOWED["http"] == {"weex", "woox"}
