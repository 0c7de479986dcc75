"""A result read by name and read in bulk gives the same numbers."""

import numpy as np

import circuitsim


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
