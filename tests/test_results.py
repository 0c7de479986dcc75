"""A result read by name and read in bulk gives the same numbers."""

import json
import pickle

import numpy as np
import pytest

from helpers import chosen, random_layers

import circuitsim
from circuitsim.run.results import CHUNK


def test_names_and_bulk_arrays_agree(root):
    c = circuitsim.load(root / "circuits/neuron.yaml")
    r = c.run()
    found = r.to_arrays()
    assert found["names"] == list(r.values)
    assert found["values"].tolist() == [r.values[n] for n in found["names"]]
    assert found["grads"].tolist() == [r.grads[n] for n in found["names"]]
    assert all(type(r.grads[n]) is float for n in found["names"])
    records = r.to_records()
    assert records[0] == {"name": found["names"][0], "value": r.values[found["names"][0]], "grad": r.grads[found["names"][0]]}
    assert c.forward().to_arrays()["grads"] is None
    assert r.seed == {"f": 1.0} and c.run(seed={"s0": 2.0}).seed == {"s0": 2.0}


def test_a_batch_result_reads_arrays_everywhere(root):
    c = circuitsim.load(root / "circuits/neuron.yaml")
    r = c.run({"x0": np.array([-1.0, 0.0, 1.0])})
    assert r.values["w0"].tolist() == [2.0, 2.0, 2.0]  # no batch input reaches a weight's value
    found = r.to_arrays()
    assert found["values"].shape == (len(found["names"]), 3)
    k = found["names"].index("f")
    assert found["values"][k].tolist() == r.values["f"].tolist() == r.outputs["f"].tolist()
    assert [rec["grad"].tolist() for rec in r.to_records()] == found["grads"].tolist()


def test_a_run_leaves_numpy_error_state_as_it_was(root):
    c = circuitsim.load(root / "circuits/neuron.yaml")
    before = np.geterr()
    with np.errstate(over="raise"):
        c.run({"x0": 1e308, "w0": 1e308}, nan="ignore")
        assert np.geterr()["over"] == "raise"
    try:
        c.run({"x0": float("nan")}, nan="raise")
    except circuitsim.NumericalError as exc:
        assert "x0" in str(exc)
    assert np.geterr() == before


def test_a_big_result_read_by_name_in_any_order_is_the_dict_it_stands_for():
    c = circuitsim.loads(random_layers(3, [3000, 3000, 3000, 1]))
    assert chosen(c)[2] == "levels" and c.plan.n_named > 2 * CHUNK  # numbers in an array, several chunks of names
    found = c.run().to_arrays()
    want = dict(zip(found["names"], found["grads"].tolist()))
    names = found["names"]
    r = c.run()
    picked = [names[-1], names[0], names[CHUNK], names[CHUNK - 1], *names[::997]]
    assert [r.grads[n] for n in picked] == [want[n] for n in picked]
    assert len(r.grads) == len(want) and names[5] in r.grads and "x0 " not in r.grads
    with pytest.raises(KeyError):
        r.grads["x0 "]
    assert list(r.grads) == names and list(r.grads.items()) == list(want.items())  # the order of names, whatever was read first
    assert r.grads == want and want == r.grads and r.grads != {**want, names[0]: -1.0}
    with pytest.raises(TypeError, match="read-only"):
        r.grads[names[0]] = 1.0
    unread = c.run()
    assert json.loads(json.dumps(unread.values)) == unread.values.copy()  # json sees every number of a view not yet read
    assert pickle.loads(pickle.dumps(unread)).grads == want


def test_a_batch_result_read_by_name_converts_each_number_once(root):
    c = circuitsim.load(root / "circuits/neuron.yaml")
    r = c.run({"x0": np.array([-1.0, 0.0, 1.0])})
    first = r.grads["w0"]
    assert r.grads["w0"] is first and first.shape == (3,)
    assert list(r.grads) == r.to_arrays()["names"] and r.grads["w0"] is first


def test_a_name_read_from_a_big_result_makes_no_dict_of_every_name():
    c = circuitsim.loads(random_layers(4, [3000, 3000, 3000, 1]))
    found = c.run().to_arrays()
    r = c.run()
    k = len(found["names"]) - 5
    assert r.values[found["names"][k]] == found["values"][k] and r.grads[found["names"][7]] == found["grads"][7]
    assert found["names"][k] in r.grads and "x0 " not in r.values
    with pytest.raises(KeyError):
        r.values["x0 "]
    assert "named" not in vars(c.plan.numbering)  # the names' dict: made for a circuit read by name often


def test_a_constant_has_no_value_by_name():
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  g: {type: add, inputs: [x, 2.5]}\noutputs: [g]\n")
    constant = c.plan.names[-1]
    r = c.run()
    assert constant not in r.values and dict(r.values) == {"x": 1.0, "g": 3.5}
    with pytest.raises(KeyError):
        r.values[constant]
