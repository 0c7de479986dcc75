"""Sweeps on a real Dask cluster: two worker processes (one LocalCluster for the module).

Results equal a local run bit for bit, a plugin gate travels by its file's path, a worker
killed in the middle of a sweep does not change the numbers, and `run --scheduler` writes the
same file as a local run.
"""

from __future__ import annotations

import os
import signal
import time

import dask
import dask.array as da
import numpy as np
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import circuitsim
from circuitsim.cli import batch as cli_batch
from circuitsim.cli import main
from circuitsim.run import portable

# A gate that takes its time, so that a sweep is still running when a worker is killed.
SLOW_PLUGIN = '''
import time
from circuitsim import Gate, hookimpl

class Slow(Gate):
    """x, after a pause."""
    name = "slow"
    arity = 1

    def forward(self, x):
        time.sleep(0.05)
        return x * 1.0

    def local_grads(self, inputs, output):
        return (1.0 + 0.0 * inputs[0],)

@hookimpl
def circuitsim_register_gates(register):
    register(Slow)
'''

SLOW_CIRCUIT = "inputs: {x: 1.0, w: 0.5}\ngates:\n  s: {type: slow, inputs: [x]}\n  m: {type: mul, inputs: [s, w]}\n  t: {type: tanh, inputs: [m]}\noutputs: [t]\n"


@pytest.fixture(scope="module")
def client():
    os.environ["CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the workers inherit it
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow")
    (folder / "slow_plugin.py").write_text(SLOW_PLUGIN)
    (folder / "slow.yaml").write_text(SLOW_CIRCUIT)
    return circuitsim.load(folder / "slow.yaml", plugins=[str(folder / "slow_plugin.py")])


def test_a_sweep_on_two_workers_equals_the_local_run_bit_for_bit(client):
    c = circuitsim.load("circuits/two_neurons.yaml")
    x = np.linspace(-3, 3, 20_001)
    s = c.sweep({"x0": da.from_array(x, chunks=2_000), "x1": np.cos(x)}, values=["y", "h0/z"], grads=["x0", "x1"])
    got = client.compute([s.values["y"], s.values["h0/z"], s.grads["x0"], s.grads["x1"]], sync=True)
    local = c.sweep({"x0": x, "x1": np.cos(x)}, values=["y", "h0/z"], grads=["x0", "x1"])
    whole = c.run({"x0": x, "x1": np.cos(x)})
    for a, b, w in zip(got, [*local.values.values(), *local.grads.values()], [whole.values["y"], whole.values["h0/z"], whole.grads["x0"], whole.grads["x1"]]):
        assert np.array_equal(a, b) and np.array_equal(a, w)
    built = client.run(lambda: sorted(portable._built))  # each worker built the circuit itself, once
    assert len(built) == 2 and all(portable.digest_of(portable.blob_of(c)) in digests for digests in built.values())


def test_a_worker_killed_in_the_middle_of_a_sweep_changes_nothing(client, slow):
    x = np.linspace(-2, 2, 2_000)
    s = slow.sweep({"x": da.from_array(x, chunks=100)}, values=["t"], grads=["x", "w"], chunk=50)
    futures = client.compute([s.values["t"], s.grads["x"], s.grads["w"]])
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while not any(client.processing().values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)  # some blocks done, some running
    victim = sorted(pids)[0]
    os.kill(pids[victim], signal.SIGKILL)
    got = client.gather(futures)
    assert pids[victim] not in client.run(os.getpid).values()  # it did die, and came back anew
    local = slow.sweep({"x": x}, values=["t"], grads=["x", "w"], chunk=1_000)
    assert all(np.array_equal(a, b) for a, b in zip(got, [local.values["t"], local.grads["x"], local.grads["w"]]))


def test_errors_come_back_with_their_sample_and_position(client, tmp_path):
    path = tmp_path / "log.yaml"
    path.write_text("inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    c = circuitsim.load(path)
    x = np.ones(1000)
    x[737] = -1.0
    s = c.sweep({"x": da.from_array(x, chunks=100)}, nan="raise")
    with pytest.raises(circuitsim.NumericalError) as err:
        client.compute(s.values["l"], sync=True)
    assert str(err.value) == f"{path}:3:3: error: gate 'l' (log) with inputs x=-1 produced nan (sample 737) in the forward pass"


def test_run_with_scheduler_writes_what_a_local_run_writes(client, tmp_path, monkeypatch):
    x = np.linspace(-2, 2, 5_000)
    source = tmp_path / "in.csv"
    source.write_text("x0,x1\n" + "".join(f"{a!r},{-a!r}\n" for a in x.tolist()))
    monkeypatch.setattr(cli_batch, "chunk_size", lambda circuit: 600)
    runner = CliRunner()
    args = ["run", "circuits/neuron.yaml", "--inputs", str(source), "--values", "f", "--grads", "w0,x0"]
    local = runner.invoke(main, [*args, "-o", str(tmp_path / "local.csv")])
    remote = runner.invoke(main, [*args, "-o", str(tmp_path / "remote.csv"), "--scheduler", client.scheduler.address])
    assert (local.exit_code, remote.exit_code) == (0, 0), remote.output
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    log = tmp_path / "log.yaml"
    log.write_text("inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    warned = runner.invoke(main, ["run", str(log), "--set", "x=1,-2,3,-4", "--format", "csv", "--scheduler", client.scheduler.address])
    assert warned.exit_code == 0
    assert warned.stderr.count("warning:") == 1 and "x=-2 produced nan (sample 1) in the forward pass" in warned.stderr


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(cli_batch, "CONNECT_TIMEOUT", "1s")
    result = CliRunner().invoke(main, ["run", "circuits/neuron.yaml", "--set", "x0=1,2", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_dask_compute_gives_the_same_with_the_client_as_default(client):
    c = circuitsim.load("circuits/neuron.yaml")
    x = np.linspace(-1, 1, 10_000)
    s = c.sweep({"x0": da.from_array(x, chunks=2_500)}, grads=["w0"])
    with dask.config.set(scheduler=client):
        f, g = dask.compute(s.values["f"], s.grads["w0"])
    whole = c.run({"x0": x})
    assert np.array_equal(f, whole.outputs["f"]) and np.array_equal(g, whole.grads["w0"])
