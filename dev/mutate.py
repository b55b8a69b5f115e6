"""Mutation testing for one module against one test folder: does the suite notice a broken line?

Run on demand, never in CI (it runs the tests once per mutant):

    .venv/bin/python dev/mutate.py mockserver/meshapi_mock/journal.py tests/mockserver
    make mutate MODULE=sdk/meshapi/_sse.py TESTS=tests/sdk

Each mutant is one small change a careless edit could make: a flipped comparison, `and` for
`or`, a negated condition, an off-by-one constant, an arithmetic operator swapped, a dropped
call or attribute write, a `return` of None, `break` for `continue`. The module is changed in a
private copy of the working tree (one per worker, put first on PYTHONPATH so it wins over the
editable install, subprocesses included), the tests run with `-x`, and a mutant that leaves
them green *survived*. A line ending in `# pragma: no mutate` is skipped.

Why our own script: mutmut 3 and cosmic-ray want one package under `src/` or a single import
root; this repo has four packages in four folders and tests that start subprocesses, which a
copy of the tree on PYTHONPATH serves as is.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("sdk", "mockserver", "fixtures", "pytest_plugin", "tests")
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"
)
PRAGMA = "pragma: no mutate"

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}


@dataclass(frozen=True)
class Mutant:
    """One change: replace source[start:end] (character offsets) with `replacement`."""

    line: int
    start: int
    end: int
    replacement: str
    description: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout | invalid
    seconds: float


# --------------------------------------------------------------------------- finding mutants


class _Offsets:
    """Turns (line, column) from the AST into offsets in the source string."""

    def __init__(self, source: str) -> None:
        self.line_starts = [0]
        for line in source.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.lines = source.splitlines()

    def span(self, node: ast.AST) -> tuple[int, int]:
        # Columns are UTF-8 byte offsets; convert through the line's bytes.
        def offset(line: int, col: int) -> int:
            text = self.lines[line - 1].encode()[:col].decode()
            return self.line_starts[line - 1] + len(text)

        start = offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Ids of nodes never to mutate: docstrings, annotations, f-string parts, TYPE_CHECKING."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(inner) for inner in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            skip(body[0])
        if isinstance(node, ast.arg | ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        if isinstance(node, ast.JoinedStr | ast.match_case):
            skip(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip(node)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip(node)
    return skipped


def find_mutants(source: str, *, strings: bool = False) -> list[Mutant]:
    tree = ast.parse(source)
    offsets = _Offsets(source)
    skipped = _skipped_nodes(tree)
    found: list[Mutant] = []

    def add(node: ast.AST, replacement: str, description: str, *, wrap: bool = True) -> None:
        line = node.lineno  # type: ignore[attr-defined]
        if PRAGMA in offsets.lines[line - 1]:
            return
        start, end = offsets.span(node)
        text = f"({replacement})" if wrap else replacement
        found.append(Mutant(line, start, end, text, description))

    def variant(node: ast.expr, change: str, edit: object) -> None:
        changed = copy.deepcopy(node)
        edit(changed)  # type: ignore[operator]
        add(node, ast.unparse(changed), change)

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap is not None:

                    def edit(n: ast.Compare, i: int = i, swap: type[ast.cmpop] = swap) -> None:
                        n.ops[i] = swap()

                    variant(node, f"{type(op).__name__} -> {swap.__name__}", edit)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And

            def edit_bool(n: ast.BoolOp, other: type[ast.boolop] = other) -> None:
                n.op = other()

            variant(node, f"{type(node.op).__name__} -> {other.__name__}", edit_bool)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, ast.unparse(node.operand), "not x -> x")
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            swap_op = BINOP_SWAPS[type(node.op)]

            def edit_bin(n: ast.BinOp, swap_op: type[ast.operator] = swap_op) -> None:
                n.op = swap_op()

            variant(node, f"{type(node.op).__name__} -> {swap_op.__name__}", edit_bin)
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                add(node, repr(not value), f"{value} -> {not value}", wrap=False)
            elif isinstance(value, int | float):
                add(node, repr(value + 1), f"{value!r} -> {value + 1!r}")
            elif strings and isinstance(value, str) and value:
                add(node, repr("XX" + value + "XX"), "string changed", wrap=False)
        elif isinstance(node, ast.If | ast.IfExp | ast.While):
            add(node.test, f"not ({ast.unparse(node.test)})", "condition negated")
        elif isinstance(node, ast.Return) and node.value is not None:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                add(node, "return None", "return value dropped", wrap=False)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
            add(node, "pass", "call dropped", wrap=False)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(
                isinstance(t, ast.Attribute | ast.Subscript) for t in targets
            ):
                add(node, "pass", "attribute/item write dropped", wrap=False)
        elif isinstance(node, ast.Raise):
            add(node, "pass", "raise dropped", wrap=False)
        elif isinstance(node, ast.Break):
            add(node, "continue", "break -> continue", wrap=False)
        elif isinstance(node, ast.Continue):
            add(node, "break", "continue -> break", wrap=False)
    found.sort(key=lambda m: (m.start, m.end, m.description))
    return [m for m in found if _compiles(m.apply(source))]


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


# --------------------------------------------------------------------------- running them


class Workspace:
    """A private copy of the tree whose packages shadow the editable install."""

    def __init__(self, parent: Path, index: int) -> None:
        self.root = parent / f"tree{index}"
        shutil.copytree(ROOT, self.root, ignore=COPY_IGNORE, symlinks=True)
        self.env = dict(os.environ)
        path = os.pathsep.join(str(self.root / folder) for folder in PACKAGE_FOLDERS)
        self.env["PYTHONPATH"] = path
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.env.pop("PYTEST_ADDOPTS", None)

    def run_tests(self, tests: list[str], timeout: float) -> tuple[str, float]:
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        started = time.monotonic()
        try:
            done = subprocess.run(
                command,
                cwd=self.root,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - started
        status = "survived" if done.returncode == 0 else "killed"
        if done.returncode in (2, 3, 4):  # interrupted, internal error, usage error
            status = "invalid" if done.returncode != 2 else "killed"
        return status, time.monotonic() - started

    def imports_from_here(self, module: Path) -> bool:
        name = _import_name(module)
        probe = f"import {name} as m; print(m.__file__)"
        out = subprocess.run(
            [sys.executable, "-c", probe], env=self.env, capture_output=True, text=True, check=False
        )
        return out.stdout.strip().startswith(str(self.root))


def _import_name(module: Path) -> str:
    relative = module.resolve().relative_to(ROOT)
    parts = list(relative.with_suffix("").parts[1:])
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def run(module: Path, tests: list[str], mutants: list[Mutant], jobs: int) -> Iterator[Outcome]:
    source = module.read_text()
    relative = module.resolve().relative_to(ROOT)
    with tempfile.TemporaryDirectory(prefix="mutate-") as scratch:
        spaces = [Workspace(Path(scratch), i) for i in range(jobs)]
        if not spaces[0].imports_from_here(module):
            sys.exit(f"mutate: {relative} is not imported from the copy; check PACKAGE_FOLDERS")
        status, baseline = spaces[0].run_tests(tests, timeout=1800)
        if status != "survived":
            sys.exit(f"mutate: the tests fail before any mutation ({status}); fix them first")
        timeout = max(20.0, baseline * 4)
        print(f"baseline: tests pass in {baseline:.1f}s; {len(mutants)} mutants", end="; ")
        print(f"timeout {timeout:.0f}s each")
        free = list(spaces)

        def one(mutant: Mutant) -> Outcome:
            space = free.pop()
            target = space.root / relative
            try:
                target.write_text(mutant.apply(source))
                status, seconds = space.run_tests(tests, timeout)
            finally:
                target.write_text(source)
                free.append(space)
            return Outcome(mutant, status, seconds)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            yield from pool.map(one, mutants)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", type=Path, help="the .py file to mutate")
    parser.add_argument("tests", nargs="+", help="test files or folders (pytest arguments)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--lines", help="only mutants on these lines, e.g. 10-40,55")
    parser.add_argument("--strings", action="store_true", help="also mutate string literals")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    args = parser.parse_args(argv)

    module: Path = args.module.resolve()
    source = module.read_text()
    mutants = find_mutants(source, strings=args.strings)
    if args.lines:
        wanted = _parse_lines(args.lines)
        mutants = [m for m in mutants if m.line in wanted]
    lines = source.splitlines()
    if args.list:
        for m in mutants:
            print(f"{m.line:5}  {m.description:32}  {lines[m.line - 1].strip()}")
        return 0

    outcomes: list[Outcome] = []
    for outcome in run(module, args.tests, mutants, max(1, args.jobs)):
        outcomes.append(outcome)
        m = outcome.mutant
        print(f"{outcome.status:8} {m.line:5}  {m.description:32}  -> {m.replacement[:60]}")
    survivors = [o for o in outcomes if o.status == "survived"]
    counted = [o for o in outcomes if o.status != "invalid"]
    caught = len(counted) - len(survivors)
    score = caught / len(counted) if counted else 1.0
    relative = module.relative_to(ROOT)
    print(f"\n{relative}: {caught}/{len(counted)} mutants caught, score {score:.0%}")
    for o in survivors:
        m = o.mutant
        print(f"  survived line {m.line}: {m.description}: {lines[m.line - 1].strip()}")
        print(f"      became: {m.replacement}")
    if args.json:
        args.json.write_text(
            json.dumps([{**asdict(o.mutant), "status": o.status} for o in outcomes], indent=1)
        )
    return 0


def _parse_lines(spec: str) -> set[int]:
    wanted: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        wanted.update(range(int(low), int(high or low) + 1))
    return wanted


if __name__ == "__main__":
    raise SystemExit(main())
