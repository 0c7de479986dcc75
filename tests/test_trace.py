"""Traced runs: every message of both passes, and exactly the numbers of a plain run."""

import json
import re
import shlex
import struct
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main
from circuitsim.plan.trace import BackwardMessage, ForwardMessage

FANOUT_GATES = """
  s:  {type: add, inputs: [x, y]}
  p:  {type: mul, inputs: [x, y]}
  sq: {type: mul, inputs: [x, x]}
  d:  {type: div, inputs: {a: s, b: y}}
  t:  {type: tanh, inputs: [d]}
  u:  {type: max, inputs: [p, sq, t]}
  f:  {type: add, inputs: [u, s, 1]}
  g:  {type: pow, inputs: [p], params: {exponent: 3}}
"""


def fanout_circuit():
    return circuitsim.loads(f"inputs: {{x: 0.7, y: -1.3}}\ngates:{FANOUT_GATES}outputs: [f, g]\n")


def bits(value) -> bytes:
    """The exact bits of a number or array, so that NaN equals NaN and -0.0 differs from 0.0."""
    if isinstance(value, np.ndarray):
        return value.dtype.str.encode() + value.tobytes()
    return struct.pack("<d", value)


def assert_identical(traced, plain):
    assert traced.outputs.keys() == plain.outputs.keys()
    for field in ("outputs", "values", "grads"):
        a, b = getattr(traced, field), getattr(plain, field)
        assert a.keys() == b.keys()
        for name in a:
            assert type(a[name]) is type(b[name]), (field, name)
            assert bits(a[name]) == bits(b[name]), (field, name, a[name], b[name])


def cases(root):
    neuron = circuitsim.load(root / "circuits" / "neuron.yaml")
    mlp = circuitsim.load(root / "circuits" / "mlp.yaml")
    fan = fanout_circuit()
    rng = np.random.default_rng(7)
    return [
        ("neuron", neuron, {}, {}),
        ("mlp", mlp, {}, {}),
        ("fanout", circuitsim.load(root / "circuits" / "fanout.yaml"), {}, {}),
        ("fan-out, two outputs", fan, {}, {}),
        ("seeded inside", fan, {"x": -0.4}, {"seed": {"d": 2.5, "g": -1.0}}),
        ("batch", mlp, {"x0": rng.normal(size=64), "x1": rng.normal(size=64)}, {}),
        ("batched seed", fan, {}, {"seed": {"f": rng.normal(size=5)}}),
        ("NaN", circuitsim.loads("inputs: {x: -1.0}\ngates:\n  l: {type: log, inputs: [x]}\n  f: {type: mul, inputs: [l, x]}\noutputs: [f]\n"), {}, {"nan": "ignore"}),
    ]


def test_traced_run_is_bitwise_the_plain_run(root):
    for name, circuit, inputs, options in cases(root):
        traced = circuit.run(inputs, trace=True, **options)
        plain = circuit.run(inputs, **options)
        assert traced.trace and plain.trace is None, name
        assert_identical(traced, plain)
        forward = circuit.forward(inputs, trace=True, nan=options.get("nan", "warn"))
        assert_identical(forward, circuit.forward(inputs, nan=options.get("nan", "warn")))
        assert all(isinstance(m, ForwardMessage) for m in forward.trace)


def test_contributions_into_a_node_add_up_to_its_gradient(root):
    for name, circuit, inputs, options in cases(root):
        r = circuit.run(inputs, trace=True, **options)
        sums: dict = {}
        for m in r.trace:
            if isinstance(m, BackwardMessage):
                sums[m.target] = sums.get(m.target, 0.0) + m.contribution
                assert np.array_equal(sums[m.target], m.total, equal_nan=True), (name, m)
        for node, grad in r.grads.items():
            if node in sums:
                expected = np.broadcast_to(sums[node], np.shape(grad)) if r.batch else sums[node]
                assert np.array_equal(grad, expected, equal_nan=True), (name, node)
            else:
                assert np.all(np.asarray(grad) == 0), (name, node)


def test_messages_in_order_of_the_passes(root):
    r = circuitsim.load(root / "circuits" / "neuron.yaml").run(trace=True)
    assert [m.step for m in r.trace] == list(range(1, len(r.trace) + 1))
    phases = [m.phase for m in r.trace]
    assert phases == ["forward"] * 13 + ["backward"] * 13
    first, last_forward, seed, last = r.trace[0], r.trace[12], r.trace[13], r.trace[-1]
    assert (first.source, first.target, first.port, first.value) == ("w0", "m0", "0", 2.0)
    assert (last_forward.source, last_forward.target, last_forward.value) == ("f", None, r.outputs["f"])
    assert (seed.source, seed.target, seed.contribution, seed.total) == (None, "f", 1.0, 1.0)
    assert (last.source, last.target, last.port) == ("m0", "x0", "1")
    assert last.upstream * last.local == last.contribution
    assert round(last.contribution, 2) == 0.39
    # every gate's inputs arrive before its value is sent on
    arrived = set()
    for m in r.trace[:13]:
        assert m.source in arrived or m.source in ("w0", "x0", "w1", "x1", "w2", "p:1"), m
        if m.target:
            arrived.add(m.target)


def test_fan_out_shows_the_running_sum(root):
    r = circuitsim.load(root / "circuits" / "fanout.yaml").run(trace=True)
    into_x = [m for m in r.trace if isinstance(m, BackwardMessage) and m.target == "x"]
    assert [m.source for m in into_x] == ["p", "s", "sq", "sq"]
    assert [m.contribution for m in into_x] == [4.0, -12.0, 3.0, 3.0]
    assert [m.total for m in into_x] == [4.0, -8.0, -5.0, -2.0]
    assert r.grads["x"] == -2.0


def test_as_dict_names_the_pass_and_ends(root):
    r = circuitsim.load(root / "circuits" / "neuron.yaml").run(trace=True)
    assert r.trace[0].as_dict() == {"step": 1, "pass": "forward", "from": "w0", "to": "m0", "port": "0", "value": 2.0}
    assert set(r.trace[-1].as_dict()) == {"step", "pass", "from", "to", "port", "upstream", "local", "contribution", "total"}


def test_traced_run_reports_faults_like_a_plain_run():
    c = circuitsim.loads("inputs: {x: 0.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n", path="log.yaml")
    with pytest.raises(circuitsim.NumericalError) as traced:
        c.run(trace=True, nan="raise")
    with pytest.raises(circuitsim.NumericalError) as plain:
        c.run(nan="raise")
    assert str(traced.value) == str(plain.value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert c.run({"x": 1.0}, trace=True).trace


def test_result_repr_and_equality_ignore_the_trace(root):
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    traced, plain = c.run(trace=True), c.run()
    assert traced == plain
    assert repr(traced) == repr(plain)
    assert "trace" not in repr(traced) and "Circuit" not in repr(traced)


# -- the command ---------------------------------------------------------------------------


def test_cli_table(root):
    out = CliRunner().invoke(main, ["trace", str(root / "circuits" / "neuron.yaml")])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].split() == ["step", "pass", "from", "to", "message", "sum"]
    assert lines[2].split() == ["1", "forward", "w0", "m0.0", "2"]
    assert lines[-1].split() == ["26", "backward", "m0.1", "x0", "0.196612", "×", "2", "=", "0.393224", "0.393224"]
    assert any(line.split()[2:4] == ["1", "p.1"] for line in lines[2:])  # a constant shows as its value


def test_cli_jsonl_with_set(root):
    out = CliRunner().invoke(main, ["trace", str(root / "circuits" / "fanout.yaml"), "--set", "x=1", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    messages = [json.loads(line) for line in out.output.splitlines()]
    plain = circuitsim.load(root / "circuits" / "fanout.yaml").run({"x": 1.0})
    assert messages[0] == {"step": 1, "pass": "forward", "from": "x", "to": "sq", "port": "0", "value": 1.0}
    totals = {m["to"]: m["total"] for m in messages if m["pass"] == "backward"}
    assert totals["x"] == plain.grads["x"] and totals["y"] == plain.grads["y"]


def test_cli_jsonl_batch_and_non_finite(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("inputs: {x: 1.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    out = CliRunner().invoke(main, ["trace", str(path), "--set", "x=0,1", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert lines[1] == {"step": 2, "pass": "forward", "from": "l", "to": None, "port": None, "value": ["-Infinity", 0.0]}
    assert lines[-1]["contribution"] == ["Infinity", 1.0]


def test_cli_errors(root):
    runner = CliRunner()
    out = runner.invoke(main, ["trace", str(root / "tests" / "bad" / "unknown_type.yaml")])
    assert out.exit_code == 1 and "unknown_type.yaml:" in out.output and "Traceback" not in out.output
    out = runner.invoke(main, ["trace", str(root / "circuits" / "neuron.yaml"), "--format", "xml"])
    assert out.exit_code == 2
    out = runner.invoke(main, ["trace", str(root / "circuits" / "neuron.yaml"), "--set", "nope=1"])
    assert out.exit_code == 1 and "unknown input 'nope'" in out.output


def test_readme_trace_output_is_what_the_command_prints(root, monkeypatch):
    readme = (root / "docs" / "pictures.md").read_text()
    block = re.search(r"^```console\n\$ (circuitsim trace .*?)\n(.*?)^```", readme, re.M | re.S)
    monkeypatch.chdir(root)
    monkeypatch.delenv("COLUMNS", raising=False)
    out = CliRunner().invoke(main, shlex.split(block.group(1))[1:])
    assert out.exit_code == 0, out.output
    assert [line.rstrip() for line in out.output.splitlines()] == block.group(2).splitlines()
