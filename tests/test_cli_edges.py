"""The command line's rough edges: one meaning per option name (old spellings kept with a
note), output that behaves in pipes and redirections as Unix tools' does."""

from __future__ import annotations

import os
import pty
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import circuitsim
from circuitsim.base.show import plural
from circuitsim.cli import batch as cli_batch
from circuitsim.draw import raster

ROOT = Path(__file__).resolve().parent.parent

TWO = ["--expr", "h = 2*x", "--expr", "f = h + 1"]


def test_new_circuit_names_its_output_node_with_output_node(cli):
    result = cli("new-circuit", *TWO, "--output-node", "h")
    assert "outputs: [h]" in result.stdout
    assert result.stderr == ""
    assert "--output-node NAME" in cli("new-circuit", "--help").stdout


def test_the_old_output_spelling_still_works_with_a_note(cli):
    result = cli("new-circuit", *TWO, "--output", "h")
    assert "outputs: [h]" in result.stdout
    assert "note: --output is now --output-node" in result.stderr
    assert "--output " not in cli("new-circuit", "--help").stdout


def test_train_names_its_shuffle_seed_shuffle_seed(cli, tmp_path):
    args = ["train", "circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "--batch-size", "3",
            "--steps", "5"]
    new = cli(*args, "--shuffle-seed", "7", "-o", str(tmp_path / "new.yaml"))
    old = cli(*args, "--seed", "7", "-o", str(tmp_path / "old.yaml"))
    cli(*args, "--shuffle-seed", "8", "-o", str(tmp_path / "other.yaml"))
    assert "note:" not in new.stderr
    assert "note: --seed is now --shuffle-seed" in old.stderr
    trained = [circuitsim.load(tmp_path / f"{n}.yaml").inputs["a"] for n in ("new", "old", "other")]
    assert trained[0] == trained[1] != trained[2]
    assert "--shuffle-seed INTEGER" in cli("train", "--help").stdout
    assert "--seed" not in cli("train", "--help").stdout


@pytest.mark.parametrize("command, why", [
    ("gradcheck", "gradcheck checks one point"),
    ("explore", "the explorer plays one sample"),
    ("serve", "the explorer plays one sample"),
    ("worksheet", "a worksheet shows one sample"),
])
def test_set_offers_batches_only_where_they_are_taken(cli, command, why):
    help_text = " ".join(cli(command, "--help").stdout.split())
    assert "--set NAME=VALUE Set an input: NAME=VALUE; repeatable." in help_text
    result = cli(command, "circuits/neuron.yaml", "--set", "x0=1,2", code=2)
    assert f"x0: {why}, not a batch" in result.stderr


def test_set_help_per_command(cli):
    new = " ".join(cli("new-circuit", "--help").stdout.split())
    assert "--set NAME=VALUE Give an input a default: NAME=VALUE; repeatable." in new
    for command in ("run", "draw", "trace"):
        assert "NAME=V1,V2,... for a batch" in " ".join(cli(command, "--help").stdout.split())


# -- output that behaves as Unix tools do --------------------------------------------------


def circuitsim_process(*args, **options):
    return subprocess.run([sys.executable, "-m", "circuitsim", *args], cwd=ROOT, capture_output=True, timeout=120,
                          **options)


def test_draw_writes_png_to_stdout_that_is_not_a_terminal(tmp_path):
    with open(tmp_path / "out.png", "wb") as out:
        done = subprocess.run([sys.executable, "-m", "circuitsim", "draw", "circuits/neuron.yaml", "--format", "png"],
                              cwd=ROOT, stdout=out, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_draw_refuses_png_on_a_terminal():
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "circuitsim", "draw", "circuits/neuron.yaml", "--format", "png"],
                              cwd=ROOT, stdout=follower, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert b"PNG is binary, not for a terminal: write it to a file with -o OUT.png" in done.stderr


@pytest.mark.parametrize("args", [
    ["run", "circuits/neuron.yaml", "--format", "csv", "--inputs", "{rows}"],
    ["trace", "circuits/moons_mlp.yaml"],
], ids=["csv", "table"])
def test_a_reader_that_stops_reading_ends_the_command_quietly_with_141(args, tmp_path):
    rows = tmp_path / "rows.csv"  # far more output than a pipe holds (64 KiB), as is the trace's table
    rows.write_text("x0\n" + "".join(f"{k}\n" for k in range(50_000)))
    args = [arg.format(rows=rows) for arg in args]
    process = subprocess.Popen([sys.executable, "-m", "circuitsim", *args], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.readline()  # as `| head -1` does
    process.stdout.close()
    assert process.wait(timeout=120) == 141
    assert process.stderr.read() == b""


def test_serve_stops_on_ctrl_c_without_aborted():
    process = subprocess.Popen(
        [sys.executable, "-m", "circuitsim", "serve", "circuits/neuron.yaml", "--port", "0"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a shell: Ctrl+C is not ignored
    )
    first = process.stderr.readline()
    assert "(Ctrl+C stops)" in first
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (0, "stopped\n")


def test_gradcheck_says_exact_and_not_inf_beside_ok(cli, write):
    saturated = write("saturated.yaml", """\
        inputs: {x: 36.0}
        gates:
          f: {type: sigmoid, inputs: [x]}
        outputs: [f]
        """)
    table = cli("gradcheck", saturated).stdout
    assert "inf" not in table
    row = next(line for line in table.splitlines() if "│ x " in line)
    assert "n/a" in row and row.rstrip("│ ").endswith("ok")
    assert "n/a: the numeric gradient is 0, so only the abs error counts" in table
    dead = cli("gradcheck", "circuits/mlp_relu.yaml").stdout  # w1_2_0 feeds a relu that is off
    row = next(line for line in dead.splitlines() if "│ w1_2_0 " in line)
    assert [cell.strip() for cell in row.split("│")[2:8]] == ["-0.5357", "0", "0", "0", "exact", "ok"]


SLOPPY = '''
from circuitsim import Gate, hookimpl

class Sloppy(Gate):
    """x² with a wrong derivative."""
    name = "sloppy"

    def forward(self, x):
        return x * x

    def local_grads(self, inputs, output):
        return (inputs[0] * 3.4,)

@hookimpl
def circuitsim_register_gates(register):
    register(Sloppy)
'''


def test_gates_check_rounds_numbers_for_people(cli, write):
    result = cli("gates", "--check", "-p", write("sloppy.py", SLOPPY), code=1)
    assert "local gradient expected -3.4 (float64 central differences) but got -5.78\n" in result.stdout


def test_new_circuit_names_python_constructs_in_words(cli):
    result = cli("new-circuit", "--expr", "f = x if x else 2", code=1)
    assert "error: a conditional expression (x if c else y) is not part of a formula" in result.stderr
    assert "IfExp" not in result.stderr


def test_a_drawing_says_what_it_is(root):
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    assert repr(c.run().draw()) == (
        "<Drawing of circuit 'neuron': SVG, 1173 x 275 px, values and gradients; .save(path) writes .svg .png .pdf .dot>"
    )


@pytest.fixture
def silent_server():
    """A TCP port where something accepts connections and says nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_wrong_scheduler_address_fails_fast_naming_it(cli, silent_server, monkeypatch):
    monkeypatch.setattr(cli_batch, "PROBE_TIMEOUT", 0.5)
    start = time.perf_counter()
    result = cli("run", "circuits/neuron.yaml", "--set", "x0=1,2", "--scheduler", silent_server, code=1)
    assert time.perf_counter() - start < 3
    assert result.stderr.startswith(f"error: cannot reach the Dask scheduler at {silent_server}: nothing answered")
    with socket.create_server(("127.0.0.1", 0)) as free:
        closed = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    result = cli("run", "circuits/neuron.yaml", "--set", "x0=1,2", "--scheduler", closed, code=1)
    assert f"at {closed}: connection refused" in result.stderr


# -- training from the shell ------------------------------------------------------------------

LOG = "inputs: {w: 1.0, x: 1.0}\ngates:\n  m: {type: mul, inputs: [w, x]}\n  l: {type: log, inputs: [m]}\noutputs: [l]\n"


def test_train_checks_its_outputs_can_be_written_before_training(cli, tmp_path):
    (tmp_path / "log.yaml").write_text(LOG)  # training it fails at step 1: the output is checked before
    (tmp_path / "ones.csv").write_text("x\n1.0\n1.0\n")
    for option in ("-o", "--history", "--plot"):
        target = tmp_path / "no" / "such" / "folder" / "out.yaml"
        result = cli("train", str(tmp_path / "log.yaml"), "--data", str(tmp_path / "ones.csv"), "--lr", "2",
                     option, str(target), code=1)
        assert result.stderr.startswith(f"{target}: error: cannot write output file: No such file or directory")
        assert "training stopped" not in result.stderr and result.stdout == ""


def test_train_without_output_prints_the_trained_values(cli):
    result = cli("train", "circuits/least_squares.yaml", "--data", "circuits/data/line.csv", "--steps", "20")
    fit = circuitsim.load(ROOT / "circuits" / "least_squares.yaml").train(
        {k: v for k, v in zip(("x", "y"), np.loadtxt(ROOT / "circuits" / "data" / "line.csv", delimiter=",",
                                                     skiprows=1).T)}, steps=20)
    lines = result.stdout.splitlines()
    assert lines[0] == "least_squares: trained 2 parameters on 20 samples, 20 steps of sgd"
    assert lines[-3:] == ["trained values:", f"  a: {fit.params['a']!r}", f"  b: {fit.params['b']!r}"]
    assert "wrote" not in result.stdout


def test_ctrl_c_saves_what_training_did_so_far_and_exits_130(tmp_path):
    out = tmp_path / "moons.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "circuitsim", "train", "circuits/moons_mlp.yaml", "--data", "circuits/data/moons.csv",
         "--steps", "1000000", "--lr", "0.5", "-o", str(out), "--history", str(tmp_path / "loss.csv")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a shell
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".moons.yaml.*.tmp")) and time.monotonic() < deadline:  # opened: training starts
        time.sleep(0.05)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    steps = int(re.search(r"with the parameters after step (\d+)$", stdout.strip())[1])
    assert 0 < steps < 1000000
    assert f"moons_mlp: interrupted after {plural(steps, 'step')} of 1000000 (Ctrl-C)" in stderr
    assert len((tmp_path / "loss.csv").read_text().splitlines()) == steps + 1
    data = np.loadtxt(ROOT / "circuits" / "data" / "moons.csv", delimiter=",", skiprows=1)
    fit = circuitsim.load(ROOT / "circuits" / "moons_mlp.yaml").train(
        {"x0": data[:, 0], "x1": data[:, 1], "y": data[:, 2]}, steps=steps, lr=0.5)
    saved = circuitsim.load(out).inputs
    assert {name: saved[name] for name in fit.params} == fit.params


# -- pictures ----------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return struct.unpack(">II", data[16:24])


def test_a_png_is_bounded_by_default_and_sized_on_request(cli, tmp_path, monkeypatch):
    out = tmp_path / "n.png"
    cli("draw", "circuits/neuron.yaml", "-o", str(out))
    assert png_size(out.read_bytes()) == (2346, 550)  # 2 px per unit: small pictures as before
    monkeypatch.setattr(raster, "FIT", 1000)  # as a 1k-gate circuit meets the real 4,096
    result = cli("draw", "circuits/neuron.yaml", "-o", str(out))
    assert png_size(out.read_bytes()) == (1000, 234)
    assert "note: the PNG is 1,000 x 234 px, made smaller to fit 1,000 px a side" in result.stderr
    cli("draw", "circuits/neuron.yaml", "-o", str(out), "--width", "800")
    assert png_size(out.read_bytes())[0] == 800
    cli("draw", "circuits/neuron.yaml", "-o", str(out), "--scale", "1")
    assert png_size(out.read_bytes()) == (1173, 275)


def test_a_png_past_the_limit_is_a_clear_error(cli, tmp_path):
    out = tmp_path / "n.png"
    result = cli("draw", "circuits/neuron.yaml", "-o", str(out), "--scale", "20", code=1)
    assert result.stderr.startswith("error: a 23,460 x 5,500 px PNG is past the limit of 16,384 px a side: give a "
                                    "smaller --width or --scale (at most 14)")
    assert not out.exists()
    assert "size a PNG" in cli("draw", "circuits/neuron.yaml", "--width", "100", code=2).stderr


@pytest.mark.parametrize("name, dots", [("full_adder", 4), ("fanout", 2)])
def test_dots_only_where_a_wire_branches(cli, name, dots):
    svg = cli("draw", f"circuits/{name}.yaml").stdout
    drawn = svg[: svg.index('<g class="legend"')]
    assert drawn.count('r="3"') == dots

