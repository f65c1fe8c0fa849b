"""Learning the two-unit construction: a torch network with squared hidden units, trained on sigma(beta0 + beta1 x1 x2).

``sample_product_data`` draws inputs and their probabilities (or 0/1 labels), ``TwoUnitNet`` is the network
``sigmoid(c + v . (W1 x + b1)^2)`` in float64 (other activations on request, e.g. those of a
``capacity.Construction`` via ``TwoUnitNet.from_construction``), and ``train_two_unit_net`` fits it by full-batch Adam
on the binary cross-entropy. The learned weights can be handed to ``capacity.check_construction``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
import torch

from helpers import capacity, validation

__all__ = ["sample_product_data", "TwoUnitNet", "train_two_unit_net"]

_TensorFunction = Callable[[torch.Tensor], torch.Tensor]


def sample_product_data(beta0: float, beta1: float, n: int = 2000, random_state: Any = 0, *,
                        hard: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, 2) uniform on [-2, 2]^2; y: (n,) = sigma(beta0 + beta1 x1 x2), or 0/1 draws from it if ``hard``."""
    b0, b1 = validation.finite_number(beta0, "beta0"), validation.finite_number(beta1, "beta1")
    n = validation.positive_int(n, "n")
    if not isinstance(hard, bool):
        raise TypeError(f"hard must be True (0/1 labels) or False (probabilities), got {validation.describe(hard)}.")
    rng = validation.as_rng(random_state)
    x = rng.uniform(-2, 2, size=(n, 2))
    p = 1 / (1 + np.exp(-(b0 + b1 * x[:, 0] * x[:, 1])))
    # soft labels make the construction the exact minimiser of the cross-entropy, so training can recover it
    return x, ((rng.uniform(size=n) < p).astype(np.float64) if hard else p)


class TwoUnitNet(torch.nn.Module):
    """x: (N, 2) -> P(y = 1 | x): (N,), with hidden activation a -> a**2 and a sigmoid output, float64.

    The weights start as PyTorch's default for ``nn.Linear`` (uniform on +-1/sqrt(2) for two inputs), drawn from
    ``random_state`` (an int seed, a np.random.Generator or None) without touching torch's global generator.
    ``hidden_activation`` and ``output_activation`` (element-wise functions on tensors) replace the square and the
    sigmoid; ``logit`` is always the output unit's input c + v . g(W1 x + b1).
    """

    def __init__(self, random_state: Any = 0, *, hidden_activation: _TensorFunction | None = None,
                 output_activation: _TensorFunction | None = None) -> None:
        super().__init__()
        for name, f in (("hidden_activation", hidden_activation), ("output_activation", output_activation)):
            if f is not None and not callable(f):
                raise TypeError(f"{name} must be a function on tensors such as torch.tanh, or None, got "
                                f"{validation.describe(f)}.")
        self.hidden_activation = hidden_activation if hidden_activation is not None else torch.square
        self.output_activation = output_activation if output_activation is not None else torch.sigmoid
        seed = int(validation.as_rng(random_state).integers(2**62))
        generator = torch.Generator().manual_seed(seed)
        # skip_init: nn.Linear's own initialisation would draw from (and advance) torch's global generator
        self.hidden = torch.nn.utils.skip_init(torch.nn.Linear, 2, 2, dtype=torch.float64)
        self.out = torch.nn.utils.skip_init(torch.nn.Linear, 2, 1, dtype=torch.float64)
        bound = 1 / np.sqrt(2)  # both layers have two inputs
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound, generator=generator)

    @classmethod
    def from_construction(cls, construction: capacity.Construction, random_state: Any = 0) -> TwoUnitNet:
        """The network of a ``capacity.Construction`` with numeric weights: its weights and its two activations."""
        if not isinstance(construction, capacity.Construction):
            raise TypeError(f"construction must be a capacity.Construction, got {validation.describe(construction)}.")
        t = sp.Symbol("t", real=True)
        torch_functions = []
        for role in ("hidden_activation", "output_activation"):
            formula = capacity.resolve_activation(getattr(construction, role), role)(t)
            try:
                f = sp.lambdify(t, formula, modules=[{"max": _torch_max, "min": _torch_min}, "torch"])
                f(torch.zeros(2, dtype=torch.float64))
            except Exception as err:  # noqa: BLE001 - sympy's torch printer fails in many ways on what it lacks
                raise ValueError(f"{role} g(t) = {formula} has no torch translation ({type(err).__name__}): use "
                                 "polynomials, exp, tanh, Max or the sigmoid.") from None
            torch_functions.append(_elementwise(f))
        net = cls(random_state, hidden_activation=torch_functions[0], output_activation=torch_functions[1])
        return net.set_weights(**construction.numpy())

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 2) -> the output unit's logit c + v . g(W1 x + b1): (N,)."""
        return self.out(self.hidden_activation(self.hidden(x))).squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 2) -> P(y = 1 | x): (N,)."""
        return self.output_activation(self.logit(x))

    def set_weights(self, W1: Any, b1: Any, v: Any, c: Any) -> TwoUnitNet:
        """Overwrite the weights with W1 (2, 2), b1 (2,), v (2,) and c (a scalar, shape ()); returns the net."""
        values = {"W1": validation.float_array(W1, "W1", shape=(2, 2), dtype=np.float64),
                  "b1": validation.float_array(b1, "b1", shape=(2,), dtype=np.float64),
                  "v": validation.float_array(v, "v", shape=(2,), dtype=np.float64).reshape(1, 2),
                  "c": validation.float_array(c, "c", shape=(), dtype=np.float64).reshape(1)}
        with torch.no_grad():
            for p, name in ((self.hidden.weight, "W1"), (self.hidden.bias, "b1"), (self.out.weight, "v"),
                            (self.out.bias, "c")):
                p.copy_(torch.from_numpy(values[name]))
        return self

    def weights(self) -> dict[str, np.ndarray]:
        """The weights as float64 arrays {"W1": (2, 2), "b1": (2,), "v": (2,), "c": ()}."""
        return {
            "W1": self.hidden.weight.detach().numpy().copy(),
            "b1": self.hidden.bias.detach().numpy().copy(),
            "v": self.out.weight.detach().numpy().reshape(2).copy(),
            "c": self.out.bias.detach().numpy().reshape(()).copy(),
        }


def _elementwise(f: Callable[[Any], Any]) -> _TensorFunction:
    """A lambdified formula as a function from a tensor to a float64 tensor of its shape (constants broadcast)."""
    return lambda x: torch.broadcast_to(torch.as_tensor(f(x), dtype=torch.float64), x.shape)


def _torch_max(*args: Any) -> torch.Tensor:
    """sympy's Max (as in relu(a) = Max(0, a)) on tensors and numbers."""
    tensors = [torch.as_tensor(a, dtype=torch.float64) for a in args]
    out = tensors[0]
    for other in tensors[1:]:
        out = torch.maximum(out, other)
    return out


def _torch_min(*args: Any) -> torch.Tensor:
    """sympy's Min on tensors and numbers."""
    return -_torch_max(*(-torch.as_tensor(a, dtype=torch.float64) for a in args))


def train_two_unit_net(x: np.ndarray, y: np.ndarray, epochs: int = 600, learning_rate: float = 0.05,
                       random_state: Any = 0) -> tuple[TwoUnitNet, np.ndarray]:
    """Full-batch Adam on the mean binary cross-entropy; x: (N, 2), y: (N,) in [0, 1] -> (net, losses: (epochs,))."""
    x = validation.float_array(x, "x", shape=("N", 2), dtype=np.float64)
    y = validation.float_array(y, "y", shape=("N",), dtype=np.float64)
    validation.same_length(x=x, y=y)
    if np.any((y < 0) | (y > 1)):
        i = int(np.flatnonzero((y < 0) | (y > 1))[0])
        raise ValueError(f"y must hold probabilities or 0/1 labels in [0, 1], but y[{i}] = {y[i]}: pass "
                         "sigma(logit), not the logit.")
    epochs = validation.positive_int(epochs, "epochs")
    learning_rate = validation.positive_number(learning_rate, "learning_rate")
    net = TwoUnitNet(random_state)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()  # on the logit: stable for large |logit|
    losses = np.empty(epochs)
    for epoch in range(epochs):
        opt.zero_grad()
        loss = loss_fn(net.logit(xt), yt)
        loss.backward()
        opt.step()
        losses[epoch] = validation.check_loss_finite(loss.item(), f"at epoch {epoch + 1}", learning_rate)
    return net, losses
