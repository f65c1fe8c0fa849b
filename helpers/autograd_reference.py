"""Reference gradients by PyTorch autograd in float64, to check hand-derived ones against.

The workbook derives gradients by hand and compares them (with ``helpers.gradcheck.compare``) with what
autograd computes for the same loss written in torch operations. This is the only module of the NumPy
lessons that imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from helpers import validation

__all__ = ["autograd_gradients"]


def autograd_gradients(loss_fn: Callable[..., Any], inputs: Mapping[str, Any]) -> tuple[float, dict[str, np.ndarray]]:
    """Value and gradients of ``loss_fn(**tensors)`` by PyTorch autograd in float64.

    ``inputs`` maps names to arrays; each becomes a float64 tensor that requires grad, and ``loss_fn``
    must return a scalar tensor. Returns (loss, {name: dL/d(name) as a NumPy array of the input's shape}).
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of torch tensors, got {validation.describe(loss_fn)}.")
    if not isinstance(inputs, Mapping) or not inputs:
        raise TypeError(f"inputs must be a non-empty dict of name -> array, e.g. {{'z': logits}}, "
                        f"got {validation.describe(inputs)}.")
    bad = [k for k in inputs if not (isinstance(k, str) and k.isidentifier())]
    if bad:
        raise ValueError(f"inputs' keys are passed as keyword arguments to loss_fn, so they must be names such as 'z', "
                         f"got {bad}.")
    tensors = {k: torch.tensor(validation.float_array(v, k), dtype=torch.float64, requires_grad=True)
               for k, v in inputs.items()}
    loss = loss_fn(**tensors)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TypeError(f"loss_fn must return a scalar torch tensor, got {validation.describe(loss)}.")
    if not loss.requires_grad:
        raise TypeError("loss_fn's result does not depend on its inputs through torch operations: compute it with "
                        "torch functions of the tensors it receives (converting them to NumPy cuts the graph).")
    loss.backward()
    grads = {k: (t.grad.numpy().copy() if t.grad is not None else np.zeros(tuple(t.shape))) for k, t in tensors.items()}
    return float(loss.detach().reshape(())), grads
