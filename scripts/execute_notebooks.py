"""Re-execute notebooks in place, top to bottom in a fresh kernel of this environment.

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every notebooks/NN_*.ipynb)

A notebook is rewritten only when every cell ran without error, and atomically, so a failed run
never leaves a half-executed or truncated notebook behind.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT_S = 600


class CurrentEnvironmentKernels(KernelSpecManager):
    """Always run the kernel with this interpreter, whatever kernels the user has installed."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (workbook)",
            language="python",
        )


def execute(path: Path) -> float:
    """Execute one notebook with `notebooks/` as working directory; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvironmentKernels())
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".ipynb")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)
    return seconds


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        example = "notebooks/01_critical_points_and_hessians.ipynb"
        print(f"No such notebook: {', '.join(missing)}. Pass paths such as {example}.")
        return 2
    os.environ.setdefault("PYTHONHASHSEED", "0")
    failed = []
    for path in paths:
        print(f"executing {path} ...", flush=True)
        try:
            print(f"  done in {execute(path.resolve()):.1f} s", flush=True)
        except CellExecutionError as err:
            print(f"  FAILED, notebook left unchanged:\n{err}", flush=True)
            failed.append(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
