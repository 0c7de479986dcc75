"""Circuit.train on dask arrays: the same steps as on numpy arrays, the sums made per block on the workers."""

from __future__ import annotations

import pathlib

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, get_task_stream

import circuitsim
from circuitsim.train import TrainingError

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def line():
    table = np.loadtxt(ROOT / "circuits" / "data" / "line.csv", delimiter=",", skiprows=1)
    return circuitsim.load(ROOT / "circuits" / "least_squares.yaml"), {"x": table[:, 0], "y": table[:, 1]}


@pytest.fixture(scope="module")
def client():
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as c:
        yield c


def chunked(data, size):
    return {name: da.from_array(column, chunks=size) for name, column in data.items()}


def test_dask_data_train_as_numpy_data_do(line):
    c, data = line
    want = c.train(data, steps=15, optimizer="adam", lr=0.1, weight_decay=0.01)
    with dask.config.set(scheduler="threads"):
        got = c.train(chunked(data, 7), steps=15, optimizer="adam", lr=0.1, weight_decay=0.01)
    np.testing.assert_allclose(got.history, want.history, rtol=1e-12)
    assert got.params == pytest.approx(want.params, rel=1e-12) and got.loss == pytest.approx(want.loss, rel=1e-12)
    assert got.samples == 20 and got.circuit.inputs["a"] == got.params["a"]


def test_on_a_cluster_each_step_sums_on_the_workers(line, client):
    c, data = line
    want = c.train(data, steps=5, lr=0.1, momentum=0.9)
    with get_task_stream(client) as tasks:
        got = c.train(chunked(data, 5), steps=5, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(got.history, want.history, rtol=1e-12)
    assert got.params == pytest.approx(want.params, rel=1e-12)
    blocks = [t for t in tasks.data if "sweep" in str(t["key"])]
    assert len(blocks) >= 5 * 4  # 5 steps of 4 blocks each (and the final loss), run by the cluster's workers
    assert {t["worker"] for t in blocks} <= set(client.scheduler_info()["workers"])


def test_a_nan_on_a_worker_stops_training_naming_the_gate():
    c = circuitsim.loads("inputs: {w: 1.0, x: 1.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  l: {type: log, inputs: [m]}\noutputs: [l]\n", path="log.yaml")
    with dask.config.set(scheduler="threads"), pytest.raises(TrainingError, match="gate 'l' \\(log\\)") as info:
        c.train({"x": da.ones(6, chunks=3)}, steps=5, lr=2.0)
    assert info.value.step == 1 and info.value.params == {"w": 1.0}


def test_dask_data_take_no_mini_batches(line):
    c, data = line
    with pytest.raises(circuitsim.CircuitError, match="mini-batches of dask data are not supported"):
        c.train(chunked(data, 5), batch_size=4)
