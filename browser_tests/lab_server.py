"""A private JupyterLab server on a temporary copy of the notebooks, and a snapshot of the working tree.

The suite must never change the checkout: JupyterLab serves a copy of ``notebooks/`` with autosave and
checkpoints off, the kernels write figures to a temporary ``WORKBOOK_FIGURES_DIR``, and
``working_tree_state`` lets a fixture compare ``git status --porcelain`` (and the content of every file
it lists, plus everything under ``notebooks/`` and ``figures/``) before and after the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["ROOT", "NOTEBOOKS_DIR", "Lab", "running_lab", "copy_notebooks", "trust_notebooks", "working_tree_state",
           "tree_changes"]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
HERE = Path(__file__).resolve().parent
# JupyterLab settings for a deterministic page that writes nothing: every cell kept in the DOM (no
# windowing), no autosave, no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
# One thread per numerical library in the kernels: two notebooks run side by side on a 2-core machine.
KERNEL_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its base URL, token and the folder it serves."""

    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def lab_url(self) -> str:
        return f"{self.url}/lab?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, wait: bool = True) -> None:
        """End every session (and its kernel) open now; with wait=False in the background, so that the next
        notebook opens while the old kernels exit."""
        ids = [session["id"] for session in self.api("sessions")]

        def delete() -> None:
            for sid in ids:
                with contextlib.suppress(OSError):
                    self.api(f"sessions/{sid}", method="DELETE")

        if wait:
            delete()
        else:
            threading.Thread(target=delete, daemon=True).start()


def copy_notebooks(target: Path) -> Path:
    """Copy notebooks/ (without checkpoints) to target/notebooks and return that folder."""
    dest = target / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", ".*.ipynb"))
    return dest


def trust_notebooks(root: Path, data_dir: Path) -> None:
    """Sign the notebooks in root in the private data dir, as JupyterLab trusts a notebook its user ran (an untrusted
    notebook shows a stored widget as its text repr, never as a widget)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    data_dir.mkdir(parents=True, exist_ok=True)
    notary = NotebookNotary(data_dir=str(data_dir))
    try:
        for path in sorted(root.glob("*.ipynb")):
            notary.sign(nbformat.read(path, as_version=4))
    finally:
        notary.close()


@contextlib.contextmanager
def running_lab(root: Path, home: Path, figures: Path, pythonpath: tuple[Path, ...] = ()) -> Iterator[Lab]:
    """Start JupyterLab from this environment on 127.0.0.1, serving ``root``, with a private config in ``home``;
    ``pythonpath`` comes first on the kernels' import path (the student edition's own ``helpers``)."""
    settings = home / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    figures.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        **KERNEL_THREADS,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        WORKBOOK_FIGURES_DIR=str(figures),
        PYTHONPATH=os.pathsep.join(filter(None, [*map(str, pythonpath), str(HERE), os.environ.get("PYTHONPATH")])),
        PYTHONHASHSEED="0",
    )
    port, token = _free_port(), secrets.token_hex(16)
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.open_browser=False", "--LabApp.news_url=None", "--LabApp.expose_app_in_browser=True",
             "--ContentsManager.checkpoints_class=no_checkpoints.NoCheckpoints",
             "--ServerApp.jpserver_extensions={'jupyter_lsp': False}",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
        )
        server = Lab(f"http://127.0.0.1:{port}", token, root, log_path)
        try:
            trust_notebooks(root, home / "data")  # while the server starts; before any notebook is opened
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited early; its log:\n{log_path.read_text()}")
                try:
                    server.api("status")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not answer within 120 s") from None
                    time.sleep(0.25)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _digest(path: Path) -> str:
    if path.is_symlink() or not path.exists():
        return "missing" if not path.is_symlink() else "symlink"
    if path.is_dir():
        return "dir"
    return hashlib.sha1(path.read_bytes()).hexdigest()


def working_tree_state(root: Path = ROOT) -> dict[str, str]:
    """``git status --porcelain`` plus a digest of every file it lists and every file under notebooks/, figures/.

    The digests catch a change to a file that was already modified (its status line stays ``M``).
    """
    status = subprocess.run(["git", "status", "--porcelain=v1", "--untracked-files=all", "-z"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    tokens, entries, paths = iter(status.split("\0")), [], set()
    for entry in tokens:
        if not entry:
            continue
        entries.append(entry)
        paths.add(entry[3:])
        if entry[0] in "RC":  # a rename or copy: the next token is the original path
            entries[-1] += f" <- {next(tokens, '')}"
    state = {"git status --porcelain": "\n".join(sorted(entries))}
    for folder in ("notebooks", "figures"):
        paths |= {str(p.relative_to(root)) for p in (root / folder).rglob("*")}
    state.update({p: _digest(root / p) for p in sorted(paths)})
    return state


def tree_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What differs between two working_tree_state() snapshots, one line each."""
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            if key == "git status --porcelain":
                old, new = set(before.get(key, "").splitlines()), set(after.get(key, "").splitlines())
                changes += [f"git status: + {line}" for line in sorted(new - old)]
                changes += [f"git status: - {line}" for line in sorted(old - new)]
            else:
                changes.append(f"{key}: {before.get(key, 'absent')} -> {after.get(key, 'absent')}")
    return changes
