"""A small mutation check: does the suite notice when the rules change?

For the modules where a silent change hurts most (who may do what, the quiz's pass mark,
the CSV import, erasure and the reminders), it makes one small change at a time (a
mutant): `any` for `all`, `<` for `<=`, `not` dropped, `True` for `False`, `and` for
`or`, a number one higher, `max` for `min`, a guard switched off, and a few named ones
written by hand. For each mutant it runs the tests of that module (SQLite, stop at the
first failure). A mutant the tests
fail on is killed; one they pass with survived, and is either a missing test or a
change that makes no difference (an equivalent mutant).

The source file is restored from its original bytes after every mutant, whatever
happens (a failure, Ctrl-C, a timeout).

    python tools/mutation_check.py                     # every module (slow: run it aside)
    python tools/mutation_check.py --module policy --limit 20
    python tools/mutation_check.py --list              # the mutants, without running tests
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    path: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()  # only these functions (all when empty)
    select: str = ""  # only the tests pytest's -k picks (all when empty)


# Who may change whom: the rules of the administration pages. The rest of the policy
# (who sees which placement) is the access matrix's (tests/test_access.py), too slow to
# run once per mutant.
PEOPLE_RULES = (
    "can_change_email",
    "can_edit_person_details",
    "record_owner",
    "administers_alone",
    "can_attach_directly",
    "grantable_roles",
    "can_edit_organisation",
    "can_remove_membership",
    "sees_birth_date",
    "can_export_person",
    "visible_organisations",
    "visible_users",
)
QUIZ_TESTS = "quiz or pass_mark or passing or certificate or valid_module or version"

TARGETS = {
    "policy": Target(
        "app/policy.py",
        ("tests/test_admin.py", "tests/test_cross_organisation.py", "tests/test_security.py"),
        PEOPLE_RULES,
    ),
    "quiz": Target(
        "app/training/services.py", ("tests/test_training.py",), ("answer_quiz",), QUIZ_TESTS
    ),
    "pass_mark": Target(
        "app/content/modules.py", ("tests/test_training.py",), ("pass_mark",), QUIZ_TESTS
    ),
    "imports": Target("app/admin/imports.py", ("tests/test_import.py",)),
    "erasure": Target(
        "app/privacy/erasure.py", ("tests/test_erasure.py", "tests/test_erasure_everything.py")
    ),
    "reminders": Target("app/notifications/reminders.py", ("tests/test_reminders.py",)),
}


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    start: int  # offsets in the file's text
    end: int
    replacement: str
    description: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]


# The three mutations that once passed the whole suite unnoticed, written by hand.
NAMED = [
    (
        "policy",
        "    return all(\n        m.organisation_id in schools and m.role in",
        "    return any(\n        m.organisation_id in schools and m.role in",
        "named: can_change_email with any instead of all",
    ),
    (
        "pass_mark",
        "return -(-2 * len(self.quiz) // 3)",
        "return 2 * len(self.quiz) // 3",
        "named: the pass mark rounded down",
    ),
    (
        "imports",
        "if row.student is None and row.student_email in names:",
        "if False:",
        "named: no check of one address with two names",
    ),
]

COMPARISONS = {
    ast.Lt: ("<", "<="),
    ast.LtE: ("<=", "<"),
    ast.Gt: (">", ">="),
    ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="),
    ast.NotEq: ("!=", "=="),
    ast.Is: ("is", "is not"),
    ast.IsNot: ("is not", "is"),
    ast.In: ("in", "not in"),
    ast.NotIn: ("not in", "in"),
}
GUARD_EXITS = (ast.Raise, ast.Return, ast.Continue, ast.Break)


def offsets(source: str) -> list[int]:
    """The offset in `source` where each line starts (line 1 at index 1)."""
    starts = [0, 0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _selected(tree: ast.Module, functions: tuple[str, ...]) -> list[ast.AST]:
    if not functions:
        return [tree]
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in functions
    ]


def _is_guard(node: ast.If) -> bool:
    """`if …: raise / return / continue / abort(…)`: a check that stops something."""
    first = node.body[0]
    if isinstance(first, GUARD_EXITS):
        return True
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Call)
        and isinstance(first.value.func, ast.Name)
        and first.value.func.id == "abort"
    )


def generated(module: str, source: str) -> list[Mutant]:
    """The mutants made from the syntax of `module`'s file (AST-based, no guessing)."""
    target = TARGETS[module]
    tree = ast.parse(source)
    starts = offsets(source)

    def at(line: int, col: int) -> int:
        # ast columns count UTF-8 bytes; the file's lines here are ASCII where it matters
        text = source[starts[line] : starts[line + 1]]
        return starts[line] + len(text.encode()[:col].decode(errors="ignore"))

    mutants = []
    for root in _selected(tree, target.functions):
        for node in ast.walk(root):
            line = getattr(node, "lineno", 0)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("any", "all")
            ):
                other = "all" if node.func.id == "any" else "any"
                start = at(node.func.lineno, node.func.col_offset)
                mutants.append(
                    Mutant(module, line, start, start + 3, other, f"{node.func.id}( -> {other}(")
                )
            elif isinstance(node, ast.Compare):
                left = node.left
                for op, right in zip(node.ops, node.comparators, strict=True):
                    written, swapped = COMPARISONS.get(type(op), (None, None))
                    if written is None:
                        continue
                    start = at(left.end_lineno, left.end_col_offset)
                    end = at(right.lineno, right.col_offset)
                    between = source[start:end]
                    where = between.find(written.split()[0])
                    if where >= 0 and between[where:].startswith(written):
                        mutants.append(
                            Mutant(
                                module,
                                left.end_lineno,
                                start + where,
                                start + where + len(written),
                                swapped,
                                f"{written} -> {swapped}",
                            )
                        )
                    left = right
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                start = at(node.lineno, node.col_offset)
                operand = at(node.operand.lineno, node.operand.col_offset)
                mutants.append(Mutant(module, line, start, operand, "", "not x -> x"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
                start = at(node.lineno, node.col_offset)
                flipped = str(not node.value)
                mutants.append(
                    Mutant(
                        module,
                        line,
                        start,
                        start + len(str(node.value)),
                        flipped,
                        f"{node.value} -> {flipped}",
                    )
                )
            elif (
                isinstance(node, ast.Constant)
                and type(node.value) is int
                and node.end_lineno == node.lineno
            ):
                start = at(node.lineno, node.col_offset)
                end = at(node.end_lineno, node.end_col_offset)
                if source[start:end].isdecimal():  # written as a plain number
                    mutants.append(
                        Mutant(
                            module,
                            line,
                            start,
                            end,
                            str(node.value + 1),
                            f"{node.value} -> {node.value + 1}",
                        )
                    )
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("round", "ceil", "floor", "max", "min")
            ):
                other = {
                    "round": "int",
                    "ceil": "floor",
                    "floor": "ceil",
                    "max": "min",
                    "min": "max",
                }[node.func.id]
                start = at(node.func.lineno, node.func.col_offset)
                mutants.append(
                    Mutant(
                        module,
                        line,
                        start,
                        start + len(node.func.id),
                        other,
                        f"{node.func.id}( -> {other}(",
                    )
                )
            elif isinstance(node, ast.BoolOp):
                written, swapped = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
                first, second = node.values[0], node.values[1]
                start = at(first.end_lineno, first.end_col_offset)
                end = at(second.lineno, second.col_offset)
                where = source[start:end].find(written)
                if where >= 0:
                    mutants.append(
                        Mutant(
                            module,
                            first.end_lineno,
                            start + where,
                            start + where + len(written),
                            swapped,
                            f"{written} -> {swapped}",
                        )
                    )
            elif isinstance(node, ast.If) and _is_guard(node):
                start = at(node.test.lineno, node.test.col_offset)
                end = at(node.test.end_lineno, node.test.end_col_offset)
                mutants.append(Mutant(module, line, start, end, "False", "guard switched off"))
    return sorted(mutants, key=lambda m: (m.start, m.description))


def named(module: str, source: str) -> list[Mutant]:
    mutants = []
    for name, old, new, description in NAMED:
        if name != module:
            continue
        start = source.find(old)
        if start < 0 or source.count(old) != 1:
            raise SystemExit(f"{module}: the named mutation no longer matches: {description}")
        line = source.count("\n", 0, start) + 1
        mutants.append(Mutant(module, line, start, start + len(old), new, description))
    return mutants


def spread(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most `limit` mutants, taken evenly through the file (the same ones every run)."""
    if limit is None or len(mutants) <= limit:
        return mutants
    step = len(mutants) / limit
    return [mutants[int(i * step)] for i in range(limit)]


def run_tests(target: Target, timeout: int) -> tuple[str, float]:
    """Run the target's tests: 'killed' when they fail, 'survived' when they pass."""
    env = {k: v for k, v in os.environ.items() if k != "LEERSPOOR_TEST_DATABASE_URL"}
    # No bytecode written, so no run ever reads a compiled mutant.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    if target.select:
        command += ["-k", target.select]
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and test files)
            [*command, *target.tests],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "killed (timeout)", time.monotonic() - started
    outcome = "survived" if result.returncode == 0 else "killed"
    return outcome, time.monotonic() - started


def check(module: str, mutants: list[Mutant], timeout: int) -> list[tuple[Mutant, str]]:
    target = TARGETS[module]
    path = ROOT / target.path
    original = path.read_bytes()
    stat = path.stat()
    backup = Path(tempfile.gettempdir()) / f"mutation-check-{path.name}"
    backup.write_bytes(original)
    outcome, seconds = run_tests(target, timeout)
    if outcome != "survived":
        print(f"{module}: the tests fail without any mutant; fix them first", flush=True)
        return []
    print(f"{module}: {len(mutants)} mutants, {seconds:.0f} s per clean run", flush=True)
    results = []
    source = original.decode()
    for number, mutant in enumerate(mutants, 1):
        try:
            path.write_text(mutant.apply(source))
            # A new modification time, so that no compiled original is taken for it.
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + number * 10**9))
            outcome, seconds = run_tests(target, timeout)
        finally:
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        results.append((mutant, outcome))
        print(
            f"  [{number}/{len(mutants)}] {target.path}:{mutant.line} {mutant.description}: "
            f"{outcome} ({seconds:.0f} s)",
            flush=True,
        )
    backup.unlink()
    return results


def table(results: list[tuple[Mutant, str]]) -> str:
    rows = [("mutation", "file:line", "result")]
    rows += [
        (m.description, f"{TARGETS[m.module].path}:{m.line}", outcome) for m, outcome in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    killed = sum(outcome.startswith("killed") for _m, outcome in results)
    score = 100 * killed / len(results) if results else 0
    lines.append(f"\nscore: {killed} of {len(results)} mutants killed ({score:.0f} %)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", choices=sorted(TARGETS), action="append")
    parser.add_argument("--limit", type=int, help="at most this many generated mutants a module")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per test run")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument(
        "--lines", help="only the mutants on these lines, e.g. 555,581 (survivors, again)"
    )
    options = parser.parse_args()
    # Ctrl-C and a polite kill both go through `finally`, which restores the file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    results = []
    for module in options.module or list(TARGETS):
        source = (ROOT / TARGETS[module].path).read_text()
        mutants = named(module, source) + spread(generated(module, source), options.limit)
        if options.lines:
            lines = {int(line) for line in options.lines.split(",")}
            mutants = [m for m in mutants if m.line in lines]
        if options.list:
            for m in mutants:
                print(f"{TARGETS[module].path}:{m.line} {m.description}")
            continue
        results += check(module, mutants, options.timeout)
    if results:
        print(table(results))


if __name__ == "__main__":
    main()
