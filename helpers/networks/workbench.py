"""Notebook 06's thin layer over the three networks: one train() for all, and the plots and Train panel."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from helpers.data import MnistSplit

__all__ = ["IMPLEMENTATIONS", "train", "plot_history", "show_digits", "plot_class_balance", "train_panel"]

IMPLEMENTATIONS = ("scratch", "torch", "keras")


def train(implementation: str, split: MnistSplit, hidden: Sequence[int] = (128,), *, learning_rate: float = 1.0,
          batch_size: int = 32, epochs: int = 15, random_state: int = 1, loss: str = "cross_entropy",
          verbose: bool = True, progress: bool | None = None,
          on_epoch_end: Callable[[int, dict], Any] | None = None) -> tuple[Any, dict[str, list[float]]]:
    """Build and fit one implementation on a one-hot split -> (network, history with accuracy/val_accuracy).

    ``loss`` applies to the scratch network only (torch and Keras use categorical cross-entropy).
    """
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"unknown implementation {implementation!r}: pass one of {IMPLEMENTATIONS}.")
    sizes = [split.x_train.shape[1], *[int(h) for h in hidden], split.y_train.shape[1]]
    if implementation == "scratch":
        from helpers.networks.scratch import NeuralNetwork

        net = NeuralNetwork(sizes, epochs, learning_rate, random_state, batch_size=batch_size, loss=loss)
        history = net.fit(split.x_train, split.y_train, split.x_val, split.y_val, verbose=verbose,
                          progress=progress, on_epoch_end=on_epoch_end)
    elif implementation == "torch":
        from helpers.networks.torch_net import NeuralNetworkTorch, make_loaders

        loaders = make_loaders(split.x_train, split.y_train, split.x_val, split.y_val, batch_size, random_state)
        net = NeuralNetworkTorch(sizes, epochs, learning_rate, random_state)
        history = net.fit(*loaders, verbose=verbose, progress=progress, on_epoch_end=on_epoch_end)
    else:
        net, history = _train_keras(sizes, split, learning_rate, batch_size, epochs, random_state, verbose,
                                    progress, on_epoch_end)
    return net, history


def _train_keras(sizes, split, learning_rate, batch_size, epochs, random_state, verbose, progress, on_epoch_end):
    from helpers.networks.keras_net import NeuralNetworkTf

    net = NeuralNetworkTf(sizes, random_state=random_state)
    kwargs: dict[str, Any] = {}
    import inspect

    params = inspect.signature(net.compile_and_fit).parameters
    for name, value in (("verbose", verbose), ("progress", progress), ("on_epoch_end", on_epoch_end)):
        if name in params:
            kwargs[name] = value
    result = net.compile_and_fit(split.x_train, split.y_train, epochs, learning_rate, batch_size,
                                 (split.x_val, split.y_val), **kwargs)
    history = result.history if hasattr(result, "history") else result
    return net, {k: list(map(float, v)) for k, v in history.items()}


def plot_history(history: dict[str, list[float]], ax: Any, title: str = "", chance: float = 0.1) -> Any:
    """Training and validation accuracy against epoch (from 1) on ax."""
    epochs = np.arange(1, len(history["accuracy"]) + 1)
    ax.plot(epochs, history["accuracy"], "o-", label="training")
    ax.plot(epochs, history["val_accuracy"], "s--", label="validation")
    ax.axhline(chance, color="grey", lw=0.8, ls=":", label="chance")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title)
    ax.legend(loc="lower right")
    return ax


def show_digits(x: np.ndarray, titles: Sequence[str], n_cols: int = 10, size: float = 1.1) -> Any:
    """x: (n, 784) images -> Figure with a grid of them, one title each."""
    import matplotlib.pyplot as plt

    n = len(x)
    n_rows = max(1, -(-n // n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, 1.25 * size * n_rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, title in zip(axes.ravel(), x, titles):
        ax.imshow(img.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def plot_class_balance(y_train: np.ndarray, y_val: np.ndarray, ax: Any) -> Any:
    """Images per digit in each split (labels one-hot or integer) as grouped bars."""
    counts = [np.bincount(np.asarray(y).argmax(1) if np.ndim(y) == 2 else y, minlength=10) for y in (y_train, y_val)]
    digits = np.arange(10)
    ax.bar(digits - 0.2, counts[0], width=0.4, label=f"training ({len(y_train)})")
    ax.bar(digits + 0.2, counts[1], width=0.4, label=f"validation ({len(y_val)})")
    ax.set(xticks=digits, xlabel="digit", ylabel="images")
    ax.legend()
    return ax


def train_panel(split: MnistSplit, default: dict | None = None) -> Any:
    """ipywidgets Train panel: hidden sizes, learning rate, batch size, epochs, implementation, Train button.

    The curves are redrawn after every epoch through fit's ``on_epoch_end``. The panel is first drawn
    with a run of ``default`` settings so the stored notebook shows a real curve.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    d = {"implementation": "scratch", "hidden": "64", "learning_rate": 1.0, "batch_size": 32, "epochs": 5}
    d.update(default or {})
    impl = w.Dropdown(options=IMPLEMENTATIONS, value=d["implementation"], description="network")
    hidden = w.Text(value=d["hidden"], description="hidden", placeholder="e.g. 128,64")
    lr = w.FloatLogSlider(value=d["learning_rate"], base=10, min=-3, max=1, step=0.1, description="learning rate",
                          continuous_update=False)
    batch = w.Dropdown(options=[1, 8, 16, 32, 64, 128], value=d["batch_size"], description="batch size")
    epochs = w.IntSlider(value=d["epochs"], min=1, max=30, description="epochs", continuous_update=False)
    button = w.Button(description="Train", button_style="primary")
    out = w.Output()

    def show(fig: Any) -> None:
        # append_display_data writes into the widget's own state, so the first (non-interactive) drawing
        # is stored in the widget and not in the cell's output, with or without a live front end;
        # a PNG image renders the same whichever matplotlib backend is active.
        import io

        from IPython.display import Image

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        out.outputs = ()
        out.append_display_data(Image(data=buffer.getvalue(), format="png"))

    def run(interactive: bool) -> None:
        try:
            sizes = [int(s) for s in hidden.value.replace(" ", "").split(",") if s]
        except ValueError:
            out.outputs = ()
            out.append_stdout(f"hidden must be comma-separated widths like 128,64, got {hidden.value!r}\n")
            return
        fig, ax = plt.subplots(figsize=(6, 3.5))
        plt.close(fig)  # drawn into the panel only
        title = f"{impl.value}: 784-{'-'.join(map(str, sizes + [10]))}, lr {lr.value:g}, batch {batch.value}"

        def redraw(epoch: int, history: dict) -> None:
            ax.clear()
            plot_history(history, ax, title)
            ax.set_xlim(0.5, epochs.value + 0.5)
            show(fig)

        settings = dict(learning_rate=lr.value, batch_size=batch.value, epochs=epochs.value, verbose=False,
                        progress=interactive, on_epoch_end=redraw)
        try:
            if interactive:
                with out:  # so the progress bar over batches shows in the panel
                    train(impl.value, split, sizes, **settings)
            else:
                train(impl.value, split, sizes, **settings)
        except ValueError as err:  # diverged or bad settings: say so in the panel
            out.append_stdout(f"{err}\n")

    button.on_click(lambda _: run(True))
    run(False)
    controls = w.VBox([impl, hidden, lr, batch, epochs, button])
    return w.HBox([controls, out])
