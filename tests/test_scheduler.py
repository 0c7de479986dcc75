"""Forward and backward passes: the numbers a user gets from Circuit.run."""

import math
import warnings

import numpy as np
import pytest

import circuitsim

NEURON_GRADS = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}


def circuit(gates: str, inputs: str = "{x: 3.0, y: -4.0}", outputs: str = "[f]"):
    return circuitsim.loads(f"inputs: {inputs}\ngates:\n{gates}\noutputs: {outputs}\n")


def test_worked_example(root):
    r = circuitsim.load(root / "circuits" / "neuron.yaml").run()
    assert round(r.outputs["f"], 2) == 0.73
    assert r.outputs["f"] == pytest.approx(1 / (1 + math.exp(-1.0)), rel=1e-15)
    assert {k: round(r.grads[k], 2) for k in NEURON_GRADS} == NEURON_GRADS
    assert set(r.values) == set(r.grads) == {"w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "n", "e", "p", "f"}
    assert r.grads["f"] == 1.0
    assert all(type(v) is float for v in [*r.values.values(), *r.grads.values()])


def test_api_as_documented(root):
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    r = c.run({"x0": -1.0})
    assert r.outputs["f"] == 0.7310585786300049
    assert c.forward({"x0": -1.0}).values["s0"] == r.values["s0"]
    assert c.forward().grads == {}
    assert c.run(seed={"f": 2.0}).grads["w0"] == pytest.approx(2 * r.grads["w0"])


@pytest.mark.parametrize(
    "gates, grads",
    [
        ("  f: {type: add, inputs: [x, x]}", {"x": 2.0}),
        ("  f: {type: mul, inputs: [x, x]}", {"x": 6.0}),
        ("  f: {type: mul, inputs: [x, x, x]}", {"x": 27.0}),
        # a diamond: x -> a, x -> b, (a, b) -> f
        ("  a: {type: mul, inputs: [x, 2]}\n  b: {type: exp, inputs: [x]}\n  f: {type: mul, inputs: [a, b]}",
         {"x": 2 * math.exp(3) + 6 * math.exp(3)}),
        # y fans out twice, once through a chain
        ("  a: {type: neg, inputs: [y]}\n  b: {type: add, inputs: [a, y]}\n  f: {type: mul, inputs: [b, x]}",
         {"x": 0.0, "y": 0.0}),
    ],
)
def test_fan_out_adds_gradients(gates, grads):
    r = circuit(gates).run()
    for name, expected in grads.items():
        assert r.grads[name] == pytest.approx(expected, rel=1e-12)


def test_output_that_feeds_another_output_gets_both_gradients():
    r = circuit("  a: {type: mul, inputs: [x, 2]}\n  f: {type: mul, inputs: [a, 5]}", outputs="[a, f]").run()
    assert r.grads["a"] == 1.0 + 5.0
    assert r.grads["x"] == 12.0


def test_seed_picks_outputs_and_scales():
    c = circuit("  a: {type: mul, inputs: [x, 2]}\n  f: {type: mul, inputs: [y, 5]}", outputs="[a, f]")
    r = c.run(seed={"f": 1.0})
    assert (r.grads["x"], r.grads["y"]) == (0.0, 5.0)
    r = c.run(seed={"a": -1.0, "f": 0.5})
    assert (r.grads["x"], r.grads["y"]) == (-2.0, 2.5)
    with pytest.raises(circuitsim.CircuitError, match="cannot seed unknown node 'ff'"):
        c.run(seed={"ff": 1.0})


def test_nodes_that_reach_no_output_have_zero_gradient():
    r = circuit("  a: {type: log, inputs: [y]}\n  f: {type: mul, inputs: [x, 2]}").run(nan="ignore")
    assert r.grads["a"] == 0.0 and r.grads["y"] == 0.0
    assert math.isnan(r.values["a"])


def test_runs_are_independent():
    c = circuit("  f: {type: mul, inputs: [x, y]}")
    first = c.run().grads
    assert c.run().grads == first


def test_unknown_input_names_are_errors():
    c = circuit("  f: {type: mul, inputs: [x, y]}")
    with pytest.raises(circuitsim.CircuitError, match=r"unknown input 'xx' \(did you mean 'x'\?\)"):
        c.run({"xx": 1.0})
    with pytest.raises(circuitsim.CircuitError, match="'f' is a gate, not an input"):
        c.run({"f": 1.0})
    with pytest.raises(circuitsim.CircuitError, match="must be a number"):
        c.run({"x": "one"})


def test_batch_equals_scalar_runs(root):
    c = circuitsim.load(root / "circuits" / "mlp.yaml")
    xs = np.linspace(-2, 2, 7)
    batch = c.run({"x0": xs, "x1": 0.25})
    assert batch.batch == 7
    for i, x in enumerate(xs):
        single = c.run({"x0": float(x), "x1": 0.25})
        for name in single.values:
            assert batch.values[name].shape == (7,)
            assert batch.values[name][i] == pytest.approx(single.values[name], rel=1e-13, abs=1e-15)
            assert batch.grads[name][i] == pytest.approx(single.grads[name], rel=1e-13, abs=1e-15)


def test_batch_lengths_must_agree():
    c = circuit("  f: {type: mul, inputs: [x, y]}")
    with pytest.raises(circuitsim.CircuitError, match="same length"):
        c.run({"x": [1, 2, 3], "y": [1, 2]})


def test_long_chain_needs_no_recursion():
    n = 100_000
    lines = ["inputs: {x: 0.5}", "gates:", "  g0: {type: neg, inputs: [x]}"]
    lines += [f"  g{i}: {{type: neg, inputs: [g{i - 1}]}}" for i in range(1, n)]
    lines.append(f"outputs: [g{n - 1}]")
    r = circuitsim.loads("\n".join(lines)).run()
    assert r.outputs[f"g{n - 1}"] == 0.5  # an even number of negations
    assert r.grads["x"] == 1.0


def test_nan_warns_naming_the_gate():
    c = circuitsim.loads("inputs: {x: 0.0}\ngates:\n  l: {type: log, inputs: [x]}\n  f: {type: mul, inputs: [l, 2]}\noutputs: [f]\n", path="c.yaml")
    with pytest.warns(circuitsim.NumericalWarning, match=r"c.yaml:3:3: gate 'l' \(log\) with inputs x=0 produced -inf"):
        r = c.run()
    assert r.outputs["f"] == -math.inf
    with pytest.raises(circuitsim.NumericalError) as info:
        c.run(nan="raise")
    assert info.value.line == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.run(nan="ignore")


def test_backward_fault_names_the_gate():
    c = circuitsim.loads("inputs: {x: 0.0}\ngates:\n  s: {type: sqrt, inputs: [x]}\noutputs: [s]\n")
    with pytest.raises(circuitsim.NumericalError, match=r"gate 's' \(sqrt\).*non-finite gradient.*backward"):
        c.run(nan="raise")


def test_batch_nan_names_the_sample():
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    with pytest.raises(circuitsim.NumericalError, match=r"sample 2"):
        c.run({"x": [1.0, 2.0, -1.0]}, nan="raise")


def test_bad_nan_policy():
    with pytest.raises(circuitsim.CircuitError, match="nan must be one of"):
        circuit("  f: {type: mul, inputs: [x, y]}").run(nan="maybe")
