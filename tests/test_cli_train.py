"""``circuitsim train`` as typed: outputs written whole after training, bad data named, nothing written on failure."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main

NEEDS_X = "inputs: {w: 0.5, x: null, y: null}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  d: {type: sub, inputs: [m, y]}\n  l: {type: mul, inputs: [d, d]}\noutputs: [l]\n"


@pytest.fixture
def train(root, monkeypatch, tmp_path):
    """Run ``circuitsim train`` in a scratch directory holding the example circuits and data."""
    (tmp_path / "circuits").symlink_to(root / "circuits")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, code: int = 0, env=None):
        runner = CliRunner(env={"COLUMNS": "100", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, **(env or {})})
        result = runner.invoke(main, ["train", *args], catch_exceptions=False)
        assert result.exit_code == code, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return invoke


def test_train_writes_the_trained_circuit_the_history_and_a_plot(train, tmp_path):
    result = train("circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "--steps", "200",
                   "--optimizer", "adam", "--lr", "0.1", "-o", "line.yaml", "--history", "loss.csv", "--plot", "loss.svg")
    assert result.stdout.splitlines()[0] == "least_squares: trained 2 parameters on 20 samples, 200 steps of adam"
    assert result.stdout.splitlines()[-1] == "wrote line.yaml, loss.csv, loss.svg"
    trained = circuitsim.load("line.yaml")
    data = np.loadtxt("circuits/data/line.csv", delimiter=",", skiprows=1)
    (a, b), *_ = np.linalg.lstsq(np.stack([data[:, 0], np.ones(20)], axis=1), data[:, 1], rcond=None)
    assert trained.inputs["a"] == pytest.approx(a, abs=1e-3) and trained.inputs["b"] == pytest.approx(b, abs=1e-3)
    lines = (tmp_path / "loss.csv").read_text().splitlines()
    assert lines[0] == "step,loss" and len(lines) == 201 and lines[1].startswith("0,")
    svg = ET.parse(tmp_path / "loss.svg").getroot()
    assert svg.tag.endswith("svg")
    assert "mean loss" in (tmp_path / "loss.svg").read_text()


def test_a_schedule_and_named_params_from_the_shell_match_the_api(train, root):
    train("circuits/logistic.yaml", "--data", "circuits/data/blobs.csv", "--params", "w0, b", "--lr", "1.0..0.1",
          "--steps", "20", "--momentum", "0.5", "-o", "fit.yaml")
    c = circuitsim.load(root / "circuits" / "logistic.yaml")
    data = np.loadtxt(root / "circuits" / "data" / "blobs.csv", delimiter=",", skiprows=1)
    fit = c.train({"x0": data[:, 0], "x1": data[:, 1], "y": data[:, 2]}, params=["w0", "b"], steps=20,
                  lr=lambda k: 1.0 - 0.9 * k / 20, momentum=0.5)
    assert dict(circuitsim.load("fit.yaml").inputs) == pytest.approx(dict(fit.circuit.inputs))


def test_json_data_and_mini_batches(train, tmp_path):
    (tmp_path / "line.json").write_text(json.dumps({"x": [0.0, 1.0, 2.0, 3.0], "y": [-1.0, 1.0, 3.0, 5.0]}))
    result = train("circuits/least_squares.yaml", "--data", "line.json", "--batch-size", "2", "--steps", "5", "-o", "out.yaml")
    assert "on 4 samples, 5 steps of sgd" in result.stdout


def test_parquet_data(train, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [0.0, 1.0, 2.0], "y": [-1.0, 1.0, 3.0]}), tmp_path / "line.parquet")
    train("circuits/least_squares.yaml", "--data", "line.parquet", "--steps", "300", "--lr", "0.1", "-o", "out.yaml")
    trained = circuitsim.load("out.yaml")
    assert trained.inputs["a"] == pytest.approx(2.0, abs=1e-3) and trained.inputs["b"] == pytest.approx(-1.0, abs=1e-3)


def test_the_progress_bar_shows_step_loss_and_speed_on_a_terminal(train):
    result = train("circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "--steps", "30", "-o", "out.yaml",
                   env={"TTY_COMPATIBLE": "1"})
    assert "30/30" in result.stderr and "loss 0.0" in result.stderr and "steps/s" in result.stderr


@pytest.mark.parametrize("name, text, message", [
    ("missing.csv", "x\n1.0\n2.0\n", "needs_x.yaml:1:27: error: input 'y' is not in the data and has no default"),
    ("word.csv", "x,y\n1.0,2.0\n3.0,abc\n", "word.csv:3:5: error: column 'y': 'abc' is not a number"),
    ("ragged.csv", "x,y\n1.0,2.0\n3.0\n", "ragged.csv:3: error: 1 values for 2 columns"),
    ("nan.csv", "x,y\n1.0,2.0\nnan,1.0\n", "nan.csv: error: data column 'x' is nan in sample 1 (counting from 0)"),
    ("ragged.json", '{"x": [1.0, 2.0], "y": [1.0]}', "ragged.json: error: the columns must all have the same length: x has 2, y has 1"),
    ("extra.csv", "x,y,z\n1.0,2.0,3.0\n", "extra.csv: error: data column 'z' is not an input"),
])
def test_bad_data_is_an_error_naming_column_and_row_and_nothing_is_written(train, tmp_path, name, text, message):
    (tmp_path / "needs_x.yaml").write_text(NEEDS_X)
    (tmp_path / name).write_text(text)
    (tmp_path / "old.yaml").write_text("kept")
    result = train("needs_x.yaml", "--data", name, "-o", "old.yaml", "--history", "h.csv", "--plot", "p.svg", code=1)
    assert result.stderr.startswith(message), result.stderr
    assert (tmp_path / "old.yaml").read_text() == "kept"
    assert not (tmp_path / "h.csv").exists() and not (tmp_path / "p.svg").exists()


def test_a_nan_in_training_names_the_gate_and_writes_nothing(train, tmp_path):
    (tmp_path / "log.yaml").write_text("inputs: {w: 1.0, x: 1.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  l: {type: log, inputs: [m]}\noutputs: [l]\n")
    (tmp_path / "ones.csv").write_text("x\n1.0\n1.0\n")
    result = train("log.yaml", "--data", "ones.csv", "--lr", "2", "-o", "out.yaml", code=1)
    assert result.stderr.startswith("log.yaml:4:3: error: training stopped at step 1: gate 'l' (log) with inputs x=-1 produced nan (sample 0)")
    assert not (tmp_path / "out.yaml").exists()


def test_a_plot_without_matplotlib_says_how_to_get_it_before_training(train, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    result = train("circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "-o", "out.yaml", "--plot", "p.svg", code=1)
    assert "a loss plot needs matplotlib: python -m pip install 'circuitsim-backprop[plot]'" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("args, message", [
    (["--lr", "fast"], "'fast' is not a learning rate"),
    (["--lr", "0"], "'0' is not a learning rate"),
    (["--optimizer", "lbfgs"], "'lbfgs' is not one of 'sgd', 'adam'"),
    (["--batch-size", "0"], "0 is not in the range x>=1"),
])
def test_bad_options_are_usage_errors(train, args, message):
    result = train("circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "-o", "out.yaml", *args, code=2)
    assert message in result.stderr


def test_train_as_a_real_command(root, tmp_path):
    out = tmp_path / "moons.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "circuitsim", "train", "circuits/moons_mlp.yaml", "--data", "circuits/data/moons.csv",
         "--lr", "1.0..0.1", "-o", str(out)],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "mean loss 0.895844 at the start, 0.0109" in done.stdout
    assert done.stderr == ""  # no terminal: no progress bar
    assert circuitsim.load(out).inputs["w1_0_0"] != circuitsim.load(root / "circuits" / "moons_mlp.yaml").inputs["w1_0_0"]
