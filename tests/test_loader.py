"""The loader: what a user sees for good and for bad circuit files."""

import pathlib
import re

import networkx as nx
import pytest

import circuitsim

BAD = pathlib.Path(__file__).parent / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))


def expected_lines(path: pathlib.Path) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^# expect: (.*)$", path.read_text(), re.M)]


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_reports_every_problem_with_its_position(path):
    expected = expected_lines(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(path)
    got = str(info.value).splitlines()
    assert got == [f"{path}:{line}" for line in expected]


def test_error_fields_and_str():
    path = BAD / "unknown_type.yaml"
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.path, err.line, err.column) == (str(path), 5, 13)
    assert str(err).startswith(f"{path}:5:13: error: ")


def test_several_errors_are_all_listed():
    with pytest.raises(circuitsim.CircuitErrors) as info:
        circuitsim.load(BAD / "many_problems.yaml")
    assert len(info.value.errors) == 5
    assert [e.line for e in info.value.errors] == sorted(e.line for e in info.value.errors)


def test_missing_file_is_a_circuit_error(tmp_path):
    with pytest.raises(circuitsim.CircuitError, match="cannot read circuit file"):
        circuitsim.load(tmp_path / "nope.yaml")


def test_name_defaults_to_file_stem(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("inputs: {x: 1}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n")
    assert circuitsim.load(path).name == "tiny"
    assert circuitsim.loads(path.read_text()).name == "circuit"


def test_graph_nodes_and_edges(root):
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    g = c.graph
    assert isinstance(g, nx.DiGraph)
    assert g.nodes["w0"]["kind"] == "input" and g.nodes["w0"]["default"] == 2.0
    assert g.nodes["m0"]["kind"] == "gate" and g.nodes["m0"]["type"] == "mul"
    assert g.nodes["m0"]["pos"].line == 10
    assert g.edges["w0", "m0"]["ports"] == ["0"]
    consts = [n for n, d in g.nodes(data=True) if d["kind"] == "const"]
    assert [g.nodes[n]["value"] for n in consts] == [1.0]
    assert list(g.successors(consts[0])) == ["p"]


def test_same_source_on_two_ports_keeps_both_wires():
    c = circuitsim.loads("inputs: {a: 3}\ngates: {s: {type: add, inputs: [a, a]}}\noutputs: [s]\n")
    assert c.graph.edges["a", "s"]["ports"] == ["0", "1"]
    assert c.graph.nodes["s"]["sources"] == ["a", "a"]
    assert c.run().grads["a"] == 2.0


def test_port_mapping_and_netlist_give_the_same_circuit(root):
    inline = circuitsim.load(root / "circuits" / "neuron.yaml").run()
    netlist = circuitsim.load(root / "circuits" / "neuron_netlist.yaml").run()
    assert inline.values == netlist.values
    assert inline.grads == netlist.grads


def test_ports_by_name():
    c = circuitsim.loads("inputs: {x: 6, y: 3}\ngates: {d: {type: div, inputs: {b: y, a: x}}}\noutputs: [d]\n")
    r = c.run()
    assert r.outputs["d"] == 2.0
    assert r.grads["x"] == pytest.approx(1 / 3) and r.grads["y"] == pytest.approx(-6 / 9)


def test_yaml_11_words_are_names_and_numbers_read_as_meant():
    text = "inputs: {on: 2, no: 1e3}\ngates: {yes: {type: add, inputs: [on, no, 012]}}\noutputs: [yes]\n"
    r = circuitsim.loads(text).run()
    assert r.outputs["yes"] == 2 + 1000 + 12


def test_required_input_is_reported_at_run():
    c = circuitsim.loads("inputs: {x: null}\ngates: {f: {type: exp, inputs: [x]}}\noutputs: [f]\n")
    with pytest.raises(circuitsim.CircuitError, match="input 'x' has no default"):
        c.run()
    assert c.run({"x": 0.0}).outputs["f"] == 1.0


def test_list_of_inputs_are_required():
    c = circuitsim.loads("inputs: [x, y]\ngates: {f: {type: mul, inputs: [x, y]}}\noutputs: [f]\n")
    assert c.inputs == {"x": None, "y": None}


def test_wire_with_constant_and_numbered_ports():
    text = """
inputs: {x: 2}
gates:
  s: {type: add}
  m: {type: sub}
wires:
  - "x -> s.1"
  - "5 -> s.0"
  - "s -> m.b"
  - "1e1 -> m.a"
outputs: [m]
"""
    assert circuitsim.loads(text).run().outputs["m"] == 10 - 7



def test_names_python_reads_as_numbers_are_names():
    text = 'inputs: {nan: 1.0, inf: 2.0}\ngates:\n  s: {type: add, inputs: [nan, "inf", .inf]}\nwires: []\noutputs: [s]\n'
    r = circuitsim.loads(text).run(nan="ignore")
    assert r.grads["nan"] == 1.0 and r.grads["inf"] == 1.0 and r.outputs["s"] == float("inf")
    netlist = "inputs: {nan: 1.0}\ngates: {s: {type: add}}\nwires: [nan -> s, .5 -> s]\noutputs: [s]\n"
    assert circuitsim.loads(netlist).run().outputs["s"] == 1.5


def test_the_cycle_collector_runs_again_after_a_load_good_or_bad():
    import gc

    circuitsim.loads("inputs: {x: 1}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n")
    assert gc.isenabled()
    with pytest.raises(circuitsim.CircuitError):
        circuitsim.loads("inputs: {x: 1}\ngates: {f: {type: nope, inputs: [x]}}\noutputs: [f]\n")
    assert gc.isenabled()


def test_size_cap_is_configurable_and_checked_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    text = "inputs: {x: 1}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n"
    path.write_text(text + "#" * 1000 + "\n")
    with pytest.raises(circuitsim.CircuitError, match="larger than the limit of 100 bytes") as info:
        circuitsim.load(path, max_bytes=100)
    assert info.value.path == str(path)
    assert circuitsim.load(path).run().outputs["f"] == -1.0
    with pytest.raises(circuitsim.CircuitError, match="larger than the limit"):
        circuitsim.loads(text, max_bytes=10)


def test_the_command_line_raises_the_size_cap_from_the_environment(tmp_path, monkeypatch, cli):
    path = tmp_path / "big.yaml"
    path.write_text("inputs: {x: 1}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n" + "#" * 2000 + "\n")
    monkeypatch.setenv("CIRCUITSIM_MAX_BYTES", "1K")
    out = cli("run", str(path), code=1).stderr
    assert "larger than the limit of 1024 bytes" in out and "CIRCUITSIM_MAX_BYTES" in out
    monkeypatch.setenv("CIRCUITSIM_MAX_BYTES", "1_000_000")
    assert "-1" in cli("run", str(path), "--format", "json").stdout
    monkeypatch.setenv("CIRCUITSIM_MAX_BYTES", "lots")
    assert "CIRCUITSIM_MAX_BYTES='lots' is not a positive whole number of bytes" in cli("run", str(path), code=1).stderr


def test_size_cap_applies_to_module_files(tmp_path):
    (tmp_path / "inner.yaml").write_text("inputs: {x: 1}\ngates: {f: {type: neg, inputs: [x]}}\noutputs: [f]\n" + "#" * 500 + "\n")
    outer = tmp_path / "outer.yaml"
    outer.write_text("modules: {inner: inner.yaml}\ninputs: {x: 1}\ngates: {u: {type: inner, inputs: [x]}}\noutputs: [u]\n")
    with pytest.raises(circuitsim.CircuitError, match="larger than the limit of 300 bytes"):
        circuitsim.load(outer, max_bytes=300)
    assert circuitsim.load(outer).run().outputs["u"] == -1.0
