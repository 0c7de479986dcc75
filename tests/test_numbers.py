"""Domain edges: inf/NaN named at the gate that produced them, never a Python exception."""

import math
import pathlib
import re

import numpy as np
import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main

FILES = sorted((pathlib.Path(__file__).parent / "bad" / "numbers").glob("*.yaml"))


def expected(path):
    return re.search(r"^# expect: (.*)$", path.read_text(), re.M).group(1)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_python_api_raises_at_the_gate(path):
    with pytest.raises(circuitsim.NumericalError) as info:
        circuitsim.load(path).run(nan="raise")
    assert str(info.value) == f"{path}:{expected(path)}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_cli_warns_by_default_and_fails_under_nan_raise(path):
    runner = CliRunner()
    warned = runner.invoke(main, ["run", str(path), "--format", "json"])
    assert warned.exit_code == 0
    message = expected(path).split(": error: ", 1)[1]
    assert message in warned.stderr
    raised = runner.invoke(main, ["run", str(path), "--nan", "raise"])
    assert raised.exit_code == 1
    assert f"{path}:{expected(path)}" in raised.stderr
    assert "Traceback" not in raised.output


def test_a_batch_near_the_float_limit_prints_only_the_located_warning(tmp_path):
    """numpy's own "overflow encountered" warnings name no gate: they never reach the user."""
    path = pathlib.Path(__file__).parent / "bad" / "numbers" / "fanout_overflow.yaml"
    result = CliRunner().invoke(main, ["run", str(path), "--set", "x=1e-300,2e-300,1e308", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: {path}:8:3: gate 'a' (mul)")
    assert "overflow encountered" not in result.stderr
    grads = CliRunner().invoke(main, ["run", str(path), "--set", "x=1e-300,2e-300", "--nan", "raise"])
    assert grads.exit_code == 1
    assert grads.stderr == (
        f"{path}:6:3: error: the gradient of 'x' is inf in the backward pass: the gradients "
        "from its 2 consumers are each finite but their sum overflows\n"
    )


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "input 'x' must be a number or a list of numbers, got None"),
        ("1.5", "input 'x' must be a number or a list of numbers, got '1.5'"),
        (1 + 2j, "input 'x' must be a number or a list of numbers, got (1+2j)"),
        (True, "input 'x' must be a number or a list of numbers, got True"),
        (10**400, "input 'x' is too large for a 64-bit float: 10000000000000000000...00000000 (401 characters)"),
        ([1.0, None], "input 'x' must be a number or a list of numbers, got None among its values"),
        (["1"], "input 'x' must be a number or a list of numbers, got '1' among its values"),
        (np.array([1, 2j]), "input 'x' must be a number or a list of numbers, got (1+0j) among its values"),
        ([1, 10**400], "input 'x' holds a number too large for a 64-bit float: 10000000000000000000...00000000 (401 characters)"),
    ],
)
def test_inputs_that_are_not_real_numbers_are_errors_naming_the_input(value, message):
    c = circuitsim.loads("inputs: {x: 1.0}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n")
    with pytest.raises(circuitsim.CircuitError) as info:
        c.run({"x": value})
    assert info.value.message == message


@pytest.mark.parametrize("seed", [math.nan, math.inf, [1.0, math.nan]])
def test_a_seed_that_is_not_finite_is_an_error(seed):
    c = circuitsim.loads("inputs: {x: [1.0]}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n".replace("[1.0]", "1.0"))
    with pytest.raises(circuitsim.CircuitError, match=r"seed 'f' is .*: a seed must be finite"):
        c.run({"x": [1.0, 2.0]}, seed={"f": seed})
