"""Circuits from formulas and Builder references that compute."""

import math

import numpy as np
import pytest

from helpers import Square, plugin

import circuitsim
from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.author.formulas import from_expression

NEURON = "f = 1/(1+exp(-(w0*x0 + w1*x1 + w2)))"
NOTE = dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3)


def numbers(c: circuitsim.Circuit, inputs=None):
    r = c.run(inputs or {})
    return dict(r.values), dict(r.grads)


# -- references that compute --------------------------------------------------------------


def test_operators_build_the_gates_they_stand_for():
    b = Builder("ops")
    x, w, y = b.input("x", 1.5), b.input("w", -2.0), b.input("y", 4.0)
    made = {
        "lin": x * w + 3,
        "neg": -x,
        "cube": x**3,
        "ratio": x / y,
        "inverse": 1 / y,
        "one_minus": 1 - x,
        "scaled": 2 * x - w / 4,
        "absolute": abs(w),
        "numpy": np.float64(0.5) * x,
    }
    for name, ref in made.items():
        b.output(ref)
    nodes = b.build().nodes
    types_of = {name: nodes[ref].type for name, ref in made.items()}
    assert types_of == {
        "lin": "add", "neg": "neg", "cube": "pow", "ratio": "div", "inverse": "reciprocal",
        "one_minus": "sub", "scaled": "sub", "absolute": "abs", "numpy": "mul",
    }
    r = b.build().run()
    want = {"lin": 0.0, "neg": -1.5, "cube": 3.375, "ratio": 0.375, "inverse": 0.25, "one_minus": -0.5,
            "scaled": 3.5, "absolute": 2.0, "numpy": 0.75}
    assert {name: r.values[ref] for name, ref in made.items()} == want
    assert r.grads["x"] == pytest.approx(-2 - 1 + 3 * 1.5**2 + 1 / 4 - 1 + 2 + 0.5)


def test_strings_are_not_references_and_pow_needs_a_number():
    b = Builder()
    x = b.input("x", 1.0)
    b.input("w", 2.0)
    with pytest.raises(TypeError, match=r"b\.ref\('w'\)"):
        x + "w"
    with pytest.raises(TypeError, match="exponent of a pow gate is a number"):
        x ** b.ref("w")
    with pytest.raises(TypeError, match="b.exp"):
        2 ** x
    assert x * 2 != "xx" and b.gates[-1][1] == "mul"
    assert (b.ref("w") * x) == "mul_1"


def test_every_gate_type_is_a_builder_function_plugins_included():
    b = Builder("funcs", plugins=[plugin(Square)])
    x, y = b.input("x", 0.25), b.input("y", 0.5)
    for type_name in b.registry.names():
        arity = b.registry.gates[type_name].cls.arity
        args = [x] if arity == 1 else [x, y]
        params = {"exponent": 2} if type_name == "pow" else {}
        keyword_safe = type_name + "_" if type_name in ("and", "or", "not") else type_name
        b.output(getattr(b, keyword_safe)(*args, name=f"g_{type_name}", **params))
    r = b.build().run()
    assert r.values["g_square"] == 0.0625 and r.values["g_exp"] == math.exp(0.25)
    assert r.values["g_and"] == 0.125 and r.values["g_not"] == 0.75 and r.values["g_pow"] == 0.0625
    with pytest.raises(AttributeError, match=r"no gate type 'expp' \(did you mean 'exp'\?\)"):
        b.expp(x)


def test_a_gate_made_by_an_operator_is_placed_at_its_line():
    b = Builder("sites")
    x = b.input("x", 0.0)
    y = b.log(x) * 2
    b.output(y)
    with pytest.warns(circuitsim.NumericalWarning, match=r"test_expression\.py:\d+:\d+: gate 'log_0'"):
        b.build().run()
    assert b.sites["gates"][0].line == b.sites["gates"][1].line == b.sites["inputs"][0].line + 1
    assert (b.sites["gates"][0].column, b.sites["gates"][1].column) == (9, 9)  # `b.log(x)`, `b.log(x) * 2`


# -- from_expression ----------------------------------------------------------------------


def test_the_readme_neuron_gives_the_notes_numbers_and_reads_as_the_note():
    c = from_expression(NEURON, **NOTE)
    r = c.run()
    assert round(r.outputs["f"], 2) == 0.73
    assert {k: round(r.grads[k], 2) for k in NOTE} == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}
    assert r.outputs["f"] == circuitsim.load("circuits/neuron.yaml").run().outputs["f"]
    text = dump(c)
    assert "  add_0: {type: add, inputs: [mul_0, mul_1, w2]}\n" in text
    assert "  f: {type: reciprocal, inputs: [add_1]}\n" in text
    assert numbers(circuitsim.loads(text)) == numbers(c)


@pytest.mark.parametrize(
    "formula, inputs, want",
    [
        ("y = sigmoid(w*x + b)", {"w": 2.0, "x": 0.5, "b": -1.0}, 0.5),
        ("y = x ** -2 + -3", {"x": 2.0}, -2.75),
        ("y = max(a, b, 0.5) - min(a, b)", {"a": 0.25, "b": 2.0}, 1.75),
        ("y = pow(x, exponent=0.5) * 4", {"x": 9.0}, 12.0),
        ("y = a & b | (not c)", {"a": 1.0, "b": 0.0, "c": 1.0}, 0.0),
        ("y = a ^ b", {"a": 1.0, "b": 0.0}, 1.0),
        ("y = (a and b) or c", {"a": 0.5, "b": 0.5, "c": 0.0}, 0.25),
        ("h = relu(x)\ny = h * h; z = y / 2", {"x": -3.0}, 0.0),
        ("y = +x - -x", {"x": 1.5}, 3.0),
    ],
)
def test_formulas_compute_what_they_say_and_load_back(formula, inputs, want):
    c = from_expression(formula, inputs)
    assert c.run().values["y"] == pytest.approx(want)
    assert numbers(circuitsim.loads(dump(c))) == numbers(c)


def test_several_assignments_and_a_chosen_output():
    c = from_expression("h = w*x + b\ny = tanh(h)\nz = h * 3", output="y", w=1.0, x=0.5, b=0.0)
    assert c.outputs == ["y"] and c.name == "y"
    assert c.nodes["h"].type == "add" and "z" in c.nodes
    assert c.inputs == {"w": 1.0, "x": 0.5, "b": 0.0}
    required = from_expression("y = a * b", b=2)
    assert required.inputs == {"a": None, "b": 2.0}


@pytest.mark.parametrize(
    "formula, column, message",
    [
        ("f = 1/(1+expp(-x))", 10, "unknown function 'expp' (did you mean 'exp'?)"),
        ("f = x +* 2", 8, "not a formula: invalid syntax"),
        ("f = x % 2", 5, "operator % has no gate"),
        ("f = x ** y", 10, "the exponent of ** is a number"),
        ("x * 2", 1, "each statement is NAME = FORMULA"),
        ("f = sigmoid(x, k=1)", 5, "gate 'f' (sigmoid): unknown parameter 'k'"),
        ("f = pow(x)", 5, "gate 'f' (pow): missing required parameter 'exponent'"),
        ("f = x; g = f * 2", 5, "a name or a number alone makes no gate"),
        ("f = exp * 2", 5, "'exp' is a gate type: call it"),
        ("f = x < 2", 5, "a comparison is not part of a formula"),
        ("f = ~x", 5, "operator ~ has no gate"),
        ("f = x * 2\nf = f + 1", 1, "'f' is already a name"),
    ],
)
def test_an_error_points_at_the_column_of_the_formula(formula, column, message):
    with pytest.raises(circuitsim.CircuitError) as info:
        from_expression(formula)
    err = info.value.errors[0]
    assert message in err.message
    assert (err.path, err.column) == ("<expression>", column)
    line = formula.splitlines()[err.line - 1]
    assert str(err).endswith(f"\n    {line}\n    {' ' * (column - 1)}^")


def test_a_value_for_no_name_is_an_error():
    with pytest.raises(circuitsim.CircuitError, match=r"'wo' is given a value but is no name in the expression \(did you mean 'w0'\?\)"):
        from_expression("f = w0 * 2", wo=1.0)


# -- circuitsim new-circuit ---------------------------------------------------------------


def test_new_circuit_writes_a_file_that_runs_as_the_note(cli, tmp_path):
    out = tmp_path / "neuron.yaml"
    sets = [arg for name, value in NOTE.items() for arg in ("--set", f"{name}={value}")]
    result = cli("new-circuit", "--expr", NEURON, *sets, "-o", str(out))
    assert result.stderr == f"wrote {out}: 5 inputs, 7 gates, output f\n"
    c = circuitsim.load(out)
    assert c.name == "neuron"
    assert numbers(c) == numbers(from_expression(NEURON, **NOTE))
    shown = cli("run", str(out), "--format", "json").stdout
    assert '"f": 0.7310585786300049' in shown


def test_new_circuit_errors_point_at_the_formula_and_write_nothing(cli, tmp_path):
    out = tmp_path / "bad.yaml"
    result = cli("new-circuit", "--expr", "h = relu(x)", "--expr", "y = h ** 2 - sigmod(h)", "-o", str(out), code=1)
    assert result.stderr == (
        "<expression>:2:14: error: unknown function 'sigmod' (did you mean 'sigmoid'?); the functions are the gate "
        "types (`circuitsim gates` lists them)\n    y = h ** 2 - sigmod(h)\n                 ^\n"
    )
    assert not out.exists()
    batch = cli("new-circuit", "--expr", "y = x * 2", "--set", "x=1,2", code=2)
    assert "a default is one number, not a batch" in batch.stderr
