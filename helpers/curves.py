"""Overfitting curves measured, not drawn: error vs training-set size, vs model complexity, vs epochs.

Sizes and complexities go through scikit-learn's ``learning_curve`` / ``validation_curve`` with repeated
random splits (``ShuffleSplit``); epochs come from a small PyTorch network trained with early stopping
(patience, restore of the best weights; the same rule as ``keras.callbacks.EarlyStopping``). Every
experiment returns a small dataclass of arrays; ``helpers.curve_plots`` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit, learning_curve, validation_curve
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, PolynomialFeatures
from threadpoolctl import threadpool_limits

__all__ = [
    "SizeCurve", "ComplexityCurve", "EpochCurve", "make_noisy_sine", "make_model", "MODEL_NAMES",
    "error_vs_training_size", "error_vs_complexity", "early_stopping_epochs", "train_with_early_stopping",
    "least_squares_training_mse",
]

MODEL_NAMES = ("polynomial", "knn")
# scikit-learn scores are "higher is better"; these turn a score into an error that is 0 at perfection
_ERROR_OF_SCORE = {"neg_mean_squared_error": lambda s: -s, "accuracy": lambda s: 1.0 - s}


# --------------------------------------------------------------------------------------------- results
class _MedianOverRepeats:
    """Centres of errors stored as (repeats, points): the median, because one wild extrapolation dominates a mean."""

    train_error: np.ndarray
    test_error: np.ndarray

    @property
    def train_centre(self) -> np.ndarray:
        """Median training error over the repeats: (points,)."""
        return np.median(self.train_error, axis=0)

    @property
    def test_centre(self) -> np.ndarray:
        """Median test error over the repeats: (points,)."""
        return np.median(self.test_error, axis=0)


@dataclass
class SizeCurve(_MedianOverRepeats):
    """Error vs training-set size: sizes (S,), train_error and test_error (R repeats, S)."""

    sizes: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    error_name: str

    @property
    def gap(self) -> np.ndarray:
        """Median test minus median training error per size: (S,)."""
        return self.test_centre - self.train_centre


@dataclass
class ComplexityCurve(_MedianOverRepeats):
    """Error vs complexity: values (P,) of param_name, complexity (P,) increasing, errors (R, P)."""

    param_name: str
    values: np.ndarray
    complexity: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    error_name: str
    complexity_name: str

    @property
    def best_index(self) -> int:
        """Index (in increasing complexity) of the smallest median test error."""
        return int(np.argmin(self.test_centre))

    @property
    def best_value(self):
        """The parameter value with the smallest mean test error."""
        return self.values[self.best_index]

    @property
    def best_is_inside(self) -> bool:
        """True when the best complexity is neither the simplest nor the most complex tried."""
        return 0 < self.best_index < len(self.values) - 1


@dataclass
class EpochCurve:
    """Error vs epoch (E epochs actually run): train_loss, val_loss, train_error, val_error (E,)."""

    train_loss: np.ndarray
    val_loss: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_epoch: int  # 1-based epoch whose weights were restored (smallest monitored validation loss)
    stopped_epoch: int  # 1-based last epoch run; equals max_epochs when patience never ran out
    patience: int
    test_loss: float  # of the restored weights, on data used neither for training nor for stopping
    test_error: float

    @property
    def epochs(self) -> np.ndarray:
        """1, 2, ..., stopped_epoch: (E,)."""
        return np.arange(1, len(self.val_loss) + 1)


# ------------------------------------------------------------------------------------------------ data
def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}.")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def make_noisy_sine(n: int = 200, noise: float = 0.3, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, 1) uniform on [0, 1], y: (n,) = sin(2 pi x) + N(0, noise^2), from a seeded Generator."""
    n = _positive_int(n, "n")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise is a standard deviation: pass a finite number >= 0, not {noise!r}.")
    rng = np.random.default_rng(random_state)
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    y = np.sin(2 * np.pi * x[:, 0]) + noise * rng.standard_normal(n)
    return x, y


def make_model(name: str, **params) -> Pipeline:
    """A fresh estimator: "polynomial" (degree=) least squares, or "knn" (n_neighbors=, n_components=)."""
    if name == "polynomial":
        # mapping x to [-1, 1] first keeps high-degree least squares well conditioned (x^12 on [0, 1] is not)
        return make_pipeline(MinMaxScaler((-1, 1)), PolynomialFeatures(params.pop("degree", 3)), LinearRegression(),
                             **params)
    if name == "knn":
        # a few PCA components keep the distances cheap on a shared 2-core machine; the curve keeps its shape
        n_components = params.pop("n_components", 20)
        return make_pipeline(PCA(n_components, random_state=0), KNeighborsClassifier(**params))
    raise ValueError(f"Unknown model name {name!r}: pass one of {MODEL_NAMES}.")


def _check_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"Pass x: (N, D) and y: (N,) with the same N; got x {x.shape} and y {y.shape}.")
    return x, y


def _check_scoring(scoring: str) -> None:
    if scoring not in _ERROR_OF_SCORE:
        raise ValueError(f"Unknown scoring {scoring!r}: pass one of {tuple(_ERROR_OF_SCORE)}.")


# --------------------------------------------------------------------------------------------- C1 size
def error_vs_training_size(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, sizes, *,
                           scoring: str = "neg_mean_squared_error", n_repeats: int = 10,
                           test_size: float | int = 0.3, random_state: int = 0, n_jobs: int = 1) -> SizeCurve:
    """Learning curve with ``n_repeats`` random train/test splits; sizes (S,) absolute, increasing."""
    x, y = _check_xy(x, y)
    _check_scoring(scoring)
    n_repeats = _positive_int(n_repeats, "n_repeats")
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or sizes.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-D list of training-set sizes, got shape {sizes.shape}.")
    if not np.issubdtype(sizes.dtype, np.integer) or np.any(sizes <= 0):
        raise ValueError(f"sizes must be positive integers (numbers of training examples), got {sizes.tolist()}.")
    if np.any(np.diff(sizes) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {sizes.tolist()}.")
    n_test = int(test_size) if isinstance(test_size, (int, np.integer)) else int(np.ceil(test_size * len(x)))
    n_train_max = len(x) - n_test
    if sizes[-1] > n_train_max:
        raise ValueError(f"The largest size {sizes[-1]} exceeds the {n_train_max} examples left for training "
                         f"after holding out test_size={test_size}; pass smaller sizes or more data.")
    cv = ShuffleSplit(n_splits=n_repeats, test_size=test_size, random_state=random_state)
    with threadpool_limits(1):  # BLAS/OpenMP threads fighting n_jobs on 2 shared cores only slow things down
        used, train_score, test_score = learning_curve(estimator, x, y, train_sizes=sizes, cv=cv,
                                                       scoring=scoring, n_jobs=n_jobs, shuffle=True,
                                                       random_state=random_state)
    to_error = _ERROR_OF_SCORE[scoring]
    # learning_curve returns (S, R); the dataclass keeps repeats first
    return SizeCurve(used, to_error(train_score).T, to_error(test_score).T, _ERROR_LABEL[scoring])


_ERROR_LABEL = {"neg_mean_squared_error": "mean squared error", "accuracy": "error rate (1 - accuracy)"}


# --------------------------------------------------------------------------------------- C2 complexity
def error_vs_complexity(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, param_name: str, values, *,
                        complexity=None, complexity_name: str | None = None,
                        scoring: str = "neg_mean_squared_error", n_repeats: int = 10, test_size: float = 0.3,
                        random_state: int = 0, n_jobs: int = 1) -> ComplexityCurve:
    """Validation curve over ``values`` (P,) of ``param_name``; ``complexity`` (P,) must increase (default: values)."""
    x, y = _check_xy(x, y)
    _check_scoring(scoring)
    n_repeats = _positive_int(n_repeats, "n_repeats")
    values = np.asarray(values)
    if values.ndim != 1 or values.size < 3:
        raise ValueError(f"values must be a 1-D range of at least 3 settings (so a best one can lie inside), "
                         f"got {values.tolist()}.")
    if param_name not in estimator.get_params():
        raise ValueError(f"{type(estimator).__name__} has no parameter {param_name!r}; pass one of "
                         f"{sorted(k for k in estimator.get_params() if '__' in k) or sorted(estimator.get_params())}.")
    complexity = values.astype(float) if complexity is None else np.asarray(complexity, dtype=float)
    if complexity.shape != values.shape or np.any(np.diff(complexity) <= 0):
        raise ValueError("complexity must have one entry per value and increase strictly (simplest model first); "
                         f"got {complexity.tolist()} for values {values.tolist()}.")
    cv = ShuffleSplit(n_splits=n_repeats, test_size=test_size, random_state=random_state)
    with threadpool_limits(1):
        train_score, test_score = validation_curve(estimator, x, y, param_name=param_name, param_range=values,
                                                   cv=cv, scoring=scoring, n_jobs=n_jobs)
    to_error = _ERROR_OF_SCORE[scoring]
    return ComplexityCurve(param_name, values, complexity, to_error(train_score).T, to_error(test_score).T,
                           _ERROR_LABEL[scoring], complexity_name or param_name)


# ------------------------------------------------------------------------------------------ C3 epochs
def early_stopping_epochs(val_loss, patience: int, min_delta: float = 0.0) -> tuple[int, int]:
    """Keras' EarlyStopping rule on a validation curve (E,): (best_epoch, stopped_epoch), both 1-based.

    An epoch improves when its loss is below the best so far by more than ``min_delta``; training stops
    after ``patience`` epochs in a row without improvement, and the best epoch's weights are restored.
    """
    val_loss = np.asarray(val_loss, dtype=float)
    patience = _positive_int(patience, "patience")
    if val_loss.ndim != 1 or val_loss.size == 0:
        raise ValueError(f"val_loss must be a non-empty 1-D array of per-epoch losses, got shape {val_loss.shape}.")
    if not np.all(np.isfinite(val_loss)):
        raise ValueError("val_loss contains NaN or inf: training diverged; lower the learning rate.")
    if min_delta < 0:
        raise ValueError(f"min_delta is a non-negative improvement threshold, got {min_delta}.")
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_loss, start=1):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_loss)


def train_with_early_stopping(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                              x_test: np.ndarray, y_test: np.ndarray, *, hidden: tuple[int, ...] = (128,),
                              activation: str = "relu", max_epochs: int = 60, patience: int = 5,
                              min_delta: float = 0.0, learning_rate: float = 1e-3, batch_size: int = 50,
                              optimizer: str = "adam", init_scale: float | None = None,
                              random_state: int = 0) -> EpochCurve:
    """Train an MLP (x: (N, 784), y: (N,) int labels) and stop by validation loss; test the restored weights.

    Same logic as ``keras.callbacks.EarlyStopping(monitor="val_loss", patience, min_delta,
    restore_best_weights=True)``; tests check it against ``early_stopping_epochs``, and that against Keras.
    """
    import torch

    max_epochs = _positive_int(max_epochs, "max_epochs")
    patience = _positive_int(patience, "patience")
    batch_size = _positive_int(batch_size, "batch_size")
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}
    if activation not in acts:
        raise ValueError(f"Unknown activation {activation!r}: pass one of {tuple(acts)}.")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"Unknown optimizer {optimizer!r}: pass 'adam' or 'sgd'.")
    data = [torch.as_tensor(np.asarray(a, dtype=np.float32)) if i % 2 == 0 else torch.as_tensor(np.asarray(a, dtype=np.int64))
            for i, a in enumerate((x_train, y_train, x_val, y_val, x_test, y_test))]
    xt, yt, xv, yv, xs, ys = data
    for xa, ya, name in ((xt, yt, "train"), (xv, yv, "val"), (xs, ys, "test")):
        if xa.ndim != 2 or ya.ndim != 1 or len(xa) != len(ya) or len(xa) == 0:
            raise ValueError(f"x_{name}: (N, D) and y_{name}: (N,) integer labels with N > 0 are needed; got "
                             f"{tuple(xa.shape)} and {tuple(ya.shape)}.")

    torch.manual_seed(random_state)
    sizes = [xt.shape[1], *hidden, 10]
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(acts[activation]())
    model = torch.nn.Sequential(*layers)
    if init_scale is not None:  # tiny weights put the network near a saddle: a plateau before learning
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, init_scale)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(random_state)

    def evaluate(xa, ya) -> tuple[float, float]:
        with torch.no_grad():
            logits = model(xa)
            return float(loss_fn(logits, ya)), float((logits.argmax(1) != ya).float().mean())

    history: list[tuple[float, float, float, float]] = []
    best, best_epoch, best_state, wait = np.inf, 0, None, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        for idx in torch.randperm(len(xt), generator=gen).split(batch_size):
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        model.eval()
        history.append((*evaluate(xt, yt), *evaluate(xv, yv)))
        val_loss = history[-1][2]
        if not np.isfinite(val_loss):
            raise ValueError(f"The validation loss became {val_loss} at epoch {epoch}: lower learning_rate.")
        if val_loss < best - min_delta:
            best, best_epoch, wait = val_loss, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
            if wait >= patience:
                break
    model.load_state_dict(best_state)
    test_loss, test_error = evaluate(xs, ys)
    h = np.array(history)
    return EpochCurve(h[:, 0], h[:, 2], h[:, 1], h[:, 3], best_epoch, len(h), patience, test_loss, test_error)


def least_squares_training_mse(n: int, p: int, sigma: float = 1.0, n_repeats: int = 2000,
                               random_state: int = 0) -> float:
    """Monte Carlo mean training MSE of least squares with p Gaussian features, n points, noise sigma."""
    n, p, n_repeats = _positive_int(n, "n"), _positive_int(p, "p"), _positive_int(n_repeats, "n_repeats")
    if n <= p:
        raise ValueError(f"Least squares needs more points than parameters: pass n > p, got n={n}, p={p}.")
    rng = np.random.default_rng(random_state)
    x = rng.standard_normal((n_repeats, n, p))
    noise = sigma * rng.standard_normal((n_repeats, n))
    # the true weights do not matter: the residual is (I - H) noise, H the hat matrix of x
    q, _ = np.linalg.qr(x)
    residual = noise - np.einsum("rnp,rp->rn", q, np.einsum("rnp,rn->rp", q, noise))
    return float((residual**2).mean())
