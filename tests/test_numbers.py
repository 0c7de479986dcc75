"""Domain edges: inf/NaN named at the gate that produced them, never a Python exception."""

import pathlib
import re

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
