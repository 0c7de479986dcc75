"""The fast reader of the canonical form gives the circuit the full reader gives, or declines."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import same_netlist, same_spec

import circuitsim
from circuitsim.gate.plugins import load_registry
from circuitsim.netlist import fastload
from circuitsim.run import load as loader
from circuitsim.run.load import _lookup

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = sorted(p for p in (ROOT / "circuits").rglob("*.yaml"))
REGISTRY = load_registry()


def fast(text: str, path: str = "c.yaml"):
    return fastload.read_canonical(text, path, "c", _lookup(REGISTRY), REGISTRY.names(), 10**8)


def full(text: str, path: str = "c.yaml"):
    """The circuit through the full reader alone (or its error)."""
    try:
        original, loader.read_canonical = loader.read_canonical, lambda *args: None
        return circuitsim.loads(text, path=path, registry=REGISTRY)
    finally:
        loader.read_canonical = original


@pytest.mark.parametrize("path", CIRCUITS, ids=lambda p: str(p.relative_to(ROOT / "circuits")))
def test_a_dumped_circuit_reads_the_same_either_way(path):
    text = circuitsim.dump(circuitsim.load(path))
    quick = fast(text, str(path))
    slow = full(text, str(path))
    if quick is None:  # modules, wires, quoted names: the full reader's work
        assert "modules:" in text or '"' in text.split("outputs:")[0].split("gates:")[-1]
        return
    spec, netlist = quick
    same_netlist(netlist, slow.nodes)
    same_spec(spec, slow.spec)
    c = circuitsim.loads(text, path=str(path))
    assert c.run().values == slow.run().values and c.run().grads == slow.run().grads


def test_the_builders_files_take_the_fast_reader(root):
    text = (root / "circuits" / "mlp_relu.yaml").read_text()
    assert fast(text) is not None
    with_constants = "inputs:\n  x: 2\ngates:\n  g: {type: pow, inputs: [x], params: {exponent: 3}}\n  h: {type: add, inputs: [g, 1.5, -2, g]}\noutputs: [h]\n"
    spec, netlist = fast(with_constants)
    same_netlist(netlist, full(with_constants).nodes)
    same_spec(spec, full(with_constants).spec)
    assert spec.gates["h"].sources["1"].pos.column == len("  h: {type: add, inputs: [g, ") + 1  # where 1.5 is written


@pytest.mark.parametrize(
    "text",
    [
        "inputs:\n  x: 1.0\ngates:\n  g: {type: neg, inputs: [y]}\noutputs: [g]\n",  # unknown source
        "inputs:\n  x: 1.0\ngates:\n  g: {type: nag, inputs: [x]}\noutputs: [g]\n",  # unknown type
        "inputs:\n  x: 1.0\ngates:\n  g: {type: neg, inputs: [x, x]}\noutputs: [g]\n",  # arity
        "inputs:\n  x: 1.0\ngates:\n  x: {type: neg, inputs: [x]}\noutputs: [x]\n",  # a name twice
        "inputs:\n  x: 1.0\ngates:\n  g: {type: pow, inputs: [x]}\noutputs: [g]\n",  # a required param
        "inputs:\n  x: 1.0\ngates:\n  g: {type: neg, inputs: [x]}\noutputs: [h]\n",  # unknown output
        "inputs:\n  x: 1.0\ngates:\n  g: {type: neg, inputs: [g]}\noutputs: [g]\n",  # a cycle
        "inputs:\n  x: one\ngates:\n  g: {type: neg, inputs: [x]}\noutputs: [g]\n",  # not a number
        "inputs:\n  x: 1e400\ngates:\n  g: {type: neg, inputs: [x]}\noutputs: [g]\n",  # beyond a float64
        "inputs:\n  x: 1.0\ngates:\n  g: {type: add, inputs: [x, 1e999]}\noutputs: [g]\n",
        "inputs:\n  x: 1.0\ngates:\n  g: {type: pow, inputs: [x], params: {exponent: 1e400}}\noutputs: [g]\n",
    ],
)
def test_a_bad_canonical_file_is_reported_by_the_full_reader(text):
    with pytest.raises(circuitsim.CircuitError) as fast_way:
        circuitsim.loads(text, path="bad.yaml")
    with pytest.raises(circuitsim.CircuitError) as full_way:
        full(text, "bad.yaml")
    assert str(fast_way.value) == str(full_way.value)
    assert fast_way.value.line is not None


CANONICAL = (
    "circuit: net\n"
    "inputs:\n  x: 0.5\n  w: -2.0\n  b: null\n"
    "gates:\n  m: {type: mul, inputs: [w, x]}\n  s: {type: add, inputs: [m, b, 1.0]}\n"
    "  p: {type: pow, inputs: [s], params: {exponent: 2}}\n  r: {type: relu, inputs: [p]}\n"
    "outputs: [r]\n"
    "tests:\n  - {name: t, inputs: {b: 0.0}, expect: {r: 0.0}}\n"
)
CHARACTERS = st.sampled_from(list(" :,[]{}#\"'-.0123456789abxmswnul\n") + ["null", "true", ", x", ": ", "e400", "9" * 400])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(CANONICAL) - 1), st.integers(0, 3), CHARACTERS)
def test_an_edited_file_is_read_the_same_or_left_to_the_full_reader(at, cut, insert):
    text = CANONICAL[:at] + insert + CANONICAL[at + cut :]
    quick = fast(text)
    if quick is None:
        return
    try:
        slow = full(text)  # raises if the fast reader took an invalid file
    except circuitsim.CircuitError as error:
        # unless what is wrong is the graph's (a cycle), which the loader finds in either reader's netlist
        with pytest.raises(circuitsim.CircuitError) as fast_way:
            circuitsim.loads(text, path="c.yaml", registry=REGISTRY)
        assert "cycle" in str(error) and str(fast_way.value) == str(error)
        return
    same_netlist(quick[1], slow.nodes)
    same_spec(quick[0], slow.spec)


def test_names_are_looked_up_in_bulk_by_their_bytes_and_long_ones_go_to_the_full_reader():
    from circuitsim.netlist.names import MAX_WIDTH, NameTable

    table = NameTable(["x", "w12345678", "g" * 40])
    asked = ["g" * 40, "x", "w1234567", "w123456789", "g" * 41, "1.5", "X"]
    assert table.unique and table.numbers(asked).tolist() == [2, 0, -1, -1, -1, -1, -1]
    assert not NameTable(["a", "b", "a"]).unique
    long = "n" * (MAX_WIDTH + 1)
    text = f"inputs:\n  {long}: 2.0\ngates:\n  g: {{type: neg, inputs: [{long}]}}\noutputs: [g]\n"
    assert fast(text) is None and circuitsim.loads(text).run().outputs == {"g": -2.0}
