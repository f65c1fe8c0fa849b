"""TensorFlow and Keras, imported once with their start-up noise kept out of notebook outputs.

``from helpers.quiet_tensorflow import tf, keras`` is the workbook's only way to import them. TensorFlow's
C++ start-up notes (no CUDA found, oneDNN notices) carry timestamps and ignore Python's warning filters, so
they are silenced at the file-descriptor level while the import runs; Keras uses the TensorFlow backend.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__all__ = ["tf", "keras"]


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (C++ libraries write there directly)."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded interpreters): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


with _stderr_silenced():
    import keras
    import tensorflow as tf
