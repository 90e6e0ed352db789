"""The documentation keeps up with the code: every package under `app/` is described."""

from __future__ import annotations

from pathlib import Path

import app

ROOT = Path(app.__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def packages_under_app() -> list[str]:
    """The packages directly under `app/`: folders with an `__init__.py`."""
    package = Path(app.__file__).resolve().parent
    return sorted(path.parent.name for path in package.glob("*/__init__.py"))


def test_the_architecture_describes_every_package_under_app():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [name for name in packages_under_app() if f"`app/{name}/`" not in text]
    assert not missing, (
        "docs/architecture.md does not describe "
        + ", ".join(f"`app/{name}/`" for name in missing)
        + ": add a line for each to its Packages section."
    )


def test_the_packages_are_found():
    # A guard for the test above: it would pass on an empty list.
    assert {"auth", "privacy", "training", "backup", "models"} <= set(packages_under_app())
