"""Checks of the backpropagation exercises: every answer judged against torch autograd, every known slip named.

Each check draws its problems from a seed, computes the reference gradient by torch autograd (float64) and, when
an answer differs, compares it with what each known slip computes, so that the message names the mistake (the
softmax derivative taken as 1, the missing 1/S of a mean, a transposed weight gradient, an unscaled dropout
mask, ...). A slip is computed as autograd of the computation with that one local derivative replaced, never from
a stored answer. The functions of an exercise:

* ``check_<exercise>(answer)``: the visible check, on the student's function;
* ``answer_outputs(exercise, answer, random_state)``: the function's outputs on that seed's problems, as arrays;
* ``check_outputs(exercise, outputs, random_state)``: judges those outputs alone, regenerating the problems from
  the seed; its arguments pickle, so ``exercises.fresh_check`` can repeat it in a new process.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
import torch

from helpers import (
    activations,
    autograd_reference,
    dropout_backprop,
    gradcheck,
    linear_layer,
    softmax_cross_entropy,
    validation,
)
from helpers import two_hidden_layer_net as net
from helpers.derivation import Derivation
from helpers.exercises import ExerciseFailed, NotAnswered, answer_given, call_answer

__all__ = [
    "EXERCISES",
    "SLIP_FEEDBACK",
    "answer_outputs",
    "check_outputs",
    "check_delta3",
    "check_index_form",
    "check_gradients",
    "check_linear_input_derivation",
    "check_linear_backward",
    "check_softmax_cross_entropy_backward",
    "check_dropout_backward",
]

# exercise -> the name of the function the student writes
EXERCISES = {
    "delta3": "delta3",
    "two_hidden_layer_index_form": "gradients_index_form",
    "two_hidden_layer_gradients": "gradients",
    "linear_backward": "linear_backward",
    "softmax_cross_entropy_backward": "softmax_cross_entropy_backward",
    "dropout_backward": "dropout_backward",
}
_SAME = 1e-9  # relative error below which an answer "is" a given (wrong) computation
_DELTAS = {3: "J^T (f - y) with the softmax Jacobian J = diag(f) - f f^T", 2: "ReLU'(a2) * (W3^T delta3)",
           1: "ReLU'(a1) * (W2^T delta2)"}

# what each slip of the published derivation of the two-hidden-layer gradients does, said to the student
SLIP_FEEDBACK = {
    "softmax_as_identity": "you treated the softmax derivative as 1 (df_l/da_k = delta_lk, so delta3 = f - y): every "
                           "f_l depends on every logit a_k, so delta3_k = sum_l (f_l - y_l) f_l (delta_lk - f_k)",
    "loss_derivative_sign_and_factor": "you took the derivative of the quadratic loss as 2(y - f): the derivative of "
                                       "1/2 (f_l - y_l)^2 with respect to f_l is f_l - y_l",
    "relu_derivative_as_one": "you took ReLU'(a) as 1 everywhere: a unit that is off (a <= 0) passes no gradient, "
                              "ReLU'(a) = 0 there",
    "collapsed_hidden_sums": "you collapsed the sum over the units of the layer above (delta2_m = ReLU'(a2_m) w3_mm "
                             "delta3_m): unit m feeds every unit k above it, so delta2_m = ReLU'(a2_m) sum_k w3_km "
                             "delta3_k (and likewise delta1)",
}


def _straight_through(value: Any, surrogate: Any) -> Any:
    """The value of ``value``, differentiated as ``surrogate``."""
    return surrogate + (value - surrogate).detach()


def _same(answer: Any, other: Any) -> bool:
    try:
        return gradcheck.relative_error(answer, other) < _SAME
    except (TypeError, ValueError):
        return False


def _fail(where: str, comparison: gradcheck.Comparison, what: str, hint: str = "") -> ExerciseFailed:
    return ExerciseFailed(f"{where}: {comparison.explain(what, 'autograd')}{': ' + hint if hint else ''}.")


# ------------------------------------------------------------------------------------------ problems
def _delta3_problems(rng: np.random.Generator) -> list[dict[str, Any]]:
    problems = []
    for k in (3, 2, 5, 4):
        a = rng.normal(scale=1.5, size=k)
        problems.append({"a": a, "args": (activations.softmax(a), np.eye(k)[rng.integers(k)])})
    return problems


def _network_problems(rng: np.random.Generator, batch_size: int | None, count: int) -> list[dict[str, Any]]:
    """Networks where each hidden layer has units on and off and every published slip changes the gradients."""
    problems: list[dict[str, Any]] = []
    while len(problems) < count:
        params, x, y = net.random_problem(rng, batch_size=batch_size)
        c = net.forward(params, x)
        if not all((c[a] > 0).any() and (c[a] <= 0).any() for a in ("a1", "a2")):
            continue
        reference = net.gradients_autograd(params, x, y)
        if all(gradcheck.relative_error(net.published_gradients(params, x, y, s), reference) > 1e-3
               for s in net.PUBLISHED_SLIPS):
            problems.append({"args": (params, x, y), "reference": reference})
    return problems


def _linear_problems(rng: np.random.Generator) -> list[dict[str, Any]]:
    # a square layer first, where transposed answers have the right shape and only their numbers can be wrong
    return [{"args": (rng.normal(size=(n, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n, n_out)))}
            for n, n_in, n_out in ((4, 3, 3), (5, 4, 2), (3, 2, 5))]


def _cross_entropy_problems(rng: np.random.Generator) -> list[dict[str, Any]]:
    return [{"args": softmax_cross_entropy.random_batch(s, 5, random_state=rng)} for s in (4, 7)]


def _dropout_problems(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Masks with dropped units, and kept units on both sides of LeakyReLU's kink."""
    problems = []
    for p, scale in ((0.5, True), (0.25, True), (0.5, False)):
        while True:
            W1, W2, x = rng.normal(size=(6, 4)), rng.normal(size=(3, 6)), rng.normal(size=4)
            mask = dropout_backprop.dropout_mask(6, p, scale=scale, random_state=rng)
            z1 = W1 @ x
            if (mask == 0).any() and (z1[mask > 0] > 0).any() and (z1[mask > 0] < 0).any():
                break
        problems.append({"args": (W1, W2, x, np.eye(3)[rng.integers(3)], mask, 0.1), "p": p, "scale": scale})
    return problems


def _problems(exercise: str, random_state: Any) -> list[dict[str, Any]]:
    exercise = validation.one_of(exercise, EXERCISES, "exercise")
    rng = validation.as_rng(random_state)
    if exercise == "delta3":
        return _delta3_problems(rng)
    if exercise == "two_hidden_layer_index_form":
        return _network_problems(rng, None, 3)
    if exercise == "two_hidden_layer_gradients":
        return _network_problems(rng, 6, 2)
    if exercise == "linear_backward":
        return _linear_problems(rng)
    if exercise == "softmax_cross_entropy_backward":
        return _cross_entropy_problems(rng)
    return _dropout_problems(rng)


# ------------------------------------------------------------------------------------------ the student's outputs
def _array(value: Any, what: str) -> np.ndarray:
    if value is None:
        raise ExerciseFailed(f"{what} is None: return an array (did the function end without `return`?).")
    try:
        return validation.float_array(value, what, dtype=np.float64, finite=False, allow_empty=True)
    except (TypeError, ValueError) as err:
        raise ExerciseFailed(str(err)) from None


def _output(exercise: str, value: Any) -> Any:
    name = EXERCISES[exercise]
    if exercise in ("two_hidden_layer_index_form", "two_hidden_layer_gradients"):
        if not isinstance(value, dict):
            raise ExerciseFailed(f"{name} must return a dict of the six gradients {{'W1': ..., 'b1': ..., ..., 'b3': "
                                 f"...}}, got {validation.describe(value)}.")
        missing = [k for k in net.PARAMETER_NAMES if k not in value]
        if missing:
            raise ExerciseFailed(f"the dict that {name} returns lacks {missing}: it needs all of "
                                 f"{', '.join(net.PARAMETER_NAMES)}.")
        return {k: _array(value[k], f"{name}(...)['{k}']") for k in net.PARAMETER_NAMES}
    if exercise == "linear_backward":
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise ExerciseFailed(f"linear_backward must return three arrays (dX, dW, db), got "
                                 f"{validation.describe(value)}.")
        return tuple(_array(v, f"the {w} that linear_backward returns") for v, w in zip(value, ("dX", "dW", "db"),
                                                                                     strict=True))
    return _array(value, f"what {name} returns")


def answer_outputs(exercise: str, answer: Callable[..., Any], random_state: Any = 0) -> list[Any]:
    """The student's function run on the problems of ``exercise`` for this seed: a list of arrays (dicts, tuples)."""
    problems = _problems(exercise, random_state)
    return [_output(exercise, call_answer(answer, *copy.deepcopy(p["args"]), name=EXERCISES[exercise]))
            for p in problems]


# ------------------------------------------------------------------------------------------ judges
def _shape(got: np.ndarray, wanted: tuple[int, ...], what: str, names: str) -> None:
    if got.shape != wanted:
        hint = " (transposed?)" if got.shape == wanted[::-1] else ""
        raise ExerciseFailed(f"{what} must have shape {names} = {wanted}, got {got.shape}{hint}.")


def _judge_delta3(problem: dict[str, Any], out: np.ndarray) -> None:
    a, (f, y) = problem["a"], problem["args"]
    k = len(a)
    where = f"on a sample with K = {k} classes"
    _shape(out, (k,), f"{where}, delta3", "(K,)")
    yt = torch.tensor(y)
    squared_error = lambda a: 0.5 * ((torch.softmax(a, 0) - yt) ** 2).sum()  # noqa: E731 - one line, one loss
    reference = autograd_reference.autograd_gradients(squared_error, {"a": a})[1]["a"]
    comparison = gradcheck.compare(out, reference)
    if comparison.ok():
        return
    if _same(out, 2 * (y - f)):
        both = f"{SLIP_FEEDBACK['softmax_as_identity']}; and {SLIP_FEEDBACK['loss_derivative_sign_and_factor']}"
        raise ExerciseFailed(f"{where}, your delta3 is 2(y - f), the published derivation's two slips: {both}.")
    if _same(out, f - y):
        raise ExerciseFailed(f"{where}, your delta3 is f - y: {SLIP_FEEDBACK['softmax_as_identity']}.")
    if _same(out, (f - y) * f * (1 - f)):
        raise ExerciseFailed(f"{where}, your delta3 keeps only the term l = k of the sum over l (the diagonal "
                             "f_k(1 - f_k) of the softmax Jacobian): the terms l != k, -(f_l - y_l) f_l f_k, "
                             "count too.")
    hints = {-2.0: SLIP_FEEDBACK["loss_derivative_sign_and_factor"], -1.0: "the wrong sign: the derivative of 1/2 "
             "(f_l - y_l)^2 is f_l - y_l, not y_l - f_l", 2.0: "the 1/2 of the loss cancels the 2 of the square"}
    hint = next((h for c, h in hints.items() if comparison.factor is not None and np.isclose(comparison.factor, c)), "")
    raise _fail(where, comparison, "your delta3", hint)


def _judge_network(problem: dict[str, Any], out: dict[str, np.ndarray], name: str) -> None:
    params, x, y = problem["args"]
    reference = problem["reference"]
    n = 1 if x.ndim == 1 else x.shape[0]
    where = "on one sample" if x.ndim == 1 else f"on a batch of N = {n} samples"
    for k in net.PARAMETER_NAMES:
        _shape(out[k], params[k].shape, f"{where}, dL/d{k}", f"the shape of {k}")
    comparison = gradcheck.compare(out, reference)
    if comparison.ok():
        return
    for slip, feedback in SLIP_FEEDBACK.items():
        if _same(out, net.published_gradients(params, x, y, slip)):
            raise ExerciseFailed(f"{where}, {feedback}.")
    if n > 1 and comparison.factor is not None and np.isclose(comparison.factor, n):
        raise _fail(where, comparison, f"{name}", f"that is N times: the loss is the MEAN over the N = {n} samples, "
                    "so divide the sums over the batch by N")
    for layer in (3, 2, 1):
        wrong = [k for k in (f"W{layer}", f"b{layer}") if not gradcheck.compare(out[k], reference[k]).ok()]
        if wrong:
            right = [f"dL/d{k}" for k in net.PARAMETER_NAMES if int(k[1]) > layer]
            before = f"{', '.join(right)} agree with autograd, but " if right else ""
            comparison = gradcheck.compare(out[wrong[0]], reference[wrong[0]])
            explained = comparison.explain(f"your dL/d{wrong[0]}", "autograd")
            raise ExerciseFailed(f"{where}, {before}{explained}: the error enters at delta{layer} = {_DELTAS[layer]}.")
    raise _fail(where, comparison, name)  # pragma: no cover - some array differs, so some layer is wrong


def _judge_linear(problem: dict[str, Any], out: tuple[np.ndarray, ...]) -> None:
    X, W, G = problem["args"]
    n, n_in, n_out = X.shape[0], X.shape[1], W.shape[0]
    dX, dW, db = out
    where = f"for X: (N, in) = {X.shape}, W: (out, in) = {W.shape}"
    if dW.shape == (n_in, n_out) != (n_out, n_in):
        raise ExerciseFailed(f"{where}: your dL/dW has shape (in, out) = {dW.shape}; W is (out, in) = {W.shape}: "
                             "transpose it (G^T X, not X^T G).")
    _shape(dW, W.shape, f"{where}: dL/dW", "W's shape (out, in)")
    if db.shape == (n,) != (n_out,):
        raise ExerciseFailed(f"{where}: your dL/db has shape (N,) = {db.shape}: you summed over the outputs; b has "
                             "one entry per output unit, so sum over the batch (axis 0).")
    _shape(db, (n_out,), f"{where}: dL/db", "(out,)")
    _shape(dX, X.shape, f"{where}: dL/dX", "X's shape (N, in)")
    upstream = torch.tensor(G)
    reference = autograd_reference.autograd_gradients(lambda X, W, b: ((X @ W.T + b) * upstream).sum(),
                                             {"X": X, "W": W, "b": np.zeros(n_out)})[1]
    for key, got in (("W", dW), ("b", db), ("X", dX)):
        comparison = gradcheck.compare(got, reference[key])
        if comparison.ok():
            continue
        square = n_in == n_out  # only there do the transposed forms have the right shape
        if key == "W" and square and _same(got, X.T @ G):
            raise ExerciseFailed(f"{where}: your dL/dW is X^T G, the transpose of the right one: W is (out, in), so "
                                 "its entry (a, c) is sum_s g_sa x_sc.")
        if key == "X" and square and _same(got, G @ W.T):
            raise ExerciseFailed(f"{where}: your dL/dX is G W^T: G is (N, out) and W is (out, in), so dL/dX = G W, "
                                 "without a transpose.")
        hint = ("a sum over the samples, not a mean (any 1/N of the loss is already in G)"
                if key != "X" and comparison.factor is not None and np.isclose(comparison.factor, 1 / n) else "")
        raise _fail(where, comparison, f"your dL/d{key}", hint)


def _judge_cross_entropy(problem: dict[str, Any], out: np.ndarray) -> None:
    Z, T = problem["args"]
    s, k = Z.shape
    where = f"for a batch of S = {s} samples and K = {k} classes"
    _shape(out, Z.shape, f"{where}, dL/dZ", "(S, K)")
    targets = torch.tensor(T)
    reference = autograd_reference.autograd_gradients(lambda Z: -(targets * torch.log_softmax(Z, dim=1)).sum() / s,
                                             {"Z": Z})[1]["Z"]
    comparison = gradcheck.compare(out, reference)
    if comparison.ok():
        return
    if _same(out, (Z - T) / s):
        raise ExerciseFailed(f"{where}: your dL/dZ uses the logits Z where the softmax outputs belong: "
                             "Y = softmax(Z), row by row.")
    if _same(out, (activations.softmax(Z, axis=0) - T) / s):
        raise ExerciseFailed(f"{where}: your softmax runs over the samples (axis 0); each sample's softmax runs "
                             "over its K classes (axis 1).")
    hints = {float(s): "that is S times too large: did you forget the 1/S of the mean?",
             1 / k: "you divided by S K, the number of entries; the loss averages over the S samples only",
             s / k: "you divided by the number of classes K instead of the number of samples S",
             -1.0: "the wrong sign: the gradient of -log y_t with respect to the logits is y - t, not t - y"}
    hint = next((h for c, h in hints.items() if comparison.factor is not None and np.isclose(comparison.factor, c)), "")
    raise _fail(where, comparison, "your dL/dZ", hint)


def _dropout_variant(problem: dict[str, Any], backward_mask: np.ndarray, slope: float) -> np.ndarray:
    """dL/dW1: (H, D) with the exact forward pass, and a backward pass through ``backward_mask`` and ``slope``."""
    W1, W2, x, y, mask, alpha = problem["args"]
    xt, yt, mt, bt, w2 = (torch.tensor(v) for v in (x, y, mask, backward_mask, W2))

    def loss(W1: Any) -> Any:
        z1 = W1 @ xt
        exact = torch.nn.functional.leaky_relu(z1, alpha) * mt
        h = _straight_through(exact, torch.where(z1 > 0, z1, slope * z1) * bt)
        return -(yt * torch.log_softmax(w2 @ h, dim=0)).sum()

    return autograd_reference.autograd_gradients(loss, {"W1": W1})[1]["W1"]


def _judge_dropout(problem: dict[str, Any], out: np.ndarray) -> None:
    W1, W2, x, y, mask, alpha = problem["args"]
    p = problem["p"]
    kind = f"inverted dropout with p = {p}" if problem["scale"] else f"the original (unscaled) dropout with p = {p}"
    where = f"for {kind}"
    if out.shape == W1.shape[::-1]:
        raise ExerciseFailed(f"{where}: your dL/dW1 has shape (D, H) = {out.shape}, the transpose of W1's (H, D) = "
                             f"{W1.shape}: dL/dW1 = delta x^T, an outer product with delta first.")
    _shape(out, W1.shape, f"{where}: dL/dW1", "W1's shape (H, D)")
    reference = dropout_backprop.gradients_autograd(W1, W2, x, y, mask, alpha)["dW1"]
    comparison = gradcheck.compare(out, reference)
    if comparison.ok():
        return
    if problem["scale"] and comparison.factor is not None and np.isclose(comparison.factor, 1 - p):
        raise _fail(where, comparison, "your dL/dW1", "that is 1 - p times the correct one: the backward pass must use "
                    "the same scaled mask as the forward pass (0 or 1/(1 - p)), not the 0/1 pattern of kept units")
    variants = {
        "you left the mask out of the backward pass: dropped units pass no gradient, so multiply by the mask":
            _dropout_variant(problem, np.ones_like(mask), alpha),
        "you used ReLU' (0 for z1 <= 0); LeakyReLU' is alpha there": _dropout_variant(problem, mask, 0.0),
        "you left out LeakyReLU'(z1): it is 1 for z1 > 0 and alpha for z1 <= 0": _dropout_variant(problem, mask, 1.0),
        "you multiplied by the mask twice": _dropout_variant(problem, mask * mask, alpha),
    }
    for feedback, variant in variants.items():
        if _same(out, variant):
            raise ExerciseFailed(f"{where}: {feedback}.")
    raise _fail(where, comparison, "your dL/dW1")


def _judge(exercise: str, problem: dict[str, Any], out: Any) -> None:
    out = _output(exercise, out)
    if exercise == "delta3":
        _judge_delta3(problem, out)
    elif exercise.startswith("two_hidden_layer"):
        _judge_network(problem, out, EXERCISES[exercise])
    elif exercise == "linear_backward":
        _judge_linear(problem, out)
    elif exercise == "softmax_cross_entropy_backward":
        _judge_cross_entropy(problem, out)
    else:
        _judge_dropout(problem, out)


def _passed(exercise: str, count: int) -> str:
    problems = "both problems" if count == 2 else f"all {count} problems"
    return f"what {EXERCISES[exercise]} returns agrees with torch autograd on {problems}"


def check_outputs(exercise: str, outputs: list[Any], random_state: Any = 0) -> str:
    """Judge ``answer_outputs(exercise, ..., random_state)`` against autograd on the same problems, rebuilt here."""
    problems = _problems(exercise, random_state)
    if not isinstance(outputs, list) or len(outputs) != len(problems):
        raise ExerciseFailed(f"the outputs do not belong to the {len(problems)} problems of this check: "
                             "run the answer cell and the check cell again.")
    for problem, out in zip(problems, outputs, strict=True):
        _judge(exercise, problem, out)
    return _passed(exercise, len(problems))


def _check(exercise: str, answer: Callable[..., Any]) -> str:
    """Run the answer on one problem at a time and judge it at once, so the first problem's diagnosis comes first."""
    problems = _problems(exercise, 0)
    for problem in problems:
        _judge(exercise, problem, call_answer(answer, *copy.deepcopy(problem["args"]), name=EXERCISES[exercise]))
    return _passed(exercise, len(problems))


def check_delta3(delta3: Callable[..., Any]) -> str:
    """The visible check of delta3(f, y) -> (K,) for one sample, f = softmax(a): (K,), one-hot y: (K,)."""
    return _check("delta3", delta3)


def check_index_form(gradients_index_form: Callable[..., Any]) -> str:
    """The visible check of gradients_index_form(params, x, y) for one sample x: (D,), y: (K,) -> shapes as params."""
    exercise = "two_hidden_layer_index_form"
    return _check(exercise, gradients_index_form)


def check_gradients(gradients: Callable[..., Any]) -> str:
    """The visible check of gradients(params, X, Y) for a batch X: (N, D), Y: (N, K) -> shapes as params."""
    return _check("two_hidden_layer_gradients", gradients)


def check_linear_backward(linear_backward: Callable[..., Any]) -> str:
    """The visible check of linear_backward(X: (N, in), W: (out, in), G: (N, out)) -> (dX, dW, db)."""
    return _check("linear_backward", linear_backward)


def check_softmax_cross_entropy_backward(softmax_cross_entropy_backward: Callable[..., Any]) -> str:
    """The visible check of softmax_cross_entropy_backward(Z: (S, K), T: (S, K)) -> dL/dZ: (S, K)."""
    exercise = "softmax_cross_entropy_backward"
    return _check(exercise, softmax_cross_entropy_backward)


def check_dropout_backward(dropout_backward: Callable[..., Any]) -> str:
    """The visible check of dropout_backward(W1: (H, D), W2: (K, H), x: (D,), y: (K,), mask: (H,), alpha) -> (H, D)."""
    return _check("dropout_backward", dropout_backward)


# ------------------------------------------------------------------------------------------ the derivation
def check_linear_input_derivation(derivation: Any, n: int = 2, n_in: int = 3, n_out: int = 2) -> str:
    """A Derivation of dL/dX for ``linear_layer.layer_symbols(n, n_in, n_out)``, from the entries, each step checked."""
    derivation = answer_given(derivation, "input_derivation", "a Derivation")
    if type(derivation) is not Derivation:
        raise ExerciseFailed(f"input_derivation must be a helpers.derivation.Derivation, got "
                             f"{validation.describe(derivation)}.")
    X, W, _, G, L = linear_layer.layer_symbols(n, n_in, n_out)
    steps = derivation.steps
    if len(steps) < 2:
        raise NotAnswered("not answered yet: add your steps to input_derivation after the given entries, with "
                          "input_derivation.step(expression, why), then run the cell.")
    entries = sp.Matrix(n, n_in, lambda s, c: sp.diff(L, X[s, c]))
    start = Derivation("start").step(entries, "entries").step(steps[0].expr, "your step 1").verify()
    if not start.ok:
        raise ExerciseFailed(f"step 1 must be the entries dL/dx_sc of the given L, as in the answer cell: it is not "
                             f"({start.first_failure.detail}).")
    unchecked = [i + 1 for i, s in enumerate(steps) if s.given and i > 0]
    if unchecked:
        raise ExerciseFailed(f"step {unchecked[0]} is marked given=True, so nothing checks it: only the entries are "
                             "given; remove given=True from your steps.")
    verification = derivation.verify()
    bad = verification.first_failure
    if bad is not None:
        expr = steps[bad.index].expr
        hints = {"G^T X, the form of dL/dW; dL/dX sums over the outputs i: sum_i g_si w_ic": G.T * X,
                 "(G W)^T: dL/dX has the shape of X, (n, n_in)": (G * W).T}
        hint = next((f": that is {h}" for h, wrong in hints.items()
                     if isinstance(expr, sp.MatrixBase) and expr.shape == wrong.shape
                     and sp.simplify(expr - wrong) == sp.zeros(*wrong.shape)), "")
        raise ExerciseFailed(f"step {bad.index + 1} ('{steps[bad.index].why}') does not follow from step {bad.index}: "
                             f"{bad.detail}{hint}.")
    if len(steps) < 3:
        raise ExerciseFailed("your derivation jumps from the entries to the result in one step: add the index sum "
                             "dL/dx_sc = sum_i g_si w_ic as a step between them, as in the derivation of dL/dW.")
    last = steps[-1].expr.rhs if isinstance(steps[-1].expr, sp.Equality) else steps[-1].expr
    if not isinstance(last, sp.MatrixBase) or last.shape != (n, n_in):
        raise ExerciseFailed(f"the last step must be the matrix dL/dX of shape (n, n_in) = ({n}, {n_in}), got "
                             f"{validation.describe(last)}.")
    return f"all {len(steps)} steps follow, from the entries of dL/dX to a {n}x{n_in} matrix equal to G W"
