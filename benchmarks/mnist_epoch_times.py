"""Seconds per training epoch of the three MNIST networks, a per-sample loop and forced-eager Keras.

Run with ``make benchmark`` (not part of the tests). One run, on the same data (the bundled subset via
``helpers.mnist.load_mnist``: 4,000 training images) and architecture (784-128-64-10, sigmoid hidden layers,
softmax output, cross-entropy, plain SGD). What is timed is one *training pass*: shuffled mini-batches,
forward, backward and update, without evaluation passes.

* scratch and PyTorch: mini-batches sliced from in-memory arrays with each network's own forward, backward
  and update (``NeuralNetwork.forward/backward/update``, whose first layer skips the gradient with respect to
  the pixels; ``NeuralNetworkTorch.training_step``: zero_grad, loss, backward, step, where autograd skips it too);
* Keras: ``NeuralNetworkTf.compile_and_fit`` (its own input pipeline), the second epoch, so that tracing
  the ``tf.function`` is not counted; "Keras, forced eager" is the same under ``forced_eager_mode()``;
* "per-sample loop": the original template's style, one image at a time with ``np.dot`` on vectors.

Threads: one per library by default (``--threads N`` to change, 0 for the libraries' defaults). These
matrices are small (at most 128 x 784), so extra threads gain little, and on a busy machine a thread pool
waiting for a free core makes every step wait: 2 threads measured 10x slower than 1 under load here.

Slow configurations time a fraction of the epoch and scale it up (column "timed"). GFLOP/s counts
6 flops per weight per sample (2 forward, 4 backward: the input gradient and the weight gradient), the
usual estimate, and compares with the machine's float32 matrix-multiply rate measured by NumPy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/...` from the repo root

import numpy as np

from helpers.mnist import load_mnist
from helpers.networks import initial_weights

SIZES = [784, 128, 64, 10]
N_TRAIN = 4000
BATCH_SIZES = (1, 32, 128)
LEARNING_RATE = 0.1
MACS_PER_SAMPLE = sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:], strict=True))
FLOPS_PER_SAMPLE = 6 * MACS_PER_SAMPLE  # forward 2 per weight, backward 4 per weight


@dataclass
class Row:
    name: str
    batch: int
    seconds: float  # per full epoch (extrapolated when fraction < 1)
    fraction: float = 1.0

    @property
    def gflops(self) -> float:
        return FLOPS_PER_SAMPLE * N_TRAIN / self.seconds / 1e9


def matmul_gflops(n: int = 1024, repeats: int = 5) -> float:
    """Best float32 (n, n) @ (n, n) rate of NumPy's BLAS in GFLOP/s."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    a @ b
    best = min(_seconds(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _best_epoch(run_epoch: Callable[[int], None], batch: int, repeats: int) -> float:
    """Warm up on a few batches, then the fastest of `repeats` full epochs."""
    run_epoch(min(N_TRAIN, 8 * batch))
    return min(_seconds(lambda: run_epoch(N_TRAIN)) for _ in range(repeats))


def time_scratch(x: np.ndarray, t: np.ndarray, batch: int) -> Row:
    from helpers.networks.scratch import NeuralNetwork

    net = NeuralNetwork(SIZES, epochs=1, learning_rate=LEARNING_RATE, batch_size=batch, loss="cross_entropy")
    order = np.random.default_rng(0).permutation(N_TRAIN)

    def epoch(n: int) -> None:
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            net.forward(x[idx])
            net.backward(t[idx])
            net.update()

    return Row("scratch NumPy", batch, _best_epoch(epoch, batch, 1 if batch == 1 else 3))


def time_torch(x: np.ndarray, t: np.ndarray, batch: int) -> Row:
    import torch

    from helpers.networks.torch_net import NeuralNetworkTorch

    net = NeuralNetworkTorch(SIZES, epochs=1, learning_rate=LEARNING_RATE)
    xt, labels = torch.as_tensor(x), torch.as_tensor(t.argmax(axis=1))
    order = torch.as_tensor(np.random.default_rng(0).permutation(N_TRAIN))

    def epoch(n: int) -> None:
        net.train()
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            net.training_step(xt[idx], labels[idx])

    return Row("PyTorch", batch, _best_epoch(epoch, batch, 1 if batch == 1 else 3))


def time_keras(x: np.ndarray, t: np.ndarray, batch: int, eager: bool = False, fraction: float = 1.0) -> Row:
    from helpers.networks.keras_net import NeuralNetworkTf, forced_eager_mode

    n = int(N_TRAIN * fraction)
    net = NeuralNetworkTf(SIZES)
    with forced_eager_mode(eager):
        net.compile_and_fit(x[:n], t[:n], epochs=2, learning_rate=LEARNING_RATE, batch_size=batch,
                            verbose=False, progress=False)
    name = "Keras, forced eager" if eager else "Keras (compiled tf.function)"
    return Row(name, batch, net.epoch_seconds[1] / fraction, fraction)


def per_sample_loop_epoch(x: np.ndarray, t: np.ndarray, weights: list, learning_rate: float) -> None:
    """The original template's style: for each image, forward and backward with np.dot on vectors, update."""
    for xi, ti in zip(x, t, strict=True):
        activations = [xi]
        for i, (W, b) in enumerate(weights):
            z = np.dot(W, activations[-1]) + b
            if i < len(weights) - 1:
                activations.append(1.0 / (1.0 + np.exp(-z)))
            else:
                e = np.exp(z - z.max())
                activations.append(e / e.sum())
        delta = activations[-1] - ti  # softmax + cross-entropy
        for i in range(len(weights) - 1, -1, -1):
            W, b = weights[i]
            grad_input = np.dot(W.T, delta)
            W -= learning_rate * np.outer(delta, activations[i])
            b -= learning_rate * delta
            if i > 0:
                a = activations[i]
                delta = grad_input * a * (1.0 - a)


def time_per_sample_loop(x: np.ndarray, t: np.ndarray, fraction: float) -> Row:
    n = int(N_TRAIN * fraction)
    weights = initial_weights(SIZES, 1)  # float64, as the original's NumPy defaults
    x64, t64 = x.astype(np.float64), t.astype(np.float64)
    per_sample_loop_epoch(x64[:50], t64[:50], weights, LEARNING_RATE)
    seconds = _seconds(lambda: per_sample_loop_epoch(x64[:n], t64[:n], weights, LEARNING_RATE))
    return Row("per-sample loop (original style)", 1, seconds / fraction, fraction)


def markdown_table(rows: list[Row], peak: float) -> str:
    torch_by_batch = {r.batch: r.seconds for r in rows if r.name == "PyTorch"}
    lines = ["| implementation | batch | s / epoch | x PyTorch (same batch) | GFLOP/s | % of matmul | timed |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = f"{r.seconds / torch_by_batch[r.batch]:.2f}" if r.batch in torch_by_batch else "-"
        timed = "full epoch" if r.fraction == 1 else f"{r.fraction:.0%} of an epoch, scaled up"
        lines.append(f"| {r.name} | {r.batch} | {r.seconds:.3f} | {ratio} | {r.gflops:.2f} | "
                     f"{100 * r.gflops / peak:.1f}% | {timed} |")
    return "\n".join(lines)


def check_targets(rows: list[Row]) -> list[str]:
    """The issue's targets -> one "PASS"/"MISS" line each."""
    by = {(r.name, r.batch): r.seconds for r in rows}
    out = []
    for batch in (32, 128):
        ratio = by[("scratch NumPy", batch)] / by[("PyTorch", batch)]
        out.append(f"{'PASS' if ratio <= 1.25 else 'MISS'}: scratch at batch {batch} takes {ratio:.2f}x "
                   f"PyTorch's time (target <= 1.25x)")
    speedup = by[("Keras, forced eager", 32)] / by[("Keras (compiled tf.function)", 32)]
    out.append(f"{'PASS' if speedup >= 5 else 'MISS'}: compiled Keras is {speedup:.1f}x faster than forced "
               f"eager at batch 32 (target >= 5x)")
    return out


def set_threads(n: int) -> str:
    """Cap every library's thread pool at n (0: library defaults) -> description for the header."""
    import torch

    if n == 0:
        return f"library default threads (torch {torch.get_num_threads()})"
    from threadpoolctl import threadpool_limits

    from helpers.quiet_tensorflow import tf  # quietly imported; pools are set before first use

    threadpool_limits(n)  # NumPy's BLAS
    torch.set_num_threads(n)
    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)
    return f"{n} thread(s) per library"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy, PyTorch and TensorFlow each (default 1; 0 = their defaults)")
    threads = set_threads(parser.parse_args().threads)
    split = load_mnist(N_TRAIN, 1000, random_state=0)
    x, t = split.x_train, split.y_train  # float32 (4000, 784), one-hot (4000, 10)
    peak = matmul_gflops()
    print(f"data: {split.source}; {N_TRAIN} training images; architecture {'-'.join(map(str, SIZES))}; "
          f"{os.cpu_count()} CPUs, {threads}", flush=True)
    print(f"NumPy float32 matrix multiply (1024^3): {peak:.1f} GFLOP/s", flush=True)
    rows = [time_per_sample_loop(x, t, fraction=0.25)]
    for batch in BATCH_SIZES:
        rows.append(time_scratch(x, t, batch))
        rows.append(time_torch(x, t, batch))
        rows.append(time_keras(x, t, batch, fraction=0.25 if batch == 1 else 1.0))
        print(f"batch {batch} done", flush=True)
    rows.append(time_keras(x, t, 32, eager=True, fraction=0.25))
    print()
    print(markdown_table(rows, peak))
    print()
    print("\n".join(check_targets(rows)))


if __name__ == "__main__":
    main()
