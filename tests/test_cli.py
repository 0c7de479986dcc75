"""The command line as a user types it: CliRunner for the bulk, a few real subprocesses."""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from helpers import SQUARE, install_distributions

import circuitsim
from circuitsim.check.gradcheck import gradcheck
from circuitsim.cli import main
from circuitsim.cli.options import LazyProgress
from circuitsim.gate.plugins import DISABLE_AUTOLOAD_ENV, clear_registry_cache

# A plugin gate whose derivative is wrong: d(x*x)/dx is 2x, not 3x.
BAD_SQUARE = SQUARE.replace("The square of its input.", "The square of its input (with a wrong derivative).").replace(
    "(2 * x,)", "(3 * x,)"
)

SQUARE_CIRCUIT = """\
inputs: {x: 1.5, y: 2.0}
gates:
  s: {type: square, inputs: [x]}
  m: {type: mul, inputs: [s, y]}
outputs: [m]
"""

LOG_CIRCUIT = """\
inputs: {x: 1.0}
gates:
  l: {type: log, inputs: [x]}
outputs: [l]
"""

NEURON_GRADS = {"w0": -0.19661193324148185, "x0": 0.3932238664829637, "w2": 0.19661193324148185}


def strict_json(text: str):
    """Parse JSON that must be standard: no NaN or Infinity literals."""

    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


# -- run: formats ------------------------------------------------------------------------


def test_run_table_lists_every_node_outputs_first(cli):
    out = cli("run", "circuits/neuron.yaml").stdout
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert rows == ["f", "w0", "x0", "w1", "x1", "w2", "m0", "m1", "s0", "n", "e", "p"]
    assert "reciprocal (output)" in out
    assert "0.731059" in out and "-0.196612" in out


def test_run_json_is_the_documented_object(cli):
    doc = strict_json(cli("run", "circuits/neuron.yaml", "--format", "json").stdout)
    assert list(doc) == ["circuit", "outputs", "values", "grads"]
    expected = circuitsim.load("circuits/neuron.yaml").run()
    assert doc["circuit"] == "neuron"
    assert doc["outputs"] == expected.outputs
    assert doc["values"] == expected.values
    assert doc["grads"] == expected.grads


def test_run_json_batch_gives_lists(cli):
    doc = strict_json(cli("run", "circuits/neuron.yaml", "--set", "x0=-1,0,1", "--values", "x0,w0,f", "--grads", "w0", "--format", "json").stdout)
    assert doc["values"]["x0"] == [-1.0, 0.0, 1.0]
    assert doc["values"]["w0"] == [2.0, 2.0, 2.0]
    assert doc["outputs"]["f"][0] == pytest.approx(0.7310585786300049)
    assert len(doc["grads"]["w0"]) == 3


def test_run_json_stays_valid_with_nan_and_infinity(cli, write):
    path = write("log.yaml", LOG_CIRCUIT)
    result = cli("run", path, "--set", "x=0,-1,1", "--format", "json")
    doc = strict_json(result.stdout)
    assert doc["values"]["l"] == ["-Infinity", "NaN", 0.0]
    assert doc["grads"]["x"] == ["Infinity", -1.0, 1.0]
    assert "warning:" in result.stderr and "gate 'l' (log)" in result.stderr


def test_run_csv_batch_keeps_the_batch_inputs_the_outputs_and_their_gradients(cli):
    out = cli("run", "circuits/neuron.yaml", "--set", "x0=-1,0", "--format", "csv").stdout
    lines = out.splitlines()
    assert lines[0] == "x0,f,grad_x0"
    assert len(lines) == 3
    assert [float(v) for v in lines[1].split(",")] == [-1.0, 0.7310585786300049, pytest.approx(NEURON_GRADS["x0"])]
    every = "w0,x0,w1,x1,w2"
    out = cli("run", "circuits/neuron.yaml", "--set", "x0=-1,0", "--values", every, "--values", "f", "--grads", every, "--format", "csv").stdout
    lines = out.splitlines()
    assert lines[0] == "w0,x0,w1,x1,w2,f,grad_w0,grad_x0,grad_w1,grad_x1,grad_w2"
    first = [float(v) for v in lines[1].split(",")]
    assert first[:6] == [2.0, -1.0, -3.0, -2.0, -3.0, 0.7310585786300049]
    assert first[6] == pytest.approx(NEURON_GRADS["w0"])


def test_run_csv_inputs_file_runs_one_batch(cli, write):
    path = write("samples.csv", "x0,x1\n-1,-2\n0.5,1\n\n2,0\n")
    out = cli("run", "circuits/neuron.yaml", "--inputs", path, "--format", "csv").stdout
    rows = [line.split(",") for line in out.splitlines()[1:]]
    assert [(float(r[0]), float(r[1])) for r in rows] == [(-1.0, -2.0), (0.5, 1.0), (2.0, 0.0)]
    c = circuitsim.load("circuits/neuron.yaml")
    assert float(rows[1][2]) == c.run({"x0": 0.5, "x1": 1.0}).outputs["f"]


def test_run_json_inputs_file_and_set_overrides_it(cli, write):
    path = write("inputs.json", '{"x0": 0.5, "x1": [1, 2]}')
    doc = strict_json(cli("run", "circuits/neuron.yaml", "--inputs", path, "--set", "x0=3", "--values", "x0,x1", "--format", "json").stdout)
    assert doc["values"]["x0"] == [3.0, 3.0]
    assert doc["values"]["x1"] == [1.0, 2.0]


def test_run_seed_and_no_grad(cli):
    seeded = strict_json(cli("run", "circuits/neuron.yaml", "--seed", "f=2", "--format", "json").stdout)
    assert seeded["grads"]["w0"] == pytest.approx(2 * NEURON_GRADS["w0"])
    forward = strict_json(cli("run", "circuits/neuron.yaml", "--no-grad", "--format", "json").stdout)
    assert forward["grads"] == {}
    header = cli("run", "circuits/neuron.yaml", "--no-grad", "--format", "csv").stdout.splitlines()[0]
    assert header == "w0,x0,w1,x1,w2,f"


def test_run_batch_table_summarises_outputs_and_gradients(cli):
    out = cli("run", "circuits/neuron.yaml", "--set", "x0=-1,0,1").stdout
    assert "neuron: 3 samples" in out
    assert "grad_x0" in out
    assert "0.892313" in out  # the mean of f


# -- run: errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, message",
    [
        ("x0", "is not NAME=VALUE"),
        ("0x=1", "is not NAME=VALUE"),
        ("x0=abc", "'abc' is not a number"),
        ("x0=1,,2", "is not a number"),
        ("x0=1e400", "x0: the number 1e400 is too large for a 64-bit float (at most about 1.8e308); write a smaller number, or inf"),
        ("x0=1,-2e999", "x0: the number -2e999 is too large"),
    ],
)
def test_run_malformed_set_is_a_usage_error(cli, option, message):
    result = cli("run", "circuits/neuron.yaml", "--set", option, code=2)
    assert message in result.stderr
    assert result.stdout == ""


def test_run_set_takes_inf_spelled_out(cli):
    result = cli("run", "circuits/neuron.yaml", "--set", "x0=-inf", "--format", "json", code=0)
    assert json.loads(result.stdout)["values"]["x0"] == "-Infinity"
    assert "input 'x0' is -inf" in result.stderr


def test_run_unknown_input_is_exit_1(cli):
    result = cli("run", "circuits/neuron.yaml", "--set", "xo=1", code=1)
    assert result.stderr.startswith("error: unknown input 'xo' (did you mean")
    assert result.stderr.endswith("; inputs: w0, x0, w1, x1, w2\n")
    result = cli("run", "circuits/neuron.yaml", "--set", "m0=1", code=1)
    assert "'m0' is a gate, not an input" in result.stderr


def test_run_invalid_circuit_reports_every_problem(cli, root):
    result = cli("run", "tests/bad/many_problems.yaml", code=1)
    lines = result.stderr.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("tests/bad/many_problems.yaml:9:13: error: gate 'a': unknown gate type 'ad'")
    assert "missing.yaml: error: cannot read circuit file" in cli("run", "missing.yaml", code=1).stderr


def test_run_bad_inputs_files(cli, write):
    csv_path = write("bad.csv", "x0,x1\n1,2\n3,abc\n")
    assert cli("run", "circuits/neuron.yaml", "--inputs", csv_path, code=1).stderr == (
        f"{csv_path}:3:3: error: column 'x1': 'abc' is not a number\n"
    )
    short = write("short.csv", "x0,x1\n1\n")
    assert "short.csv:2: error: 1 values for 2 columns (x0, x1)" in cli("run", "circuits/neuron.yaml", "--inputs", short, code=1).stderr
    json_path = write("bad.json", '{"x0": 1,\n "x1": }')
    assert f"{json_path}:2:8: error: invalid JSON" in cli("run", "circuits/neuron.yaml", "--inputs", json_path, code=1).stderr
    text = write("words.json", '{"x0": "one"}')
    assert "input 'x0' must be a number" in cli("run", "circuits/neuron.yaml", "--inputs", text, code=1).stderr
    unknown = write("unknown.csv", "x9\n1\n")
    assert "unknown.csv:1:1: error: column 'x9' is not an input" in cli("run", "circuits/neuron.yaml", "--inputs", unknown, code=1).stderr
    other = write("inputs.txt", "x0=1")
    assert "ends in .json, .csv or .parquet" in cli("run", "circuits/neuron.yaml", "--inputs", other, code=2).stderr


def test_run_batch_lengths_must_agree(cli):
    result = cli("run", "circuits/neuron.yaml", "--set", "x0=1,2", "--set", "x1=1,2,3", code=1)
    assert "x0 has 2, x1 has 3" in result.stderr


def test_run_nan_policies(cli, write):
    path = write("log.yaml", LOG_CIRCUIT)
    raised = cli("run", path, "--set", "x=-1", "--nan", "raise", code=1)
    assert raised.stdout == ""
    assert raised.stderr == f"{path}:3:3: error: gate 'l' (log) with inputs x=-1 produced nan in the forward pass\n"
    warned = cli("run", path, "--set", "x=-1", "--format", "csv")
    assert warned.stderr.startswith("warning: ") and warned.stdout.startswith("x,l,grad_x\n")
    assert cli("run", path, "--set", "x=-1", "--nan", "ignore").stderr == ""


def test_run_output_file_is_written_whole_or_not_at_all(cli, write, tmp_path):
    out = tmp_path / "out.json"
    cli("run", "circuits/neuron.yaml", "--format", "json", "-o", str(out))
    assert strict_json(out.read_text())["circuit"] == "neuron"

    path = write("log.yaml", LOG_CIRCUIT)
    out.write_text("previous results\n")
    cli("run", path, "--set", "x=-1", "--nan", "raise", "--format", "json", "-o", str(out), code=1)
    assert out.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.yaml", "out.json"]

    table = tmp_path / "table.txt"
    cli("run", "circuits/neuron.yaml", "-o", str(table))
    assert "reciprocal (output)" in table.read_text()


def test_a_batch_in_chunks_equals_one_run_and_names_the_right_sample(cli, write, monkeypatch):
    xs = ",".join(str(x) for x in np.linspace(-2, 2, 7))
    whole = strict_json(cli("run", "circuits/neuron.yaml", "--set", f"x0={xs}", "--grads", "w0", "--format", "json").stdout)
    monkeypatch.setattr("circuitsim.cli.batch.chunk_size", lambda circuit: 2)
    chunked = strict_json(cli("run", "circuits/neuron.yaml", "--set", f"x0={xs}", "--seed", "f=1,2,3,4,5,6,7", "--grads", "w0", "--format", "json").stdout)
    assert chunked["values"] == whole["values"]
    assert chunked["grads"]["w0"] == pytest.approx([g * k for g, k in zip(whole["grads"]["w0"], range(1, 8))], rel=1e-15)

    forward = cli("run", "circuits/neuron.yaml", "--set", f"x0={xs}", "--no-grad", "--format", "csv").stdout
    assert [float(line.split(",")[-1]) for line in forward.splitlines()[1:]] == whole["outputs"]["f"]

    path = write("log.yaml", LOG_CIRCUIT)
    result = cli("run", path, "--set", "x=1,2,3,4,-5,6", "--nan", "raise", code=1)
    assert "with inputs x=-5 produced nan (sample 4) in the forward pass" in result.stderr


# -- check -------------------------------------------------------------------------------


def test_check_good_files(cli):
    result = cli("check", "circuits/neuron.yaml", "circuits/fanout.yaml")
    assert result.stdout == (
        "circuits/neuron.yaml: OK (5 inputs, 7 gates, 1 output)\n"
        "circuits/fanout.yaml: OK (2 inputs, 5 gates, 1 output)\n"
    )


def test_check_reports_errors_and_warnings_with_positions(cli, write):
    unused = write(
        "unused.yaml",
        """\
        inputs: {x: 1.0, y: 2.0}
        gates:
          a: {type: mul, inputs: [x, x]}
          b: {type: neg, inputs: [x]}
        outputs: [a]
        """,
    )
    result = cli("check", unused, "tests/bad/cycle.yaml", "circuits/neuron.yaml", code=1)
    assert result.stdout.splitlines() == [f"{unused}: OK (2 inputs, 2 gates, 1 output)", "circuits/neuron.yaml: OK (5 inputs, 7 gates, 1 output)"]
    assert result.output.splitlines() == [
        f"{unused}:1:18: warning: input 'y' feeds no output",
        f"{unused}:4:3: warning: gate 'b' (neg) feeds no output",
        f"{unused}: OK (2 inputs, 2 gates, 1 output)",
        "tests/bad/cycle.yaml:5:3: error: the circuit has a cycle: a -> b -> c -> a; a circuit must be acyclic",
        "circuits/neuron.yaml: OK (5 inputs, 7 gates, 1 output)",
    ]
    assert cli("check", unused).exit_code == 0  # warnings alone do not fail


# -- gradcheck ---------------------------------------------------------------------------


def test_gradcheck_passes_on_a_correct_circuit(cli):
    result = cli("gradcheck", "circuits/mlp.yaml")
    assert "mlp: OK, backprop agrees with central differences for 16 inputs" in result.stdout
    assert " OFF " not in result.stdout


def test_gradcheck_names_the_input_and_the_gate_that_are_off(cli, write):
    plugin = write("bad_square.py", BAD_SQUARE)
    path = write("square.yaml", SQUARE_CIRCUIT)
    result = cli("gradcheck", path, "-p", plugin, code=1)
    assert "gradient of input 'x' is off: backprop 9, central differences 6" in result.stdout
    assert f"{path}:3:3: error: gate 's' (square) at x=1.5: local_grads gives [4.5] but central differences give [3]" in result.stdout
    assert "input 'y'" not in result.stdout  # y's gradient is right
    assert "x=2" in cli("gradcheck", path, "-p", plugin, "--set", "x=2", code=1).stdout


def test_gradcheck_options_and_errors(cli, write):
    assert cli("gradcheck", "circuits/neuron.yaml", "--set", "x0=0.25", "--eps", "1e-4", "--rtol", "1e-6").exit_code == 0
    assert "gradcheck checks one point, not a batch" in cli("gradcheck", "circuits/neuron.yaml", "--set", "x0=1,2", code=2).stderr
    assert "unknown input 'xx'" in cli("gradcheck", "circuits/neuron.yaml", "--set", "xx=1", code=1).stderr
    assert "--eps" in cli("gradcheck", "circuits/neuron.yaml", "--eps", "0", code=2).stderr


def test_gradcheck_library_report(write):
    plugin = write("bad_square.py", BAD_SQUARE)
    circuit = circuitsim.loads(SQUARE_CIRCUIT, path="square.yaml", plugins=[plugin])
    report = gradcheck(circuit, {"x": 2.0})
    assert not report
    assert [c.name for c in report.failures] == ["x"]
    assert report.failures[0].backprop == 12.0
    assert report.failures[0].numeric == pytest.approx(8.0)
    assert [(g.name, g.local, g.inputs) for g in report.gates] == [("s", [6.0], {"x": 2.0})]
    good = gradcheck(circuitsim.load(os.path.join(os.path.dirname(__file__), "..", "circuits", "fanout.yaml")))
    assert good and all(c.rel_error < 1e-8 for c in good.inputs)


# -- test --------------------------------------------------------------------------------


def test_test_command_passes_the_examples(cli):
    result = cli("test", "circuits/neuron.yaml", "circuits/fanout.yaml")
    assert result.stdout == "circuits/neuron.yaml .\ncircuits/fanout.yaml ..\n\n3 passed\n"


def test_test_command_shows_expected_and_got(cli, write):
    path = write(
        "failing.yaml",
        """\
        inputs: {x: 2.0, y: null}
        gates:
          s: {type: mul, inputs: [x, y]}
        outputs: [s]
        tests:
          - {name: good, inputs: {y: 3.0}, expect: {s: 6.0}, grads: {x: 3.0}}
          - {name: wrong, inputs: {y: 3.0}, expect: {s: 7.0}, grads: {x: 2.0}}
          - {name: no y, expect: {s: 0.0}}
        """,
    )
    result = cli("test", path, "tests/bad/cycle.yaml", code=1)
    assert result.stdout == (
        f"{path} .FE\n"
        "tests/bad/cycle.yaml E\n"
        "\n"
        f"FAILED {path}::wrong ({path}:7:5)\n"
        "    value of s: expected 7.0, got 6.0\n"
        "    grad of x: expected 2.0, got 3.0\n"
        f"ERROR {path}::no y ({path}:8:5)\n"
        "    input 'y' has no default: give it a value in the test vector's inputs\n"
        "ERROR tests/bad/cycle.yaml\n"
        "    tests/bad/cycle.yaml:5:3: error: the circuit has a cycle: a -> b -> c -> a; a circuit must be acyclic\n"
        "\n"
        "1 passed, 1 failed, 2 errors\n"
    )


# -- gates and plugins -------------------------------------------------------------------


def test_gates_lists_every_gate_type(cli, write):
    records = strict_json(cli("gates", "--json").stdout)
    assert [r["name"] for r in records] == circuitsim.run.load.load_registry().names()
    pow_gate = next(r for r in records if r["name"] == "pow")
    assert pow_gate == {
        "name": "pow",
        "arity": 1,
        "ports": ["x"],
        "params": {"exponent": None},
        "plugin": "gates",
        "dist": "circuitsim-backprop",
        "version": pow_gate["version"],
        "doc": "The power x^exponent, for any real exponent.",
    }
    assert next(r for r in records if r["name"] == "add")["ports"] is None

    plugin = write("bad_square.py", BAD_SQUARE)
    [square] = [r for r in strict_json(cli("gates", "--json", "-p", plugin).stdout) if r["name"] == "square"]
    assert (square["plugin"], square["dist"], square["doc"]) == (plugin, None, "The square of its input (with a wrong derivative).")
    table = cli("gates", "-p", plugin).stdout
    assert "1 gate type from " in table and f" gate types from gates (circuitsim-backprop {circuitsim.__version__})" in table
    assert any(line.startswith("  square ") and "The square of its input" in line for line in table.splitlines())
    assert "x; exponent (required)" in table and "0, 1, ... (1+)" in table


def test_gates_reads_at_80_columns(root):
    runner = CliRunner(env={"COLUMNS": "80", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    table = runner.invoke(main, ["gates"]).stdout
    lines = table.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines) and len(lines) < 60
    assert "  not          x                        Logical not, relaxed: 1 - x." in [line.rstrip() for line in lines]


@pytest.fixture
def broken_install(monkeypatch, tmp_path):
    """An installed distribution whose plugin cannot be imported."""
    install_distributions(monkeypatch, tmp_path, ("broken-gates", "0.3", {"broken": "no_such_module_xyz"}))
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV)
    clear_registry_cache()
    yield
    clear_registry_cache()


def test_plugins_lists_loaded_and_failed_plugins(cli, broken_install):
    result = cli("plugins", "--json")
    assert result.stderr.startswith("warning: plugin 'broken' (broken-gates 0.3) failed to import and is skipped")
    doc = strict_json(result.stdout)
    assert doc["plugins"][0]["name"] == "gates" and doc["plugins"][0]["dist"] == "circuitsim-backprop"
    assert "sigmoid" in doc["plugins"][0]["gates"]
    [failure] = doc["failures"]
    assert failure["plugin"] == "broken" and failure["dist"] == "broken-gates" and failure["version"] == "0.3"
    assert "No module named 'no_such_module_xyz'" in failure["error"]
    table = cli("plugins").stdout
    assert "1 plugin loaded" in table and "1 plugin failed" in table and "broken-gates" in table


def test_a_plugin_that_cannot_load_is_exit_1_on_every_command(cli):
    for command in (["run", "circuits/neuron.yaml"], ["check", "circuits/neuron.yaml"], ["gates"], ["plugins"], ["test", "circuits/neuron.yaml"], ["gradcheck", "circuits/neuron.yaml"]):
        result = cli(*command, "-p", "no_such_plugin_module", code=1)
        assert "cannot import plugin 'no_such_plugin_module'" in result.stderr


# -- the group ---------------------------------------------------------------------------


def test_version_and_help(cli):
    assert cli("--version").stdout == f"circuitsim, version {circuitsim.__version__}\n"
    top = cli("--help").stdout
    for command in ("run", "check", "gradcheck", "test", "gates", "plugins"):
        assert f"circuitsim {command}" in top
        assert f"circuitsim {command} " in cli(command, "--help").stdout  # an example
        assert "--plugin" in cli(command, "--help").stdout
    assert cli("nosuchcommand", code=2).stderr.endswith("No such command 'nosuchcommand'.\n")


def test_progress_appears_only_on_a_terminal_after_the_delay():
    def show(**console_args) -> str:
        out = io.StringIO()
        console = Console(file=out, width=60, **console_args)
        with LazyProgress(3, "crunching", delay=0, console=console) as progress:
            progress.advance()
            progress.advance()
        return out.getvalue()

    assert "crunching" in show(force_terminal=True)
    assert show(force_terminal=False) == ""
    out = io.StringIO()
    with LazyProgress(3, "slow", delay=60, console=Console(file=out, force_terminal=True)) as progress:
        progress.advance()
    assert out.getvalue() == ""


# -- real processes ----------------------------------------------------------------------


def commands() -> list[list[str]]:
    """The installed console script (if any) and ``python -m circuitsim``."""
    found = [[sys.executable, "-m", "circuitsim"]]
    script = shutil.which("circuitsim", path=os.path.dirname(sys.executable))
    if script:
        found.append([script])
    return found


@pytest.mark.parametrize("command", commands(), ids=lambda c: "python -m circuitsim" if len(c) == 3 else "console script")
def test_real_process(command, root, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["PYTHONPATH"] = str(root)  # this source tree, whatever is installed

    def run(*args):
        return subprocess.run([*command, *args], cwd=root, env=env, capture_output=True, text=True, timeout=60)

    ok = run("run", "circuits/neuron.yaml", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert strict_json(ok.stdout)["outputs"]["f"] == 0.7310585786300049

    log = tmp_path / "log.yaml"
    log.write_text(LOG_CIRCUIT)
    warned = run("run", str(log), "--set", "x=0", "--format", "json")
    assert warned.returncode == 0 and strict_json(warned.stdout)["values"]["l"] == "-Infinity"
    assert warned.stderr == f"warning: {log}:3:3: gate 'l' (log) with inputs x=0 produced -inf in the forward pass\n"

    bad = run("check", "tests/bad/unknown_type.yaml")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("tests/bad/unknown_type.yaml:5:13: error: ") and bad.stdout == ""
    assert run("run", "circuits/neuron.yaml", "--set", "x0").returncode == 2
    assert not math.isnan(float(run("run", "circuits/neuron.yaml", "--format", "csv").stdout.splitlines()[1].split(",")[5]))
