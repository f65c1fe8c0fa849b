"""The workbook's tested helpers: one module per idea, imported by the notebooks.

Modules are imported on first use (``helpers.critical_points``, ``from helpers import derivation``), so
that a notebook about sympy does not pay for importing torch or TensorFlow.
"""

import importlib
import pkgutil
from types import ModuleType

__all__ = sorted(m.name for m in pkgutil.iter_modules(__path__))


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}; its modules are {', '.join(__all__)}")
