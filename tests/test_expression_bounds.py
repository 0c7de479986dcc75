"""Formulas as a careless or hostile user types them to `new-circuit`: long chains of one
operator build, deep nesting and overlong formulas are errors under the formula, numbers
beyond a float are errors; never a RecursionError or MemoryError."""

import pytest

import circuitsim


def terms(op: str, n: int) -> str:
    return op.join(f"x{i}" for i in range(n))


@pytest.mark.parametrize(
    ("formula", "gates"),
    [
        ("f = " + terms(" + ", 1000), {"add": 1}),
        ("f = " + terms(" * ", 1000), {"mul": 1}),
        ("f = " + terms(" & ", 1000), {"and": 1}),
        ("f = " + terms(" - ", 600), {"sub": 599}),
        ("f = " + terms(" / ", 600), {"div": 599}),
        ("f = " + "-" * 1000 + "x", {"neg": 1000}),
        ("f = " + "-" * 999 + "x", {"neg": 999}),
        ("f = +(x * y)", {"mul": 1}),
        ("f = 1 / x / y", {"reciprocal": 1, "div": 1}),
    ],
)
def test_long_chains_of_one_operator_build(cli, tmp_path, formula, gates):
    out = tmp_path / "f.yaml"
    cli("new-circuit", "--expr", formula, "-o", str(out))
    circuit = circuitsim.load(out)
    counted = {}
    for node in circuit.nodes.values():
        if node.kind == "gate":
            counted[node.type] = counted.get(node.type, 0) + 1
    assert counted == gates


def test_chains_compute_left_to_right():
    c = circuitsim.from_expression("f = a - b - c - d", a=10, b=1, c=2, d=3)
    assert c.run().outputs["f"] == 4
    c = circuitsim.from_expression("f = a / b / c", a=12, b=2, c=3)
    assert c.run().outputs["f"] == 2
    assert circuitsim.from_expression("f = ---x", x=2).run().outputs["f"] == -2
    assert circuitsim.from_expression("f = x * --2", x=3).run().outputs["f"] == 6


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("f = " + terms(" + ", 20000), "too long to read in one piece"),
        ("f = " + terms(" - ", 20000), "too long to read in one piece"),
        ("f = " + "-" * 20000 + "x", "too long to read in one piece"),
        ("f = " + "**".join(["x"] * 3000), "too long to read in one piece"),
        ("f = " + "**".join(["x"] * 150), "levels deep"),
        ("f = " + "x ** -" * 150 + "x", "levels deep"),
        ("f = " + "exp(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
        ("f = x * 1e400", "the number 1e400 is too large for a 64-bit float"),
        ("f = x ** 1e400", "the number 1e400 is too large for a 64-bit float"),
        ("f = x * -1e999", "the number 1e999 is too large for a 64-bit float"),
        ("f = x * " + "9" * 400, "is too large for a 64-bit float"),
    ],
)
def test_deep_long_or_overflowing_formulas_are_errors(cli, formula, message):
    result = cli("new-circuit", "--expr", formula, code=1)
    assert result.stderr.startswith("<expression>:1:") and message in result.stderr
