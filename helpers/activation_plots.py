"""Pictures of activations: the ReLU(b + x w) gradient as an arrow, an activation beside its derivative, and an
element-wise layer's backward pass drawn against PyTorch autograd's.

Each picture can draw a reader's own function instead of the workbook's (``gradient=``, ``derivative=``,
``backward=``): a function that is not written yet (it raises ``NotImplementedError``), fails, or returns
something of the wrong shape leaves its part of the picture out and says why in one line, so the rest of the
picture still shows.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers import activations, autograd_reference, gradcheck, modules
from helpers.figure_widgets import figure_explorer
from helpers.validation import describe, finite_number, one_of, positive_int, positive_number

__all__ = [
    "relu_gradient",
    "relu_affine_value_and_grad",
    "plot_relu_gradient",
    "plot_activation_and_derivative",
    "ELEMENTWISE_LAYERS",
    "compare_elementwise_backward",
    "plot_elementwise_backward",
    "relu_gradient_explorer",
    "activation_explorer",
    "elementwise_backward_explorer",
]

# name -> (the helpers.modules layer, the same function in torch); LeakyReLU with the default alpha = 0.01 of both
ELEMENTWISE_LAYERS: dict[str, tuple[Callable[[], modules.Module], Callable[[torch.Tensor], torch.Tensor]]] = {
    "relu": (modules.ReLU, torch.relu),
    "leaky_relu": (modules.LeakyReLU, lambda t: torch.nn.functional.leaky_relu(t, 0.01)),
    "sigmoid": (modules.Sigmoid, torch.sigmoid),
    "tanh": (modules.Tanh, torch.tanh),
}


def relu_gradient(b: float, w: float, x: float) -> tuple[float, float]:
    """(df/db, df/dw) of f(b, w) = ReLU(b + x w) by cases: (1, x) if b + x w > 0, else (0, 0), the kink included.

    At the kink b + x w = 0 this is the subgradient theta (1, x) with theta = 0, which torch.relu returns.
    """
    b, w, x = finite_number(b, "b"), finite_number(w, "w"), finite_number(x, "x")
    ### BEGIN SOLUTION
    if b + x * w > 0:
        return 1.0, x
    return 0.0, 0.0
    ### END SOLUTION


def relu_affine_value_and_grad(x: float, w: float, b: float) -> tuple[float, np.ndarray]:
    """ReLU(b + x w) and its gradient w.r.t. (b, w), shape (2,), from ``relu_gradient``."""
    x, w, b = finite_number(x, "x"), finite_number(w, "w"), finite_number(b, "b")
    return float(activations.relu(np.array(b + x * w))), np.array(relu_gradient(b, w, x), dtype=float)


def _function(fn: Any, name: str) -> Callable[..., Any]:
    if not callable(fn):
        raise TypeError(f"{name} must be a function, got {describe(fn)}: pass the function itself, without calling it.")
    return fn


def _attempt(fn: Callable[..., Any], *args: Any, shape: tuple[int, ...]) -> tuple[np.ndarray | None, str]:
    """(fn(*args) as a finite float array of ``shape``, "") or (None, why not, in one line).

    ``fn`` may be a reader's function: not written yet (NotImplementedError), failing, or returning the wrong thing.
    """
    name = getattr(fn, "__name__", "the function")
    try:
        value = fn(*args)
    except NotImplementedError as err:
        said = " ".join(str(err).split())
        return None, said or (f"{name} is not written yet (it raises NotImplementedError): answer its exercise, "
                              "then run this cell again.")
    except Exception as err:  # noqa: BLE001 - a reader's function may raise anything: say what, in one line
        return None, f"{name} raised {type(err).__name__}: {' '.join(str(err).split())}"
    if value is None:
        return None, f"{name} returned None: did you forget to `return` the result?"
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None, f"{name} returned {describe(value)}, not numbers."
    if array.shape != shape:
        return None, f"{name} returned shape {array.shape}, expected {shape}."
    if not np.all(np.isfinite(array)):
        return None, f"{name} returned NaN or infinity."
    return array, ""


def _on_kink(x: float, w: float, b: float) -> bool:
    """b + x w == 0 up to rounding (slider values such as 1.5 * 0.2 - 0.3 leave 5e-17)."""
    return abs(b + x * w) <= 1e-9 * max(1.0, abs(b), abs(x * w))


def _note(ax: plt.Axes, message: str) -> None:
    """``message`` wrapped inside ``ax``: why part of the picture is missing."""
    ax.text(0.03, 0.97, textwrap.fill(message, 48), transform=ax.transAxes, va="top", fontsize=7,
            bbox=dict(facecolor="white", alpha=0.85, edgecolor="gray"))


def _draw_relu_gradient(x: float, w: float, b: float, ax: plt.Axes | None, extent: float,
                        gradient: Callable[..., Any] | None) -> tuple[plt.Axes, str]:
    x, w, b = finite_number(x, "x"), finite_number(w, "w"), finite_number(b, "b")
    extent = positive_number(extent, "extent")
    gradient = relu_gradient if gradient is None else _function(gradient, "gradient")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.2))
    grid = np.linspace(-extent, extent, 201)
    B, W = np.meshgrid(grid, grid)
    mesh = ax.pcolormesh(B, W, activations.relu(B + x * W), cmap="viridis", shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="ReLU(b + x w)")
    if x != 0:
        ax.plot(grid, -grid / x, "w--", lw=1, label="kink: b + x w = 0")
    else:  # b + 0 w = 0 is the vertical line b = 0
        ax.axvline(0.0, color="w", ls="--", lw=1, label="kink: b = 0 (x = 0)")
    on_kink = _on_kink(x, w, b)
    value = 0.0 if on_kink else float(activations.relu(np.array(b + x * w)))  # not 5.55e-17 from rounding
    ax.plot([b], [w], "o", color="tab:red", ms=8, label=f"(b, w) = ({b:.2g}, {w:.2g}), f = {value:.3g}")
    arrow = dict(color="tab:red", angles="xy", scale_units="xy", scale=1, width=0.012)
    title, message = f"ReLU(b + x w) at x = {x:.2g}", ""
    if on_kink:
        title += ": on the kink, no gradient"
        ax.quiver([b], [w], [1.0], [x], alpha=0.45, **arrow,
                  label=f"subgradients θ (1, {x:.2g}), 0 ≤ θ ≤ 1\n(torch.relu: θ = 0, torch.clamp: θ = 1)")
    else:
        grad, message = _attempt(gradient, b, w, x, shape=(2,))
        name = getattr(gradient, "__name__", "gradient")
        if grad is not None and np.any(grad):
            ax.quiver([b], [w], [grad[0]], [grad[1]], label=f"{name}: ({grad[0]:.2g}, {grad[1]:.2g})", **arrow)
        elif grad is not None:
            ax.annotate(f"{name}: (0, 0)", (b, w), textcoords="offset points", xytext=(8, 8), color="tab:red")
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xlabel="b", ylabel="w", title=title)
    ax.legend(loc="lower left", fontsize=8)
    return ax, message


def plot_relu_gradient(x: float, w: float, b: float, ax: plt.Axes | None = None, extent: float = 3.0,
                       gradient: Callable[[float, float, float], Any] | None = None) -> plt.Axes:
    """Heatmap of ReLU(b + x w) over the (b, w) plane, the kink line b + x w = 0, the point and its gradient.

    The arrow is ``gradient(b, w, x)`` (default ``relu_gradient``); if that function is not written yet or
    fails, the arrow is left out and a note in the picture says why.
    """
    ax, message = _draw_relu_gradient(x, w, b, ax, extent, gradient)
    if message:
        _note(ax, message)
    return ax


def _draw_activation(name: str, axes: Any, extent: float, derivative: Callable[..., Any] | None) -> plt.Figure:
    name = one_of(name, sorted(activations.ACTIVATIONS), "activation")
    extent = positive_number(extent, "extent")
    f, f_grad = activations.ACTIVATIONS[name]
    f_grad = f_grad if derivative is None else _function(derivative, "derivative")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    z = np.linspace(-extent, extent, 401)
    axes[0].plot(z, f(z), color="tab:blue")
    slope, message = _attempt(f_grad, z, shape=z.shape)
    if slope is not None:
        axes[1].plot(z, slope, color="tab:orange")
    else:
        axes[1].set(xlim=(-extent, extent), ylim=(-0.1, 1.1))
        _note(axes[1], message)
    for ax, title in zip(axes, (f"{name}(z)", f"{name}'(z)"), strict=True):
        ax.axhline(0, color="gray", lw=0.6)
        ax.axvline(0, color="gray", lw=0.6)
        ax.set(xlabel="z", title=title)
    return axes[0].figure


def plot_activation_and_derivative(name: str, axes: np.ndarray | None = None, extent: float = 5.0,
                                   derivative: Callable[[np.ndarray], Any] | None = None) -> plt.Figure:
    """f (left) and f' (right) on [-extent, extent]; axes: (2,) of Axes.

    f is ``helpers.activations.ACTIVATIONS[name]``'s, f' is ``derivative`` (default: the same entry's derivative);
    if that function is not written yet or fails, the right panel says why instead.
    """
    return _draw_activation(name, axes, extent, derivative)


def _limits(limits: Any) -> tuple[float, float]:
    if not isinstance(limits, (tuple, list)) or len(limits) != 2:
        raise TypeError(f"limits must be a pair (low, high) such as (-4, 4), got {limits!r}.")
    low, high = finite_number(limits[0], "the low end of limits"), finite_number(limits[1], "the high end of limits")
    if not low < high:
        raise ValueError(f"limits must have low < high, got ({low:g}, {high:g}): drag the two handles apart.")
    return low, high


def compare_elementwise_backward(name: str, limits: tuple[float, float] = (-4.0, 4.0), n: int = 201, *,
                                 backward: Callable[..., Any] | None = None,
                                 derivative: Callable[..., Any] | None = None) -> dict[str, Any]:
    """An element-wise layer's backward at n inputs on [low, high], and autograd's, for L = 1/2 sum (Y - 1)^2.

    The target 1 makes the upstream gradient dL/dY = Y - 1 nonzero where h is flat, so the picture shows h'(X)
    switching it off. The backward is the ``helpers.modules`` layer's, or ``backward(dL/dY, X, h_prime)`` with
    h_prime = ``derivative`` (default: ``helpers.activations``'). Returns x, y, upstream = dL/dY, derivative = h'(x),
    backward = dL/dX and autograd (all (n,)), ``comparison`` (``gradcheck.compare`` of dL/dX with autograd's), and
    ``message``: why derivative or backward is None (the function is not written yet or failed), else "".
    """
    name = one_of(name, sorted(ELEMENTWISE_LAYERS), "activation")
    low, high = _limits(limits)
    make_layer, torch_f = ELEMENTWISE_LAYERS[name]
    f, default_derivative = activations.ACTIVATIONS[name]
    derivative = default_derivative if derivative is None else _function(derivative, "derivative")
    x = np.linspace(low, high, positive_int(n, "n", minimum=2))
    y = f(x)
    upstream = y - 1.0  # dL/dY of L = 1/2 sum (Y - 1)^2
    _, reference = autograd_reference.autograd_gradients(lambda X: 0.5 * ((torch_f(X) - 1.0) ** 2).sum(), {"X": x})
    slope, message = _attempt(derivative, x, shape=x.shape)
    ours = None
    if backward is None:
        layer = make_layer()
        layer.forward(x)
        ours, problem = _attempt(layer.backward, upstream, shape=x.shape)
        message = "; ".join(m for m in (message, problem) if m)
    elif slope is not None:
        ours, message = _attempt(_function(backward, "backward"), upstream, x, derivative, shape=x.shape)
    return {"x": x, "y": y, "upstream": upstream, "derivative": slope, "backward": ours, "autograd": reference["X"],
            "comparison": None if ours is None else gradcheck.compare(ours, reference["X"]), "message": message}


def _draw_elementwise_backward(name: str, limits: Any, backward: Callable[..., Any] | None,
                               derivative: Callable[..., Any] | None) -> tuple[plt.Figure, str]:
    r = compare_elementwise_backward(name, limits, backward=backward, derivative=derivative)
    x = r["x"]
    who = "module" if backward is None else getattr(backward, "__name__", "backward")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.4))
    left.plot(x, r["y"], color="tab:blue", label=f"Y = {name}(X)")
    if r["derivative"] is not None:
        left.plot(x, r["derivative"], color="tab:orange", label=f"h'(X) = {name}'(X)")
    right.plot(x, r["upstream"], color="gray", lw=1, label="dL/dY = Y - 1  (L = ½ Σ (Y - 1)²)")
    if r["backward"] is not None:
        label = f"dL/dY * h'(X): {'module backward' if backward is None else who}"
        right.plot(x, r["backward"], color="tab:green", lw=2.5, label=label)
    every = max(1, len(x) // 25)
    right.plot(x[::every], r["autograd"][::every], "k.", ms=6, label="torch autograd")
    if r["comparison"] is None:
        right.set_title(f"dL/dX from autograd ({who}: not drawn)", fontsize=10)
    else:
        err = r["comparison"].error
        agreement = "identical" if err == 0 else f"relative error {err:.1e}"
        right.set_title(f"dL/dX, {who} vs autograd: {agreement}", fontsize=10)
    left.set_title(f"{name} and its derivative", fontsize=10)
    for ax in (left, right):
        ax.axhline(0, color="gray", lw=0.6)
        ax.set(xlabel="X")
        ax.legend(fontsize=8, loc="best")
    return fig, r["message"]


def plot_elementwise_backward(name: str, limits: tuple[float, float] = (-4.0, 4.0), *,
                              backward: Callable[..., Any] | None = None,
                              derivative: Callable[..., Any] | None = None) -> plt.Figure:
    """Left: h and h' on [low, high]; right: dL/dX = dL/dY * h'(X) (``compare_elementwise_backward``) and autograd.

    A part that cannot be drawn (a function not written yet or failing) is left out, with a note saying why.
    """
    fig, message = _draw_elementwise_backward(name, limits, backward, derivative)
    if message:
        _note(fig.axes[1], message)
    return fig


def _derivatives(derivatives: Mapping[str, Callable[..., Any]] | None) -> dict[str, Callable[..., Any]]:
    if derivatives is None:
        return {}
    if not isinstance(derivatives, Mapping):
        raise TypeError(f"derivatives must be a dict such as {{'sigmoid': sigmoid_grad}}, got {describe(derivatives)}.")
    for key, fn in derivatives.items():
        one_of(key, sorted(activations.ACTIVATIONS), "activation in derivatives")
        _function(fn, f"derivatives[{key!r}]")
    return dict(derivatives)


def relu_gradient_explorer(x: float = 1.5, w: float = 0.5, b: float = 0.3,
                           gradient: Callable[[float, float, float], Any] | None = None) -> Any:  # -> ipywidgets.VBox
    """Sliders for x, w and b on [-3, 3] above ``plot_relu_gradient`` (its arrow from ``gradient``, if given)."""
    import ipywidgets as widgets

    if gradient is not None:
        _function(gradient, "gradient")
    sliders = {name: widgets.FloatSlider(value=finite_number(value, name), min=-3, max=3, step=0.1, description=name,
                                         continuous_update=False)
               for name, value in (("x", x), ("w", w), ("b", b))}

    def draw(x: float, w: float, b: float) -> tuple[plt.Figure, str]:
        ax, message = _draw_relu_gradient(x, w, b, None, 3.0, gradient)
        return ax.figure, message

    return figure_explorer(sliders, draw)


def activation_explorer(name: str = "sigmoid",
                        derivatives: Mapping[str, Callable[..., Any]] | None = None) -> Any:  # -> ipywidgets.VBox
    """A dropdown of helpers.activations.ACTIVATIONS above ``plot_activation_and_derivative``.

    ``derivatives`` maps activation names to the derivative functions to draw (default: helpers.activations').
    """
    import ipywidgets as widgets

    chosen = _derivatives(derivatives)
    options = sorted(activations.ACTIVATIONS)
    choice = widgets.Dropdown(options=options, value=one_of(name, options, "activation"), description="activation")
    return figure_explorer({"name": choice}, lambda name: _draw_activation(name, None, 5.0, chosen.get(name)))


def elementwise_backward_explorer(name: str = "relu", limits: tuple[float, float] = (-4.0, 4.0), *,
                                  backward: Callable[..., Any] | None = None,
                                  derivatives: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    """An activation dropdown and an input-range slider on [-10, 10] above ``plot_elementwise_backward``.

    ``backward(dL/dY, X, h_prime)`` and ``derivatives`` (activation name -> h') replace the workbook's if given.
    Returns an ipywidgets.VBox.
    """
    import ipywidgets as widgets

    chosen = _derivatives(derivatives)
    if backward is not None:
        _function(backward, "backward")
    options = sorted(ELEMENTWISE_LAYERS)
    choice = widgets.Dropdown(options=options, value=one_of(name, options, "activation"), description="activation")
    low, high = _limits(limits)
    # whole numbers: the readout "-10 – 10" fits its box, where "-10.00 – 10.00" would be cut
    span = widgets.IntRangeSlider(value=(max(math.floor(low), -10), min(math.ceil(high), 10)), min=-10, max=10,
                                  description="inputs X from, to", continuous_update=False)

    def draw(name: str, limits: tuple[float, float]) -> tuple[plt.Figure, str]:
        return _draw_elementwise_backward(name, limits, backward, chosen.get(name))

    return figure_explorer({"name": choice, "limits": span}, draw)
