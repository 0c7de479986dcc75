"""Big batches in chunks (circuitsim.tiers.chunks): the same bits as one whole batch, results that
stay put while held, buffers taken again once they are not."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import Cube, FAN_OUT, Square, circuits, plugin

import circuitsim
from circuitsim.gate import Gate
from circuitsim.plan.engine import tier


def whole_and_chunked(monkeypatch, c, inputs, seed=None):
    whole = c.run(inputs, seed=seed, nan="ignore")
    monkeypatch.setattr(tier("kernels"), "samples_per_chunk", 3)
    return whole, c.run(inputs, seed=seed, nan="ignore")


def as_lists(c, r):
    values = [r.values[n] if n in r.values else None for n in c.plan.names[: c.plan.n_named]]
    grads = [r.grads[n] if n in r.grads else None for n in c.plan.names[: c.plan.n_named]]
    return values, grads


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(circuits(), st.integers(4, 11))
def test_random_circuits_in_chunks_equal_one_batch_bitwise(monkeypatch, text, batch):
    c = circuitsim.loads(text)
    rng = np.random.default_rng(batch)
    inputs = {n: d + rng.uniform(-0.5, 0.5, batch) for n, d in list(c.inputs.items())[:1]}
    with monkeypatch.context() as m:
        whole, chunked = whole_and_chunked(m, c, inputs)
    c2 = circuitsim.loads(text)
    for got, want in zip(as_lists(c2, chunked), as_lists(c2, whole)):
        for x, y in zip(got, want):
            assert np.asarray(x).tobytes() == np.asarray(y).tobytes()


@pytest.mark.parametrize("seed", [None, {"d": 2.0}, {"f": list(np.linspace(-1, 1, 10))}])
def test_plugin_gates_and_seeds_in_chunks(monkeypatch, seed):
    c = circuitsim.loads(FAN_OUT, plugins=[plugin(Square, Cube)])
    inputs = {"x": np.linspace(0.5, 2.0, 10), "y": np.linspace(-1.0, 3.0, 10)}
    whole, chunked = whole_and_chunked(monkeypatch, c, inputs, seed)
    for got, want in zip(as_lists(c, chunked), as_lists(c, whole)):
        for x, y in zip(got, want):
            assert np.asarray(x).tobytes() == np.asarray(y).tobytes()


def test_a_held_result_keeps_its_numbers_and_a_dropped_one_gives_its_buffer(monkeypatch):
    monkeypatch.setattr(tier("kernels"), "samples_per_chunk", 4)
    c = circuitsim.load("circuits/neuron.yaml")
    first = c.run({"x0": np.linspace(-1, 1, 10)})
    kept = first.values["s0"].copy()
    second = c.run({"x0": np.linspace(2, 3, 10)})
    np.testing.assert_array_equal(first.values["s0"], kept)  # not overwritten by the next run
    buffer = id(second.values["s0"].base)  # not a reference: that would keep it taken
    del second
    third = c.run({"x0": np.linspace(2, 3, 10)})
    assert id(third.values["s0"].base) == buffer  # taken again


class Mean(Gate):
    """Its input's mean: not per sample, so chunks cannot give it (the whole batch runs at once)."""

    name = "batch_mean"

    def forward(self, x):
        return float(np.mean(x)) if isinstance(x, np.ndarray) else x

    def local_grads(self, inputs, output):
        return (1.0,)


def test_chunks_that_disagree_on_a_number_run_as_one_batch(monkeypatch):
    monkeypatch.setattr(tier("kernels"), "samples_per_chunk", 4)
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  m: {type: batch_mean, inputs: [x]}\n  y: {type: add, inputs: [m, x]}\n"
                         "outputs: [y]\n", plugins=[plugin(Mean)])
    r = c.run({"x": np.arange(10.0)})
    np.testing.assert_array_equal(r.outputs["y"], np.arange(10.0) + 4.5)


def test_a_fault_in_a_chunk_is_named_with_its_sample(monkeypatch):
    monkeypatch.setattr(tier("kernels"), "samples_per_chunk", 4)
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n", path="l.yaml")
    with pytest.raises(circuitsim.NumericalError, match=r"l.yaml:3:3: error: gate 'l' \(log\) with inputs x=.* produced -inf \(sample 9\)"):
        c.run({"x": [1.0] * 9 + [0.0]}, nan="raise")
