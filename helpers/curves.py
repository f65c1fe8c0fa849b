"""Overfitting curves measured, not drawn: error against training-set size and against model complexity.

Every curve is measured over ``n_repeats`` random splits of one data set (``random_splits``): each split holds
out a test set and keeps the rest, in random order, for training; a training set of size n is the first n
points of that order, so the training sets of one split are nested. Any scikit-learn estimator goes through
``learning_curve`` / ``validation_curve`` (``error_vs_training_size``, ``error_vs_complexity``); polynomial
least squares on one input, the running example, is solved for all splits at once with NumPy
(``polynomial_size_curve``, ``polynomial_complexity_curve``), which gives the same numbers as the
scikit-learn pipeline of ``make_model("polynomial")`` on the same splits, fast enough to redraw under a slider.
``helpers.curve_plots`` draws the curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.polynomial import legendre
from scipy.stats import binomtest
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import learning_curve, validation_curve
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, PolynomialFeatures
from threadpoolctl import threadpool_limits

from helpers import validation

__all__ = [
    "SizeCurve", "ComplexityCurve", "MODEL_NAMES", "SCORINGS", "make_noisy_sine", "make_model", "random_splits",
    "error_vs_training_size", "error_vs_complexity", "polynomial_size_curve", "polynomial_complexity_curve",
    "sine_approximation_error", "least_squares_training_mse", "SIZE_TEST_POINTS", "sine_size_curve",
]

MODEL_NAMES = ("polynomial", "knn")
# scikit-learn scores are "higher is better"; an error is 0 at perfection and grows upwards
SCORINGS = ("neg_mean_squared_error", "accuracy")
_ERROR_OF_SCORE = {"neg_mean_squared_error": lambda s: -s, "accuracy": lambda s: 1.0 - s}
_ERROR_LABEL = {"neg_mean_squared_error": "mean squared error", "accuracy": "error rate (1 - accuracy)"}
SIZE_TEST_POINTS = 500  # a large test set makes the test curve precise enough to compare with training


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

    def train_below_test(self) -> tuple[np.ndarray, np.ndarray]:
        """Per size, the fraction of splits whose training error is below their test error, and the one-sided
        sign-test p-value against "no more often than not": two arrays (S,)."""
        below = (self.train_error < self.test_error).sum(axis=0)
        n = len(self.train_error)
        p = np.array([binomtest(int(k), n, 0.5, alternative="greater").pvalue for k in below])
        return below / n, p


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
    def best_value(self) -> Any:
        """The parameter value with the smallest median test error."""
        return self.values[self.best_index]

    @property
    def best_is_inside(self) -> bool:
        """True when the best complexity is neither the simplest nor the most complex tried."""
        return 0 < self.best_index < len(self.values) - 1


# ------------------------------------------------------------------------------------------------ data
def make_noisy_sine(n: int = 200, noise: float = 0.3, random_state: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points: x (n, 1) uniform on [0, 1] and y (n,) = sin(2 pi x) + N(0, noise^2), from a seeded Generator."""
    n = validation.positive_int(n, "n")
    noise = validation.positive_number(noise, "noise", allow_zero=True)
    rng = validation.as_rng(random_state)
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    y = np.sin(2 * np.pi * x[:, 0]) + noise * rng.standard_normal(n)
    return x, y


def make_model(name: str, *, degree: int = 3, n_neighbors: int = 5, n_components: int = 20) -> Pipeline:
    """A fresh estimator: "polynomial" least squares of ``degree``, or "knn" (n_neighbors, PCA to n_components)."""
    validation.one_of(name, MODEL_NAMES, "model name")
    if name == "polynomial":
        # mapping x to [-1, 1] first keeps high-degree least squares well conditioned (x^12 on [0, 1] is not)
        degree = validation.positive_int(degree, "degree", minimum=0)
        return make_pipeline(MinMaxScaler((-1, 1)), PolynomialFeatures(degree), LinearRegression())
    # a few PCA components keep the distances cheap on a shared 2-core machine; the curve keeps its shape
    n_components = validation.positive_int(n_components, "n_components")
    n_neighbors = validation.positive_int(n_neighbors, "n_neighbors")
    return make_pipeline(PCA(n_components, random_state=0), KNeighborsClassifier(n_neighbors))


# ------------------------------------------------------------------------------------- checks and splits
def _check_xy(x: Any, y: Any, *, one_input: bool = False) -> tuple[np.ndarray, np.ndarray]:
    if one_input and np.ndim(x) == 1 and not isinstance(x, str):
        raise ValueError(f"x must have shape (N, 1), one input per row, got shape {np.shape(x)}: "
                         "pass x.reshape(-1, 1).")
    x = validation.float_array(x, "x", shape=("N", 1) if one_input else ("N", "D"))
    y = validation.float_array(y, "y", shape=("N",))
    validation.same_length(x=x, y=y)
    return x, y


def _test_count(test_size: Any, n_samples: int) -> int:
    """The number of test points: ``test_size`` points (int) or that fraction of the data (float in (0, 1))."""
    if isinstance(test_size, (float, np.floating)):
        fraction = validation.probability(test_size, "test_size")
        if fraction == 0:
            raise ValueError("test_size must be a fraction in (0, 1) such as 0.3, or a number of points, got 0.0.")
        n_test = int(np.ceil(fraction * n_samples))
    else:
        n_test = validation.positive_int(test_size, "test_size")
    if n_test >= n_samples:
        raise ValueError(f"test_size={test_size} leaves no training data among {n_samples} points: "
                         f"pass a fraction such as 0.3 or fewer than {n_samples} points.")
    return n_test


def random_splits(n_samples: int, n_repeats: int, test_size: float | int, random_state: Any = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Random train/test splits as index arrays: train (R, n_samples - n_test) in random order, test (R, n_test).

    Split r is a permutation of ``range(n_samples)`` whose first ``n_test`` entries are the test set; the first
    n entries of ``train[r]`` are the training set of size n, so growing training sets are nested.
    """
    n_samples = validation.positive_int(n_samples, "n_samples", minimum=2)
    n_repeats = validation.positive_int(n_repeats, "n_repeats")
    n_test = _test_count(test_size, n_samples)
    rng = validation.as_rng(random_state)
    orders = np.stack([rng.permutation(n_samples) for _ in range(n_repeats)])
    return orders[:, n_test:], orders[:, :n_test]


def _check_sizes(sizes: Any, n_train: int, test_size: Any) -> np.ndarray:
    if isinstance(sizes, str) or np.ndim(sizes) != 1 or len(sizes) == 0:
        raise ValueError(f"sizes must be a non-empty list of training-set sizes such as [10, 20, 40], got {sizes!r}.")
    checked = [validation.positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if np.any(np.diff(checked) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {checked}: sort them and drop repeats.")
    if checked[-1] > n_train:
        raise ValueError(f"the largest size {checked[-1]} exceeds the {n_train} points left for training after "
                         f"holding out test_size={test_size}: pass sizes up to {n_train}, or more data.")
    return np.array(checked)


def _check_values(values: Any, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1 or values.size < 3:
        raise ValueError(f"{name} must be a 1-D range of at least 3 settings (so that a best one can lie inside), "
                         f"got {values.tolist()}.")
    return values


# ------------------------------------------------------------------------------ any scikit-learn model
def error_vs_training_size(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, sizes: Sequence[int], *,
                           scoring: str = "neg_mean_squared_error", n_repeats: int = 10,
                           test_size: float | int = 0.3, random_state: Any = 0) -> SizeCurve:
    """Learning curve of ``estimator`` (x: (N, D), y: (N,)) on ``random_splits``; sizes (S,) absolute, increasing."""
    x, y = _check_xy(x, y)
    validation.one_of(scoring, SCORINGS, "scoring")
    train, test = random_splits(len(x), n_repeats, test_size, random_state)
    sizes = _check_sizes(sizes, train.shape[1], test_size)
    splits = list(zip(train, test, strict=True))
    with threadpool_limits(1):  # BLAS threads only contend on a shared 2-core machine
        used, train_score, test_score = learning_curve(estimator, x, y, train_sizes=sizes, cv=splits, scoring=scoring,
                                                       shuffle=False)
    to_error = _ERROR_OF_SCORE[scoring]
    # learning_curve returns (S, R); the dataclass keeps repeats first
    return SizeCurve(used, to_error(train_score).T, to_error(test_score).T, _ERROR_LABEL[scoring])


def error_vs_complexity(estimator: BaseEstimator, x: np.ndarray, y: np.ndarray, param_name: str,
                        values: Sequence[Any], *, complexity: Sequence[float] | None = None,
                        complexity_name: str | None = None, scoring: str = "neg_mean_squared_error",
                        n_repeats: int = 10, test_size: float | int = 0.3, random_state: Any = 0) -> ComplexityCurve:
    """Validation curve (x: (N, D), y: (N,)) over ``values`` (P,) of ``param_name``; ``complexity`` (P,) increasing."""
    x, y = _check_xy(x, y)
    validation.one_of(scoring, SCORINGS, "scoring")
    values = _check_values(values, "values")
    params = estimator.get_params()
    if param_name not in params:
        validation.one_of(param_name, sorted(k for k in params if "__" in k) or sorted(params), "parameter name")
    complexity = (values.astype(float) if complexity is None
                  else validation.float_array(complexity, "complexity", shape=(len(values),)))
    if np.any(np.diff(complexity) <= 0):
        raise ValueError("complexity must have one entry per value and increase strictly (simplest model first); "
                         f"got {complexity.tolist()} for values {values.tolist()}.")
    train, test = random_splits(len(x), n_repeats, test_size, random_state)
    with threadpool_limits(1):
        train_score, test_score = validation_curve(estimator, x, y, param_name=param_name, param_range=values,
                                                   cv=list(zip(train, test, strict=True)), scoring=scoring)
    to_error = _ERROR_OF_SCORE[scoring]
    return ComplexityCurve(param_name, values, complexity, to_error(train_score).T, to_error(test_score).T,
                           _ERROR_LABEL[scoring], complexity_name or param_name)


# ------------------------------------------------------------- polynomial least squares, all splits at once
def _legendre_design(x: np.ndarray, degree: int) -> np.ndarray:
    """Legendre polynomials P_0..P_degree of x (N, 1) mapped onto [-1, 1]: (N, degree + 1).

    They span the same functions as 1, x, ..., x^degree, so least squares predicts the same values, but
    they are far better conditioned; the mapping is affine, which changes no polynomial fit either.
    """
    lo, hi = x.min(), x.max()
    t = 2 * (x[:, 0] - lo) / (hi - lo) - 1 if hi > lo else np.zeros(len(x))
    return legendre.legvander(t, degree)


def _nested_least_squares(V: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray,
                          n_coefs: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Training and test MSE (R, K) of least squares on the first k columns of V (N, P), for each k of n_coefs.

    One QR factorisation per split serves every k: the first k columns of Q span the first k of V.
    """
    A, b = V[train], y[train]  # (R, n, P), (R, n)
    Q, Rm = np.linalg.qr(A)
    diag = np.abs(np.diagonal(Rm, axis1=1, axis2=2))
    k_max = max(n_coefs)
    if np.any(diag[:, :k_max] <= 1e-10 * diag[:, :1]):
        raise ValueError(f"the training points of a split are too few or too close together for {k_max} coefficients: "
                         "pass more data or a lower degree.")
    c = np.einsum("rnp,rn->rp", Q, b)  # coordinates of b in the orthonormal basis
    train_err, test_err = np.empty((len(A), len(n_coefs))), np.empty((len(A), len(n_coefs)))
    V_test, y_test = V[test], y[test]
    for j, k in enumerate(n_coefs):
        fitted = np.einsum("rnk,rk->rn", Q[..., :k], c[:, :k])
        coef = np.linalg.solve(Rm[:, :k, :k], c[:, :k, None])[..., 0]  # (R, k)
        train_err[:, j] = ((fitted - b) ** 2).mean(axis=1)
        test_err[:, j] = ((np.einsum("rmk,rk->rm", V_test[..., :k], coef) - y_test) ** 2).mean(axis=1)
    return train_err, test_err


def polynomial_size_curve(x: np.ndarray, y: np.ndarray, degree: int, sizes: Sequence[int], *, n_repeats: int = 10,
                          test_size: float | int = 0.3, random_state: Any = 0) -> SizeCurve:
    """Learning curve of least-squares polynomials of ``degree`` on x (N, 1), y (N,); sizes (S,) of at least degree + 1.

    The same numbers as ``error_vs_training_size(make_model("polynomial", degree=degree), ...)``, computed
    for all splits at once.
    """
    x, y = _check_xy(x, y, one_input=True)
    degree = validation.positive_int(degree, "degree", minimum=0)
    train, test = random_splits(len(x), n_repeats, test_size, random_state)
    sizes = _check_sizes(sizes, train.shape[1], test_size)
    if sizes[0] <= degree:
        raise ValueError(f"sizes start at {sizes[0]} points, fewer than the {degree + 1} coefficients of a "
                         f"degree-{degree} polynomial: start them at {degree + 1} or more.")
    V = _legendre_design(x, degree)
    errors = [_nested_least_squares(V, y, train[:, :n], test, [degree + 1]) for n in sizes]
    train_err = np.concatenate([e[0] for e in errors], axis=1)
    test_err = np.concatenate([e[1] for e in errors], axis=1)
    return SizeCurve(sizes, train_err, test_err, _ERROR_LABEL["neg_mean_squared_error"])


def sine_size_curve(degree: int = 3, max_size: int = 200, noise: float = 0.3, n_repeats: int = 200,
                    random_state: Any = 0) -> SizeCurve:
    """The learning curve of a polynomial of ``degree`` on seeded noisy sine data: ten sizes (S,) from degree + 2
    to ``max_size``, errors (n_repeats, S), each split testing on ``SIZE_TEST_POINTS`` fresh points.

    The data are ``make_noisy_sine(max_size + SIZE_TEST_POINTS, noise, random_state)``: the running example.
    """
    degree = validation.positive_int(degree, "degree", minimum=0)
    max_size = validation.positive_int(max_size, "max_size")
    if max_size < 2 * (degree + 2):
        raise ValueError(f"max_size={max_size} is too small for degree {degree}: pass at least {2 * (degree + 2)}, "
                         "so that the sizes run from a few more points than coefficients to several times more.")
    x, y = make_noisy_sine(max_size + SIZE_TEST_POINTS, noise, random_state)
    sizes = np.unique(np.geomspace(degree + 2, max_size, 10).astype(int))
    return polynomial_size_curve(x, y, degree, sizes, n_repeats=n_repeats, test_size=SIZE_TEST_POINTS,
                                 random_state=random_state)


def polynomial_complexity_curve(x: np.ndarray, y: np.ndarray, degrees: Sequence[int], *, n_repeats: int = 10,
                                test_size: float | int = 0.3, random_state: Any = 0) -> ComplexityCurve:
    """Validation curve of least-squares polynomials on x (N, 1), y (N,) over increasing ``degrees`` (P,).

    The same numbers as ``error_vs_complexity(make_model("polynomial"), x, y, "polynomialfeatures__degree",
    degrees, ...)``, computed for all splits at once, as long as that pipeline's monomials are well conditioned
    (up to degree 12 or so on [-1, 1]); above that, the Legendre basis used here keeps the digits they lose.
    The highest degree needs at least as many training points as coefficients: at most (training points) - 1.
    """
    x, y = _check_xy(x, y, one_input=True)
    degrees = _check_values(degrees, "degrees")
    degrees = np.array([validation.positive_int(d, f"degrees[{i}]", minimum=0) for i, d in enumerate(degrees)])
    if np.any(np.diff(degrees) <= 0):
        raise ValueError(f"degrees must increase strictly (simplest model first), got {degrees.tolist()}.")
    train, test = random_splits(len(x), n_repeats, test_size, random_state)
    if degrees[-1] >= train.shape[1]:
        raise ValueError(f"degree {degrees[-1]} has {degrees[-1] + 1} coefficients but a split has only "
                         f"{train.shape[1]} training points: pass degrees up to {train.shape[1] - 1}, or more data.")
    train_err, test_err = _nested_least_squares(_legendre_design(x, degrees[-1]), y, train, test, degrees + 1)
    return ComplexityCurve("polynomialfeatures__degree", degrees, degrees.astype(float), train_err, test_err,
                           _ERROR_LABEL["neg_mean_squared_error"], "polynomial degree")


def sine_approximation_error(degree: int) -> float:
    """The smallest mean squared error of any polynomial of ``degree`` against sin(2 pi x), x uniform on [0, 1].

    The squared bias of the best model of that degree: the part of the error that no amount of data removes.
    """
    degree = validation.positive_int(degree, "degree", minimum=0)
    if degree > 30:
        raise ValueError(f"degree must be at most 30 (the error is below 1e-30 by then), got {degree}.")
    # Gauss-Legendre quadrature is exact for the polynomial parts and converges fast for the smooth sine
    t, w = legendre.leggauss(64)
    target = np.sin(np.pi * (t + 1))  # x = (t + 1) / 2
    coef = legendre.legfit(t, target, degree, w=np.sqrt(w))
    return float(np.sum(w * (legendre.legval(t, coef) - target) ** 2) / 2)


def least_squares_training_mse(n: int, p: int, sigma: float = 1.0, n_repeats: int = 2000,
                               random_state: Any = 0) -> float:
    """Monte Carlo mean training MSE of least squares with p Gaussian features, n points, noise sigma."""
    n, p, n_repeats = (validation.positive_int(n, "n"), validation.positive_int(p, "p"),
                       validation.positive_int(n_repeats, "n_repeats"))
    sigma = validation.positive_number(sigma, "sigma", allow_zero=True)
    if n <= p:
        raise ValueError(f"least squares needs more points than parameters: pass n > p, got n={n}, p={p}.")
    rng = validation.as_rng(random_state)
    x = rng.standard_normal((n_repeats, n, p))
    noise = sigma * rng.standard_normal((n_repeats, n))
    # the true weights do not matter: the residual is (I - H) noise, H the hat matrix of x
    q, _ = np.linalg.qr(x)
    residual = noise - np.einsum("rnp,rp->rn", q, np.einsum("rnp,rn->rp", q, noise))
    return float((residual**2).mean())
