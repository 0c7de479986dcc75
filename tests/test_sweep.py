"""Circuit.sweep on numpy and dask arrays (threads, in this process), and circuits as pickles.

The cluster tests (worker processes) are in tests/test_cluster.py.
"""

from __future__ import annotations

import pickle
import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from helpers import SQUARE

import circuitsim
from circuitsim.plan.plan import Plan
from circuitsim.run import portable
from circuitsim.run.sweep import BYTES_PER_SLOT_SAMPLE, chunk_size

LOG = "inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n"


@pytest.fixture
def neuron():
    return circuitsim.load("circuits/neuron.yaml")


def samples(n=1001):
    x = np.linspace(-3.0, 3.0, n)
    return {"x0": x, "x1": x[::-1] * 0.5}


def test_sweep_in_chunks_equals_one_batch_run_bit_for_bit(neuron):
    whole = neuron.run(samples())
    s = neuron.sweep(samples(), values=["f", "s0"], grads=["w0", "x0"], chunk=7)
    assert (s.samples, s.chunk, list(s.values), list(s.grads)) == (1001, 7, ["f", "s0"], ["w0", "x0"])
    for name in ("f", "s0"):
        assert np.array_equal(s.values[name], whole.values[name])
    for name in ("w0", "x0"):
        assert np.array_equal(s.grads[name], whole.grads[name])


def test_sweep_keeps_the_outputs_values_by_default_and_takes_lists_and_seeds(neuron):
    s = neuron.sweep({"x0": [-1.0, 0.0, 1.0], "w0": 2.0})
    assert list(s.values) == ["f"] and s.grads == {}
    assert np.array_equal(s.values["f"], neuron.forward({"x0": np.array([-1.0, 0.0, 1.0])}).outputs["f"])
    seeded = neuron.sweep({"x0": [-1.0, 0.0, 1.0]}, grads=["x0"], seed={"f": np.array([1.0, 2.0, 3.0])}, chunk=2)
    plain = neuron.run({"x0": np.array([-1.0, 0.0, 1.0])}).grads["x0"]
    assert np.array_equal(seeded.grads["x0"], plain * [1, 2, 3])


def test_chunk_size_follows_the_circuit_and_the_memory_budget(neuron):
    big = circuitsim.load("circuits/mlp.yaml")
    budget = 64 * 2**20
    assert chunk_size(neuron, budget) == budget // (BYTES_PER_SLOT_SAMPLE * len(neuron.plan.names))
    assert chunk_size(big, budget) < chunk_size(neuron, budget)
    assert chunk_size(neuron, 1) == 1
    assert neuron.sweep(samples(10)).chunk == chunk_size(neuron)


def test_sweep_memory_does_not_grow_with_the_samples(neuron):
    """The peak beyond inputs and kept columns is one chunk's run, whatever the number of samples."""
    import tracemalloc

    peaks = []
    for n in (20_000, 200_000):
        inputs = samples(n)
        tracemalloc.start()
        neuron.sweep(inputs, values=[], grads=["w0"], chunk=5_000)
        peaks.append(tracemalloc.get_traced_memory()[1] - 8 * n)  # less the kept column
        tracemalloc.stop()
    assert peaks[1] < 1.2 * peaks[0]


def test_a_numerical_fault_names_the_sample_in_the_whole_sweep():
    c = circuitsim.loads(LOG, path="log.yaml")
    with pytest.raises(circuitsim.NumericalError) as err:
        c.sweep({"x": [1.0, 2.0, 3.0, -4.0, 5.0]}, chunk=2, nan="raise")
    assert str(err.value) == "log.yaml:3:3: error: gate 'l' (log) with inputs x=-4 produced nan (sample 3) in the forward pass"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = c.sweep({"x": [1.0, -2.0, 3.0, -4.0]}, chunk=3, grads=["x"])
    assert [str(w.message) for w in caught] == ["log.yaml:3:3: gate 'l' (log) with inputs x=-2 produced nan (sample 1) in the forward pass"]
    assert np.isnan(s.values["l"][[1, 3]]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.sweep({"x": [-1.0]}, nan="ignore")


@pytest.mark.parametrize(
    "call, message",
    [
        (dict(values=["ff"]), "unknown node 'ff' (did you mean 'f'?)"),
        (dict(grads="p0"), "unknown node 'p0' (did you mean 'p'?)"),
        (dict(chunk=0), "chunk must be a positive number of samples, not 0"),
        (dict(nan="loud"), "nan must be one of warn, raise, ignore, not 'loud'"),
    ],
)
def test_bad_arguments_are_circuit_errors(neuron, call, message):
    with pytest.raises(circuitsim.CircuitError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        neuron.sweep(samples(5), **call)


def test_inputs_of_different_lengths_are_an_error_naming_both(neuron):
    with pytest.raises(circuitsim.CircuitError, match="x0 has 3, x1 has 2"):
        neuron.sweep({"x0": [1.0, 2.0, 3.0], "x1": [1.0, 2.0]})
    with pytest.raises(circuitsim.CircuitError, match="'x0' is empty"):
        neuron.sweep({"x0": []})


# -- circuits as pickles ----------------------------------------------------------------


def test_a_circuit_pickles_as_its_spec_and_plugins_and_runs_the_same(tmp_path):
    plugin = tmp_path / "square_plugin.py"
    plugin.write_text(SQUARE)
    path = tmp_path / "sq.yaml"
    path.write_text("inputs: {x: 1.5}\ngates:\n  s: {type: square, inputs: [x]}\n  l: {type: log, inputs: [s]}\noutputs: [l]\n")
    c = circuitsim.load(path, plugins=[str(plugin)])
    blob = pickle.dumps(c)
    assert len(blob) < 2_000
    assert b"Plan" not in blob and b"kernels" not in blob
    portable._built.clear()  # as in a fresh worker process
    back = pickle.loads(blob)
    assert back is not c and back.run() == c.run()
    assert pickle.loads(blob) is back  # built once per process
    with pytest.raises(circuitsim.NumericalError) as err:
        back.run({"x": 0.0}, nan="raise")
    assert err.value.pos == circuitsim.Position(str(path), 4, 3)


def test_a_circuit_with_modules_pickles_whole():
    c = circuitsim.load("circuits/two_neurons.yaml")
    portable._built.clear()
    back = pickle.loads(pickle.dumps(c))
    assert back.run({"x0": 0.5}) == c.run({"x0": 0.5})
    assert "h0/z" in back.run().values


def test_errors_keep_their_position_through_pickle():
    err = circuitsim.NumericalError("bad", circuitsim.Position("a.yaml", 3, 4))
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back)) == (circuitsim.NumericalError, "a.yaml:3:4: error: bad")


# -- dask arrays, on the threaded scheduler ----------------------------------------------


def test_dask_in_dask_out_one_task_per_block_without_probing(neuron, monkeypatch):
    runs = []
    original, execute = circuitsim.Circuit.run, Plan.execute
    monkeypatch.setattr(Plan, "execute", lambda self, request: runs.append(1) or execute(self, request))
    inputs = samples(1001)
    s = neuron.sweep({"x0": da.from_array(inputs["x0"], chunks=250), "x1": inputs["x1"]}, values=["f"], grads=["w0", "x0"])
    assert runs == []  # meta and dtype given: dask did not run the circuit to find them out
    f = s.values["f"]
    assert isinstance(f, da.Array) and f.dtype == np.float64 and f.chunks == ((250, 250, 250, 250, 1),)
    graph = dict(f.__dask_graph__())
    assert sum(1 for key in graph if isinstance(key, tuple) and key[0].startswith("sweep-")) == 5
    f, gw, gx = dask.compute(s.values["f"], s.grads["w0"], s.grads["x0"], scheduler="threads")
    assert len(runs) == 5
    whole = original(neuron, inputs)
    assert np.array_equal(f, whole.values["f"]) and np.array_equal(gw, whole.grads["w0"]) and np.array_equal(gx, whole.grads["x0"])


def test_dask_errors_name_the_sample_in_the_whole_array():
    c = circuitsim.loads(LOG, path="log.yaml")
    x = da.from_array(np.array([1.0, 2.0, 3.0, 4.0, -5.0, 6.0]), chunks=2)
    s = c.sweep({"x": x}, nan="raise")
    with pytest.raises(circuitsim.NumericalError, match=r"x=-5 produced nan \(sample 4\) in the forward pass"):
        s.values["l"].compute(scheduler="sync")
    with pytest.raises(circuitsim.CircuitError, match="a dask input is a 1-D dask array"):
        c.sweep({"x": da.ones((2, 2))})


def test_two_dask_sweeps_of_one_circuit_have_their_own_keys():
    c = circuitsim.load("circuits/neuron.yaml")
    one = c.sweep({"x0": da.from_array(np.array([1.0, 2.0]), chunks=1)})
    two = c.sweep({"x0": da.from_array(np.array([3.0, 4.0]), chunks=1)})
    a, b = dask.compute(one.values["f"], two.values["f"], scheduler="sync")
    assert a.tolist() == c.sweep({"x0": np.array([1.0, 2.0])}).values["f"].tolist()
    assert b.tolist() == c.sweep({"x0": np.array([3.0, 4.0])}).values["f"].tolist()
