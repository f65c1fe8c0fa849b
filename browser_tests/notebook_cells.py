"""Which cells of a stored notebook the browser suite must run to bring its widgets to life.

nbval already proves that every cell runs and reproduces its stored output; the browser suite opens the
stored outputs for the rendering checks and, for the widget checks, executes only the widget cells and the
cells they need: the set-up cell, then, found by reading the code (``ast``), the last earlier cell that
binds each name a needed cell reads, and every cell in between that changes that object in place
(``x.attr = ...``, ``x[k] = ...``, ``x.method(...)``, except on imported modules). The analysis is
deliberately generous; what it could miss (state passed through a function argument or a global) shows up
in the browser as a ``NameError`` or a wrong picture, which the suite reports.

The exercises' ``helpers.exercises.Progress`` is read precisely, since every exercise cell uses it:
``progress.require("a", *NAMES)`` and ``progress.report()`` only read it, and ``progress.check("a", ...)``
records exercise ``a``; a cell that requires ``a`` needs the cell that checks ``a``, not every check before it
(each check may train a network). Any other use of ``progress`` needs every check before it. A cell that only
checks exercises (nbval has proved that those checks pass) is not run: ``stand_in`` gives the code that
records the same exercises as passed through the same public call, without running their checkers.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WIDGET_VIEW", "CellNames", "CodeCell", "StoredNotebook", "stand_in"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# helpers.exercises.Progress: methods that only read it, and the one that records an exercise's check
EXERCISE_READS = {"require", "report"}
EXERCISE_RECORD = "check"
ALL = "*"  # every exercise


@dataclass
class CellNames:
    """What one cell does with names: binds, changes in place, reads (before binding), imports; for exercise
    objects, which exercises it records (``check``) and which it needs (``require``: names or ``*NAME``)."""

    bound: set[str]
    changed: set[str]
    read: set[str]
    imported: set[str]
    records: dict[str, set[str]]
    needs: dict[str, set[str]]
    literals: dict[str, tuple[str, ...]]  # NAME = ("a", "b"): to resolve require(*NAME)


@dataclass(frozen=True)
class CodeCell:
    """One code cell: its position among the code cells, its source and what its stored outputs show."""

    index: int
    source: str
    widget_views: int
    tags: tuple[str, ...]

    def names(self) -> CellNames:
        """What the cell (or the code that stands in for it) binds, changes, reads and imports (see CellNames)."""
        scope = _CellScope()
        tree = ast.parse(_without_magics(stand_in(self) or self.source))
        scope.visit(tree)
        scope.free |= scope.deferred - scope.bound
        literals = {}
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, (ast.Tuple, ast.List))
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.value.elts)):
                literals[node.targets[0].id] = tuple(e.value for e in node.value.elts)
        return CellNames(scope.bound, scope.changed, scope.free, scope.imported, scope.records, scope.needs, literals)


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _loads_and_stores(nodes: list[ast.AST]) -> tuple[set[str], set[str]]:
    loads, stores = set(), set()
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                (loads if isinstance(sub.ctx, ast.Load) else stores).add(sub.id)
            elif isinstance(sub, ast.arg):
                stores.add(sub.arg)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stores.add(sub.name)
    return loads, stores


class _CellScope(ast.NodeVisitor):
    """Walks a cell in execution order: a name read before the cell binds it comes from an earlier cell."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.free: set[str] = set()
        self.changed: set[str] = set()
        self.imported: set[str] = set()
        self.deferred: set[str] = set()  # read inside functions and classes, when they are called
        self.records: dict[str, set[str]] = {}
        self.needs: dict[str, set[str]] = {}
        self._exercise_calls: set[int] = set()  # ids of Name nodes read only as progress.check/require/report

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.bound:
                self.free.add(node.id)
            if id(node) not in self._exercise_calls:
                self.needs.setdefault(node.id, set()).add(ALL)
        else:
            self.bound.add(node.id)

    def _visit_all(self, *nodes: ast.AST | list | None) -> None:
        for node in nodes:
            for item in node if isinstance(node, list) else [node]:
                if item is not None:
                    self.visit(item)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._visit_all(node.value, node.targets)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._visit_all(node.value, node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id not in self.bound:
            self.free.add(node.target.id)
        self._visit_all(node.value, node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._visit_all(node.value, node.target)

    def visit_For(self, node: ast.For) -> None:
        self._visit_all(node.iter, node.target, node.body, node.orelse)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.visit_For(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._visit_all(node.type)
        if node.name:
            self.bound.add(node.name)
        self._visit_all(node.body)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            self.imported.add(name)
            self.bound.add(name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.visit_Import(node)

    def _nested_scope(self, body: list[ast.AST], local: set[str]) -> None:
        loads, stores = _loads_and_stores(body)
        self.deferred |= loads - stores - local
        for name in loads - stores - local:
            self.needs.setdefault(name, set()).add(ALL)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        self._visit_all(getattr(node, "decorator_list", []), args.defaults, [d for d in args.kw_defaults if d])
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a}
        body = node.body if isinstance(node.body, list) else [node.body]
        self._nested_scope(body, params)
        if not isinstance(node, ast.Lambda):
            self.bound.add(node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_FunctionDef(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(node.decorator_list, node.bases, node.keywords)
        self._nested_scope(node.body, set())
        self.bound.add(node.name)

    def _comprehension(self, node: ast.AST, parts: list[ast.AST]) -> None:
        first, *rest = node.generators
        self.visit(first.iter)  # evaluated in the cell's scope; the rest in the comprehension's own
        _, local = _loads_and_stores([g.target for g in node.generators])
        loads, _ = _loads_and_stores([*parts, *first.ifs, *(p for g in rest for p in (g.iter, *g.ifs))])
        self.free |= loads - local - self.bound

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def _changes(self, target: ast.AST) -> None:
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
        if isinstance(target, ast.Name):
            self.changed.add(target.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            self._changes(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit_Attribute(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            owner, method = node.func.value.id, node.func.attr
            if method in EXERCISE_READS or method == EXERCISE_RECORD:
                self._exercise_calls.add(id(node.func.value))
            if method == "require":
                self.needs.setdefault(owner, set()).update(_exercise_names(node.args))
            elif method in EXERCISE_READS:
                self.needs.setdefault(owner, set()).add(ALL)
            elif method == EXERCISE_RECORD:
                self.records.setdefault(owner, set()).update(_exercise_names(node.args[:1]) or {ALL})
            else:
                self.changed.add(owner)  # x.method(...) may change x in place
        self.generic_visit(node)


def _exercise_names(args: list[ast.expr]) -> set[str]:
    """Literal exercise names; ``*NAME`` kept as such (resolved by the notebook); anything else: ALL."""
    names = set()
    for arg in args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
        elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
            names.add("*" + arg.value.id)
        else:
            names.add(ALL)
    return names


HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*", re.M | re.S)


def stand_in(cell: CodeCell) -> str | None:
    """For a cell made only of ``progress.check("name", checker, ...)`` calls (and nbgrader's hidden tests, which a
    student's copy does not have): the same calls with a checker that passes at once (nbval runs the real ones).
    None for any other cell."""
    body = ast.parse(_without_magics(HIDDEN_TESTS.sub("", cell.source))).body
    calls = []
    for node in body:
        call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
        if (call is None or not isinstance(call.func, ast.Attribute) or call.func.attr != EXERCISE_RECORD
                or not isinstance(call.func.value, ast.Name) or not call.args
                or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str)):
            return None
        calls.append(f"{call.func.value.id}.check({call.args[0].value!r}, lambda *args, **kwargs: "
                     f"'checked by nbval')")
    return "\n".join(calls) or None


class StoredNotebook:
    """A notebook file as stored (executed, with outputs): its code cells and the widget views they show."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        self.cells = [
            CodeCell(i, "".join(c["source"]),
                     sum(WIDGET_VIEW in out.get("data", {}) for out in c.get("outputs", [])),
                     tuple(c.get("metadata", {}).get("tags", [])))
            for i, c in enumerate(c for c in cells if c["cell_type"] == "code")
        ]
        self.n_cells = len(cells)

    @property
    def widget_cells(self) -> list[int]:
        """Indices (among code cells) of the cells whose stored outputs include a widget view."""
        return [c.index for c in self.cells if c.widget_views]

    @property
    def widget_views(self) -> int:
        return sum(c.widget_views for c in self.cells)

    def cells_for_widgets(self) -> list[int]:
        """The code cells to run, in order, so that every widget cell runs with what it reads defined."""
        analysed = [c.names() for c in self.cells]
        modules = set().union(*(cell.imported for cell in analysed))
        needed: set[int] = set()
        todo = [0, *self.widget_cells] if self.cells else []
        while todo:
            i = todo.pop()
            if i in needed:
                continue
            needed.add(i)
            for name in analysed[i].read:
                todo.extend(self._providers(name, i, analysed, modules))
        return sorted(needed)

    @staticmethod
    def _exercises_needed(name: str, cell: int, analysed: list[CellNames]) -> set[str]:
        """The exercises of the exercise object ``name`` that cell ``cell`` needs checked (ALL: every one)."""
        needed = set()
        for item in analysed[cell].needs.get(name, set()):
            if not item.startswith("*") or item == ALL:
                needed.add(item)
                continue
            source = next((analysed[j].literals for j in range(cell, -1, -1) if item[1:] in analysed[j].bound),
                          {})
            needed.update(source.get(item[1:], (ALL,)))
        return needed

    def _providers(self, name: str, before: int, analysed: list[CellNames], modules: set[str]) -> list[int]:
        """The last cell before ``before`` that binds ``name``, the later ones that change it in place, and, for an
        exercise object, the later ones that check an exercise ``before`` needs."""
        providers = []
        exercises = self._exercises_needed(name, before, analysed)
        for j in range(before - 1, -1, -1):
            cell = analysed[j]
            if name in cell.bound:
                providers.append(j)
                break
            if name in cell.changed and name not in modules:
                providers.append(j)
            elif name in cell.records and (ALL in exercises or exercises & (cell.records[name] | {ALL})):
                providers.append(j)
        return providers
