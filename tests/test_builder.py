"""The Builder and dump: circuits written from Python load back as the same circuit."""

import doctest
import inspect
import math
import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import same_netlist, same_spec

import circuitsim
import circuitsim.author.builder
from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.derive.backward import backward_builder
from circuitsim.netlist.fastload import CanonicalSpec

ROOT = pathlib.Path(__file__).resolve().parent.parent
CIRCUITS = sorted((ROOT / "circuits").rglob("*.yaml"))

UNARY = ["neg", "reciprocal", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]
VARIADIC = ["add", "mul", "max", "min"]
TRICKY_NAMES = ["on", "off", "yes", "no", "y", "n", "null", "Null", "true", "False", "NO", "_", "nan", "inf"]


def structure(c: circuitsim.Circuit):
    """What the graph says about the circuit, without file positions and gate objects."""
    keys = ("kind", "type", "params", "ports", "sources", "default", "value", "instance")
    nodes = {n: {k: d[k] for k in keys if k in d} for n, d in c.graph.nodes(data=True)}
    edges = {(u, v): d["ports"] for u, v, d in c.graph.edges(data=True)}
    return nodes, edges, c.graph.graph["outputs"], c.name


def vectors(c: circuitsim.Circuit) -> list[tuple]:
    return [(t.name, t.inputs, t.expect, t.grads, t.tol) for t in c.spec.tests]


def same_numbers(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True) | st.sampled_from(TRICKY_NAMES)
numbers = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.integers(-5, 5) | st.sampled_from([1e-300, -0.0, 1e16])


@st.composite
def builders(draw):
    """A random valid circuit made with the Builder: any gate types, names YAML could misread,
    constants, ports by name or in order, parameters, a module with two outputs, test vectors."""
    taken = draw(st.lists(names, min_size=12, max_size=12, unique=True))
    b = Builder(
        draw(st.text(min_size=1, max_size=12)),
        description=draw(st.text(max_size=40)),
        path=ROOT / "circuits" / "generated.yaml",
    )
    sort2 = b.module("sort2", "modules/sort2.yaml") if draw(st.booleans()) else None
    sources = [b.input(taken.pop(), draw(st.none() | st.floats(-2, 2))) for _ in range(draw(st.integers(1, 3)))]
    required = {s: 0.5 for s, (_, d) in zip(sources, b.inputs) if d is None}

    def source():
        return draw(st.sampled_from(sources) | numbers)

    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(UNARY + VARIADIC + ["sub", "div", "pow"] + (["sort2"] if sort2 else [])))
        name = draw(st.none() | st.just(taken.pop()))
        if kind in UNARY:
            ref = b.gate(kind, [source()], name=name)
        elif kind in VARIADIC:
            ref = b.gate(kind, draw(st.lists(st.builds(source), min_size=1, max_size=3)), name=name)
        elif kind == "pow":
            ref = b.gate("pow", {"x": source()}, name=name, params={"exponent": draw(st.sampled_from([2, 0.5, -1]))})
        elif kind == "sort2":
            wired = draw(st.sampled_from([[source()], [source(), source()], {"b": source()}]))
            u = b.gate(sort2, wired, name=name)
            sources += [u.output("lo"), u.output("hi")]
            continue
        else:
            ref = b.gate(kind, draw(st.sampled_from([[source(), source()], {"b": source(), "a": source()}])), name=name)
        sources.append(ref)
    b.output(*draw(st.lists(st.sampled_from(sources[len(b.inputs) :] or sources), min_size=1, max_size=2, unique=True)))
    if draw(st.booleans()):
        b.test(draw(st.none() | st.text(max_size=10)), inputs=required, expect={b.outputs[0]: 1.5}, tol=draw(st.sampled_from([None, 1e-3])))
    return b, required


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(builders())
def test_dump_loads_back_to_the_same_circuit(case):
    b, required = case
    text = dump(b)
    c = b.build()
    again = circuitsim.loads(text, path=b.path)
    assert structure(again) == structure(c)
    assert (again.spec.description, vectors(again)) == (c.spec.description, vectors(c))  # positions differ: call sites
    r1, r2 = c.run(required, nan="ignore"), again.run(required, nan="ignore")
    assert same_numbers(r1.values, r2.values) and same_numbers(r1.grads, r2.grads)
    # a loaded circuit dumps to a fixed point that loads back to the same circuit again
    first = dump(again)
    reloaded = circuitsim.loads(first, path=b.path)
    assert dump(reloaded) == first
    assert structure(reloaded) == structure(c)


@pytest.mark.parametrize("path", CIRCUITS, ids=[str(p.relative_to(ROOT / "circuits")) for p in CIRCUITS])
def test_every_example_circuit_round_trips(path):
    c = circuitsim.load(path)
    again = circuitsim.loads(dump(c), path=str(path))
    assert structure(again) == structure(c)
    assert vectors(again) == vectors(c)
    assert same_numbers(again.run().values, c.run().values)


def test_module_docstring_example():
    result = doctest.testmod(circuitsim.author.builder)
    assert result.attempted >= 5 and result.failed == 0


def test_names_yaml_would_misread_are_quoted_and_text_is_escaped():
    b = Builder("on", description='say "hi"\n\tthen\x85 \\ bye')
    x = b.input("yes", 1)
    n = b.gate("neg", [x], name="null")
    b.output(n)
    text = dump(b)
    assert text.splitlines()[:4] == [
        'circuit: "on"',
        'description: "say \\"hi\\"\\n\\tthen\\x85 \\\\ bye"',
        "inputs:",
        '  "yes": 1',
    ]
    assert '  "null": {type: neg, inputs: ["yes"]}' in text
    c = b.build()
    assert (c.name, c.spec.description) == ("on", 'say "hi"\n\tthen\x85 \\ bye')
    assert c.run().outputs == {"null": -1.0}


def test_numbers_are_written_exactly():
    b = Builder("k")
    x = b.input("x", 0.1)
    b.output(b.gate("add", [x, 1e-300, -0.0, 2**60, 1 / 3, math.inf], name="s"))
    line = dump(b).splitlines()[4]
    assert line == "  s: {type: add, inputs: [x, 1e-300, -0.0, 1152921504606846976, 0.3333333333333333, .inf]}"
    sources = b.build().graph.nodes["s"]["sources"]
    consts = [b.build().graph.nodes[s]["value"] for s in sources[1:]]
    assert consts == [1e-300, -0.0, float(2**60), 1 / 3, math.inf]


def test_automatic_names_skip_taken_ones():
    b = Builder()
    x = b.input("mul_0", 2.0)
    first = b.gate("mul", [x, x])
    second = b.gate("mul", [first, 3])
    assert (first, second) == ("mul_1", "mul_2")
    b.output(second)
    assert b.build().run().outputs["mul_2"] == 12.0


def test_build_reports_problems_through_the_loader_at_the_calls_that_made_them():
    line = inspect.currentframe().f_lineno
    b = Builder("bad")
    x = b.input("x", 1.0)
    b.gate("mull", [x, x], name="m")
    b.output("m", "q")
    with pytest.raises(circuitsim.CircuitErrors) as info:
        b.build()
    assert [(e.message, e.path, e.line, e.column) for e in info.value.errors] == [
        ("gate 'm': unknown gate type 'mull' (did you mean 'mul'?); `circuitsim gates` lists the registered types",
         __file__, line + 3, 5),
        ("unknown output 'q'", __file__, line + 4, 5),
    ]
    assert str(info.value).startswith(f"{__file__}:{line + 3}:5: error: gate 'm': unknown gate type 'mull'")
    b.input("x", 2.0)
    with pytest.raises(circuitsim.CircuitErrors, match=rf"{line + 13}:5: error: name 'x' is used twice \(first at line {line + 2}\)"):
        b.build()


def test_call_sites_are_where_the_user_called_in():
    def helper(b, x):  # a function of the user's that calls the builder: its own line counts
        return b.gate("neg", [x])

    b = Builder("sites")
    x = b.input("x", 1.0)
    for _ in range(3):
        helper(b, x)
    b.output("neg_2")
    assert b.sites["gates"][0] == b.sites["gates"][2]  # one call site: one Position
    c = b.build()
    assert c.spec.gates["neg_1"].pos.line == helper.__code__.co_firstlineno + 1
    assert (c.spec.inputs["x"].pos.path, c.spec.inputs["x"].pos.column) == (__file__, 9)


def test_modules_from_the_builder(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "twice.yaml").write_text("inputs: {x: null}\ngates: {y: {type: mul, inputs: [x, 2]}}\noutputs: [y]\n")
    b = Builder("top", path=tmp_path / "top.yaml")
    twice = b.module("twice", "lib/twice.yaml")
    x = b.input("x", 1.5)
    u = b.gate(twice, {"x": x})
    v = b.gate(twice, [u])
    b.output(v)
    r = b.build().run()
    assert r.outputs == {"twice_1": 6.0} and r.values["twice_0/x"] == 1.5
    (tmp_path / "top.yaml").write_text(dump(b))
    assert circuitsim.load(tmp_path / "top.yaml").run().values == r.values


def test_builder_from_a_loaded_circuit_extends_it(root):
    b = Builder.from_circuit(circuitsim.load(root / "circuits" / "neuron.yaml"))
    b.output(b.gate("mul", ["f", "f"], name="f2"))
    r = b.build().run()
    assert r.outputs["f2"] == pytest.approx(0.7310585786300049**2)


def test_dump_of_something_else_is_a_type_error():
    b = Builder()
    b.input("x", 1.0)
    b.output(b.gate("pow", ["x"], params={"exponent": object()}))
    with pytest.raises(TypeError, match="cannot write object"):
        dump(b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(builders())
def test_build_reads_the_builders_columns_as_the_full_reader_reads_its_tree(case):
    b, _ = case
    fast = b.build()
    full = circuitsim.loads(b.tree(), path=b.path, registry=b.registry)
    same_netlist(fast.nodes, full.nodes)
    same_spec(fast.spec, full.spec)
    assert [fast.nodes.pos(i) for i in range(len(fast.nodes.kinds))] == [full.nodes.pos(i) for i in range(len(full.nodes.kinds))]


def test_a_builder_with_calls_in_several_files_takes_the_fast_reader(root):
    c = circuitsim.load(root / "circuits" / "mlp_relu.yaml")
    b = backward_builder(c)  # gates added from derive/backward.py and derive/lower.py, constants and params among them
    assert len({site.path for site in b.sites["gates"]}) == 2
    fast = b.build()
    full = circuitsim.loads(b.tree(), path=b.path, registry=b.registry)
    assert isinstance(fast.spec, CanonicalSpec) and not isinstance(full.spec, CanonicalSpec)
    same_netlist(fast.nodes, full.nodes)
    same_spec(fast.spec, full.spec)
    assert [fast.nodes.pos(i) for i in range(len(fast.nodes.kinds))] == [full.nodes.pos(i) for i in range(len(full.nodes.kinds))]
    assert fast.run().values == full.run().values


def test_a_builder_over_the_gate_cap_is_reported_as_a_file_is(monkeypatch):
    b = Builder("big")
    x = b.input("x", 1.0)
    b.output(b.gate("neg", [b.gate("neg", [b.gate("neg", [x])])]))
    monkeypatch.setenv("CIRCUITSIM_MAX_GATES", "2")
    with pytest.raises(circuitsim.CircuitError, match=r"test_builder.py:\d+:\d+: error: the circuit has 3 gates once its modules are expanded, more than the limit of 2;"):
        b.build()
