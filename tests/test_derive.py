"""Forward mode, the backward circuit and second order, against an independent reference.

The reference is a hyper-dual number evaluator of the gates' forward functions, written here
from calculus (a + b·e1 + c·e2 + d·e1e2 with e1² = e2² = 0): one evaluation gives the value,
the derivatives along two directions and the second derivative along both. It shares no code
with circuitsim's gates, rules or passes.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

import circuitsim
from circuitsim import Builder, CircuitError
from circuitsim.derive import forward
from gates import BUILTIN_GATES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "circuits").glob("*.yaml"))


# -- the reference: hyper-dual numbers ---------------------------------------------------


class HD:
    """a + b e1 + c e2 + d e1e2."""

    def __init__(self, a, b=0.0, c=0.0, d=0.0):
        self.a, self.b, self.c, self.d = float(a), float(b), float(c), float(d)

    @staticmethod
    def of(x):
        return x if isinstance(x, HD) else HD(x)

    def __add__(self, o):
        o = HD.of(o)
        return HD(self.a + o.a, self.b + o.b, self.c + o.c, self.d + o.d)

    __radd__ = __add__

    def __neg__(self):
        return HD(-self.a, -self.b, -self.c, -self.d)

    def __sub__(self, o):
        return self + -HD.of(o)

    def __rsub__(self, o):
        return HD.of(o) - self

    def __mul__(self, o):
        o = HD.of(o)
        return HD(self.a * o.a, self.a * o.b + self.b * o.a, self.a * o.c + self.c * o.a,
                  self.a * o.d + self.b * o.c + self.c * o.b + self.d * o.a)

    __rmul__ = __mul__

    def apply(self, f0, f1, f2):
        """f(self) from f, f' and f'' at the real part."""
        return HD(f0, f1 * self.b, f1 * self.c, f1 * self.d + f2 * self.b * self.c)

    def __truediv__(self, o):
        return self * HD.of(o).recip()

    def __rtruediv__(self, o):
        return HD.of(o) * self.recip()

    def recip(self):
        a = self.a
        return self.apply(1 / a, -1 / a**2, 2 / a**3)


def _sig(a):
    return 1 / (1 + math.exp(-a))


def h_exp(x): return x.apply(math.exp(x.a), math.exp(x.a), math.exp(x.a))  # noqa: E704
def h_log(x): return x.apply(math.log(x.a), 1 / x.a, -1 / x.a**2)  # noqa: E704
def h_sqrt(x): return x.apply(math.sqrt(x.a), 0.5 / math.sqrt(x.a), -0.25 * x.a**-1.5)  # noqa: E704
def h_sin(x): return x.apply(math.sin(x.a), math.cos(x.a), -math.sin(x.a))  # noqa: E704
def h_cos(x): return x.apply(math.cos(x.a), -math.sin(x.a), -math.cos(x.a))  # noqa: E704


def h_tanh(x):
    t = math.tanh(x.a)
    return x.apply(t, 1 - t * t, -2 * t * (1 - t * t))


def h_sigmoid(x):
    s = _sig(x.a)
    return x.apply(s, s * (1 - s), s * (1 - s) * (1 - 2 * s))


def h_softplus(x):
    s = _sig(x.a)
    return x.apply(math.log1p(math.exp(x.a)), s, s * (1 - s))


def h_pow(x, p):
    return x.apply(x.a**p, p * x.a ** (p - 1), p * (p - 1) * x.a ** (p - 2))


def h_prod(xs):
    out = HD(1.0)
    for x in xs:
        out = out * x
    return out


REFERENCE = {
    "add": lambda xs, p: sum(xs[1:], xs[0]),
    "mul": lambda xs, p: h_prod(xs),
    "sub": lambda xs, p: xs[0] - xs[1],
    "div": lambda xs, p: xs[0] / xs[1],
    "neg": lambda xs, p: -xs[0],
    "reciprocal": lambda xs, p: 1.0 / xs[0],
    "pow": lambda xs, p: h_pow(xs[0], p["exponent"]),
    "exp": lambda xs, p: h_exp(xs[0]),
    "log": lambda xs, p: h_log(xs[0]),
    "sqrt": lambda xs, p: h_sqrt(xs[0]),
    "sin": lambda xs, p: h_sin(xs[0]),
    "cos": lambda xs, p: h_cos(xs[0]),
    "tanh": lambda xs, p: h_tanh(xs[0]),
    "sigmoid": lambda xs, p: h_sigmoid(xs[0]),
    "relu": lambda xs, p: xs[0] if xs[0].a > 0 else HD(0.0),
    "abs": lambda xs, p: xs[0] if xs[0].a > 0 else -xs[0],
    "max": lambda xs, p: max(xs, key=lambda x: x.a),
    "min": lambda xs, p: min(xs, key=lambda x: x.a),
    "not": lambda xs, p: 1.0 - xs[0],
    "and": lambda xs, p: h_prod(xs),
    "nand": lambda xs, p: 1.0 - h_prod(xs),
    "or": lambda xs, p: 1.0 - h_prod([1.0 - x for x in xs]),
    "nor": lambda xs, p: h_prod([1.0 - x for x in xs]),
    "xor": lambda xs, p: 0.5 - 0.5 * h_prod([1.0 - 2.0 * x for x in xs]),
    "xnor": lambda xs, p: 0.5 + 0.5 * h_prod([1.0 - 2.0 * x for x in xs]),
    "softplus": lambda xs, p: h_softplus(xs[0]),
    "bce_logits": lambda xs, p: h_softplus(xs[0]) - xs[1] * xs[0],
    "step": lambda xs, p: HD(1.0 if xs[0].a > 0 else 0.0),
    "sign": lambda xs, p: HD(float(np.sign(xs[0].a))),
    "equal": lambda xs, p: HD(1.0 if xs[0].a == xs[1].a else 0.0),
}
POSITIVE = {"log": [0], "sqrt": [0], "reciprocal": [0], "div": [1]}  # ports that need x > 0
EXPONENTS = [2, 3, 0.5, -1.5]


def reference(net, point, e1, e2):
    """The sum of the outputs as a hyper-dual number: point + e1 (direction) + e2 (direction)."""
    inputs, gates, outputs = net
    env = {name: HD(point[name], e1.get(name, 0.0), e2.get(name, 0.0)) for name in inputs}
    for name, kind, srcs, params in gates:
        env[name] = HD.of(REFERENCE[kind]([env[s] if isinstance(s, str) else HD(s) for s in srcs], params))
    return sum((env[o] for o in outputs), HD(0.0)), env


def random_net(rng: random.Random, kinds: list[str]):
    """A random circuit using each of ``kinds``: (inputs with values, gates, outputs)."""
    inputs = {f"x{i}": round(rng.uniform(-1.2, 1.2), 3) for i in range(4)}
    gates = []
    pool = list(inputs)
    positive = []
    for k, kind in enumerate(kinds):
        cls = next(c for c in BUILTIN_GATES if c.name == kind)
        n = cls.arity or rng.choice([1, 2, 3])
        srcs = [rng.choice(pool[-5:]) for _ in range(n)]
        for port in POSITIVE.get(kind, []):
            base = rng.choice(pool[-5:])
            name = f"p{k}"
            gates.append((name, "softplus", [base], {}))  # softplus(x) + 0.25 > 0
            gates.append((f"q{k}", "add", [name, 0.25], {}))
            srcs[port] = f"q{k}"
        params = {}
        if kind == "pow":
            params = {"exponent": rng.choice(EXPONENTS)}
            if params["exponent"] != int(params["exponent"]):
                gates.append((f"p{k}", "softplus", [srcs[0]], {}))
                srcs[0] = f"p{k}"
        if kind in ("and", "or", "xor", "nand", "nor", "xnor", "not"):
            gates.append((f"s{k}", "sigmoid", [srcs[0]], {}))  # a probability, as the logic gates read
            srcs[0] = f"s{k}"
        name = f"g{k}"
        gates.append((name, kind, srcs, params))
        pool.append(name)
        if kind in ("exp", "sigmoid", "softplus"):
            positive.append(name)
    outputs = [pool[-1], pool[-2]]
    return inputs, gates, outputs


def build(net):
    inputs, gates, outputs = net
    b = Builder("random")
    for name, value in inputs.items():
        b.input(name, value)
    for name, kind, srcs, params in gates:
        b.gate(kind, srcs, name=name, params=params or None)
    b.output(*outputs)
    return b.build()


KINDS = [cls.name for cls in BUILTIN_GATES]


def nets(count: int):
    rng = random.Random(24)
    made = []
    while len(made) < count:
        kinds = rng.sample(KINDS, 8)
        net = random_net(rng, kinds)
        value, _ = reference(net, net[0], {}, {})
        if math.isfinite(value.a) and abs(value.a) < 1e6:
            made.append(net)
    return made


NETS = nets(24)


def test_the_random_circuits_use_every_builtin_gate():
    used = {kind for net in NETS for _, kind, _, _ in net[1]}
    assert used == set(KINDS)


def close(got, want, scale):
    return math.isclose(got, want, rel_tol=1e-7, abs_tol=1e-9 * max(1.0, scale))


# -- forward mode ----------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(len(NETS)))
def test_tangents_agree_with_the_reference(k):
    net = NETS[k]
    c = build(net)
    rng = random.Random(k)
    direction = {name: rng.uniform(-1, 1) for name in net[0]}
    r = c.jvp(tangents=direction)
    _, env = reference(net, net[0], direction, {})
    scale = max(abs(h.b) for h in env.values())
    for name, want in env.items():
        assert r.values[name] == pytest.approx(want.a, rel=1e-12, abs=1e-12), name
        assert close(r.tangents[name], want.b, scale), (name, r.tangents[name], want.b)


@pytest.mark.parametrize("k", range(0, len(NETS), 3))
def test_hvp_and_hessian_agree_with_the_reference(k):
    net = NETS[k]
    c = build(net)
    names = list(net[0])
    rng = random.Random(k)
    v = {name: rng.uniform(-1, 1) for name in names}
    got = c.hvp(vector=v)
    H = c.hessian()
    rows = {a: {b: reference(net, net[0], {a: 1.0}, {b: 1.0})[0].d for b in names} for a in names}
    scale = max(abs(x) for row in rows.values() for x in row.values())
    for b in names:
        want = reference(net, net[0], v, {b: 1.0})[0].d
        assert close(got[b], want, scale), (b, got[b], want)
        for a in names:
            assert close(H[a][b], rows[a][b], scale), (a, b, H[a][b], rows[a][b])


def test_jacobian_chooses_forward_or_reverse_mode_and_both_agree():
    c = circuitsim.load(ROOT / "circuits/neuron.yaml")
    grads = c.run().grads
    forward = c.jacobian(of=["f", "s0", "e"], wrt=["x0"])  # fewer wrt than of: forward
    reverse = c.jacobian(of=["f"], wrt=["w0", "x0"])  # reverse
    assert forward["f"]["x0"] == pytest.approx(grads["x0"], rel=1e-15)
    assert reverse == {"f": {"w0": grads["w0"], "x0": grads["x0"]}}
    assert forward["s0"] == {"x0": 2.0}
    assert c.jacobian() == {"f": {name: grads[name] for name in c.inputs}}


def test_batches_equal_scalar_runs():
    c = build(NETS[1])
    names = list(c.inputs)
    xs = np.linspace(-1, 1, 4)
    batch = {names[0]: xs}
    tangents = {names[1]: np.array([1.0, 0.5, -1.0, 2.0]), names[0]: 1.0}
    r = c.jvp(batch, tangents)
    h = c.hvp(batch, {names[0]: 1.0, names[2]: -0.5})
    H = c.hessian(batch, wrt=names[:2])
    assert r.batch == 4 and r.tangents[names[0]].shape == (4,)
    for i, x in enumerate(xs):
        one = c.jvp({names[0]: x}, {names[1]: tangents[names[1]][i], names[0]: 1.0})
        for name in c.plan.named:
            assert r.tangents[name][i] == pytest.approx(one.tangents[name], rel=1e-12, abs=1e-15)
        hv = c.hvp({names[0]: x}, {names[0]: 1.0, names[2]: -0.5})
        Hx = c.hessian({names[0]: x}, wrt=names[:2])
        for name in names:
            assert h[name][i] == pytest.approx(hv[name], rel=1e-12, abs=1e-15)
        for a in names[:2]:
            for b in names[:2]:
                assert H[a][b][i] == pytest.approx(Hx[a][b], rel=1e-12, abs=1e-15)


def test_a_batch_of_inputs_takes_the_levels_and_gives_each_samples_tangents(monkeypatch):
    gate_by_gate = forward._push
    monkeypatch.setattr(forward, "_push", lambda *args: pytest.fail("a batch of inputs went gate by gate"))
    for net in NETS:  # every built-in gate, on values that change from sample to sample
        c = build(net)
        names = list(c.inputs)
        xs = np.array([-0.7, 0.2, 0.9])
        batch = {names[0]: xs, names[-1]: xs[::-1].copy()}
        r = c.jvp(batch, {names[0]: 1.0, names[1]: np.array([0.5, -1.0, 2.0])}, nan="ignore")
        for i in range(len(xs)):
            with monkeypatch.context() as m:
                m.setattr(forward, "_push", gate_by_gate)
                one = c.jvp({names[0]: xs[i], names[-1]: xs[::-1][i]}, {names[0]: 1.0, names[1]: [0.5, -1.0, 2.0][i]}, nan="ignore")
            for name in c.plan.named:
                want, got = one.tangents[name], r.tangents[name][i]
                assert got == pytest.approx(want, rel=1e-12, abs=1e-15) or (math.isnan(want) and math.isnan(got)), (name, got, want)


def test_a_batch_of_tangents_at_one_point():
    c = circuitsim.load(ROOT / "circuits/neuron.yaml")
    r = c.jvp(tangents={"x0": [1.0, 0.0], "w0": [0.0, 1.0]})
    grads = c.run().grads
    assert r.tangents["f"].tolist() == pytest.approx([grads["x0"], grads["w0"]], rel=1e-15)
    assert r.values["f"].tolist() == [c.run().outputs["f"]] * 2


def test_kinks_have_second_derivative_zero():
    c = circuitsim.loads(
        "inputs: {x: 0.0, y: 0.0}\n"
        "gates:\n  r: {type: relu, inputs: [x]}\n  a: {type: abs, inputs: [y]}\n"
        "  m: {type: max, inputs: [x, y]}\n  n: {type: min, inputs: [x, y]}\n"
        "outputs: [r, a, m, n]\n"
    )
    assert c.hessian() == {"x": {"x": 0.0, "y": 0.0}, "y": {"x": 0.0, "y": 0.0}}


# -- the backward circuit --------------------------------------------------------------------


def same(a, b) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_backward_circuit_equals_run_grads_bit_for_bit_on_every_example(path):
    c = circuitsim.load(path)
    b = c.backward_circuit()
    assert b.outputs == [f"grad_{name}" for name in c.inputs]
    assert dict(b.inputs) == dict(c.inputs)
    grads, got = c.run().grads, b.run().outputs
    assert all(same(got[f"grad_{name}"], grads[name]) for name in c.inputs)
    again = circuitsim.loads(circuitsim.dump(b))  # an ordinary circuit file
    assert dict(again.run().outputs) == dict(got)


@pytest.mark.parametrize("k", range(len(NETS)))
def test_backward_circuit_equals_run_grads_bit_for_bit_on_random_circuits(k):
    c = build(NETS[k])
    b = c.backward_circuit()
    grads, got = c.run().grads, b.run().outputs
    assert all(same(got[f"grad_{name}"], grads[name]) for name in c.inputs)
    batch = {name: np.linspace(-1, 1, 5) + v for name, v in c.inputs.items()}
    grads, got = c.run(batch).grads, b.run(batch).outputs
    for name in c.inputs:
        assert np.array_equal(got[f"grad_{name}"], grads[name], equal_nan=True)


def test_the_backward_circuit_differentiates_again():
    c = build(NETS[3])
    twice = c.backward_circuit().backward_circuit()  # the gradient of the sum of the gradients
    ones = c.hvp(vector=dict.fromkeys(c.inputs, 1.0))
    got = twice.run().outputs
    for name in c.inputs:
        assert got[f"grad_{name}"] == pytest.approx(ones[name], rel=1e-12, abs=1e-12)


def test_the_neuron_backward_circuit_reads_as_the_chain_rule():
    text = circuitsim.dump(circuitsim.load(ROOT / "circuits/neuron.yaml").backward_circuit())
    assert "  grad_s0: {type: neg, inputs: [grad_n]}\n" in text
    assert "  grad_w0: {type: mul, inputs: [grad_s0, x0]}\n" in text
    assert "outputs: [grad_w0, grad_x0, grad_w1, grad_x1, grad_w2]\n" in text


# -- plugin gates --------------------------------------------------------------------------

PLUGIN = '''
from circuitsim import Gate, hookimpl

class Cube(Gate):
    """x cubed, by methods only."""
    name = "cube"
    def forward(self, x):
        return x * x * x
    def local_grads(self, inputs, output):
        (x,) = inputs
        return (3 * x * x,)

@hookimpl
def circuitsim_register_gates(register):
    register(Cube)
'''


@pytest.fixture
def cube(tmp_path):
    plugin = tmp_path / "cube_plugin.py"
    plugin.write_text(PLUGIN)
    circuit = tmp_path / "cube.yaml"
    circuit.write_text("inputs: {x: 2.0}\ngates:\n  c: {type: cube, inputs: [x]}\n  f: {type: exp, inputs: [c]}\noutputs: [f]\n")
    return circuit, plugin


def test_a_plugin_gate_without_expressions_works_in_forward_mode_not_second_order(cube):
    path, plugin = cube
    c = circuitsim.load(path, plugins=[str(plugin)])
    r = c.jvp(tangents={"x": 1.0})
    assert r.tangents["f"] == pytest.approx(12.0 * math.exp(8.0), rel=1e-15)
    assert c.jacobian(of=["c", "f"], wrt=["x"])["c"]["x"] == 12.0
    for call in (c.hvp, c.hessian, c.backward_circuit):
        with pytest.raises(CircuitError, match=r"gate 'c' \(type 'cube' from plugin .*\) has no expressions.*`expressions` method"):
            call()


def test_cli_second_order_on_a_plugin_without_expressions_names_the_gate(cli, cube):
    path, plugin = cube
    result = cli("hessian", str(path), "-p", str(plugin), code=1)
    assert "cube.yaml:3:" in result.stderr and "gate 'c'" in result.stderr and "expressions" in result.stderr
    cli("trace", str(path), "-p", str(plugin), "--tangent", "x=1")


# -- errors --------------------------------------------------------------------------------


def test_bad_tangents_and_vectors_are_named():
    c = circuitsim.load(ROOT / "circuits/neuron.yaml")
    with pytest.raises(CircuitError, match="tangent 'x9' is not an input"):
        c.jvp(tangents={"x9": 1.0})
    with pytest.raises(CircuitError, match="tangent 'f' is given at a gate"):
        c.jvp(tangents={"f": 1.0})
    with pytest.raises(CircuitError, match="tangent 'x0' must be a number"):
        c.jvp(tangents={"x0": "a"})
    with pytest.raises(CircuitError, match="tangent 'x0' has 3 samples but the batch has 2"):
        c.jvp({"w0": [1.0, 2.0]}, tangents={"x0": [1.0, 2.0, 3.0]})
    with pytest.raises(CircuitError, match="vector entry 'q' is not an input"):
        c.hvp(vector={"q": 1.0})
    with pytest.raises(CircuitError, match="wrt is a list of names"):
        c.hessian(wrt="x0")


# -- the command line ----------------------------------------------------------------------


def test_trace_tangent_lists_the_forward_mode_messages(cli):
    out = cli("trace", "circuits/neuron.yaml", "--tangent", "x0=1").stdout.splitlines()
    assert out[0].split() == ["step", "pass", "from", "to", "message", "sum"]
    assert out[2].split() == ["1", "tangent", "tangent", "x0", "1", "1"]
    assert out[3].split() == ["2", "tangent", "x0", "m0.1", "1", "×", "2", "=", "2", "2"]
    assert out[-1].split() == ["8", "tangent", "f", "output", "0.393224", "0.393224"]
    lines = [json.loads(line) for line in cli("trace", "circuits/neuron.yaml", "--tangent", "x0=1", "--format", "jsonl").stdout.splitlines()]
    assert lines[1] == {"step": 2, "pass": "tangent", "from": "x0", "to": "m0", "port": "1", "value": -1.0,
                        "tangent": 1.0, "local": 2.0, "contribution": 2.0, "total": 2.0}
    assert lines[-1]["contribution"] == circuitsim.load(ROOT / "circuits/neuron.yaml").run().grads["x0"]


def test_hessian_command(cli):
    data = json.loads(cli("hessian", "circuits/neuron.yaml", "--wrt", "w0,x0", "--format", "json").stdout)
    H = circuitsim.load(ROOT / "circuits/neuron.yaml").hessian(wrt=["w0", "x0"])
    assert data == {"hessian": H}
    table = cli("hessian", "circuits/neuron.yaml", "--set", "x0=0.5").stdout
    assert "neuron: Hessian of the sum of the outputs" in table and "│ x1 │" in table
    assert "wrt 'zz' is not an input" in cli("hessian", "circuits/neuron.yaml", "--wrt", "zz", code=1).stderr


def test_backward_command_writes_a_circuit_that_loads(cli, tmp_path):
    out = tmp_path / "neuron_backward.yaml"
    cli("backward", "circuits/neuron.yaml", "-o", str(out))
    b = circuitsim.load(out)
    grads = circuitsim.load(ROOT / "circuits/neuron.yaml").run().grads
    assert dict(b.run().outputs) == {f"grad_{k}": v for k, v in grads.items() if k in b.inputs}
    assert cli("backward", "circuits/neuron.yaml").stdout == out.read_text()


def test_gradcheck_second(cli):
    result = cli("gradcheck", "circuits/mlp_relu.yaml", "--second")
    assert "Hessian-vector products agree with central differences of the gradients (" in result.stdout


# -- check_gate: second derivatives ----------------------------------------------------------


def _cubic(x):
    return x * x * x


def _slope(x):
    return 3.0 * x * x


def test_check_gate_checks_second_derivatives_from_expressions():
    from circuitsim import Expressions, Gate
    from circuitsim.gate import rule
    from circuitsim.testing import check_gate

    class Cubic(Gate):
        """x cubed, through functions whose calculus a plugin registers."""

        name = "cubic"

        def expressions(self, n_inputs, batch):
            return Expressions("cubic({0})", ("slope({0})",), {"cubic": _cubic, "slope": _slope})

    rule.register(_cubic, partials=lambda args: (rule.Call("slope", _slope, args),))
    rule.register(_slope, partials=lambda args: (rule.Binary("*", rule.Const(6.0), args[0]),))
    check_gate(Cubic)
    rule.register(_slope, partials=lambda args: (rule.Binary("*", rule.Const(5.0), args[0]),))  # wrong
    with pytest.raises(AssertionError, match=r"gate 'cubic', port x, at sample .*: the derivative of its local gradient by x"):
        check_gate(Cubic)


# -- formulas and explain --------------------------------------------------------------------


def test_gates_formulas(cli):
    text = cli("gates", "--formulas").stdout
    assert "mul(x0, x1): out = x0 * x1\n  d out / d x0 = x1\n  d out / d x1 = x0\n" in text
    assert "sigmoid(x): out = sigmoid(x)\n  d out / d x = out * (1.0 - out)\n" in text
    latex = cli("gates", "--formulas", "--latex").stdout
    assert "div(a, b): y = \\frac{a}{b}\n  \\frac{\\partial y}{\\partial a} = \\frac{1}{b}\n" in latex
    records = {r["name"]: r for r in json.loads(cli("gates", "--formulas", "--json").stdout)}
    assert records["pow"]["params"] == {"exponent": 3} and records["pow"]["grads"] == {"x": "3.0 * pow(x, 2.0)"}
    assert records["tanh"]["latex"]["output"] == "\\tanh\\left(x\\right)"


def test_explain_writes_the_chain_rule_with_numbers(cli):
    out = cli("explain", "circuits/neuron.yaml", "x0").stdout.splitlines()
    assert out[0] == "∂f/∂x0 at x0 = -1: the sum over 1 path from x0 to the outputs"
    assert out[2] == "path 1: x0 -> m0 -> s0 -> n -> e -> p -> f"
    assert "  ∂m0/∂x0 = w0 = 2" in out and "  ∂f/∂p = -1.0 / (p * p) = -0.534447" in out
    assert out[-1] == "∂f/∂x0 = 0.393224 = 0.393224"
    bounded = cli("explain", "circuits/fanout.yaml", "x", "--paths", "1").stdout
    assert "3 paths left out (--paths N shows more); the 1 path shown add up to 3" in bounded
    assert "no node 'zz' to explain" in cli("explain", "circuits/neuron.yaml", "zz", code=1).stderr


def test_explain_as_data_adds_up_to_the_gradient():
    from circuitsim.derive import explain

    c = circuitsim.load(ROOT / "circuits/mlp.yaml")
    for name in c.inputs:
        why = explain(c, name, paths=1000)
        assert why["left_out"] == 0 and len(why["paths"]) == why["total_paths"]
        assert why["sum_shown"] == pytest.approx(why["grad"], rel=1e-12, abs=1e-15)
        for path in why["paths"]:
            assert path["product"] == pytest.approx(math.prod(f["local"] for f in path["factors"]), rel=1e-15)


# -- docs/second-order.md (its code blocks run in tests/test_docs.py) --------------------------


def test_the_page_picture_is_what_its_commands_draw(cli, tmp_path):
    cli("backward", "circuits/neuron.yaml", "-o", str(tmp_path / "neuron_backward.yaml"))
    cli("draw", str(tmp_path / "neuron_backward.yaml"), "-o", str(tmp_path / "neuron-backward.svg"))
    assert (tmp_path / "neuron-backward.svg").read_text() == (ROOT / "docs" / "neuron-backward.svg").read_text()


def test_hessian_command_on_a_batch(cli):
    data = json.loads(cli("hessian", "circuits/neuron.yaml", "--set", "x0=1,2", "--wrt", "x0", "--format", "json").stdout)
    c = circuitsim.load(ROOT / "circuits/neuron.yaml")
    assert data["hessian"]["x0"]["x0"] == [c.hessian({"x0": x}, wrt=["x0"])["x0"]["x0"] for x in (1.0, 2.0)]
    error = cli("hessian", "circuits/neuron.yaml", "--set", "x0=1,2", code=1).stderr
    assert "the table shows one point" in error


def test_hvp_of_a_seeded_combination():
    c = circuitsim.load(ROOT / "circuits/two_neurons.yaml")
    plain = c.hvp(vector={"x0": 1.0})
    seeded = c.hvp(vector={"x0": 1.0}, seed={"y": 2.0})
    assert seeded == {k: pytest.approx(2 * v, rel=1e-15, abs=0) for k, v in plain.items()}
    batch = c.hvp(vector={"x0": 1.0}, seed={"y": [1.0, 2.0]})
    assert batch["x0"].tolist() == pytest.approx([plain["x0"], 2 * plain["x0"]], rel=1e-15)


WIGGLE = '''
import math
from circuitsim import Expressions, Gate, hookimpl

def wiggle(x):
    return x + 0.1 * math.sin(x)

def slope(x):
    return 1.0 + 0.1 * math.cos(x)

class Wiggle(Gate):
    """x + sin(x)/10, through functions of its own."""
    name = "wiggle"
    def expressions(self, n_inputs, batch):
        return Expressions("wiggle({0})", ("slope({0})",), {"wiggle": wiggle, "slope": slope})

@hookimpl
def circuitsim_register_gates(register):
    register(Wiggle)
'''


def test_a_rule_calling_a_function_no_gate_computes_is_named(tmp_path):
    plugin = tmp_path / "wiggle_plugin.py"
    plugin.write_text(WIGGLE)
    c = circuitsim.loads("inputs: {x: 1.0}\ngates:\n  g: {type: wiggle, inputs: [x]}\noutputs: [g]\n", plugins=[str(plugin)])
    assert c.jvp(tangents={"x": 1.0}).tangents["g"] == 1.0 + 0.1 * math.cos(1.0)
    with pytest.raises(CircuitError, match=r"gate 'g' .*: hvp cannot write its local gradients as gates: it calls 'slope', which no gate computes"):
        c.hvp(vector={"x": 1.0})


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_backward_circuit_files_check_without_warnings(path, cli, tmp_path):
    out = tmp_path / "backward.yaml"
    cli("backward", str(path), "-o", str(out))
    result = cli("check", str(out))
    assert "warning" not in result.output and ": OK (" in result.output


def test_backward_circuit_on_the_levelized_tier_agrees_to_rounding():
    from benchmarks.circuits import mlp

    c = circuitsim.loads(mlp(2500).yaml())  # wide and above 2,000 gates: scalar runs take the levelized tier
    b = c.backward_circuit()
    grads, got = c.run().grads, b.run().outputs
    for name in c.inputs:
        assert got[f"grad_{name}"] == pytest.approx(grads[name], rel=1e-12, abs=1e-15)
