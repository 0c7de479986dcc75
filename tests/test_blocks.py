"""Batches of wide circuits in blocks (circuitsim.tiers.blocks): the same numbers as the kernels and
the methods to rounding, the same bits whatever the chunks, faults named with their sample,
results that later runs leave alone, and sweeps that keep only what they are asked for."""

import math

import numpy as np
import pytest

from helpers import WIDE, method_path, through

import circuitsim
from benchmarks.circuits import mlp, sample_inputs
from circuitsim.plan.engine import tier
from circuitsim.tiers import blocks

MLP = mlp(400).yaml()  # 404 gates, 11 levels of 9-gate groups beside layers of 81 products


def columns(monkeypatch, width):
    """Chunks of ``width`` samples."""
    monkeypatch.setattr(blocks, "MIN_COLUMNS", width)
    monkeypatch.setattr(blocks, "MAX_COLUMNS", width)


def in_blocks(c, inputs, seed=None, backward=True):
    """Values and gradients of a batch through the blocks, failing on any fallback."""
    return through(c, "blocks", inputs, seed, backward)


def close(x, y, rel=1e-12, abs=1e-12) -> bool:
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return bool(np.all(np.isclose(x, y, rtol=rel, atol=abs) | (np.isnan(x) & np.isnan(y))))


def assert_close(c, got, want, grads=True):
    for slot, name in enumerate(c.plan.names[: c.plan.n_named]):
        assert close(got[0][slot], want[0][slot]), ("value", name, got[0][slot], want[0][slot])
        if grads:
            assert close(got[1][slot], want[1][slot]), ("grad", name, got[1][slot], want[1][slot])


@pytest.mark.parametrize("seed", [None, {"f": 2.0}, {"s1": -1.0, "a0": [0.5, 1.0, -2.0]}])
def test_fan_out_within_a_group_repeats_and_unit_gradients(blocks_always, seed):
    """x feeds three gates of one group (np.add.at), a0 feeds f twice over; sub's -1, max's shared rule."""
    c = circuitsim.loads(WIDE)
    inputs = {"x": [0.5, -0.25, 1.5], "z": [2.0, 1.0, -1.0]}
    assert_close(c, in_blocks(c, inputs, seed), method_path(c, inputs, seed))
    forward = in_blocks(c, inputs, backward=False)
    assert forward[1] is None
    assert_close(c, forward, method_path(c, inputs), grads=False)


def test_mlp_in_blocks_agrees_with_the_kernels_and_chooses_by_shape():
    c = circuitsim.loads(MLP)
    inputs = sample_inputs(mlp(400), 50)
    r = c.run(inputs, nan="raise")
    assert tier("blocks").of(c.plan, frozenset(c.plan.slot[n] for n in inputs if n.startswith("x"))) is not None
    kernels = circuitsim.loads(MLP)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tier("blocks"), "takes", lambda plan, request: False)  # no blocks: the kernels
        want = kernels.run(inputs)
    for name in r.values:
        assert close(r.values[name], want.values[name]) and close(r.grads[name], want.grads[name], 1e-9), name
    neuron = circuitsim.load("circuits/neuron.yaml")
    assert tier("blocks").of(neuron.plan, frozenset([neuron.plan.slot["x0"]])) is None  # 7 gates: the kernels


def test_the_same_bits_whatever_the_chunks(monkeypatch):
    c = circuitsim.loads(MLP)
    inputs = sample_inputs(mlp(400), 1000)
    whole = c.run(inputs)
    values, grads = [dict(whole.values)], [dict(whole.grads)]
    for width in (7, 64, 333):
        columns(monkeypatch, width)
        r = circuitsim.loads(MLP).run(inputs)
        values.append(dict(r.values))
        grads.append(dict(r.grads))
    for name in whole.values:
        assert all(np.array_equal(v[name], values[0][name]) for v in values), name
        assert all(np.array_equal(g[name], grads[0][name]) for g in grads), name


def test_a_result_stays_put_while_later_runs_reuse_the_blocks():
    c = circuitsim.loads(MLP)
    net = mlp(400)
    first = c.run(sample_inputs(net, 300))
    kept = {name: np.array(first.values[name]) for name in list(first.values)[::17]}
    kept_grads = {name: np.array(first.grads[name]) for name in kept}
    later = {name: x * 2.0 if name.startswith("x") else x for name, x in sample_inputs(net, 300).items()}
    second = c.run(later)
    third = c.sweep(later, values=c.outputs, grads=["x0"])
    for name in kept:
        assert np.array_equal(first.values[name], kept[name]) and np.array_equal(first.grads[name], kept_grads[name])
    assert not np.array_equal(second.outputs[c.outputs[0]], first.outputs[c.outputs[0]])
    assert np.array_equal(third.values[c.outputs[0]], second.outputs[c.outputs[0]])


def test_a_run_keeping_everything_writes_into_the_rows_the_last_one_left():
    """run() computes in its result's own rows: once the last result is gone, the next run of
    the same size takes its rows again (no new memory); while it is held, a new run gets new ones."""
    c = circuitsim.loads(MLP)
    inputs = sample_inputs(mlp(400), 300)
    first = c.run(inputs)
    address = first.values["g5"].__array_interface__["data"][0]
    want = np.array(first.grads["g5"])
    del first
    again = c.run(inputs)
    assert again.values["g5"].__array_interface__["data"][0] == address
    assert np.array_equal(again.grads["g5"], want)
    held = c.run(inputs)
    assert held.values["g5"].__array_interface__["data"][0] != again.values["g5"].__array_interface__["data"][0]


def test_sweep_in_blocks_keeps_what_it_is_asked_for_bit_for_bit(monkeypatch):
    c = circuitsim.loads(MLP)
    inputs = sample_inputs(mlp(400), 2500)
    whole = c.run(inputs)
    columns(monkeypatch, 256)
    s = c.sweep(inputs, values=[c.outputs[0], "g5", "x3"], grads=["x0", "w20", "g7"], chunk=1000)
    for name in s.values:
        assert np.array_equal(s.values[name], whole.values[name]), name
    for name in s.grads:
        assert np.array_equal(s.grads[name], whole.grads[name]), name
    seeded = c.sweep(inputs, grads=["x0", "x1"], seed={"g0": 1.0})  # g0 = w * x0: no gradient reaches x1
    assert np.array_equal(seeded.grads["x0"], np.full(2500, c.inputs[mlp(400).gates[0][2][0]]))
    assert np.array_equal(seeded.grads["x1"], np.zeros(2500))


LOGS = "\n".join(["inputs: {x: 1.0, y: 2.0}", "gates:", *(f"  l{i}: {{type: log, inputs: [{'x' if i % 2 else 'y'}]}}" for i in range(8)),
                  "  s: {type: add, inputs: [l0, l1, l2, l3, l4, l5, l6, l7]}", "outputs: [s]", ""])


def test_a_fault_in_a_block_is_named_with_its_gate_and_sample(blocks_always, monkeypatch):
    c = circuitsim.loads(LOGS, path="logs.yaml")
    assert tier("blocks").of(c.plan, frozenset([c.plan.slot["x"]])) is not None
    x = np.linspace(1.0, 2.0, 20)
    x[13] = 0.0
    with pytest.raises(circuitsim.NumericalError, match=r"logs.yaml:4:3: error: gate 'l1' \(log\) with inputs x=0 produced -inf \(sample 13\)"):
        c.run({"x": x}, nan="raise")
    x[13] = math.nan
    with pytest.raises(circuitsim.NumericalError, match=r"input 'x' is nan \(sample 13\)"):
        c.run({"x": x}, nan="raise")
    columns(monkeypatch, 4)
    x[13] = 0.0
    with pytest.raises(circuitsim.NumericalError, match=r"gate 'l1' \(log\) with inputs x=0 produced -inf \(sample 13\)"):
        c.run({"x": x}, nan="raise")
    with pytest.raises(circuitsim.NumericalError, match=r"gate 'l1' \(log\) with inputs x=0 produced -inf \(sample 13\)"):
        c.sweep({"x": x}, grads=["x"], chunk=5, nan="raise")
    with pytest.warns(circuitsim.NumericalWarning, match=r"gate 'l1' \(log\) with inputs x=0 produced -inf \(sample 13\)"):
        s = c.sweep({"x": x}, grads=["x"], chunk=5)
    assert np.isneginf(s.values["s"][13]) and np.isfinite(np.delete(s.values["s"], 13)).all()


@pytest.mark.parametrize("index", [[3, 1, 3, 0, 3, 1], [5, 4, 3], [2] * 40, [7, 7, 1, 7, 2, 2, 1, 0, 7]])
def test_scatter_add_adds_in_np_add_ats_order(index):
    """Rows added into several times from one group's port (fan-out without a pattern)."""
    from circuitsim.tiers.patterns import scatter_add

    rng = np.random.default_rng(len(index))
    a = rng.standard_normal((8, 33)) * 1e3
    rows = rng.standard_normal((len(index), 33))
    want = a.copy()
    np.add.at(want, np.array(index), rows)
    scatter_add(np.array(index))(a, rows)
    assert a.tobytes() == want.tobytes()


def test_a_gate_of_many_numbers_that_overflows_is_named(blocks_always):
    # the product reads numbers only: it runs once per run, on Python's floats, which do not trap;
    # 1 / inf hides the inf from the outputs
    c = circuitsim.loads(
        "inputs: {a: 1.0e200, x: 1.0}\ngates:\n  s: {type: mul, inputs: [a, a, a]}\n"
        "  d: {type: div, inputs: [1.0, s]}\n  m: {type: mul, inputs: [d, x]}\noutputs: [m]\n",
        path="big.yaml",
    )
    with pytest.raises(circuitsim.NumericalError, match="gate 's' \\(mul\\)"):
        c.forward({"x": [1.0, 2.0]}, nan="raise")  # forward only: the backward pass would trap its own overflow
