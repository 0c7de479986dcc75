"""Files in the other common layouts (yaml.safe_dump's, JSON) take a fast reader and give the
circuit the full reader gives; anything it does not take is left to the full reader, whose
errors name the line and column."""

import json

import pytest
import yaml

import circuitsim
from circuitsim.netlist.nodes import CONST
from helpers import COLUMNS
from test_fastload import fast, full

FILES = ["circuits/neuron.yaml", "circuits/mlp_relu.yaml"]


def layouts(doc: dict) -> dict[str, str]:
    plain = {k: v for k, v in doc.items() if k != "tests"}  # JSON floats such as 1e-09 are strings to YAML
    return {
        "safe_dump": yaml.safe_dump(doc, sort_keys=False),  # block lists
        "safe_dump, flow lists": yaml.safe_dump(doc, default_flow_style=None, sort_keys=False),
        "safe_dump sorted, indent 4": yaml.safe_dump(doc, default_flow_style=None, sort_keys=True, indent=4),
        "flow gates at indent 3": circuitsim.dump(circuitsim.loads(yaml.safe_dump(doc))).replace("\n  ", "\n   "),
        "json": json.dumps(plain),
        "json, indent 2": json.dumps(plain, indent=2),
        "json, compact": json.dumps(plain, separators=(",", ":")),
    }


def same(quick, slow) -> None:
    spec, netlist = quick
    nodes = slow.nodes
    for column in COLUMNS:
        if column in ("lines", "columns"):  # a constant stands where its gate does
            keep = [i for i, kind in enumerate(netlist.kinds) if kind != CONST]
            assert [int(getattr(netlist, column)[i]) for i in keep] == [getattr(nodes, column)[i] for i in keep], column
        else:
            assert list(getattr(netlist, column)) == list(getattr(nodes, column)), column
    assert [dict(p) for p in netlist.params] == [dict(p) for p in nodes.params]
    b = slow.spec
    assert (spec.name, spec.description, spec.outputs, spec.output_pos, spec.tests) == (b.name, b.description, b.outputs, b.output_pos, b.tests)
    assert list(spec.inputs.items()) == list(b.inputs.items())


@pytest.mark.parametrize("file", FILES)
def test_each_layout_reads_as_the_full_reader_reads_it(root, file):
    doc = yaml.safe_load(circuitsim.dump(circuitsim.load(root / file)))
    for layout, text in layouts(doc).items():
        quick = fast(text)
        if '"n"' in text and not layout.startswith("json"):  # a quoted name ("n", a YAML 1.1 bool): the full reader's
            assert quick is None
            continue
        assert quick is not None, layout
        same(quick, full(text))


def test_wrapped_lines_and_params(root):
    block = "inputs:\n  x: 2\ngates:\n  g:\n    type: pow\n    inputs:\n      - x\n    params:\n      exponent: 3\n  h:\n    inputs:\n    - g\n    - 1.5\n    type: add\noutputs: [h]\n"
    assert fast(block) is not None
    same(fast(block), full(block))
    text = (
        "circuit: c\ninputs: {a: 1.0, b: 2,\n  c: null}\ngates:\n  g:\n    params: {exponent: 3}\n    inputs: [a]\n    type: pow\n"
        "  h:\n    type: add\n    inputs: [g, b, 1.5, c, a, a, a, a, a, a, a, a, a, a,\n      a, a]\noutputs: [h]\n"
    )
    quick = fast(text)
    assert quick is not None
    same(quick, full(text))
    assert quick[1].pos(quick[1].find("c")).line == 3 and quick[1].pos(quick[1].find("h")).line == 9
    h = quick[0].gates["h"]
    assert h.sources["2"].value == 1.5 and h.sources["2"].pos == h.pos == quick[1].pos(quick[1].find("h"))  # a source stands where its gate does


@pytest.mark.parametrize(
    "text, where",
    [
        ("inputs: {x: 1.0}\ngates:\n  g:\n    type: neg\n    type: neg\n    inputs: [x]\noutputs: [g]\n", "c.yaml:5:5"),  # a key twice
        ("inputs: {x: 1.0}\ngates:\n  g:\n    type: neg\n    inputs: [y]\noutputs: [g]\n", "c.yaml:5:14"),  # unknown source
        ("inputs: {x: 1.0}\ngates:\n  g:\n    type: add\n    inputs:\n    - x\n      - x\noutputs: [g]\n", "c.yaml:6:7"),  # a list item out of line: one plain scalar to YAML
        ('{"inputs": {"x": 1.0}, "gates": {"g": {"type": "neg", "inputs": ["x"], "type": "neg"}}, "outputs": ["g"]}', "c.yaml:1:"),
        ('{"inputs": {"x": 1.0, "x": 2.0}, "gates": {"g": {"type": "neg", "inputs": ["x"]}}, "outputs": ["g"]}', "c.yaml:1:23"),
        ('{"inputs": {"x": 1.0}, "gates": {"g": {"type": "neg", "inputs": ["x", true]}}, "outputs": ["g"]}', "c.yaml:1:"),  # a bool source
        ('{"inputs": {"x": 1.0}, "gates": {"g": {"type": "neg", "inputs": ["x"]}}, "outputs": ["h"]}', "c.yaml:1:86"),
    ],
)
def test_what_is_not_plainly_valid_gets_the_full_readers_error(text, where):
    assert fast(text) is None
    with pytest.raises(circuitsim.CircuitError) as caught:
        circuitsim.loads(text, path="c.yaml")
    assert where in str(caught.value)


def test_a_json_file_is_cached_and_loads_again_the_same(tmp_path, monkeypatch, root):
    monkeypatch.setenv("CIRCUITSIM_CACHE_DIR", str(tmp_path / "cache"))
    doc = yaml.safe_load(circuitsim.dump(circuitsim.load(root / "circuits/mlp_relu.yaml")))
    doc.pop("tests")
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps(doc))
    first = circuitsim.load(path, cache=True)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again = circuitsim.load(path, cache=True)
    assert again.run().grads == first.run().grads
    assert again.nodes.pos(again.nodes.find("z2_0")) == first.nodes.pos(first.nodes.find("z2_0"))
