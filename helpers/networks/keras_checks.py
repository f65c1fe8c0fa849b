"""The Keras half of the MNIST exercise checks: run the student's fixed Keras template and learning-rate schedule.

``run_keras_bugs`` and ``run_learning_rate_schedule`` need TensorFlow, so they live here; their judges
(``judge_keras_bugs``, ``judge_learning_rate_schedule``) stay in ``helpers.networks.checks``, which a fresh
judging process imports without paying for TensorFlow's start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import validation
from helpers.exercises import ExerciseFailed, NotAnswered
from helpers.networks.checks import (
    ACTIVATION_PROBE,
    answer_callable,
    as_array,
    as_number,
    call_quietly,
    get_case,
    judge_keras_bugs,
    judge_learning_rate_schedule,
    loss_probe,
    quiet,
)
from helpers.quiet_tensorflow import keras, tf

__all__ = ["run_keras_bugs", "check_keras_bugs", "run_learning_rate_schedule", "check_learning_rate_schedule"]


def run_keras_bugs(cls: Any, case: str = "visible") -> dict[str, Any]:
    """Build the student's Keras network and report its Dense layers, their activations and its loss's value."""
    c = get_case(case)
    cls = answer_callable(cls, "NeuralNetworkTf", "the class NeuralNetworkTf")
    sizes = list(c.keras_sizes)
    try:
        net = call_quietly(cls, sizes, c.seed, name=f"NeuralNetworkTf({sizes})")
    except NotAnswered:
        raise NotAnswered("not answered yet: write add_layers in the answer cell above (replace "
                          "`raise NotImplementedError()`), then run it.") from None
    layers = list(getattr(net, "layers", []))
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    probe = ACTIVATION_PROBE.astype(keras.config.floatx())
    if not callable(getattr(net, "loss_function", None)):
        raise ExerciseFailed("the network has no method loss_function(self) returning the loss that compile_and_fit "
                             "trains with.")
    loss = call_quietly(net.loss_function, name="loss_function")
    loss_fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    if not callable(loss_fn):
        raise ExerciseFailed(f"loss_function must return a Keras loss such as keras.losses.SomeLoss(), got "
                             f"{validation.describe(loss)}.")
    p, t = loss_probe()
    with quiet():  # a loss function (not a Loss object) gives one value per image: compile takes their mean
        value = float(np.mean(as_array(loss_fn(t.astype("float32"), p.astype("float32")), "the loss")))
    return {"units": [int(layer.units) for layer in dense],
            "activations": [as_array(layer.activation(probe), "a Dense layer's activation") for layer in dense],
            "others": [type(layer).__name__ for layer in layers if not isinstance(layer, keras.layers.Dense)],
            "loss": value}




def check_keras_bugs(cls: Any) -> str:
    """The fixed Keras network class, judged on the visible case."""
    return judge_keras_bugs("visible", run_keras_bugs(cls, "visible"))




def run_learning_rate_schedule(cls: Any, case: str = "visible") -> dict[str, Any]:
    """The student's schedule: its rates at Python and compiled (int64 tensor) steps, and what it refuses."""
    c = get_case(case)
    cls = answer_callable(cls, "TimeBasedLearningRate", "the class TimeBasedLearningRate")
    try:
        schedule = call_quietly(cls, c.initial_rate, name=f"TimeBasedLearningRate({c.initial_rate})")
    except NotAnswered:
        raise NotAnswered("not answered yet: write TimeBasedLearningRate's __init__ and __call__ in the answer cell "
                          "above (replace `raise NotImplementedError()`), then run them.") from None
    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        raise ExerciseFailed("TimeBasedLearningRate must subclass keras.optimizers.schedules.LearningRateSchedule, so "
                             "that keras.optimizers.SGD(learning_rate=...) accepts it.")
    steps = list(range(c.initial_rate + 4))
    values = [as_number(call_quietly(schedule, step, name="TimeBasedLearningRate.__call__"), f"the rate at step {step}")
              for step in steps]
    graph_steps, graph_values, graph_error = [0, 2, c.initial_rate + 3], [], None
    compiled = tf.function(lambda step: schedule(step), autograph=False)
    try:
        with quiet():
            graph_values = [float(compiled(tf.constant(step, tf.int64))) for step in graph_steps]
    except Exception as err:  # noqa: BLE001 - whatever breaks in graph mode is reported by name
        graph_error = f"{type(err).__name__}: {(str(err).splitlines() or [''])[0][:160]}"
    refusals: dict[str, str | None] = {}
    for bad in (0.5, 0, -2):
        try:
            with quiet():
                cls(bad)
        except Exception as err:  # noqa: BLE001 - any exception refuses the value
            refusals[repr(bad)] = type(err).__name__
        else:
            refusals[repr(bad)] = None
    return {"steps": steps, "values": values, "graph_steps": graph_steps, "graph_values": graph_values,
            "graph_error": graph_error, "refusals": refusals}




def check_learning_rate_schedule(cls: Any) -> str:
    """TimeBasedLearningRate, judged on the visible case."""
    return judge_learning_rate_schedule("visible", run_learning_rate_schedule(cls, "visible"))
