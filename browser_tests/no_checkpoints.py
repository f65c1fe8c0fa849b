"""A checkpoints class for the browser suite's JupyterLab server that writes nothing (no .ipynb_checkpoints/).

Imported by the server (``--ContentsManager.checkpoints_class=no_checkpoints.NoCheckpoints``), not by the tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jupyter_server.services.contents.checkpoints import AsyncCheckpoints

__all__ = ["NoCheckpoints"]


class NoCheckpoints(AsyncCheckpoints):
    """Checkpoints switched off: creating one records nothing, and there is never one to list or restore."""

    async def create_checkpoint(self, contents_mgr, path):
        return {"id": "none", "last_modified": datetime.now(UTC)}

    async def restore_checkpoint(self, contents_mgr, checkpoint_id, path):
        raise RuntimeError("checkpoints are switched off in the browser suite")

    async def rename_checkpoint(self, checkpoint_id, old_path, new_path):
        return None

    async def delete_checkpoint(self, checkpoint_id, path):
        return None

    async def list_checkpoints(self, path):
        return []
