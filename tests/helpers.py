"""What the tests share: plugin gates, circuits, random circuits, and runs through one tier."""

from __future__ import annotations

import contextlib
import random
import signal
import threading
import time
import types

import numpy as np
from hypothesis import strategies as st

from circuitsim import Expressions, Gate, hookimpl
from circuitsim.gate.plugins import _metadata_folders as _METADATA_FOLDERS
from circuitsim.plan.engine import execute, tier


def through(c, name, inputs=None, seed=None, backward=True):
    """Values and gradients of a run on tier ``name`` alone, failing if it does not take the
    run or hands it to the methods (``seed`` None: the outputs'; ``backward`` false: no seeds)."""
    t = tier(name)
    request = c.request(inputs, seed=seed, backward=backward)
    if name == "straight":
        t.compile(c.plan, request.seeded)
    assert t.takes(c.plan, request), f"the {name} tier does not take this run"
    with np.errstate(all="ignore"):
        outcome = execute(c.plan, request, tiers=[t])
    assert outcome.tier == name, f"the run fell back from the {name} tier to the {outcome.tier}"
    return outcome.values, outcome.grads


def install_distributions(monkeypatch, folder, *dists) -> None:
    """Install ``dists``, each ``(name, version, {entry point name: module})``, as pip does:
    a ``NAME-VERSION.dist-info`` folder with its ``METADATA`` and ``entry_points.txt`` (the
    entry points in group ``circuitsim``, and one of another group), each in a folder of its
    own under ``folder``, put first on ``sys.path`` in order. Plugin discovery looks at no
    other distribution."""
    import importlib.metadata
    import sys

    from circuitsim.gate import plugins

    found = _METADATA_FOLDERS  # the real scan, even where a test put another in its place
    sites = []
    for k, (name, version, entry_points) in enumerate(dists):
        info = folder / f"site{k}" / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        points = "".join(f"{ep} = {module}\n" for ep, module in entry_points.items())
        (info / "entry_points.txt").write_text(f"[console_scripts]\nunrelated = nowhere:main\n\n[circuitsim]\n{points}")
        sites.append(str(info.parent))
    monkeypatch.setattr(sys, "path", sites + sys.path)
    monkeypatch.setattr(plugins, "_metadata_folders", lambda path: found(path) if path in sites else [])
    monkeypatch.setattr(importlib.metadata, "distributions", list)  # nor where the scan gives way to it


def chosen(c, inputs=None, seed=None):
    """Values, gradients and tier of a run on the tier the engine chooses (faults go to the methods)."""
    request = c.request(inputs, seed=seed)
    with np.errstate(all="ignore"):
        outcome = c.plan.execute(request)
    return outcome.values, outcome.grads, outcome.tier


def fast_path(c, inputs=None, seed=None):
    """Values and gradients on the tier the engine chooses, failing if it falls back to the methods."""
    values, grads, name = chosen(c, inputs, seed)
    assert name != "methods", "the fast path fell back to the methods"
    return values, grads


UNARY_ANY = ["neg", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]


UNARY_POSITIVE = ["log", "sqrt", "reciprocal"]


VARIADIC = ["add", "mul", "max", "min"]


BINARY = ["sub", "div"]


@st.composite
def circuits(draw):
    """YAML text of a random DAG; inputs that need a positive argument get one."""
    n_inputs = draw(st.integers(1, 4))
    names = [f"x{i}" for i in range(n_inputs)]
    values = {n: draw(st.floats(-2, 2, allow_nan=False)) for n in names}
    gates = []

    def pick():
        return draw(st.sampled_from(names))

    def positive(src):  # sigmoid(src) + 0.5 lies in (0.5, 1.5)
        k = len(gates)
        gates.append(f"  q{k}: {{type: sigmoid, inputs: [{src}]}}")
        gates.append(f"  p{k}: {{type: add, inputs: [q{k}, 0.5]}}")
        return f"p{k}"

    for i in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(UNARY_ANY + UNARY_POSITIVE + VARIADIC + BINARY + ["pow"]))
        name = f"g{i}"
        if kind in UNARY_ANY:
            line = f"{{type: {kind}, inputs: [{pick()}]}}"
        elif kind in UNARY_POSITIVE:
            line = f"{{type: {kind}, inputs: [{positive(pick())}]}}"
        elif kind in VARIADIC:
            srcs = [pick() for _ in range(draw(st.integers(1, 3)))]
            line = f"{{type: {kind}, inputs: [{', '.join(srcs)}]}}"
        elif kind == "sub":
            line = f"{{type: sub, inputs: [{pick()}, {pick()}]}}"
        elif kind == "div":
            line = f"{{type: div, inputs: [{pick()}, {positive(pick())}]}}"
        else:
            exponent = draw(st.sampled_from([2, 3, -1, 0.5, 1.5]))
            src = pick() if float(exponent).is_integer() and exponent > 0 else positive(pick())
            line = f"{{type: pow, inputs: [{src}], params: {{exponent: {exponent}}}}}"
        gates.append(f"  {name}: {line}")
        names.append(name)
    outputs = draw(st.lists(st.sampled_from(names[n_inputs:]), min_size=1, max_size=3, unique=True))
    inputs = ", ".join(f"{k}: {v!r}" for k, v in values.items())
    return f"inputs: {{{inputs}}}\ngates:\n" + "\n".join(gates) + f"\noutputs: [{', '.join(outputs)}]\n"


def plugin(*classes):
    module = types.ModuleType("misc_plugin")

    @hookimpl
    def circuitsim_register_gates(register):
        for cls in classes:
            register(cls)

    module.circuitsim_register_gates = circuitsim_register_gates
    return module


class Square(Gate):
    """x*x through its methods only (no expressions)."""

    name = "square"

    def forward(self, x):
        return x * x

    def local_grads(self, inputs, output):
        return (2.0 * inputs[0],)


class Cube(Gate):
    """x**3 with expressions."""

    name = "cube"

    def forward(self, x):
        return x * x * x

    def local_grads(self, inputs, output):
        return (3.0 * inputs[0] * inputs[0],)

    def expressions(self, n_inputs, batch):
        return Expressions("{0} * {0} * {0}", ("3.0 * {0} * {0}",))


FAN_OUT = """
inputs: {x: 1.5, y: -0.25}
gates:
  s: {type: square, inputs: [x]}
  k: {type: cube, inputs: [s]}
  m: {type: mul, inputs: [x, x, y, s]}
  a: {type: add, inputs: [m, k, x, 0.5]}
  r: {type: relu, inputs: [a]}
  d: {type: div, inputs: [r, y]}
  p: {type: pow, inputs: [x], params: {exponent: 2.5}}
  t: {type: max, inputs: [d, p, s]}
  f: {type: sigmoid, inputs: [t]}
outputs: [f, d]
"""


def misbehaving(forward=None, local_grads=None):
    class Faulty(Gate):
        """Misbehaves on purpose."""

        name = "faulty"

        def forward(self, x):
            return forward(x) if forward else x

        def local_grads(self, inputs, output):
            return local_grads(inputs) if local_grads else (1.0,)

    return Faulty


def method_path(c, inputs=None, seed=None):
    """Values and gradients through forward/local_grads only, as a tracer computes them."""
    request = c.request(inputs, seed=seed)
    with np.errstate(all="ignore"):
        c.plan.forward(request.values)
        grads = c.plan.backward(request.values, request.seeds)
    return request.values, grads


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same(c, got, want):
    for slot, name in enumerate(c.plan.names):
        for kind, x, y in (("value", got[0][slot], want[0][slot]), ("grad", got[1][slot], want[1][slot])):
            assert same_bits(x, y), (kind, name, x, y)


COLUMNS = ["names", "kinds", "numbers", "types", "ports", "sources", "instance", "lines", "columns", "wired"]


def same_netlist(a, b) -> None:
    for column in COLUMNS:
        assert list(getattr(a, column)) == list(getattr(b, column)), column
    assert [dict(p) for p in a.params] == [dict(p) for p in b.params]
    assert [type(g) for g in a.gates] == [type(g) for g in b.gates]
    assert (a.name, a.outputs, a.files[0]) == (b.name, b.outputs, b.files[0])


def same_spec(a, b) -> None:
    assert (a.name, a.description, a.outputs, a.output_pos, a.tests) == (b.name, b.description, b.outputs, b.output_pos, b.tests)
    assert list(a.inputs.items()) == list(b.inputs.items())
    assert list(a.gates.items()) == list(b.gates.items())


def random_layers(seed: int, widths: list[int]) -> str:
    """Layers of gates reading random earlier nodes (some twice), written in a shuffled order."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(widths[0])]
    lines = []
    for layer, width in enumerate(widths[1:]):
        new = []
        for j in range(width):
            sources = [rng.choice(names[-3 * width :]) for _ in range(rng.choice([1, 2, 2, 3]))]
            sources += [sources[0]] * (rng.random() < 0.2)
            new.append(f"g{layer}_{j}")
            lines.append(f"  {new[-1]}: {{type: add, inputs: [{', '.join(sources)}]}}")
        names += new
    rng.shuffle(lines)
    inputs = [f"  x{i}: 0.5" for i in range(widths[0])]
    return "\n".join(["inputs:", *inputs, "gates:", *lines, f"outputs: [{names[-1]}]"]) + "\n"


# The gate plugin example of SPEC.md, importing from the submodules.
SQUARE = '''
from circuitsim.gate import Gate
from circuitsim.gate.hookspecs import hookimpl

class Square(Gate):
    """The square of its input."""
    name = "square"
    arity = 1
    params = {}

    def forward(self, x):
        return x * x

    def local_grads(self, inputs, output):
        (x,) = inputs
        return (2 * x,)

@hookimpl
def circuitsim_register_gates(register):
    register(Square)
'''


WIDE = """
inputs: {x: 0.5, y: -1.5, z: 2.0}
gates:
  a0: {type: mul, inputs: [x, y]}
  a1: {type: mul, inputs: [x, z]}
  a2: {type: mul, inputs: [x, x]}
  a3: {type: mul, inputs: [y, 3.0]}
  s0: {type: sub, inputs: [a0, a1]}
  s1: {type: sub, inputs: [a2, a3]}
  n0: {type: neg, inputs: [s0]}
  n1: {type: neg, inputs: [s1]}
  m:  {type: max, inputs: [n0, n1, a0]}
  e:  {type: exp, inputs: [m]}
  o:  {type: or, inputs: [x, 0.25, 0.5, 0.75, 0.1, 0.2]}
  f:  {type: add, inputs: [e, o, n0]}
outputs: [f, s1]
"""


def layers(sizes, numbers, arity=2, bias_inside=False):
    """A relu network of ``sizes``, each neuron ``((w0*a0 + w1*a1) + ...) + b`` with adds of
    up to ``arity`` inputs (the bias inside the last one, with ``bias_inside``), its weights and
    biases drawn in turn from ``numbers``; inputs x0, x1, ..., the chains' last sums named
    ``c{l}_{j}`` (unless the bias is inside)."""
    draw = iter(numbers * (1 + sum(n * m + m for n, m in zip(sizes, sizes[1:])) // len(numbers)))
    inputs = [f"  x{i}: 0.5" for i in range(sizes[0])]
    gates, layer = [], [f"x{i}" for i in range(sizes[0])]
    for l, (n, m) in enumerate(zip(sizes, sizes[1:])):
        out = []
        for j in range(m):
            terms = []
            for i, a in enumerate(layer):
                inputs.append(f"  w{l}_{j}_{i}: {next(draw)!r}")
                gates.append(f"  m{l}_{j}_{i}: {{type: mul, inputs: [w{l}_{j}_{i}, {a}]}}")
                terms.append(f"m{l}_{j}_{i}")
            inputs.append(f"  b{l}_{j}: {next(draw)!r}")
            total, k = terms[0], 1
            while k < n:
                operands = [total, *terms[k : k + arity - 1]] if k > 1 else terms[: arity]
                k = k + arity - 1 if k > 1 else min(arity, n)
                last = k >= n
                if last and bias_inside:
                    operands.append(f"b{l}_{j}")
                total = f"c{l}_{j}" if last else f"s{l}_{j}_{k}"
                gates.append(f"  {total}: {{type: add, inputs: [{', '.join(operands)}]}}")
            if not bias_inside or n == 1:
                gates.append(f"  z{l}_{j}: {{type: add, inputs: [{total}, b{l}_{j}]}}")
                total = f"z{l}_{j}"
            gates.append(f"  h{l}_{j}: {{type: relu, inputs: [{total}]}}")
            out.append(f"h{l}_{j}")
        layer = out
    gates.append(f"  y: {{type: add, inputs: [{', '.join(layer)}]}}")
    return "\n".join(["inputs:", *inputs, "gates:", *gates, "outputs: [y]", ""])


NUMBERS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, 3.0, -0.1])


@contextlib.contextmanager
def serving_app(path):
    """A real uvicorn serving ``path``'s page on 127.0.0.1, on a free port; yields (host, port)."""
    from circuitsim.explore.server import Server, create_app

    server = Server(create_app(path), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield server.servers[0].sockets[0].getsockname()[:2]
    server.handle_exit(signal.SIGINT, None)  # as Ctrl+C does
    thread.join(10)
    assert not thread.is_alive()
