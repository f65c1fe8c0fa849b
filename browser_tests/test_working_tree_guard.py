"""The guard that fails the session when the suite changed the checkout sees the changes it exists for."""

from __future__ import annotations

import subprocess

from lab_server import tree_changes, working_tree_state


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_the_guard_sees_autosave_checkpoints_and_figures(tmp_path):
    repo = tmp_path
    (repo / "notebooks").mkdir()
    (repo / "figures").mkdir()
    (repo / "notebooks" / "06.ipynb").write_text("stored")
    (repo / "figures" / "06.png").write_bytes(b"png")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    (repo / "notebooks" / "06.ipynb").write_text("edited by someone")  # already modified: status stays " M"
    before = working_tree_state(repo)
    assert tree_changes(before, working_tree_state(repo)) == []

    (repo / "notebooks" / "06.ipynb").write_text("autosaved by JupyterLab")
    (repo / "notebooks" / ".ipynb_checkpoints").mkdir()
    (repo / "notebooks" / ".ipynb_checkpoints" / "06-checkpoint.ipynb").write_text("checkpoint")
    (repo / "figures" / "06.png").write_bytes(b"redrawn")
    changes = "\n".join(tree_changes(before, working_tree_state(repo)))
    assert "notebooks/06.ipynb:" in changes
    assert "git status: + ?? notebooks/.ipynb_checkpoints/06-checkpoint.ipynb" in changes
    assert "figures/06.png:" in changes
