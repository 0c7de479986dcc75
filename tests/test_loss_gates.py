"""The loss gates: softplus and binary cross-entropy on logits, finite for any finite input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import circuitsim
from circuitsim.plan.engine import tier
from circuitsim.gate.plugins import load_registry
from circuitsim.testing import check_gate

REGISTRY = load_registry(autoload=False)
LOGITS = [-1000.0, -710.0, -40.0, -1.5, -1e-9, 0.0, 1e-9, 0.3, 2.0, 37.0, 710.0, 1000.0]


def gate(name):
    return REGISTRY.get(name).cls()


def reference_softplus(x):
    """log(1 + e^x) in exact arithmetic, from the two halves where floats do not overflow."""
    return math.log1p(math.exp(x)) if x < 30 else x + math.exp(-x)


@pytest.mark.parametrize("x", LOGITS)
def test_softplus_is_log_one_plus_exp_and_its_gradient_the_sigmoid(x):
    g = gate("softplus")
    out = g.forward(x)
    assert out == pytest.approx(reference_softplus(x), rel=1e-15, abs=1e-300)
    (grad,) = g.local_grads([x], out)
    assert grad == pytest.approx(1 / (1 + math.exp(-x)) if x > -700 else 0.0, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
@pytest.mark.parametrize("z", LOGITS)
def test_bce_logits_is_the_cross_entropy_of_the_sigmoid(z, y):
    g = gate("bce_logits")
    out = g.forward(z, y)
    assert math.isfinite(out) and out >= 0.0
    if abs(z) < 30:  # where the naive formula does not lose everything to rounding
        p = 1 / (1 + math.exp(-z))
        assert out == pytest.approx(-(y * math.log(p) + (1 - y) * math.log(1 - p)), rel=1e-12)
    assert out == pytest.approx(reference_softplus(z) - y * z, rel=1e-12, abs=1e-12)
    dz, dy = g.local_grads([z, y], out)
    assert math.isfinite(dz) and math.isfinite(dy)
    assert dz == pytest.approx((1 / (1 + math.exp(-z)) if z > -700 else 0.0) - y, abs=1e-15)
    assert dy == -z


@pytest.mark.parametrize("name", ["softplus", "bce_logits"])
def test_loss_gates_pass_check_gate_far_out_too(name):
    samples = [(x,) for x in (-800.0, -30.0, -2.0, 0.5, 3.0, 30.0, 800.0)]
    if name == "bce_logits":
        samples = [(x, y) for (x,), y in zip(samples, [0.0, 1.0, 0.3, 1.0, 0.0, 0.7, 1.0])]
    check_gate(REGISTRY.get(name).cls, samples=samples)


def test_a_logistic_loss_at_logits_of_1e3_stays_finite_in_scalar_and_batch_runs():
    c = circuitsim.loads(
        "inputs: {w: 1.0, x: 1000.0, y: 0.0}\n"
        "gates:\n"
        "  z: {type: mul, inputs: [w, x]}\n"
        "  loss: {type: bce_logits, inputs: [z, y]}\n"
        "  s: {type: softplus, inputs: [z]}\n"
        "outputs: [loss, s]\n"
    )
    xs = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumericalWarning would fail the test
        scalar = c.run(nan="raise")
        batch = c.run({"x": xs, "y": np.array([1.0, 0.0, 1.0, 1.0, 0.0])}, nan="raise")
        for _ in range(tier("straight").tier_up + 1):  # the straight-line code too
            compiled = c.run(nan="raise")
    assert scalar.outputs == {"loss": 1000.0, "s": 1000.0}
    assert scalar.grads["w"] == compiled.grads["w"] == 2 * 1000.0  # (sigmoid(z) - y + sigmoid(z)) * x
    np.testing.assert_allclose(batch.outputs["loss"], [1000.0, math.log1p(math.exp(-1.0)), math.log(2), math.log1p(math.exp(-1.0)), 1000.0])
    assert np.all(np.isfinite(batch.grads["w"]))
