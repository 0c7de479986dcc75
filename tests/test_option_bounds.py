"""Options as a careless user types them: a depth without end, a step or rate that is not a
number, a plugin name pip would refuse. Each is refused (exit 2) or done at once."""

import time
import tomllib

import pytest
from packaging.requirements import Requirement


@pytest.mark.parametrize("command", [["draw", "-o", "{tmp}/n.svg"], ["explore", "-o", "{tmp}/n.html"]])
def test_depth_is_bounded_and_stops_where_the_circuit_ends(cli, tmp_path, command):
    args = [a.format(tmp=tmp_path) for a in command]
    result = cli(args[0], "circuits/neuron.yaml", *args[1:], "--around", "n", "--depth", "1000000000000", code=2)
    assert "--depth" in result.stderr
    start = time.monotonic()
    cli(args[0], "circuits/neuron.yaml", *args[1:], "--around", "n", "--depth", "10000000")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1e-3", "NaN"])
def test_gradcheck_step_must_be_a_finite_positive_number(cli, value):
    result = cli("gradcheck", "circuits/neuron.yaml", "--eps", value, code=2)
    assert "--eps" in result.stderr and "OFF" not in result.stdout


@pytest.mark.parametrize(("option", "value"), [("--rtol", "nan"), ("--atol", "inf")])
def test_gradcheck_tolerances_must_be_finite(cli, option, value):
    assert option in cli("gradcheck", "circuits/neuron.yaml", option, value, code=2).stderr


@pytest.mark.parametrize(("option", "value"), [("--lr", "nan"), ("--lr", "0.1..nan"), ("--lr", "inf"), ("--momentum", "nan"), ("--weight-decay", "inf")])
def test_train_numbers_must_be_finite(cli, tmp_path, option, value):
    out = tmp_path / "fit.yaml"
    result = cli("train", "circuits/logistic.yaml", "--data", "circuits/data/blobs.csv", "-o", str(out), option, value, code=2)
    assert option in result.stderr and not out.exists()


def test_gradcheck_api_refuses_a_step_that_is_not_a_number():
    import circuitsim
    from circuitsim.check.gradcheck import gradcheck

    with pytest.raises(ValueError, match="eps"):
        gradcheck(circuitsim.load("circuits/neuron.yaml"), eps=float("nan"))


@pytest.mark.parametrize(("name", "dist"), [("a_", "circuitsim-a"), ("sigmoid_", "circuitsim-sigmoid"), ("x__", "circuitsim-x"), ("x__y", "circuitsim-x-y")])
def test_new_plugin_writes_a_name_pip_accepts(cli, tmp_path, name, dist):
    cli("new-plugin", name, "--dir", str(tmp_path / "p"))
    project = tomllib.loads((tmp_path / "p" / "pyproject.toml").read_text())["project"]
    assert project["name"] == dist and Requirement(project["name"]).name == dist
    assert project["entry-points"]["circuitsim"] == {name: f"circuitsim_{name}"}
