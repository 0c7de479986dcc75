"""A layer's products and chains of sums as one einsum in blocks (circuitsim.tiers.dots): found in
MLPs, used only where nothing keeps the products and partial sums, and the same bits as the
gates, signed zeros and faults included."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import NUMBERS, layers, same_bits

import circuitsim
from benchmarks.circuits import mlp, sample_inputs
from circuitsim.plan.engine import tier
from circuitsim.tiers import dots

MLP = mlp(400)  # 4 layers of 9 neurons and an output neuron: 5 chains


def fused(c, batched) -> list:
    """The dots the blocks of ``c`` computed as einsums in their last sweep."""
    b = tier("blocks").of(c.plan, frozenset(c.plan.slot[n] for n in batched))
    return [dot for program in b._programs.values() if program.bound is not None for dot in program.fused]


@pytest.mark.parametrize(("shuffle", "einsums"), [("layout", 5), (True, 1)])
def test_a_file_in_any_order_sweeps_its_layers_as_einsums_where_neurons_add_in_order(shuffle, einsums):
    """Gates, inputs and each gate's two inputs in any order: every layer still one einsum. Each
    neuron adding its products in an order of its own: only the output neuron's (one neuron)."""
    net = mlp(400, seed=5, shuffle=shuffle)
    c = circuitsim.loads(net.yaml())
    inputs = sample_inputs(net, 300)
    xs = [n for n in net.inputs if n.startswith("x")]
    s = c.sweep(inputs, values=c.outputs, grads=xs)
    assert len(fused(c, xs)) == einsums
    whole = c.run(inputs)
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)
    assert all(same_bits(s.grads[n], whole.grads[n]) for n in s.grads)


def test_an_mlps_chains_run_as_dots_unless_a_partial_sum_is_kept():
    c = circuitsim.loads(MLP.yaml())
    inputs = sample_inputs(MLP, 700)
    xs = [n for n in MLP.inputs if n.startswith("x")]
    whole = c.run(inputs)  # keeps every value: no dot
    assert fused(c, xs) == []
    s = c.sweep(inputs, values=c.outputs, grads=xs)
    assert len(fused(c, xs)) == 5
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)
    assert all(same_bits(s.grads[n], whole.grads[n]) for n in s.grads)
    partial = MLP.gates[2][0]  # g2 = g0 + g1: the first neuron's first partial sum
    c = circuitsim.loads(MLP.yaml())
    s = c.sweep(inputs, values=[c.outputs[0], partial], grads=xs)
    assert len(fused(c, xs)) == 4  # the first layer's chains run gate by gate
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)
    assert all(same_bits(s.grads[n], whole.grads[n]) for n in s.grads)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(1, 6), min_size=2, max_size=4), st.lists(NUMBERS, min_size=1, max_size=30),
       st.lists(NUMBERS, min_size=1, max_size=5), st.integers(2, 7), st.booleans())
def test_dots_give_the_gates_bits_signed_zeros_included(blocks_always, sizes, numbers, xs, arity, bias_inside):
    sizes[0] = max(sizes[0], 2)  # a chain has two terms at least
    c = circuitsim.loads(layers(sizes, numbers, arity, bias_inside))
    names = [f"x{i}" for i in range(sizes[0])]
    inputs = {n: np.array([xs[(i + k) % len(xs)] for k in range(37)]) for i, n in enumerate(names)}
    ends = [f"c{l}_{j}" for l, m in enumerate(sizes[1:]) for j in range(m) if sizes[l] > 1]  # kept: not inside
    with np.errstate(all="ignore"):
        whole = c.run(inputs)
        s = c.sweep(inputs, values=["y", *ends], grads=names)
    assert len(fused(c, names)) == sum(n > 1 for n in sizes[:-1])
    for n in s.values:
        assert same_bits(s.values[n], whole.values[n]), n
    for n in s.grads:
        assert same_bits(s.grads[n], whole.grads[n]), n


def test_a_chain_of_negative_zeros_sums_to_negative_zero(blocks_always):
    c = circuitsim.loads(layers([3, 2], [-1.0, -0.0]))
    inputs = {"x0": np.zeros(20), "x1": np.zeros(20), "x2": np.zeros(20)}
    s = c.sweep(inputs, values=["c0_0", "c0_1", "y"])
    assert fused(c, ["x0", "x1", "x2"])
    assert np.signbit(s.values["c0_0"]).all() and np.signbit(s.values["c0_1"]).all()  # (-0) + (-0) + (-0)
    assert same_bits(s.values["c0_0"], c.run(inputs).values["c0_0"])


def test_a_fault_in_a_dot_is_named_with_its_gate_and_sample(blocks_always):
    c = circuitsim.loads(layers([2, 2], [1e200, 2.0]), path="layer.yaml")
    x = np.ones(30)
    x[17] = -1e200  # w * x is -inf, which the relu hides from every kept number
    with pytest.raises(circuitsim.NumericalError, match=r"layer\.yaml:\d+:\d+: error: gate 'm0_0_0' \(mul\) .* produced -inf \(sample 17\)"):
        c.sweep({"x0": x, "x1": np.ones(30)}, grads=["x0"], nan="raise")
    with pytest.warns(circuitsim.NumericalWarning, match=r"gate 'm0_0_0' \(mul\) .* produced -inf \(sample 17\)"):
        s = c.sweep({"x0": x, "x1": np.ones(30)}, grads=["x0"])
    assert np.isfinite(s.values["y"]).all()


def test_a_sweep_of_the_moons_mlp_sums_every_layer_with_einsum():
    """Its weights are squared for the loss at the level of the first layer's products: those
    squares, reading numbers only, run apart from the products, which keep their pattern."""
    c = circuitsim.load("circuits/moons_mlp.yaml")
    rng = np.random.default_rng(3)
    inputs = {"x0": rng.uniform(-1, 2, 900), "x1": rng.uniform(-1, 1, 900)}
    s = c.sweep(inputs, values=c.outputs, grads=["x0", "x1", "w2_3_4"])
    assert len(fused(c, ["x0", "x1"])) == 3  # 16 sums of 3 inputs, 16 of 17, the score's
    whole = c.run(inputs)
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)
    assert all(same_bits(s.grads[n], whole.grads[n]) for n in s.grads)


def test_weights_with_rows_of_their_own_are_read_from_their_first_column(blocks_always):
    """e and f give two of the second layer's weights rows (beside x0 and x1 in one port of a
    gate whose inputs do not commute), so all its weights have rows, each holding one number."""
    text = layers([2, 3, 2], [0.5, -1.5, 2.0, 0.25])
    gates = "  e: {type: sub, inputs: [w1_0_0, x0]}\n  f: {type: sub, inputs: [x1, w1_1_1]}\n"
    text = text.replace("outputs: [y]", gates + "outputs: [y, e, f]")
    c = circuitsim.loads(text)
    rng = np.random.default_rng(5)
    inputs = {"x0": rng.uniform(-1, 1, 200), "x1": rng.uniform(-1, 1, 200)}
    s = c.sweep(inputs, values=["y", "e", "f"], grads=["x0", "x1", "w1_0_2"])
    b = tier("blocks").of(c.plan, frozenset(c.plan.slot[n] for n in inputs))
    weights = [b.groups[dot.mul][2][dot.weights] for dot in fused(c, ["x0", "x1"])]
    assert any(not port.scalar and b.row[port.index].all() for port in weights)  # rows, not a column
    whole = c.run(inputs)
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)
    assert all(same_bits(s.grads[n], whole.grads[n]) for n in s.grads)


def test_a_layout_that_einsum_sums_in_another_order_runs_gate_by_gate(monkeypatch):
    monkeypatch.setattr(dots, "_checked", {})
    monkeypatch.setattr(dots.np, "einsum", lambda subscripts, w, a, out: np.matmul(w, a, out=out))
    w, a = np.ones((9, 9)), np.ones((9, 512))
    assert not dots._sequential(w, a, np.empty((9, 512)))  # a matrix product adds in blocks, with FMA
    c = circuitsim.loads(MLP.yaml())
    inputs = sample_inputs(MLP, 100)
    xs = [n for n in MLP.inputs if n.startswith("x")]
    s = c.sweep(inputs, values=c.outputs, grads=xs)
    b = tier("blocks").of(c.plan, frozenset(c.plan.slot[n] for n in xs))
    steps = [step for program in b._programs.values() if program.bound for step in program.bound.steps]
    assert steps and not any(getattr(step, "__qualname__", "").startswith("fused_step") for step in steps)
    whole = c.run(inputs)
    assert all(same_bits(s.values[n], whole.values[n]) for n in s.values)

