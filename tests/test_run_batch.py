"""`circuitsim run` over batches as a user types it: tables streamed in, kept columns out,
whole or not at all (a real Ctrl-C included). The cluster (--scheduler) is in test_cluster.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import batch as cli_batch
from circuitsim.cli import main

NEURON = "circuits/neuron.yaml"


@pytest.fixture
def cli():
    def invoke(*args, code=0):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


@pytest.fixture
def samples(tmp_path):
    x = np.linspace(-2.0, 2.0, 1001)
    path = tmp_path / "in.csv"
    pa_csv.write_csv(pa.table({"x0": x, "x1": -x / 3}), path)
    return path, {"x0": x, "x1": -x / 3}


def test_csv_through_in_small_chunks_equals_one_run_bit_for_bit(cli, samples, tmp_path, monkeypatch):
    path, inputs = samples
    monkeypatch.setattr(cli_batch, "chunk_size", lambda circuit: 100)
    out = tmp_path / "out.csv"
    cli("run", NEURON, "--inputs", str(path), "--values", "f,s0", "--grads", "w0", "-o", str(out))
    whole = circuitsim.load(NEURON).run(inputs)
    back = pa_csv.read_csv(out).to_pydict()
    assert list(back) == ["f", "s0", "grad_w0"]
    assert back["f"] == whole.values["f"].tolist() and back["grad_w0"] == whole.grads["w0"].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_the_default_columns_are_the_batch_inputs_the_outputs_and_their_gradients(cli, samples):
    path, _ = samples
    header = cli("run", NEURON, "--inputs", str(path), "--format", "csv").stdout.splitlines()[0]
    assert header == "x0,x1,f,grad_x0,grad_x1"
    header = cli("run", NEURON, "--inputs", str(path), "--no-grad", "--format", "csv").stdout.splitlines()[0]
    assert header == "x0,x1,f"
    help_text = cli("run", "--help").stdout
    assert "keeps for each sample the values of the batch inputs and the outputs and the gradients of the batch" in " ".join(help_text.split())


def test_parquet_in_and_out(cli, samples, tmp_path):
    _, inputs = samples
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(inputs), source, row_group_size=300)
    out = tmp_path / "out.parquet"
    cli("run", NEURON, "--inputs", str(source), "--values", "f", "--grads", "x0", "-o", str(out))
    back = pq.read_table(out).to_pydict()
    whole = circuitsim.load(NEURON).run(inputs)
    assert back == {"f": whole.values["f"].tolist(), "grad_x0": whole.grads["x0"].tolist()}
    result = cli("run", NEURON, "--inputs", str(source), "--format", "parquet", code=2)
    assert "Parquet is binary: write it to a file with -o OUT.parquet" in result.output


def test_json_output_of_a_batch_streams_the_same_object(cli, samples, tmp_path):
    path, inputs = samples
    out = tmp_path / "out.json"
    cli("run", NEURON, "--inputs", str(path), "--values", "f", "--grads", "w0", "-o", str(out))
    doc = json.loads(out.read_text())
    whole = circuitsim.load(NEURON).run(inputs)
    assert doc["circuit"] == "neuron" and doc["outputs"]["f"] == doc["values"]["f"] == whole.values["f"].tolist()
    assert doc["grads"] == {"w0": whole.grads["w0"].tolist()}


def test_the_table_of_a_batch_summarises_the_kept_columns(cli, samples):
    path, inputs = samples
    out = cli("run", NEURON, "--inputs", str(path), "--values", "f", "--grads", "w0").stdout
    f = circuitsim.load(NEURON).forward(inputs).outputs["f"]
    assert "neuron: 1,001 samples" in out
    row = next(line for line in out.splitlines() if "│ f " in line)
    assert [float(v) for v in row.split("│")[2:6]] == [float(f"{s:.6g}") for s in (f.mean(), f.std(), f.min(), f.max())]


def test_a_bad_row_late_in_the_file_leaves_no_output_file(cli, samples, tmp_path, monkeypatch):
    path, _ = samples
    with open(path, "a") as file:
        file.write("1.0,oops\n")
    monkeypatch.setattr(cli_batch, "chunk_size", lambda circuit: 100)
    out = tmp_path / "out.csv"
    out.write_text("previous results\n")
    result = cli("run", NEURON, "--inputs", str(path), "-o", str(out), code=1)
    assert result.output.strip() == f"{path}:1003:5: error: column 'x1': 'oops' is not a number"
    assert out.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_a_value_and_a_gradient_that_would_share_a_column_name_are_an_error(cli, tmp_path):
    circuit = tmp_path / "clash.yaml"
    circuit.write_text("inputs: {x: 1.0, grad_x: 2.0}\ngates:\n  m: {type: mul, inputs: [x, grad_x]}\noutputs: [m]\n")
    result = cli("run", str(circuit), "--set", "x=1,2", "--set", "grad_x=3,4", "--format", "csv", code=1)
    assert result.output == (
        f"{circuit}:1:18: error: column 'grad_x' would hold both the value of 'grad_x' and the gradient of 'x': "
        "keep one of them (--values, --grads)\n"
    )
    fine = cli("run", str(circuit), "--set", "x=1,2", "--set", "grad_x=3,4", "--grads", "grad_x", "--format", "csv")
    assert fine.stdout.splitlines()[0] == "x,grad_x,m,grad_grad_x"


def test_unknown_columns_and_names_are_errors_at_their_place(cli, tmp_path):
    table = tmp_path / "in.csv"
    table.write_text("x0,xl\n1,2\n")
    assert cli("run", NEURON, "--inputs", str(table), code=1).output.startswith(f"{table}:1:4: error: column 'xl' is not an input (did you mean 'x0' or 'x1'?)")
    table.write_text("x0,m0\n1,2\n")
    assert "column 'm0' is a gate, not an input" in cli("run", NEURON, "--inputs", str(table), code=1).output
    assert "unknown node 'ff' (did you mean 'f'?)" in cli("run", NEURON, "--set", "x0=1,2", "--values", "ff", code=1).output
    assert "--values, --grads and --scheduler are for batches" in cli("run", NEURON, "--values", "f", code=2).output


def test_the_progress_bar_counts_rows_read_run_and_written(cli, samples, monkeypatch):
    path, _ = samples
    seen = []

    class Recording:
        def __init__(self, total, description, **_):
            seen.append(("total", total, description))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def advance(self, steps=1):
            seen.append(("advance", steps))

    terminal = __import__("rich.console").console.Console(force_terminal=True)
    monkeypatch.setattr(cli_batch, "LazyProgress", Recording)
    monkeypatch.setattr(cli_batch, "stderr", lambda: terminal)
    monkeypatch.setattr(cli_batch, "chunk_size", lambda circuit: 400)
    cli("run", NEURON, "--inputs", str(path), "--format", "csv")
    assert seen[0] == ("total", 1001, "neuron: 1,001 rows")
    assert sum(step for kind, step in seen[1:]) == 1001 and len(seen) > 2


def test_ctrl_c_in_the_middle_leaves_no_partial_output(tmp_path):
    """A real process, a real SIGINT: the temporary file goes, nothing is left at -o."""
    x = np.random.default_rng(0).normal(size=4_000_000)
    source = tmp_path / "big.csv"
    pa_csv.write_csv(pa.table({"x0": x, "x1": x}), source)
    out = tmp_path / "out.csv"
    env = {**os.environ, "CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "circuitsim", "run", NEURON, "--inputs", str(source), "--values", "f,s0,e,p", "--grads", "w0,x0,x1", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "no temporary file"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0, "the run finished before Ctrl-C reached it"
    assert b"Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_an_unknown_name_in_inputs_json_is_an_error_at_its_line(cli, tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"x0": [1, 2],\n "xq": 3}')
    assert cli("run", NEURON, "--inputs", str(path), code=1).output.startswith(f"{path}:2:2: error: name 'xq' is not an input (did you mean 'x0' or 'x1'?)")
