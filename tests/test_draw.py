"""Pictures: the SVG and DOT drawings, their labels and where they sit, and `circuitsim draw`."""

import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main
from circuitsim.draw import FONT, GRAD_COLOUR, VALUE_COLOUR, picture, to_dot, to_svg

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = ["neuron", "fanout", "mlp"]


def load(root, name):
    return circuitsim.load(root / "circuits" / f"{name}.yaml")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def classes(g) -> list[str]:
    return (g.get("class") or "").split()


def end(g) -> tuple[str, str]:
    """A wire's (or its labels') key: (from, to), to "@trunk" before a junction, "@output" at an output."""
    to = g.get("data-to") or ("@trunk" if "trunk" in classes(g) else "@output")
    return g.get("data-from"), to


def key(pic, w) -> tuple[str, str]:
    """The same key for a wire of the picture."""
    kind = pic.nodes[w.target].kind
    return w.origin, {"junction": "@trunk", "output": "@output"}.get(kind, w.reader)


def wires(tree):
    """(from, to) -> the wire's points, from each wire's path."""
    found = {}
    for g in tree.iter(f"{SVG}g"):
        if "wire" in classes(g):
            d = g.find(f"{SVG}path").get("d")
            points = [tuple(map(float, p.split(","))) for p in re.findall(r"[ML]([-\d.]+,[-\d.]+)", d)]
            found[end(g)] = points
    return found


def labels(tree):
    """(from, to) -> {"value"|"grad": (text, x, baseline, fill)}."""
    found = {}
    for g in tree.iter(f"{SVG}g"):
        if "labels" in classes(g):
            texts = {t.get("class"): (t.text, float(t.get("x")), float(t.get("y")), t.get("fill")) for t in g}
            found[end(g)] = texts
    return found


def height_at(points, x):
    """The wire's height at x (the segment under x; the nearest end outside)."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        lo, hi = sorted((x0, x1))
        if lo <= x <= hi:
            return y0 if x1 == x0 else y0 + (x - x0) / (x1 - x0) * (y1 - y0)
    return min(points, key=lambda p: abs(p[0] - x))[1]


def boxes(tree):
    """Estimated boxes of every label and gate, to check that nothing overlaps."""
    out = []
    for (src, tgt), texts in labels(tree).items():
        for cls, (text, x, y, _) in texts.items():
            w = len(text) * FONT * 0.55
            out.append((f"{cls} {src}->{tgt} {text}", x - w / 2, y - FONT * 0.7, x + w / 2, y))
    for c in tree.iter(f"{SVG}circle"):
        if c.get("class") != "junction":
            x, y, r = float(c.get("cx")), float(c.get("cy")), float(c.get("r"))
            out.append((f"gate at {x},{y}", x - r * 0.8, y - r * 0.8, x + r * 0.8, y + r * 0.8))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_wire_has_its_labels_in_colour_value_above_gradient_below(root, name):
    c = load(root, name)
    tree = parse(to_svg(c, c.run()))
    found_wires, found_labels = wires(tree), labels(tree)
    assert found_wires and set(found_labels) <= set(found_wires)
    pic = picture(c, c.run())
    for w in pic.wires:
        texts = found_labels[key(pic, w)]
        points = found_wires[key(pic, w)]
        if w.value is not None:
            text, x, baseline, fill = texts["value"]
            assert (text, fill) == (w.value, VALUE_COLOUR)
            assert baseline < height_at(points, x), (w, "value not above its wire")
        if w.grad is not None:
            text, x, baseline, fill = texts["grad"]
            assert (text, fill) == (w.grad, GRAD_COLOUR)
            assert baseline - FONT * 0.75 > height_at(points, x), (w, "gradient not below its wire")
        assert texts.keys() == {k for k, v in (("value", w.value), ("grad", w.grad)) if v is not None}


@pytest.mark.parametrize("name", EXAMPLES)
def test_labels_overlap_neither_each_other_nor_gates(root, name):
    c = load(root, name)
    found = boxes(parse(to_svg(c, c.run())))
    for i, (a, *ba) in enumerate(found):
        for b, *bb in found[i + 1 :]:
            overlap = min(ba[2], bb[2]) > max(ba[0], bb[0]) and min(ba[3], bb[3]) > max(ba[1], bb[1])
            assert not overlap, f"{a} overlaps {b}"


def test_the_neuron_reads_as_in_the_notes(root):
    c = load(root, "neuron")
    tree = parse(to_svg(c, c.run()))
    found = labels(tree)
    value = {k: v["value"][0] for k, v in found.items()}
    grad = {k: v["grad"][0] for k, v in found.items()}
    assert (value["f", "@output"], grad["f", "@output"]) == ("0.73", "1.00")
    assert grad["w0", "m0"] == "-0.20" and grad["x0", "m0"] == "0.39"
    assert grad["w1", "m1"] == "-0.39" and grad["x1", "m1"] == "-0.59" and grad["w2", "s0"] == "0.20"
    assert (value["e", "p"], grad["e", "p"]) == ("0.37", "-0.53")
    operators = [t.text for g in tree.iter(f"{SVG}g") if "gate" in classes(g) for t in g.iter(f"{SVG}text") if t.get("class") == "symbol"]
    assert operators == ["*", "*", "+", "*-1", "exp", "+1", "1/x"]  # the constant 1 folded into +1
    inputs = [g.get("data-node") for g in tree.iter(f"{SVG}g") if classes(g) == ["node", "input"]]
    assert inputs == ["w0", "x0", "w1", "x1", "w2"]
    markers = [p for p in tree.iter(f"{SVG}path") if p.get("marker-end")]
    assert len(markers) == len(wires(tree))  # every wire ends in an arrow


def test_fan_out_goes_through_a_junction_whose_branches_add_up(root):
    c = load(root, "fanout")
    r = c.run()
    found = labels(parse(to_svg(c, r)))
    assert found["x", "@trunk"]["value"][0] == "3.00"
    assert found["x", "@trunk"]["grad"][0] == "-2.00"
    branches = {t: v["grad"][0] for (s, t), v in found.items() if s == "x" and t != "@trunk"}
    assert branches == {"s": "-12.00", "p": "4.00", "sq": "6.00"}
    assert all("value" not in v for (s, t), v in found.items() if s in "xy" and t != "@trunk")
    assert "×2" in to_svg(c, r)  # x drives both ports of sq


def test_operators_come_from_the_gate_instance_with_constants_folded_in():
    c = circuitsim.loads(
        "inputs: {x: 2.0}\ngates:\n"
        "  a: {type: pow, inputs: [x], params: {exponent: 3}}\n"
        "  b: {type: mul, inputs: [2, a]}\n"
        "  d: {type: add, inputs: [b, -3]}\n"
        "  e: {type: sub, inputs: {a: d, b: 0.5}}\n"
        "  g: {type: sub, inputs: {a: 4, b: e}}\n"
        "  h: {type: add, inputs: [1, 2]}\n"
        "  f: {type: div, inputs: {a: g, b: h}}\n"
        "outputs: [f]\n"
    )
    labels_ = {n.id: n.label for n in picture(c).nodes.values() if n.kind == "gate"}
    assert labels_ == {"a": "^3", "b": "*2", "d": "-3", "e": "-0.5", "g": "-", "h": "+", "f": "/"}
    consts = sorted(n.label for n in picture(c).nodes.values() if n.kind == "const")
    assert consts == ["1", "2", "4"]  # a constant is drawn where folding would not read right


def test_dot_has_every_node_and_wire_with_the_same_labels(root):
    c = load(root, "fanout")
    r = c.run()
    dot = to_dot(c, r)
    pic = picture(c, r)
    assert dot.startswith('digraph "fanout" {') and dot.rstrip().endswith("}")
    for n in pic.nodes.values():
        assert re.search(rf'^  "{re.escape(n.id)}" \[.*label="{re.escape(n.label)}"', dot, re.M), n
    for w in pic.wires:
        line = re.search(rf'^  "{re.escape(w.source)}" -> "{re.escape(w.target)}"(.*);$', dot, re.M)
        assert line, w
        if w.value:
            assert f'<font color="{VALUE_COLOUR}">{w.value}</font>' in line.group(1)
        if w.grad:
            assert f'<font color="{GRAD_COLOUR}">{w.grad}</font>' in line.group(1)
    assert dot.count(" -> ") == len(pic.wires)
    for name in c.graph:
        if c.graph.nodes[name]["kind"] != "const":
            assert f'"{name}"' in dot


def test_notebooks_show_circuits_and_results(root):
    c = load(root, "neuron")
    bare = parse(c._repr_svg_())
    assert not labels(bare) and len(wires(bare)) == 12
    r = c.run()
    assert r.from_circuit is c
    assert labels(parse(r._repr_svg_()))["f", "@output"]["value"][0] == "0.73"
    values_only = labels(parse(c.forward()._repr_svg_()))
    assert values_only["f", "@output"] == {"value": values_only["f", "@output"]["value"]}
    standalone = circuitsim.Result("x", {}, {}, {})
    assert standalone._repr_svg_() is None


def test_a_batch_draws_one_sample(root):
    c = load(root, "neuron")
    r = c.run({"x0": [-1.0, 0.0, 1.0]})
    svg = to_svg(c, r, sample=2)
    assert "sample 2 of 3" in svg
    assert labels(parse(svg))["x0", "m0"]["value"][0] == "1.00"
    assert labels(parse(to_svg(c, r, precision=3)))["x0", "m0"]["value"][0] == "-1.000"


def test_names_and_numbers_are_escaped_and_extremes_formatted():
    c = circuitsim.loads("circuit: a<b&c\ninputs: {x: 1e-9, y: 3e7}\ngates:\n  f: {type: mul, inputs: [x, y]}\noutputs: [f]\n")
    svg = to_svg(c, c.run())
    parse(svg)
    found = labels(parse(svg))
    assert found["x", "f"]["value"][0] == "1e-09" and found["y", "f"]["value"][0] == "3e+07"
    assert "<title>a&lt;b&amp;c</title>" in svg


def big_circuit(gates: int) -> str:
    """A deep, wide circuit with fan-out and long wires: layers of 40 gates, each reading two
    nodes from the last two layers."""
    lines = ["inputs:"] + [f"  x{i}: {0.01 * i}" for i in range(40)] + ["gates:"]
    previous = [f"x{i}" for i in range(40)]
    names = []
    for g in range(gates):
        a, b = previous[(g * 7) % len(previous)], previous[(g * 13 + 5) % len(previous)]
        kind = ("add", "mul", "tanh")[g % 3]
        ins = f"[{a}, {b}]" if kind != "tanh" else f"[{a}]"
        lines.append(f"  g{g}: {{type: {kind}, inputs: {ins}}}")
        names.append(f"g{g}")
        if len(names) % 40 == 0:
            previous = previous[-40:] + names[-40:]
    lines.append(f"outputs: [g{gates - 1}, g{gates - 2}]")
    return "\n".join(lines) + "\n"


def test_two_thousand_gates_give_valid_svg_and_dot_quickly():
    c = circuitsim.loads(big_circuit(2000))
    r = c.run()
    start = time.perf_counter()
    svg = to_svg(c, r)
    took = time.perf_counter() - start
    tree = parse(svg)
    assert len([g for g in tree.iter(f"{SVG}g") if "gate" in classes(g)]) == 2000
    assert took < 120, f"drawing 2,000 gates took {took:.1f} s"  # about 6 s; generous for a shared machine
    assert to_dot(c, r).count("shape=circle") == 2000


# -- the command ---------------------------------------------------------------------------


def test_cli_svg_to_stdout_and_file(root, tmp_path):
    runner = CliRunner()
    neuron = str(root / "circuits" / "neuron.yaml")
    out = runner.invoke(main, ["draw", neuron])
    assert out.exit_code == 0, out.output
    c = load(root, "neuron")
    assert out.output == to_svg(c, c.run())
    target = tmp_path / "n.svg"
    out = runner.invoke(main, ["draw", neuron, "-o", str(target), "--set", "x0=2", "--precision", "3"])
    assert out.exit_code == 0 and out.output == ""
    assert labels(parse(target.read_text()))["x0", "m0"]["value"][0] == "2.000"
    assert [p.name for p in tmp_path.iterdir()] == ["n.svg"]  # no temporary file left


def test_cli_dot_by_option_or_suffix(root, tmp_path):
    runner = CliRunner()
    neuron = str(root / "circuits" / "neuron.yaml")
    out = runner.invoke(main, ["draw", neuron, "--format", "dot"])
    assert out.exit_code == 0 and out.output.startswith('digraph "neuron"')
    out = runner.invoke(main, ["draw", neuron, "-o", str(tmp_path / "n.gv")])
    assert out.exit_code == 0 and (tmp_path / "n.gv").read_text().startswith("digraph")
    out = runner.invoke(main, ["draw", neuron, "-o", str(tmp_path / "n.dot"), "--format", "svg"])
    assert (tmp_path / "n.dot").read_text().startswith("<?xml")


def test_cli_no_values_and_missing_inputs(tmp_path):
    runner = CliRunner()
    path = tmp_path / "c.yaml"
    path.write_text("inputs: {x: 1.0, y: null}\ngates:\n  f: {type: mul, inputs: [x, y]}\noutputs: [f]\n")
    out = runner.invoke(main, ["draw", str(path)])
    assert out.exit_code == 1
    assert f"{path}:1:" in out.output and "--set y=VALUE" in out.output and "--no-values" in out.output
    out = runner.invoke(main, ["draw", str(path), "--no-values"])
    assert out.exit_code == 0 and not labels(parse(out.output))
    out = runner.invoke(main, ["draw", str(path), "--set", "y=2"])
    assert out.exit_code == 0 and labels(parse(out.output))["f", "@output"]["value"][0] == "2.00"
    out = runner.invoke(main, ["draw", str(path), "--no-values", "--set", "y=2"])
    assert out.exit_code == 2


def test_cli_failure_leaves_the_output_file_alone(root, tmp_path):
    target = tmp_path / "keep.svg"
    target.write_text("old")
    out = CliRunner().invoke(main, ["draw", str(root / "tests" / "bad" / "cycle.yaml"), "-o", str(target)])
    assert out.exit_code == 1 and "cycle" in out.output and "Traceback" not in out.output
    assert target.read_text() == "old"
    out = CliRunner().invoke(main, ["draw", str(root / "circuits" / "neuron.yaml"), "-o", str(tmp_path / "no" / "such" / "dir.svg")])
    assert out.exit_code == 1 and "cannot write output file" in out.output
    out = CliRunner().invoke(main, ["draw", str(root / "circuits" / "neuron.yaml"), "--format", "png"])
    assert out.exit_code == 0 and out.stdout_bytes.startswith(b"\x89PNG")  # stdout is not a terminal


def test_docs_neuron_svg_is_what_the_command_draws(root):
    """docs/neuron.svg, shown in the README, is `circuitsim draw circuits/neuron.yaml -o docs/neuron.svg`."""
    c = load(root, "neuron")
    assert (root / "docs" / "neuron.svg").read_text() == to_svg(c, c.run())


def test_readme_draw_command_makes_the_picture_it_shows(root, tmp_path, monkeypatch):
    readme = (root / "README.md").read_text()
    command = re.search(r"^\$ (circuitsim draw .*)$", readme, re.M).group(1)
    args = shlex.split(command)[1:]
    shown = args[args.index("-o") + 1]
    assert f"]({shown})" in readme
    monkeypatch.chdir(root)
    args[args.index("-o") + 1] = str(tmp_path / "out.svg")
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert (tmp_path / "out.svg").read_text() == (root / shown).read_text()


def test_commands_run_as_a_user_types_them(root, tmp_path):
    target = tmp_path / "neuron.svg"
    draw = subprocess.run(
        [sys.executable, "-m", "circuitsim", "draw", "circuits/neuron.yaml", "-o", str(target)],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert draw.returncode == 0, draw.stderr
    assert target.read_text() == (root / "docs" / "neuron.svg").read_text()
    trace = subprocess.run(
        [sys.executable, "-m", "circuitsim", "trace", "circuits/neuron.yaml", "--format", "jsonl"],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert trace.returncode == 0, trace.stderr
    assert len(trace.stdout.splitlines()) == 26


# -- module instances ----------------------------------------------------------------------

NESTED = {
    "lib/split.yaml": "inputs: {a: 0.0, b: 0.0}\ngates:\n  lo: {type: min, inputs: [a, b]}\n  hi: {type: max, inputs: [a, b]}\noutputs: [lo, hi]\n",
    "lib/pair.yaml": "modules: {split: split.yaml}\ninputs: {p: 0.0, q: 0.0}\ngates:\n  s: {type: split, inputs: [p, q]}\n  d: {type: sub, inputs: [s.hi, s.lo]}\noutputs: [d]\n",
    "top.yaml": "modules: {pair: lib/pair.yaml, split: lib/split.yaml}\ninputs: {x: 5.0, y: -1.0}\ngates:\n"
    "  u: {type: pair, inputs: [x, y]}\n  w: {type: split, inputs: [u, x]}\n  m: {type: mul, inputs: [w.lo, w.hi]}\noutputs: [m]\n",
}


@pytest.fixture
def nested(tmp_path):
    """u (module pair) holds u/s (module split); w is a second, top-level split."""
    for name, text in NESTED.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    return circuitsim.load(tmp_path / "top.yaml")


def shapes(tree, cls):
    """data-node (or data-instance) -> the <g> of that class."""
    return {g.get("data-node") or g.get("data-instance"): g for g in tree.iter(f"{SVG}g") if cls in classes(g)}


def rect(g):
    r = g.find(f"{SVG}rect")
    x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def circle(g):
    c = g.find(f"{SVG}circle")
    return float(c.get("cx")), float(c.get("cy")), float(c.get("r"))


def assert_labels_sit_on_their_wires(tree, pic):
    """Every wire's value is above it in green and its gradient below it in red."""
    found_wires, found_labels = wires(tree), labels(tree)
    for w in pic.wires:
        texts, points = found_labels.get(key(pic, w), {}), found_wires[key(pic, w)]
        assert texts.keys() == {k for k, v in (("value", w.value), ("grad", w.grad)) if v is not None}, w
        if w.value is not None:
            text, x, baseline, fill = texts["value"]
            assert (text, fill) == (w.value, VALUE_COLOUR) and baseline < height_at(points, x), w
        if w.grad is not None:
            text, x, baseline, fill = texts["grad"]
            assert (text, fill) == (w.grad, GRAD_COLOUR) and baseline - FONT * 0.75 > height_at(points, x), w


@pytest.mark.parametrize("name", ["two_neurons", "sort3"])
def test_an_instance_is_one_box_and_its_inside_is_not_drawn(root, name):
    c = load(root, name)
    tree = parse(to_svg(c, c.run()))
    instances = c.graph.graph["instances"]
    boxes_ = shapes(tree, "instance")
    assert set(boxes_) == set(instances)
    for u, g in boxes_.items():
        assert g.find(f"{SVG}rect").get("rx") and g.find(f"{SVG}text").text == f"{u}: {instances[u]['module']}"
    assert all(c.graph.nodes[n]["instance"] is None for n in shapes(tree, "gate"))
    assert not shapes(tree, "group")
    assert_labels_sit_on_their_wires(tree, picture(c, c.run()))


def test_wires_at_an_instance_carry_the_numbers_of_its_boundary(root):
    c = load(root, "two_neurons")
    r = c.run()
    found = labels(parse(to_svg(c, r)))
    # into a port: what reached the port, and the gradient that came back through it
    assert found["x0", "h0/x0"]["grad"][0] == f"{r.grads['h0/x0']:.2f}" == "0.39"
    assert found["x0", "h1/x0"]["grad"][0] == f"{r.grads['h1/x0']:.2f}" == "-0.07"
    assert found["h0:w0", "h0/w0"]["value"][0] == "2.00"
    assert found["h0:w0", "h0/w0"]["grad"][0] == f"{r.grads['h0/w0']:.2f}" == "-0.20"  # a constant's port has one
    # out of an output: the instance's value and gradient
    assert (found["h0", "y"]["value"][0], found["h0", "y"]["grad"][0]) == ("0.73", "1.00")
    assert (found["h1", "y"]["value"][0], found["h1", "y"]["grad"][0]) == ("0.18", "-1.00")
    pins = {g.get("data-node"): [t.text for t in g.iter(f"{SVG}text")] for cls in ("inlet", "outlet") for g in shapes(parse(to_svg(c, r)), cls).values()}
    assert pins["h0/x0"] == ["x0"] and pins["h1/b"] == ["b=0"]  # b is unwired in h1: its default
    assert pins["h0"] == []  # a single output needs no name


def test_an_instance_with_several_outputs_names_them(root):
    c = load(root, "sort3")
    tree = parse(to_svg(c, c.run()))
    outlets = {n: [t.text for t in g.iter(f"{SVG}text")] for n, g in shapes(tree, "outlet").items()}
    assert outlets["s1.lo"] == ["lo"] and outlets["s1.hi"] == ["hi"]
    x0, y0, x1, y1 = rect(shapes(tree, "instance")["s3"])
    start = wires(tree)["s3.hi", "@output"][0]
    assert start[0] == pytest.approx(x1) and y0 < start[1] < y1  # leaves from the box's right edge


@pytest.mark.parametrize("name", EXAMPLES + ["two_neurons", "sort3"])
def test_labels_overlap_no_instance_box(root, name):
    c = load(root, name)
    tree = parse(to_svg(c, c.run()))
    found = boxes(tree) + [(f"box {n}", *rect(g)) for n, g in shapes(tree, "instance").items()]
    for i, (a, *ba) in enumerate(found):
        for b, *bb in found[i + 1 :]:
            overlap = min(ba[2], bb[2]) > max(ba[0], bb[0]) and min(ba[3], bb[3]) > max(ba[1], bb[1])
            assert not overlap, f"{a} overlaps {b}"


@pytest.mark.parametrize("name", ["two_neurons", "sort3"])
def test_expanded_instances_draw_their_gates_inside_a_labelled_rectangle(root, name):
    c = load(root, name)
    tree = parse(to_svg(c, c.run(), expand=True))
    instances = c.graph.graph["instances"]
    groups, gates = shapes(tree, "group"), shapes(tree, "gate")
    assert set(groups) == set(instances) and not shapes(tree, "instance")
    assert {n for n, d in c.graph.nodes(data=True) if d["kind"] == "gate"} == set(gates)
    for u, g in groups.items():
        assert g.find(f"{SVG}rect").get("fill") != "white"
        assert [t.text for t in g.iter(f"{SVG}text")] == [f"{u}: {instances[u]['module']}"]
    for name_, g in gates.items():
        x, y, r = circle(g)
        for u, group in groups.items():
            left, top, right, bottom = rect(group)
            inside = left < x - r and x + r < right and top < y - r and y + r < bottom
            assert inside == (c.graph.nodes[name_]["instance"] == u), (name_, u)
    assert_labels_sit_on_their_wires(tree, picture(c, c.run(), expand=True))


def test_nested_instances_nest(nested):
    tree = parse(to_svg(nested, nested.run(), expand=True))
    groups = {n: rect(g) for n, g in shapes(tree, "group").items()}
    assert set(groups) == {"u", "u/s", "w"}
    outer, inner = groups["u"], groups["u/s"]
    assert outer[0] < inner[0] and outer[1] < inner[1] and inner[2] < outer[2] and inner[3] < outer[3]
    right_of = lambda a, b: groups[a][0] > groups[b][2] or groups[b][0] > groups[a][2]  # noqa: E731
    assert right_of("w", "u")  # siblings apart
    for name, g in shapes(tree, "gate").items():
        x, y, _ = circle(g)
        home = nested.graph.nodes[name]["instance"]
        for u, (left, top, right, bottom) in groups.items():
            holds = home is not None and (home == u or home.startswith(u + "/"))
            assert (left < x < right and top < y < bottom) == holds, (name, u)
    collapsed = parse(to_svg(nested, nested.run()))
    assert set(shapes(collapsed, "instance")) == {"u", "w"}  # only the top level is drawn


def test_dot_instances_are_boxes_or_clusters(root, nested):
    c = load(root, "two_neurons")
    r = c.run()
    dot = to_dot(c, r)
    assert re.search(r'^  "h0@instance" \[shape=box, style=rounded, label="h0: unit"', dot, re.M)
    assert '"h0/m0"' not in dot and "cluster" not in dot
    assert re.search(r'^  "x0@junction" -> "h0@instance" \[.*headlabel="x0"\];$', dot, re.M)
    assert re.search(rf'^  "h0@instance" -> "y" \[label=<<font color="{VALUE_COLOUR}">0.73</font>', dot, re.M)
    expanded = to_dot(c, r, expand=True)
    block = re.search(r'^  subgraph "cluster_h0" \{\n(.*?)^  \}$', expanded, re.M | re.S).group(1)
    assert 'label="h0: unit"' in block and '"h0/m0" [shape=circle' in block and '"h1/m0"' not in block
    assert "@instance" not in expanded
    deep = to_dot(nested, nested.run(), expand=True)
    block = re.search(r'^  subgraph "cluster_u" \{\n(.*?)^  \}$', deep, re.M | re.S).group(1)
    assert re.search(r'^    subgraph "cluster_u/s" \{$', block, re.M) and '      "u/s/lo" [' in block


def test_without_modules_expand_changes_nothing(root):
    c = load(root, "neuron")
    r = c.run()
    assert to_svg(c, r, expand=True) == to_svg(c, r) and to_dot(c, r, expand=True) == to_dot(c, r)


def test_notebooks_show_instances_collapsed(root):
    c = load(root, "two_neurons")
    assert set(shapes(parse(c._repr_svg_()), "instance")) == {"h0", "h1"}
    assert set(shapes(parse(c.run()._repr_svg_()), "instance")) == {"h0", "h1"}


def test_cli_expand(root, tmp_path):
    runner = CliRunner()
    path = str(root / "circuits" / "sort3.yaml")
    c = load(root, "sort3")
    out = runner.invoke(main, ["draw", path, "--expand"])
    assert out.exit_code == 0, out.output
    assert out.output == to_svg(c, c.run(), expand=True)
    assert set(shapes(parse(out.output), "group")) == {"s1", "s2", "s3"}
    out = runner.invoke(main, ["draw", path])
    assert set(shapes(parse(out.output), "instance")) == {"s1", "s2", "s3"}
    out = runner.invoke(main, ["draw", path, "--expand", "--no-values", "-o", str(tmp_path / "s.dot")])
    assert out.exit_code == 0 and 'subgraph "cluster_s2"' in (tmp_path / "s.dot").read_text()
    assert "--expand" in runner.invoke(main, ["draw", "--help"]).output


def test_a_colour_blind_palette_in_svg_and_dot(root, tmp_path):
    from circuitsim.draw import PALETTES

    blind = PALETTES["colorblind"]
    assert (blind.value, blind.grad) == ("#0072b2", "#d55e00")  # Okabe-Ito blue and vermillion
    runner = CliRunner()
    neuron = str(root / "circuits" / "neuron.yaml")
    out = runner.invoke(main, ["draw", neuron, "--palette", "colorblind"])
    assert out.exit_code == 0, out.output
    tree = parse(out.output)
    for texts in labels(tree).values():
        assert texts["value"][3] == blind.value and texts["grad"][3] == blind.grad
    styles = {t.get("class"): t.get("font-style") for g in tree.iter(f"{SVG}g") if "labels" in classes(g) for t in g}
    assert styles == {"value": None, "grad": "italic"}  # a cue that needs no colour: gradients in italic
    legend = "".join(ET.tostring(e, encoding="unicode") for e in tree.iter(f"{SVG}tspan"))
    assert f'fill="{blind.grad}" font-style="italic">gradient' in legend and VALUE_COLOUR not in out.output and GRAD_COLOUR not in out.output
    dot = runner.invoke(main, ["draw", neuron, "--palette", "colorblind", "--format", "dot"]).output
    assert f'<font color="{blind.value}">2.00</font><br/><font color="{blind.grad}"><i>-0.20</i></font>' in dot
    c = load(root, "neuron")
    assert runner.invoke(main, ["draw", neuron]).output == to_svg(c, c.run())  # the default is green and red, as before
    assert "font-style" not in to_svg(c, c.run(), palette="default")
    with pytest.raises(ValueError, match="palettes: default, colorblind"):
        to_svg(c, palette="pink")
    wrong = runner.invoke(main, ["draw", neuron, "--palette", "pink"])
    assert wrong.exit_code == 2 and "'pink' is not one of 'default', 'colorblind'" in wrong.output
