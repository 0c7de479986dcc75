"""The straight-line tier (circuitsim.tiers.straight) against the method path, bit for bit: fan-out,
seeds, function boundaries, plugin gates with and without expressions, domain edges, faults."""

import math

import numpy as np
import pytest
from helpers import FAN_OUT, Cube, Square, assert_same, method_path, misbehaving, plugin, through

import circuitsim
from circuitsim.gate import Expressions, Gate
from circuitsim.plan.engine import tier
from circuitsim.tiers.kernels import KernelTier
from circuitsim.tiers import straight


def _no_call(*args):
    raise AssertionError("the run left the straight-line code")


@pytest.fixture(params=[1, 3, straight.GATES_PER_FUNCTION], ids=lambda n: f"per_function{n}")
def per_function(request, monkeypatch):
    """Functions of one gate put every gradient across a function boundary."""
    monkeypatch.setattr(straight, "GATES_PER_FUNCTION", request.param)
    return request.param


@pytest.mark.parametrize("seed", [None, {"d": 2.0}, {"f": 1.5, "s": -1.0}, {"f": [1.0, -1.0, 0.5]}])
@pytest.mark.parametrize("inputs", [None, {"x": 0.5}, {"x": 0.75, "y": 2.0}])
def test_plugin_gates_fan_out_and_seeds(monkeypatch, per_function, inputs, seed):
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    assert_same(c, through(c, "straight", inputs, seed), method_path(c, inputs, seed))


def test_runs_tier_up_by_themselves_and_stay_the_same(monkeypatch):
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    first = c.run()
    for _ in range(tier("straight").tier_up):
        assert c.run() == first
    assert tier("straight").program(c.plan, frozenset(c.plan.outputs)) is not None
    assert c.forward().values == first.values
    monkeypatch.setattr(KernelTier, "run", _no_call)
    assert c.run() == first
    assert c.run({"x": [1.0, 2.0]}).batch == 2  # batches keep to the kernels


def test_compile_makes_forward_and_run_straight_line(monkeypatch):
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    want_run, want_forward = c.run(), c.forward()
    c.compile()
    monkeypatch.setattr(KernelTier, "run", _no_call)
    assert c.run() == want_run and c.forward() == want_forward


@pytest.mark.parametrize("gate, x", [("log", 0.0), ("log", -1.0), ("exp", 1000.0), ("reciprocal", 0.0), ("sqrt", -1.0)])
def test_domain_edges_fall_back_to_the_methods(per_function, gate, x):
    text = f"inputs: {{x: 1.0}}\ngates:\n  g: {{type: {gate}, inputs: [x]}}\n  h: {{type: mul, inputs: [g, x]}}\noutputs: [h]\n"
    c = circuitsim.loads(text)
    c.compile()
    assert c.run().outputs == circuitsim.loads(text).run().outputs  # fine inputs: straight-line
    with pytest.warns(circuitsim.NumericalWarning, match=rf"gate 'g' \({gate}\) with inputs x=.* produced"):
        r = c.run({"x": x})
    values, grads = method_path(c, {"x": x})
    assert np.asarray([r.values[n] for n in ("g", "h")]).tobytes() == np.asarray(values[1:3]).tobytes()
    assert math.isnan(r.grads["x"]) or math.isinf(r.grads["x"]) or r.grads["x"] == grads[0]


@pytest.mark.parametrize("faulty, message", [
    (misbehaving(forward=lambda x: None), r"forward returned NoneType None, not a number"),
    (misbehaving(local_grads=lambda ins: (1.0, 2.0)), r"local_grads returned 2 gradients for 1 inputs"),
    (misbehaving(local_grads=lambda ins: [None]), r"local_grads returned for port 'x': NoneType None, not a number"),
])
def test_misbehaving_gates_are_named_after_compiling(faulty, message):
    c = circuitsim.loads("inputs: {x: 2.0}\ngates:\n  a: {type: neg, inputs: [x]}\n  bad: {type: faulty, inputs: [a]}\n"
                         "outputs: [bad]\n", path="faulty.yaml", plugins=[plugin(faulty)])
    c.compile()
    with pytest.raises(circuitsim.CircuitError, match=message) as info:
        c.run()
    assert (info.value.line, info.value.column) == (4, 3)


def _double(x):
    return 2.0 * x


class Twice(Gate):
    """2x, through an expression name that a built-in gate uses for another function."""

    name = "twice"

    def forward(self, x):
        return 2.0 * x

    def local_grads(self, inputs, output):
        return (2.0,)

    def expressions(self, n_inputs, batch):
        return Expressions("exp({0})", ("{{'a': 2.0}}['a']",), {"exp": _double})


def test_expression_names_of_different_gates_do_not_clash(monkeypatch, per_function):
    text = "inputs: {x: 0.5}\ngates:\n  e: {type: exp, inputs: [x]}\n  t: {type: twice, inputs: [e]}\noutputs: [t]\n"
    c = circuitsim.loads(text, plugins=[plugin(Twice)])
    values, grads = through(c, "straight", None, None)
    assert values[c.plan.slot["t"]] == 2.0 * math.exp(0.5)
    assert grads[c.plan.slot["x"]] == 2.0 * math.exp(0.5)




def test_the_tier_chosen_for_a_kind_of_run_is_kept_once_final(monkeypatch):
    """The tiers are asked while the straight-line code may still come (runs are counted), and
    no more once a kind of run has its tier; a run that faults there still goes to the methods."""
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    asked = []
    takes = KernelTier.takes
    monkeypatch.setattr(KernelTier, "takes", lambda self, plan, request: asked.append(request.seeded) or takes(self, plan, request))
    first = c.run()
    for _ in range(tier("straight").tier_up + 3):
        assert c.run() == first
    assert len(asked) == tier("straight").tier_up - 1  # asked until the straight-line code took over
    assert c.run({"x": [1.0, 2.0]}).batch == 2 and len(asked) == tier("straight").tier_up  # another kind of run
    c.run({"x": [3.0, 4.0]})
    assert len(asked) == tier("straight").tier_up  # its choice kept
    edge = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  g: {type: log, inputs: [x]}\noutputs: [g]\n")
    edge.compile()
    assert edge.run().outputs == {"g": 0.0} and edge.run().outputs == {"g": 0.0}  # kept: the straight-line code
    with pytest.warns(circuitsim.NumericalWarning, match=r"gate 'g' \(log\) with inputs x=0"):
        assert edge.run({"x": 0.0}).outputs["g"] == -math.inf  # still the methods' answer
