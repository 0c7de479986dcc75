"""Pictures that stay readable, measured from the SVG's own coordinates; the picture formats,
the legend, the sample shown and windows on big circuits."""

import importlib.util
import math
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main
from circuitsim.draw import FONT, LIMIT, render, to_svg

SVG = "{http://www.w3.org/2000/svg}"
ROOT = pathlib.Path(__file__).resolve().parent.parent
MLPS = [(2, 3, 1), (4, 8, 1), (4, 8, 8, 1)]


def mlp(sizes) -> circuitsim.Circuit:
    """The MLP that `python examples/mlp.py SIZES --seed 0` writes."""
    spec = importlib.util.spec_from_file_location("mlp_example", ROOT / "examples" / "mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(list(sizes), 0).build()


def classes(g) -> list[str]:
    return (g.get("class") or "").split()


def tree_of(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def gates(tree) -> dict[str, tuple[float, float, float]]:
    """Gate name -> its circle (x, y, r)."""
    found = {}
    for g in tree.iter(f"{SVG}g"):
        if "gate" in classes(g):
            c = g.find(f"{SVG}circle")
            found[g.get("data-node")] = (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
    return found


def segments(tree):
    """(the wire's <g>, a, b) for every straight piece of every wire."""
    for g in tree.iter(f"{SVG}g"):
        if "wire" in classes(g):
            d = g.find(f"{SVG}path").get("d")
            points = [tuple(map(float, p.split(","))) for p in re.findall(r"[ML]([-\d.]+,[-\d.]+)", d)]
            for a, b in zip(points, points[1:]):
                yield g, a, b


def label_boxes(tree) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every value and gradient label (Helvetica's digits
    are about 0.55 em wide and 0.72 em tall)."""
    boxes = []
    for g in tree.iter(f"{SVG}g"):
        if "labels" in classes(g):
            for t in g:
                x, y, w = float(t.get("x")), float(t.get("y")), len(t.text) * FONT * 0.55
                boxes.append((t.text, x - w / 2, y - FONT * 0.72, x + w / 2, y))
    return boxes


def distance(a, b, p) -> float:
    """From point p to segment a-b."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((p[0] - x0) * dx + (p[1] - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x0 + t * dx - p[0], y0 + t * dy - p[1])


def overlapping(boxes):
    """Pairs of boxes that overlap (a sweep over their left edges)."""
    boxes = sorted(boxes, key=lambda b: b[1])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if b[1] >= a[3]:
                break
            if min(a[4], b[4]) > max(a[2], b[2]):
                yield a, b


@pytest.fixture(scope="module")
def drawn():
    """Each MLP of examples/mlp.py and its picture with a run's numbers."""
    pictures = {}
    for sizes in MLPS:
        c = mlp(sizes)
        pictures[sizes] = (c, tree_of(to_svg(c, c.run())))
    return pictures


@pytest.mark.parametrize("sizes", MLPS, ids=lambda s: "-".join(map(str, s)))
def test_on_mlps_no_wire_passes_through_a_gate_it_does_not_connect(drawn, sizes):
    c, tree = drawn[sizes]
    circles = gates(tree)
    assert len(circles) == len(c.spec.gates)
    for g, a, b in segments(tree):
        ends = {g.get("data-from"), g.get("data-to")}
        for name, (x, y, r) in circles.items():
            if name not in ends:
                assert distance(a, b, (x, y)) >= r, f"wire {ends} passes through gate {name}"


@pytest.mark.parametrize("sizes", MLPS, ids=lambda s: "-".join(map(str, s)))
def test_on_mlps_no_label_overlaps_another(drawn, sizes):
    _, tree = drawn[sizes]
    boxes = label_boxes(tree)
    assert len(boxes) > 20
    assert not list(overlapping(boxes))


@pytest.mark.parametrize("name", ["neuron", "fanout", "two_neurons", "sort3", "mlp_relu"])
@pytest.mark.parametrize("expand", [False, True])
def test_arrowheads_and_fan_out_dots_stay_clear(root, name, expand):
    """No label under an arrowhead; no wire through another node's fan-out dot (a false junction)."""
    c = circuitsim.load(root / "circuits" / f"{name}.yaml")
    tree = tree_of(to_svg(c, c.run(), expand=expand))
    boxes = label_boxes(tree)
    tips = []
    for g, _, b in segments(tree):
        if g.find(f"{SVG}path").get("marker-end") and b == _last(g):
            tips.append(("arrow", b[0] - 8, b[1] - 4, b[0], b[1] + 4))
    assert tips
    clashes = [(a[0], b[0]) for a, b in overlapping(boxes + tips) if (a[0] == "arrow") != (b[0] == "arrow")]
    assert not clashes, f"labels under arrowheads: {clashes}"
    dots = {g.get("data-from"): tuple(float(g.find(f"{SVG}circle").get(k)) for k in ("cx", "cy")) for g in tree.iter(f"{SVG}g") if "junction" in classes(g)}
    for g, a, b in segments(tree):
        for owner, dot in dots.items():
            if g.get("data-from") != owner:
                assert distance(a, b, dot) > 4, f"the wire from {g.get('data-from')} runs through the fan-out dot of {owner}"


def _last(g):
    d = g.find(f"{SVG}path").get("d")
    return tuple(map(float, re.findall(r"[ML]([-\d.]+,[-\d.]+)", d)[-1].split(",")))


def test_constant_wires_carry_the_gradient_that_came_back(root):
    c = circuitsim.load(root / "circuits" / "two_neurons.yaml")
    r = c.run(trace=True)
    for expand in (False, True):
        tree = tree_of(to_svg(c, r, expand=expand))
        consts = {g.get("data-from"): g for g in tree.iter(f"{SVG}g") if "labels" in classes(g) and ":" in g.get("data-from")}
        assert consts
        for name, g in consts.items():
            grad = next(t.text for t in g if t.get("class") == "grad")
            part = sum(m.contribution for m in r.trace if m.phase == "backward" and m.target == name)
            assert grad == f"{part:.2f}", name


def test_the_legend_says_what_colours_and_marks_mean(root):
    c = circuitsim.load(root / "circuits" / "fanout.yaml")
    legend = next(g for g in tree_of(to_svg(c, c.run())).iter(f"{SVG}g") if g.get("class") == "legend")
    text = " ".join("".join(t.itertext()) for t in legend.iter(f"{SVG}text"))
    assert "value above a wire" in text and "gradient below it" in text
    assert "fans out" in text and "×2: one wire drives two ports" in text
    bare = " ".join(t.text or "" for t in tree_of(to_svg(c)).iter(f"{SVG}text"))
    assert "gradient" not in bare  # no numbers, no colours to explain


def test_the_picture_scales_to_its_container(root):
    svg = tree_of(to_svg(circuitsim.load(root / "circuits" / "neuron.yaml")))
    assert "max-width: 100%" in svg.get("style") and len(svg.get("viewBox").split()) == 4
    assert svg.get("class") == "circuitsim" and svg.get("data-circuit") == "neuron"


def test_png_and_pdf_are_real_pictures(root, tmp_path):
    runner = CliRunner()
    path = str(root / "circuits" / "two_neurons.yaml")
    for suffix, magic in ((".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF")):
        out = runner.invoke(main, ["draw", path, "--expand", "-o", str(tmp_path / f"t{suffix}")])
        assert out.exit_code == 0, out.output
        assert (tmp_path / f"t{suffix}").read_bytes().startswith(magic)
    out = runner.invoke(main, ["draw", path, "-o", str(tmp_path / "t.jpg")])
    assert out.exit_code == 2 and "cannot tell the picture format of" in out.output and ".png" in out.output
    assert not (tmp_path / "t.jpg").exists()
    out = runner.invoke(main, ["draw", path, "--format", "svg", "-o", str(tmp_path / "u.png")])
    assert out.exit_code == 2 and "would hold SVG text" in out.output
    out = runner.invoke(main, ["draw", path, "--format", "png"])  # stdout is not a terminal: PNG goes there
    assert out.exit_code == 0 and out.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_cairosvg_is_refused_clearly(root, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cairosvg", None)  # as if it were not installed
    out = CliRunner().invoke(main, ["draw", str(root / "circuits" / "neuron.yaml"), "-o", str(tmp_path / "n.png")])
    assert out.exit_code == 1 and "needs the cairosvg package" in out.output and "circuitsim-backprop[plot]" in out.output
    assert "Traceback" not in out.output and not (tmp_path / "n.png").exists()


def test_a_batch_shows_the_sample_asked_for(root, tmp_path):
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    r = c.run({"x0": [-1.0, 0.0, 1.0]})
    drawing = r.draw(sample=2)
    assert "sample 2 of 3" in drawing._repr_svg_() and "sample 0 of 3" in r._repr_svg_()
    assert drawing._repr_svg_() == to_svg(c, c.run({"x0": [-1.0, 0.0, 1.0]}, trace=True), sample=2)
    drawing.save(tmp_path / "s.png")
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(IndexError, match="sample 3 is out of range"):
        r.draw(sample=3)
    runner = CliRunner()
    path = str(root / "circuits" / "neuron.yaml")
    out = runner.invoke(main, ["draw", path, "--set", "x0=-1,0,1", "--sample", "1"])
    assert out.exit_code == 0 and "sample 1 of 3" in out.output
    out = runner.invoke(main, ["draw", path, "--set", "x0=-1,0,1", "--sample", "3"])
    assert out.exit_code == 2 and "--sample 3 is out of range: the run has 3 samples (0 to 2)" in out.output


def test_around_a_node_draws_a_window_and_what_feeds_it(root):
    c = mlp((4, 8, 8, 1))
    tree = tree_of(to_svg(c, c.run(), around="h1_3", depth=1))
    assert set(gates(tree)) == {"h1_3", "z1_3"} | {f"m2_{j}_3" for j in range(8)}
    names = {g.get("data-node") for g in tree.iter(f"{SVG}g") if classes(g) == ["node", "input"]}
    assert "s1_3_3" in names and "b1_3" in names  # outside the window, feeding it: named at the left
    assert "of 226 gates: those within 1 wires of h1_3" in "".join(tree.itertext())
    out = CliRunner().invoke(main, ["draw", str(root / "circuits" / "mlp_relu.yaml"), "--around", "h1_9"])
    assert out.exit_code == 1 and "cannot draw around unknown node 'h1_9'" in out.output


def test_a_circuit_too_big_to_draw_whole_draws_the_part_nearest_its_outputs(tmp_path):
    lines = ["inputs: {x: 0.5}", "gates:", "  g0: {type: tanh, inputs: [x]}"]
    lines += [f"  g{i}: {{type: add, inputs: [g{i - 1}, x]}}" for i in range(1, LIMIT + 500)]
    path = tmp_path / "long.yaml"
    path.write_text("\n".join(lines + [f"outputs: [g{LIMIT + 499}]"]) + "\n")
    out = CliRunner().invoke(main, ["draw", str(path), "-o", str(tmp_path / "long.svg")])
    assert out.exit_code == 0, out.output
    assert f"has {LIMIT + 500:,} gates; drawn are the {LIMIT:,} or fewer nearest its outputs" in out.stderr
    tree = tree_of((tmp_path / "long.svg").read_text())
    assert 0 < len(gates(tree)) <= LIMIT and f"g{LIMIT + 499}" in gates(tree)
    assert "g0" not in gates(tree)
    c = circuitsim.load(path)
    assert len(gates(tree_of(render(c, limit=100)))) <= 100


def test_the_core_imports_no_drawing_code():
    code = "import sys, circuitsim; c = circuitsim.load('circuits/neuron.yaml'); c.run(); c.test(); print(sorted(m for m in sys.modules if m.startswith('circuitsim.draw') or m == 'circuitsim.check.vectors'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['circuitsim.check.vectors']"  # test() reads the vectors when called, not on import


@pytest.mark.parametrize("name", ["two_neurons", "sort3"])
def test_wires_into_an_expanded_instance_come_in_level_and_cross_no_gate(root, name):
    """A wire from outside an instance to a gate inside it (``-3`` into ``h0/b``) enters the
    instance's rectangle level and stays level inside it, whatever column its gate is in."""
    c = circuitsim.load(root / "circuits" / f"{name}.yaml")
    tree = tree_of(to_svg(c, c.run(), expand=True))
    frames = {}
    for g in tree.iter(f"{SVG}g"):
        if "group" in classes(g):
            r = g.find(f"{SVG}rect")
            x, y = float(r.get("x")), float(r.get("y"))
            frames[g.get("data-instance")] = (x, y, x + float(r.get("width")), y + float(r.get("height")))
    inside = {g.get("data-node"): g.get("data-instance") for g in tree.iter(f"{SVG}g") if g.get("data-instance") and g.get("data-node")}
    circles = gates(tree)
    entering = 0
    for g, a, b in segments(tree):
        ends = {g.get("data-from"), g.get("data-to")}
        for gate, (x, y, r) in circles.items():
            if gate not in ends:
                assert distance(a, b, (x, y)) >= r, f"wire {ends} passes through gate {gate}"
        source, target = g.get("data-from"), g.get("data-to")
        instance = inside.get(target)
        if instance is None or inside.get(source) == instance or source.startswith(instance + "/"):
            continue
        left, top, right, bottom = frames[instance]
        if max(a[0], b[0]) > left + 1 and top <= a[1] <= bottom:
            entering += 1
            assert a[1] == b[1], f"the wire {source} -> {target} slants inside {instance}: {a} -> {b}"
    assert entering
