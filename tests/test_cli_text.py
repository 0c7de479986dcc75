"""What a new user reads: help, tables without -0, one wording per message, warnings that help."""

import re

import pytest
from click.testing import CliRunner

from circuitsim.cli import COMMANDS, main

NEG_ZERO = "inputs: {x: 0.0, w: -2.0}\ngates:\n  m: {type: mul, inputs: [x, w]}\n  e: {type: exp, inputs: [m]}\noutputs: [e]\n"
REQUIRED = "inputs: {x: 1.0, y: null}\ngates:\n  s: {type: add, inputs: [x, y]}\noutputs: [s]\n"


def invoke(*args, columns=80):
    runner = CliRunner(env={"COLUMNS": str(columns), "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    return runner.invoke(main, list(args), prog_name="circuitsim", catch_exceptions=False)


def test_bare_circuitsim_shows_the_help_and_succeeds():
    result = invoke()
    assert result.exit_code == 0
    # click >= 8.2 writes [COMMAND]: with no command, circuitsim shows this help.
    assert re.match(r"Usage: circuitsim \[OPTIONS\] \[?COMMAND\]? \[ARGS\]\.\.\.\n", result.stdout)
    assert "Commands:" in result.stdout and "new-circuit" in result.stdout


def test_command_summaries_are_whole_sentences_at_80_columns():
    text = invoke("--help").stdout
    summaries = text.split("Commands:\n", 1)[1]
    assert "..." not in summaries
    entries = re.split(r"\n(?=  \S)", summaries.strip("\n"))
    assert all(entry.rstrip().endswith(".") for entry in entries), entries
    assert all(len(line) <= 80 for line in text.splitlines())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_an_example_in_its_help(command):
    result = invoke(command, "--help", columns=100)
    assert result.exit_code == 0
    assert re.search(rf"^\s+circuitsim {command}\b", result.stdout, re.M), result.stdout


def test_negative_zero_reads_zero_in_run_and_trace(cli, write):
    path = write("negzero.yaml", NEG_ZERO)
    table = cli("run", path).stdout
    assert re.search(r"│ m +│ mul +│ +0 │", table) and "-0 " not in table
    trace = cli("trace", path).stdout
    assert " -0" not in trace and re.search(r"\bm +e\.x +0\b", trace)


def test_no_grad_tables_have_no_gradient_column(cli):
    out = cli("run", "circuits/neuron.yaml", "--no-grad").stdout
    assert "value" in out and "gradient" not in out
    assert "gradient" in cli("run", "circuits/neuron.yaml").stdout


def test_seed_help_says_what_it_does_and_warns_on_a_node_no_output_needs(cli, write):
    assert "Start the backward pass at node NAME" in cli("run", "--help").stdout
    path = write("dead.yaml", "inputs: {x: 1.0}\ngates:\n  a: {type: neg, inputs: [x]}\n  b: {type: exp, inputs: [x]}\noutputs: [a]\n")
    result = cli("run", path, "--seed", "b=1", "--format", "json")
    assert result.stderr == "warning: --seed b: no output depends on 'b', so the gradients are those of 'b' alone\n"
    assert cli("run", path, "--seed", "a=2").stderr == ""


def test_has_no_default_reads_one_way_in_run_gradcheck_draw_and_trace(cli, write):
    path = write("required.yaml", REQUIRED)
    wording = f"{path}:1:18: error: input 'y' has no default: give it a value (--set y=VALUE)"
    for command in ("run", "gradcheck", "trace"):
        assert cli(command, path, code=1).stderr == wording + "\n", command
    assert cli("draw", path, code=1).stderr == wording + ", or draw with --no-values\n"


def test_a_tab_in_the_indentation_is_called_a_tab(cli, write, parser):
    path = write("tabbed.yaml", "inputs:\n\tx: 1.0\ngates: {}\noutputs: [x]\n")
    error = cli("check", path, code=1).stderr
    assert error.startswith(f"{path}:2:1: error: ") and "tab" in error
