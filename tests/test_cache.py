"""The cache of loaded circuits gives the circuit the text gives, or nothing."""

import os

import pytest

from helpers import random_layers, same_netlist, same_spec

import circuitsim
from circuitsim.netlist import cache
from circuitsim.run import load as loader

TEXT = (
    "circuit: cached\n"
    "inputs:\n  x: 0.5\n  w: -2.0\n  b: null\n"
    "gates:\n  m: {type: mul, inputs: [w, x]}\n  s: {type: add, inputs: [m, b, 1.0]}\n"
    "  p: {type: pow, inputs: [s], params: {exponent: 2}}\n  l: {type: log, inputs: [p]}\n"
    "outputs: [l]\n"
    "tests:\n  - {name: t, inputs: {b: 0.0}, expect: {m: -1.0}}\n"
)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCUITSIM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def entries(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def from_cache_only(monkeypatch):
    def refuse(*args):
        raise AssertionError("read the text although the cache has it")

    monkeypatch.setattr(loader._FileReader, "circuit", refuse)


def test_a_second_load_comes_from_the_cache_and_is_the_same(folder, monkeypatch, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    first = circuitsim.load(path, cache=True)
    assert len(entries(folder)) == 1
    from_cache_only(monkeypatch)
    again = circuitsim.load(path, cache=True)
    same_netlist(again.nodes, first.nodes)
    same_spec(again.spec, first.spec)
    assert again.run({"b": 0.5}) == first.run({"b": 0.5})
    assert again.test().passed and list(again.plan.names) == list(first.plan.names)
    with pytest.warns(circuitsim.NumericalWarning, match=r"c\.yaml:10:3: gate 'l' \(log\)"):
        again.run({"b": 0.0})


def test_a_big_circuit_from_the_cache_runs_levelized_as_from_its_text(folder, monkeypatch, tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text(random_layers(7, [200, 900, 900, 400, 1]))
    text_load = circuitsim.load(path, cache=True)
    from_cache_only(monkeypatch)
    cached = circuitsim.load(path, cache=True)
    first, again = text_load.run(), cached.run()
    assert cached.plan.tiers.get("levels") is not None  # made at the first run, and the run went there
    assert dict(again.values) == dict(first.values) and dict(again.grads) == dict(first.grads)
    def steps(c):
        return [(s.name, s.type, type(s.gate), s.out, s.ins, s.ports, s.pos) for s in c.plan.steps]

    assert len(steps(cached)) == 2201 and steps(cached) == steps(text_load)
    def graph(c):
        nodes = [(n, {**data, "gate": type(data.get("gate"))}) for n, data in c.graph.nodes(data=True)]
        return nodes, list(c.graph.edges(data=True)), c.graph.graph

    assert graph(cached) == graph(text_load)


def test_a_corrupt_or_foreign_entry_is_ignored_and_written_again(folder, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    expected = circuitsim.load(path, cache=True).run({"b": 0.5})
    (entry,) = entries(folder)
    for damage in (lambda b: b[:-10], lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], lambda b: b"junk"):
        blob = (folder / entry).read_bytes()
        (folder / entry).write_bytes(damage(blob))
        assert circuitsim.load(path, cache=True).run({"b": 0.5}) == expected
        assert (folder / entry).read_bytes() == blob  # written again


def test_another_text_path_or_gate_type_is_another_entry(folder, tmp_path):
    circuitsim.loads(TEXT, path="a.yaml", cache=True)
    circuitsim.loads(TEXT, path="b.yaml", cache=True)  # positions name the file
    circuitsim.loads(TEXT.replace("0.5", "0.25"), path="a.yaml", cache=True)
    plugin = tmp_path / "square_plugin.py"
    plugin.write_text(
        "from circuitsim import Gate, Expressions, hookimpl\n"
        "class Square(Gate):\n    name = 'square'\n"
        "    def expressions(self, n, batch):\n        return Expressions('{0} * {0}', ('2.0 * {0}',))\n"
        "@hookimpl\ndef circuitsim_register_gates(register):\n    register(Square)\n"
    )
    circuitsim.loads(TEXT, path="a.yaml", cache=True, plugins=[str(plugin)])
    assert len(entries(folder)) == 4
    with pytest.raises(circuitsim.CircuitError, match="a.yaml:7:"):
        circuitsim.loads(TEXT.replace("[w, x]", "[w, y]"), path="a.yaml", cache=True)
    assert len(entries(folder)) == 4  # nothing kept of a bad file


def test_by_default_only_big_files_are_cached(folder, monkeypatch):
    circuitsim.loads(TEXT, path="a.yaml")
    assert entries(folder) == []
    monkeypatch.setattr(cache, "MIN_BYTES", 100)
    circuitsim.loads(TEXT, path="a.yaml")
    assert len(entries(folder)) == 1
    monkeypatch.setenv("CIRCUITSIM_CACHE", "0")
    circuitsim.loads(TEXT, path="b.yaml")
    assert len(entries(folder)) == 1
