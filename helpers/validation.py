"""Argument checks shared by every module of ``helpers``: one wording and one error type per mistake.

The rules, kept here so that the same bad input gets the same answer everywhere:

* a value of the wrong *type* (a string where a number belongs, a float where a count belongs) raises
  ``TypeError``; a value of the right type that is out of range, of the wrong shape, empty or not finite
  raises ``ValueError``;
* every message names the argument, says what was expected and what was passed, and what to pass
  instead, in one sentence a student can act on;
* nothing is silently reinterpreted: integer arrays become float arrays (a lossless change), but text,
  booleans standing for numbers, complex numbers and non-integral counts are refused.

``DivergenceError`` is the one error for a computation that became non-finite *from finite inputs*: every
public function validates its inputs first, so a NaN that appears later can only be divergence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "DivergenceError",
    "describe",
    "positive_int",
    "positive_number",
    "finite_number",
    "probability",
    "one_of",
    "flag",
    "axis",
    "as_rng",
    "float_array",
    "same_length",
    "class_labels",
    "check_loss_finite",
]

Shape = Sequence[int | str | None]


class DivergenceError(ValueError):
    """A computation on finite inputs produced NaN or infinity (too large a step size)."""


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages: its repr (shortened) and its type."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _type_hint(value: Any) -> str:
    if isinstance(value, str):
        return ": convert text first, e.g. int('5') or float('0.1')"
    if isinstance(value, (bool, np.bool_)):
        return ": True and False are not numbers here"
    return ""


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int, checked to be a whole number of at least ``minimum`` (default 1)."""
    wanted = "a positive integer such as 5" if minimum == 1 else f"an integer of at least {minimum}"
    if not _is_int(value):
        hint = _type_hint(value)
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
            hint = f": pass {int(value)} without a decimal point"
        raise TypeError(f"{name} must be {wanted}, got {describe(value)}{hint}.")
    if value < minimum:
        raise ValueError(f"{name} must be {wanted}, got {value}.")
    return int(value)


def finite_number(value: Any, name: str) -> float:
    """``value`` as a float, checked to be a real, finite number."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number such as 0.5, got {describe(value)}{_type_hint(value)}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    return float(value)


def positive_number(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a float, checked to be finite and > 0 (or >= 0 with ``allow_zero``): rates, tolerances, scales."""
    v = finite_number(value, name)
    if v < 0 or (v == 0 and not allow_zero):
        wanted = "a number >= 0" if allow_zero else "a positive number"
        raise ValueError(f"{name} must be {wanted}, got {value}.")
    return v


def probability(value: Any, name: str, *, allow_one: bool = False) -> float:
    """``value`` as a float in [0, 1) (or [0, 1] with ``allow_one``)."""
    v = finite_number(value, name)
    if not (0 <= v < 1 or (allow_one and v == 1)):
        interval = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must be a probability in {interval}, got {value}.")
    return v


def one_of(value: Any, options: Iterable[Any], name: str) -> Any:
    """``value`` if it is one of ``options``; otherwise ValueError listing them."""
    options = tuple(options)
    try:
        known = value in options
    except TypeError:  # an unhashable or incomparable value
        known = False
    if not known:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"unknown {name} {value!r}: pass one of {listed}.")
    return value


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool, checked to be True or False (not 0/1, not text)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {describe(value)}.")
    return bool(value)


def axis(value: Any, ndim: int, name: str = "axis", *, of: str = "") -> int:
    """``value`` as an int indexing an axis of an array with ``ndim`` axes (negative counts from the end)."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer such as -1 (the last axis), got {describe(value)}.")
    if not -ndim <= value < ndim:
        raise ValueError(f"{name} must be between {-ndim} and {ndim - 1} for {of or f'an array with {ndim} axes'}, "
                         f"got {value}: pass -1 for the last axis.")
    return int(value)


def as_rng(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """A NumPy Generator from None (fresh entropy), a non-negative int seed, or a Generator (used as is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if not _is_int(random_state):
        raise TypeError(
            f"{name} must be an int seed such as 0, a np.random.Generator or None, got {describe(random_state)}."
        )
    if random_state < 0:
        raise ValueError(f"{name} must be a non-negative seed such as 0, got {random_state}.")
    return np.random.default_rng(int(random_state))


def _shape_text(shape: Shape) -> str:
    parts = ["any" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def float_array(value: Any, name: str, *, shape: Shape | None = None, dtype: Any = None, finite: bool = True,
                allow_empty: bool = False) -> np.ndarray:
    """``value`` as a floating NumPy array, checked.

    Integer and boolean arrays become float64 (float32 and float64 are kept unless ``dtype`` is given);
    text, objects and complex numbers are refused. ``shape`` is a tuple whose entries are an exact size
    (int) or a name for a size the caller does not fix (str such as ``"N"``, or None); sizes with the
    same name must agree. NaN or infinity is refused with where it is, unless ``finite=False``.
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists
        raise TypeError(f"{name} must be an array of numbers (rows of equal length), got {describe(value)}.") from None
    if a.dtype.kind in "biu":
        a = a.astype(np.float64)
    elif a.dtype.kind != "f":
        what = "complex numbers" if a.dtype.kind == "c" else f"values of dtype {a.dtype}"
        text = a.dtype.kind in "US"
        hint = _type_hint(value) or (": convert text first, e.g. np.asarray(x, dtype=float)" if text else "")
        raise TypeError(f"{name} must be an array of real numbers, got {what}{hint}.")
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    if shape is not None:
        _check_shape(a, tuple(shape), name)
    if a.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {a.shape}): pass at least one value.")
    if finite and not np.all(np.isfinite(a)):
        bad = ~np.isfinite(a)
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        kind = "NaN" if np.isnan(a[first] if a.ndim else a) else "infinity"
        where = f" at index {first}" if a.ndim else ""
        raise ValueError(
            f"{name} contains {kind}{where} ({int(bad.sum())} of {a.size} entries are not finite): "
            "check the data, or the division or normalisation that produced it."
        )
    return a


def _check_shape(a: np.ndarray, shape: tuple, name: str) -> None:
    wanted = _shape_text(shape)
    ok = a.ndim == len(shape)
    sizes: dict[str, int] = {}
    if ok:
        for got, want in zip(a.shape, shape, strict=True):
            if isinstance(want, str):
                if sizes.setdefault(want, got) != got:
                    ok = False
            elif want is not None and got != want:
                ok = False
    if not ok:
        hint = ""
        if a.ndim == len(shape) == 2 and _fits(a.shape[::-1], shape):
            hint = f" (transposed? pass {name}.T)"
        elif a.ndim + 1 == len(shape) and _fits((1, *a.shape), shape):
            hint = f" (one sample? pass {name}[None] or {name}.reshape(1, -1) for a batch of one)"
        raise ValueError(f"{name} must have shape {wanted}, got {a.shape}{hint}.")


def _fits(got: tuple, shape: tuple) -> bool:
    return all(w is None or isinstance(w, str) or g == w for g, w in zip(got, shape, strict=True))


def same_length(**arrays: Any) -> int:
    """The common length of the named arrays; ValueError naming them when the lengths differ."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{n} has {k}" for n, k in lengths.items())
        raise ValueError(f"{' and '.join(lengths)} must have the same number of rows (one per example): {listed}.")
    return next(iter(lengths.values()))


def class_labels(y: Any, n_classes: int, name: str = "y") -> np.ndarray:
    """Class labels as an int64 array (N,), from integer labels (N,) or one-hot rows (N, n_classes).

    Float labels holding whole numbers (3.0) are accepted as those classes; anything else is refused:
    fractions, out-of-range classes, rows that are not one-hot, text.
    """
    a = float_array(y, name, finite=True)
    if a.ndim == 2:
        if a.shape[1] != n_classes:
            raise ValueError(
                f"{name} must be integer labels (N,) or one-hot rows (N, {n_classes}), got shape {a.shape}.")
        one_hot = np.all((a == 0) | (a == 1), axis=1) & (a.sum(axis=1) == 1)
        if not one_hot.all():
            row = int(np.flatnonzero(~one_hot)[0])
            raise ValueError(f"{name} row {row} is not one-hot (one 1, the rest 0): {a[row].tolist()}.")
        return a.argmax(axis=1).astype(np.int64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be integer labels (N,) or one-hot rows (N, {n_classes}), got shape {a.shape}.")
    if not np.all(a == np.round(a)):
        i = int(np.flatnonzero(a != np.round(a))[0])
        raise ValueError(f"{name} must hold whole class numbers 0..{n_classes - 1}, but {name}[{i}] = {a[i]}.")
    bad = (a < 0) | (a >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must hold classes 0..{n_classes - 1}, but {name}[{i}] = {int(a[i])}.")
    return a.astype(np.int64)


def check_loss_finite(loss: float, where: str, learning_rate: Any = None) -> float:
    """``loss`` unchanged if finite; DivergenceError (with a learning-rate hint) if it became NaN or infinite.

    Call it only on losses computed from validated, finite inputs: then a non-finite value means the
    iteration diverged, and a smaller step is the remedy.
    """
    if math.isfinite(loss):
        return loss
    hint = "try a smaller learning rate"
    if _is_real(learning_rate):
        hint += f" (e.g. {learning_rate / 10:g} instead of {learning_rate:g})"
    raise DivergenceError(f"training diverged: the loss became {loss} {where}; {hint}.")
