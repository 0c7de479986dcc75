"""Modules: circuits used as gates by other circuits, as a user writes and reads them."""

import math
import textwrap
import types

import numpy as np
import pytest

import circuitsim
from circuitsim.netlist.flatten import MODULE_INPUT, MODULE_OUTPUT

SCALE = """\
inputs: {x: null, k: 2.0}
gates:
  y: {type: mul, inputs: [x, k]}
outputs: [y]
"""

SPLIT = """\
inputs: {a: 1.0, b: 2.0}
gates:
  lo: {type: min, inputs: [a, b]}
  hi: {type: max, inputs: [a, b]}
outputs: [lo, hi]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path, text, **files):
    for name, body in files.items():
        write(tmp_path, f"{name}.yaml", body)
    return circuitsim.load(write(tmp_path, "top.yaml", text))


def errors_of(tmp_path, text, **files):
    with pytest.raises(circuitsim.CircuitError) as info:
        load(tmp_path, text, **files)
    return str(info.value).replace(str(tmp_path) + "/", "")


def test_instance_by_name_and_in_order_with_defaults(tmp_path):
    c = load(
        tmp_path,
        """\
        modules: {scale: scale.yaml}
        inputs: {v: 3.0}
        gates:
          a: {type: scale, inputs: {x: v}}
          b: {type: scale, inputs: [a, 10]}
          s: {type: add, inputs: [a, b]}
        outputs: [s]
        """,
        scale=SCALE,
    )
    r = c.run()
    assert r.values["a"] == 6.0 and r.values["b"] == 60.0 and r.outputs["s"] == 66.0
    assert r.values["a/k"] == 2.0  # unwired: the module input's default
    assert r.values["b/k"] == 10.0
    assert r.grads["v"] == 2.0 + 20.0
    assert r.grads["a"] == 11.0  # what reaches a's output from outside
    assert r.grads["a/x"] == 2.0 + 20.0  # ... and through its port x
    assert r.grads["a/k"] == 3.0 * 11.0


def test_several_outputs_are_gate_dot_output_and_inner_names_nest(tmp_path):
    write(tmp_path, "lib/split.yaml", SPLIT)
    write(
        tmp_path,
        "lib/pair.yaml",
        """\
        modules: {split: split.yaml}
        inputs: {p: 0.0, q: 0.0}
        gates:
          s: {type: split, inputs: [p, q]}
          d: {type: sub, inputs: [s.hi, s.lo]}
        outputs: [d]
        """,
    )
    c = load(
        tmp_path,
        """\
        modules: {pair: lib/pair.yaml, split: lib/split.yaml}
        inputs: {x: 5.0, y: -1.0}
        gates:
          u: {type: pair, inputs: [x, y]}
          w: {type: split, inputs: [u, x]}
        outputs: [w.lo, w.hi]
        tests:
          - {expect: {w.lo: 5.0, u/s.hi: 5.0, u/s/hi: 5.0, u/s/a: 5.0}}
        """,
    )
    r = c.run()
    assert r.outputs == {"w.lo": 5.0, "w.hi": 6.0}
    assert r.values["u"] == 6.0 and r.values["u/s.lo"] == -1.0 and r.values["u/s/b"] == -1.0
    assert "w" not in r.values  # a module with two outputs has no single value
    assert c.test().passed
    g = c.graph
    assert g.nodes["u/s/lo"]["instance"] == "u/s" and g.nodes["u/s/lo"]["type"] == "min"
    assert g.nodes["u/s/a"]["type"] == MODULE_INPUT and g.nodes["u/s/a"]["instance"] == "u/s"
    assert g.nodes["w.hi"]["type"] == MODULE_OUTPUT and g.nodes["w.hi"]["instance"] == "w"
    assert g.nodes["x"]["instance"] is None
    assert g.graph["instances"]["u/s"]["module"] == "split"
    assert g.graph["instances"]["u/s"]["instance"] == "u"
    assert g.graph["instances"]["u"]["pos"].line == 4
    assert g.nodes["u/s/lo"]["pos"].path.endswith("split.yaml")


def test_netlist_wires_into_module_ports(tmp_path):
    c = load(
        tmp_path,
        """\
        modules: {split: split.yaml}
        inputs: {x: 3.0, y: 4.0}
        gates:
          s: {type: split}
          t: {type: split}
          m: {type: mul}
        wires:
          - "y -> s.b"
          - "x -> s"
          - "s.hi -> t"
          - "s.lo -> t"
          - "t.lo -> m"
          - "2 -> m"
        outputs: [m]
        """,
        split=SPLIT,
    )
    r = c.run()
    assert r.values["s/a"] == 3.0 and r.values["s/b"] == 4.0
    assert r.values["t/a"] == 4.0 and r.outputs["m"] == 6.0
    assert r.grads["x"] == 2.0 and r.grads["y"] == 0.0


def test_batches_run_through_instances(tmp_path):
    c = load(
        tmp_path,
        "modules: {scale: scale.yaml}\ninputs: {v: 1.0}\ngates: {a: {type: scale, inputs: [v]}}\noutputs: [a]\n",
        scale=SCALE,
    )
    r = c.run({"v": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(r.outputs["a"], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(r.grads["a/k"], [1.0, 2.0, 3.0])


def test_module_tests_are_not_the_parents(tmp_path):
    failing = SCALE + "tests:\n  - {inputs: {x: 1.0}, expect: {y: 99.0}}\n"
    c = load(
        tmp_path,
        "modules: {scale: scale.yaml}\ninputs: {v: 1.0}\ngates: {a: {type: scale, inputs: [v]}}\noutputs: [a]\n",
        scale=failing,
    )
    report = c.test()
    assert report.passed and report.results == []
    assert not circuitsim.load(tmp_path / "scale.yaml").test().passed


def test_one_module_file_read_once_and_modules_relative_to_their_file(tmp_path):
    write(tmp_path, "sub/inner.yaml", SCALE)
    write(tmp_path, "sub/outer.yaml", "modules: {s: inner.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: s, inputs: [x]}}\noutputs: [g]\n")
    c = load(
        tmp_path,
        """\
        modules: {outer: sub/outer.yaml, inner: sub/inner.yaml}
        inputs: {x: 1.5}
        gates:
          a: {type: outer, inputs: [x]}
          b: {type: inner, inputs: [a]}
        outputs: [b]
        """,
    )
    assert c.run().outputs["b"] == 1.5 * 2 * 2
    assert c.run().values["a/g/y"] == 3.0


def test_loads_resolves_modules_from_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, "scale.yaml", SCALE)
    monkeypatch.chdir(tmp_path)
    c = circuitsim.loads("modules: {s: scale.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: s, inputs: [x]}}\noutputs: [g]\n")
    assert c.run().outputs["g"] == 2.0


# -- errors ------------------------------------------------------------------------------------


def test_required_port_left_unwired_is_an_error_at_the_instance(tmp_path):
    text = "modules: {scale: scale.yaml}\ninputs: {v: 1.0}\ngates:\n  a: {type: scale, inputs: {k: v}}\noutputs: [a]\n"
    assert errors_of(tmp_path, text, scale=SCALE) == (
        "top.yaml:4:3: error: port 'x' of gate 'a' (scale) is not driven and module input 'x' has no default: wire it"
    )


def test_errors_inside_a_module_name_the_module_file_once(tmp_path):
    broken = "inputs: {x: 1.0}\ngates:\n  y: {type: mull, inputs: [x, x]}\noutputs: [y]\n"
    text = """\
    modules: {m: lib/broken.yaml}
    inputs: {v: 1.0}
    gates:
      a: {type: m, inputs: [v]}
      b: {type: m, inputs: [a]}
    outputs: [b]
    """
    write(tmp_path, "lib/broken.yaml", broken)
    assert errors_of(tmp_path, text) == (
        "lib/broken.yaml:3:13: error: gate 'y': unknown gate type 'mull' (did you mean 'mul'?); "
        "`circuitsim gates` lists the registered types"
    )


def test_module_that_includes_itself_names_the_chain(tmp_path):
    write(tmp_path, "a.yaml", "modules: {b: b.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: b, inputs: [x]}}\noutputs: [g]\n")
    write(tmp_path, "b.yaml", "modules: {a: a.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: a, inputs: [x]}}\noutputs: [g]\n")
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(tmp_path / "a.yaml")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert str(info.value) == f"{b}:1:14: error: module 'a.yaml' includes itself: {a} -> {b} -> {a}"
    write(tmp_path, "self.yaml", "modules: {me: self.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: neg, inputs: [x]}}\noutputs: [g]\n")
    with pytest.raises(circuitsim.CircuitError, match=r"module 'self.yaml' includes itself: .*self.yaml -> .*self.yaml$"):
        circuitsim.load(tmp_path / "self.yaml")


@pytest.mark.parametrize(
    "gates, outputs, message",
    [
        ("a: {type: split, inputs: [x, x]}\n  b: {type: neg, inputs: [a]}", "[b]",
         "5:27: error: gate 'b': gate 'a' (split) has several outputs: pick one of a.lo, a.hi"),
        ("a: {type: split, inputs: [x, x]}\n  b: {type: neg, inputs: [a.mid]}", "[b]",
         "5:27: error: gate 'b': gate 'a' (split) has no output 'mid'; its outputs: lo, hi"),
        ("a: {type: scale, inputs: [x]}\n  b: {type: neg, inputs: [a.y]}", "[b]",
         "5:27: error: gate 'b': gate 'a' (scale) has one output: write 'a', not 'a.y'"),
        ("a: {type: neg, inputs: [x]}\n  b: {type: neg, inputs: [a.y]}", "[b]",
         "5:27: error: gate 'b': 'a' is not a module instance, so it has no output 'y'"),
        ("a: {type: split, inputs: [x, x]}", "[a]",
         "5:11: error: gate 'a' (split) has several outputs: pick one of a.lo, a.hi"),
        ("a: {type: split, inputs: [x, x, x]}", "[a.lo]",
         "4:28: error: gate 'a' (split) takes 2 inputs (a, b), got 3"),
        ("a: {type: split, inputs: {c: x}}", "[a.lo]",
         "4:29: error: gate 'a' (split): unknown port 'c'; its ports: a, b"),
        ("a: {type: split, inputs: [x], params: {p: 1}}", "[a.lo]",
         "4:42: error: gate 'a' (split): unknown parameter 'p'; its parameters: none"),
        ("a: {type: splt, inputs: [x]}", "[a]",
         "4:13: error: gate 'a': unknown gate type 'splt' (did you mean 'split'?); `circuitsim gates` lists the registered types"),
    ],
)
def test_wrong_use_of_an_instance(tmp_path, gates, outputs, message):
    text = f"modules: {{split: split.yaml, scale: scale.yaml}}\ninputs: {{x: 1.0}}\ngates:\n  {gates}\noutputs: {outputs}\n"
    assert errors_of(tmp_path, text, split=SPLIT, scale=SCALE) == f"top.yaml:{message}"


@pytest.mark.parametrize(
    "modules, message",
    [
        ("{add: scale.yaml}", "1:11: error: module name 'add' is a registered gate type; give the module another name"),
        ("{s: nope.yaml}", "1:14: error: cannot read module file nope.yaml: No such file or directory"),
        ("{s: null}", "1:14: error: module 's' needs the path of a circuit file"),
        ("{s: [a]}", "1:14: error: the path of module 's' must be text"),
        ("[scale.yaml]", "1:10: error: modules must be a mapping of module name to circuit file path"),
        ("{1s: scale.yaml}", "1:11: error: invalid module name '1s': names start with a letter or '_' and contain only letters, digits and '_'"),
    ],
)
def test_bad_modules_section(tmp_path, modules, message):
    text = f"modules: {modules}\ninputs: {{x: 1.0}}\ngates: {{g: {{type: neg, inputs: [x]}}}}\noutputs: [g]\n"
    assert errors_of(tmp_path, text, scale=SCALE) == "top.yaml:" + message


def test_module_file_that_is_not_yaml_is_reported_with_its_path(tmp_path):
    write(tmp_path, "bad.yaml", "inputs: [x\n")
    text = "modules: {m: bad.yaml}\ninputs: {x: 1.0}\ngates: {g: {type: m, inputs: [x]}}\noutputs: [g]\n"
    assert errors_of(tmp_path, text).startswith("bad.yaml:2:1: error: YAML syntax error")


def test_cycle_through_an_instance_names_the_instance(tmp_path):
    text = """\
    modules: {scale: scale.yaml}
    inputs: {x: 1.0}
    gates:
      a: {type: add, inputs: [x, u]}
      u: {type: scale, inputs: [a]}
    outputs: [u]
    """
    assert errors_of(tmp_path, text, scale=SCALE) == (
        "top.yaml:4:3: error: the circuit has a cycle: a -> u -> a; a circuit must be acyclic"
    )


def test_test_vectors_may_name_inner_nodes_and_unknown_ones_are_errors(tmp_path):
    text = """\
    modules: {scale: scale.yaml}
    inputs: {x: 1.0}
    gates: {u: {type: scale, inputs: [x]}}
    outputs: [u]
    tests:
      - {expect: {u: 2.0, u/k: 2.0, u/y: 2.0}, grads: {u/x: 2.0, u/k: 1.0}}
      - {expect: {u/z: 1.0}}
    """
    assert errors_of(tmp_path, text, scale=SCALE) == "top.yaml:7:15: error: test: unknown node 'u/z' (did you mean 'u/k' or 'u/x' or 'u/y'?)"


def test_module_with_a_gate_that_rejects_its_params_reports_it_once(tmp_path):
    from circuitsim.gate import Gate
    from circuitsim.gate.hookspecs import hookimpl

    class Picky(Gate):
        """Rejects every parameter value but 1."""

        name = "picky"
        params = {"n": 1}

        def __init__(self, params=None):
            super().__init__(params)
            if self.params["n"] != 1:
                raise ValueError("n must be 1")

        def forward(self, x):
            return x

        def local_grads(self, inputs, output):
            return (1.0,)

    @hookimpl
    def circuitsim_register_gates(register):
        register(Picky)

    plugin = types.ModuleType("picky_plugin")
    plugin.circuitsim_register_gates = circuitsim_register_gates

    write(tmp_path, "m.yaml", "inputs: {x: 1.0}\ngates: {g: {type: picky, inputs: [x], params: {n: 2}}}\noutputs: [g]\n")
    text = "modules: {m: m.yaml}\ninputs: {x: 1.0}\ngates: {a: {type: m, inputs: [x]}, b: {type: m, inputs: [a]}}\noutputs: [b]\n"
    with pytest.raises(circuitsim.CircuitError) as info:
        circuitsim.load(write(tmp_path, "top.yaml", text), plugins=[plugin])
    assert str(info.value) == f"{tmp_path / 'm.yaml'}:2:9: error: gate 'g' (picky): n must be 1"


def test_nan_inside_an_instance_names_the_inner_gate_and_module_file(tmp_path):
    write(tmp_path, "lg.yaml", "inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    c = load(tmp_path, "modules: {lg: lg.yaml}\ninputs: {x: -1.0}\ngates: {u: {type: lg, inputs: [x]}}\noutputs: [u]\n")
    with pytest.raises(circuitsim.NumericalError) as info:
        c.run(nan="raise")
    assert str(info.value) == f"{tmp_path / 'lg.yaml'}:3:3: error: gate 'u/l' (log) with inputs x=-1 produced nan in the forward pass"
    assert math.isnan(c.run(nan="ignore").outputs["u"])


def test_readme_two_neurons_is_the_file(root):
    readme = (root / "docs" / "circuits.md").read_text()
    block = readme.split("```yaml\ncircuit: two_neurons\n", 1)[1].split("```", 1)[0]
    assert "circuit: two_neurons\n" + block == (root / "circuits" / "two_neurons.yaml").read_text().split("tests:")[0]


def test_lint_judges_an_instance_as_a_whole(tmp_path):
    from circuitsim.check.lint import lint

    text = """\
    modules: {split: split.yaml}
    inputs: {x: 1.0, y: 2.0}
    gates:
      half: {type: split, inputs: [x, y]}
      unused: {type: split, inputs: [x, y]}
    outputs: [half.lo]
    """
    findings = [str(f).replace(str(tmp_path) + "/", "") for f in lint(load(tmp_path, text, split=SPLIT))]
    assert findings == ["top.yaml:5:3: warning: gate 'unused' (split) feeds no output"]
