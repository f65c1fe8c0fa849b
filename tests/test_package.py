"""The shape of the ``helpers`` package (CONTRIBUTING.md), kept by tests instead of by memory.

Every public name is exported in ``__all__`` and documented; a function taking or returning arrays says their
shapes; no module reads another's private names; torch and TensorFlow are imported at the top of the modules that
need them and never by ``import helpers`` or by the modules that only need NumPy or sympy.
"""

import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(helpers.__path__, "helpers."))
SOURCES = sorted((ROOT / "helpers").rglob("*.py"))
SHAPE = re.compile(r"\((?:[\w .+*/\-]+,)+[\w .+*/\-]*\)|\(\w+,?\)|\b(any|same|the) shape|shape of|shapes? as|\(\.\.\.")
# Modules that must not pull in torch or TensorFlow (the NumPy- and sympy-only parts of the workbook).
LIGHT = ["helpers", "helpers.validation", "helpers.figures", "helpers.figure_widgets", "helpers.derivation",
         "helpers.critical_points", "helpers.random_matrices", "helpers.descent", "helpers.newton",
         "helpers.activations", "helpers.modules", "helpers.capacity", "helpers.linear_layer", "helpers.mnist",
         "helpers.logistic_regression", "helpers.gaussian_dropout", "helpers.curves"]
HEAVY = ("torch", "tensorflow", "keras")


def _public_definitions(module) -> dict[str, object]:
    """Functions and classes defined in ``module`` itself whose names do not start with an underscore."""
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__}


@pytest.mark.parametrize("name", MODULES)
def test_public_names_are_exported_and_documented(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert (module.__doc__ or "").strip(), f"{name} has no module docstring"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not define: {missing}"
    unexported = sorted(set(_public_definitions(module)) - set(exported))
    assert not unexported, f"{name} defines public {unexported} without listing them in __all__ (or prefix them with _)"
    for n in exported:
        obj = getattr(module, n)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), f"{name}.{n} has no docstring"


def _mentions_arrays(annotation: object) -> bool:
    return "ndarray" in str(annotation)


@pytest.mark.parametrize("name", MODULES)
def test_docstrings_of_functions_on_arrays_state_the_shapes(name):
    module = importlib.import_module(name)
    for n in getattr(module, "__all__", []):
        obj = getattr(module, n)
        functions = [(n, obj)] if inspect.isfunction(obj) else []
        if inspect.isclass(obj):
            functions += [(f"{n}.{m}", f) for m, f in vars(obj).items()
                          if inspect.isfunction(f) and not m.startswith("_")]
        for qualname, f in functions:
            sig = inspect.signature(f)
            on_arrays = _mentions_arrays(sig.return_annotation) or any(
                _mentions_arrays(p.annotation) for p in sig.parameters.values())
            if on_arrays:
                doc = inspect.getdoc(f) or ""
                assert SHAPE.search(doc), f"{name}.{qualname} takes or returns arrays: its docstring must give shapes"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_reads_another_modules_private_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"line {node.lineno}: imports private {private} from {node.module}"
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            raise AssertionError(f"line {node.lineno}: reads the private name .{node.attr} of another object")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_torch_and_tensorflow_are_imported_at_the_top_of_a_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(func):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                heavy = [n for n in names if n.split(".")[0] in HEAVY or n.endswith("quiet_tensorflow")]
                assert not heavy, f"{func.name} imports {heavy} inside a function: import it at the top of the module"


def test_importing_the_numpy_and_sympy_modules_imports_neither_torch_nor_tensorflow():
    code = ("import importlib, json, sys\n"
            f"for name in {LIGHT!r}:\n"
            "    importlib.import_module(name)\n"
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_every_module_is_in_the_readme_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [m for m in MODULES if f"`{m.removeprefix('helpers.')}`" not in readme]
    assert not missing, f"add these modules to the README's map of helpers: {missing}"
