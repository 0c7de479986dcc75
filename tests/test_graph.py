"""The netlist's typed node records, the graph made from them, and the order the plan takes."""

from pathlib import Path

import networkx as nx
import pytest

from helpers import random_layers

import circuitsim
from circuitsim.netlist import order
from circuitsim.netlist.nodes import Node

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS = sorted(p for p in (ROOT / "circuits").rglob("*.yaml"))


@pytest.mark.parametrize("path", CIRCUITS, ids=lambda p: str(p.relative_to(ROOT / "circuits")))
def test_records_are_the_graphs_attributes_and_the_order_is_networkx_s(path):
    c = circuitsim.load(path)
    graph = c.graph
    assert list(graph.nodes) == list(c.nodes)
    for name, data in graph.nodes(data=True):
        assert c.nodes[name].attributes() == data
    for name in c.plan.names[: c.plan.n_named]:
        node = c.nodes[name]
        assert set(graph.predecessors(name)) == set(node.sources)
    gates = [n for n in nx.topological_sort(graph) if graph.nodes[n]["kind"] == "gate"]
    assert [step.name for step in c.plan.steps] == gates
    assert {k: v.attributes() for k, v in c.nodes.instances.items()} == graph.graph["instances"]


def test_a_gate_record_reads_as_the_file_says():
    c = circuitsim.load(ROOT / "circuits" / "two_neurons.yaml")
    node = c.nodes["h1/z"]
    assert isinstance(node, Node) and node.kind == "gate" and node.instance == "h1"
    assert c.nodes["h1/b"].type == "module input" and c.nodes["h1:b"].kind == "const"
    assert c.nodes["h1:b"].value == 0.0
    step = next(s for s in c.plan.steps if s.name == "y")
    assert (step.type, step.ports) == ("sub", ("a", "b"))
    with pytest.raises(AttributeError):
        node.type = "add"


def test_a_cycle_is_named_at_the_top_level():
    text = "inputs: {x: 1.0}\ngates:\n  a: {type: add, inputs: [x, b]}\n  b: {type: neg, inputs: [a]}\noutputs: [b]\n"
    with pytest.raises(circuitsim.CircuitError, match=r"cycle: a -> b -> a") as err:
        circuitsim.loads(text, path="loop.yaml")
    assert (err.value.line, err.value.column) == (3, 3)


@pytest.mark.parametrize("seed", range(4))
def test_wide_and_narrow_generations_both_take_networkx_s_order(seed):
    widths = [60, 3 * order.NARROW, 5, 1, 2 * order.NARROW, order.NARROW - 1, 90]  # numpy and plain-loop steps
    c = circuitsim.loads(random_layers(seed, widths))
    graph = c.graph
    gates = [n for n in nx.topological_sort(graph) if graph.nodes[n]["kind"] == "gate"]
    assert [step.name for step in c.plan.steps] == gates
    found = order.topological_order(c.nodes)
    generations = [[c.nodes.names[i] for i in found.nodes[a:b]] for a, b in zip(found.starts, found.starts[1:])]
    assert [sorted(g) for g in generations] == [sorted(g) for g in nx.topological_generations(graph)]
