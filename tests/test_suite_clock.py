"""The browser journeys read the day when a test runs, never when their file is imported:
a module-level `date.today()` is fixed at collection, not on the clock the test runs
with (`--today`, `.ci/dateshift`, a run that passes midnight), so its dates disagree
with the `today` fixture's. They take their dates from `today`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent / "e2e"
CLOCK_CALLS = {"today", "now", "utcnow"}
CLOCK_OWNERS = {"date", "datetime", "dates"}


def _reads_the_clock(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in CLOCK_CALLS
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in CLOCK_OWNERS
        for call in ast.walk(node)
    )


def _run_at_import(body: list[ast.stmt]):
    """The parts of a module (or class) body that Python runs when it imports the file:
    everything but the bodies of functions (their decorators and defaults do run).
    """
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from node.decorator_list
            yield from node.args.defaults
            yield from (default for default in node.args.kw_defaults if default is not None)
        elif isinstance(node, ast.ClassDef):
            yield from node.decorator_list
            yield from _run_at_import(node.body)
        else:
            yield node


def clock_read_at_import(source: str) -> list[int]:
    """The lines where `source` reads the calendar at import time."""
    tree = ast.parse(source)
    return [node.lineno for node in _run_at_import(tree.body) if _reads_the_clock(node)]


def test_no_browser_journey_reads_the_calendar_when_it_is_imported():
    found = {
        path.name: lines
        for path in sorted(E2E.glob("*.py"))
        if (lines := clock_read_at_import(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("YESTERDAY = date.today() - timedelta(days=1)\n", [1]),
        ("@pytest.mark.parametrize('day', [datetime.now()])\ndef test(day): pass\n", [1]),
        ("class World:\n    day = dates.today()\n", [2]),
        ("def test(today):\n    return date.today()\n", []),
        ("@pytest.fixture\ndef day():\n    return dates.today()\n", []),
    ],
)
def test_the_check_sees_module_level_reads_and_leaves_the_tests_own(source, lines):
    assert clock_read_at_import(source) == lines
