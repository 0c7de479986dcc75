"""MLP-shaped benchmark circuits written out gate by gate, as data and as YAML text.

A circuit has ``width`` inputs ``x*``, ``depth`` hidden layers of ``width`` relu neurons and one
linear output neuron; a neuron with fan-in k is k binary ``mul`` gates (weight times input), a
chain of k binary ``add`` gates (the last one adds the bias) and, in a hidden layer, a ``relu``.
Weights and biases are inputs with defaults, so the gradients are the ones training would use.

``mlp(n, shuffle=True)`` is the same network wired as generated netlists and hand-written files
are: each neuron adds its products in an order of its own, a product reads its weight and its
input and an add its two terms either way round, and the inputs and gates are written in a
random (topological) order.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass

import numpy as np

__all__ = ["Net", "chain", "mlp", "sample_inputs", "width_for"]

DEPTH = 4


@dataclass
class Net:
    """A circuit as plain data: inputs with defaults, gates in topological order, outputs."""

    inputs: dict[str, float]
    gates: list[tuple[str, str, tuple[str, ...]]]  # (name, type, sources)
    outputs: list[str]

    def yaml(self) -> str:
        """The circuit as a circuitsim YAML file."""
        lines = ["circuit: mlp_bench", "inputs:"]
        lines += [f"  {name}: {value!r}" for name, value in self.inputs.items()]
        lines.append("gates:")
        lines += [f"  {name}: {{type: {op}, inputs: [{', '.join(srcs)}]}}" for name, op, srcs in self.gates]
        lines.append(f"outputs: [{', '.join(self.outputs)}]")
        return "\n".join(lines) + "\n"


def width_for(n_gates: int) -> int:
    """The layer width whose MLP has about ``n_gates`` gates."""
    # DEPTH layers of w neurons with 2w+1 gates each, plus an output neuron of 2w gates.
    return max(1, round((-(DEPTH + 1) + math.sqrt((DEPTH + 1) ** 2 + 8 * DEPTH * n_gates)) / (4 * DEPTH)))


def mlp(n_gates: int, seed: int = 0, shuffle: bool | str = False) -> Net:
    """An MLP of about ``n_gates`` gates (binary add and mul, relu); ``shuffle``: wired in no
    order (see the module docstring), the same weights and function; ``"layout"``: only the
    file's order and each gate's order of inputs, every neuron adding its inputs in order."""
    rng = random.Random(seed)
    mix = random.Random(seed + 1) if shuffle else None
    width = width_for(n_gates)
    inputs: dict[str, float] = {}
    gates: list[tuple[str, str, tuple[str, ...]]] = []

    def new_input(value: float, prefix: str = "w") -> str:
        name = f"{prefix}{len(inputs)}"
        inputs[name] = value
        return name

    def new_gate(op: str, *srcs: str) -> str:
        name = f"g{len(gates)}"
        gates.append((name, op, srcs))
        return name

    def either(a: str, b: str) -> tuple[str, str]:
        return (a, b) if mix is None or mix.random() < 0.5 else (b, a)

    layer = [new_input(round(rng.uniform(-1, 1), 4), "x") for _ in range(width)]
    scale = 1 / math.sqrt(width)
    for depth in range(DEPTH + 1):
        last = depth == DEPTH
        neurons = []
        for _ in range(1 if last else width):
            terms = [(new_input(round(rng.gauss(0, scale), 4)), src) for src in layer]
            if mix is not None:
                if shuffle != "layout":
                    mix.shuffle(terms)
                terms = [either(*pair) for pair in terms]
            total = None
            for pair in terms:
                term = new_gate("mul", *pair)
                total = term if total is None else new_gate("add", *either(total, term))
            total = new_gate("add", *either(total, new_input(round(rng.uniform(-0.1, 0.1), 4))))
            neurons.append(total if last else new_gate("relu", total))
        layer = neurons
    if mix is None:
        return Net(inputs, gates, layer)
    names = list(inputs)
    mix.shuffle(names)
    return Net({name: inputs[name] for name in names}, _any_order(gates, mix), layer)


def _any_order(gates: list, mix: random.Random) -> list:
    """``gates`` in a random topological order."""
    made = {name for name, _, _ in gates}
    waiting = {name: sum(src in made for src in srcs) for name, _, srcs in gates}
    readers: dict[str, list[int]] = {}
    for k, (_, _, srcs) in enumerate(gates):
        for src in srcs:
            readers.setdefault(src, []).append(k)
    ready = [(mix.random(), k) for k, (name, _, _) in enumerate(gates) if not waiting[name]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, k = heapq.heappop(ready)
        ordered.append(gates[k])
        for j in readers.get(gates[k][0], ()):
            name = gates[j][0]
            waiting[name] -= 1
            if not waiting[name]:
                heapq.heappush(ready, (mix.random(), j))
    return ordered


def chain(n_gates: int, seed: int = 0) -> Net:
    """A deep, narrow circuit: one neuron of fan-in 1 after another, x -> relu(w*x + b) -> ...

    Every level holds one gate: the shape where runs go gate by gate, not level by level.
    """
    rng = random.Random(seed)
    inputs = {"x0": 0.5}
    gates: list[tuple[str, str, tuple[str, ...]]] = []
    last = "x0"
    while len(gates) + 3 <= n_gates:
        w, b = f"w{len(inputs)}", f"b{len(inputs)}"
        inputs[w], inputs[b] = round(rng.uniform(0.5, 1.5), 4), round(rng.uniform(0.0, 0.1), 4)
        k = len(gates)
        gates += [(f"g{k}", "mul", (w, last)), (f"g{k + 1}", "add", (f"g{k}", b)), (f"g{k + 2}", "relu", (f"g{k + 1}",))]
        last = f"g{k + 2}"
    return Net(inputs, gates, [last])


def sample_inputs(net: Net, batch: int) -> dict:
    """The inputs of a run: defaults, and for a batch the ``x*`` inputs as arrays of ``batch``."""
    if batch == 1:
        return dict(net.inputs)
    rng = np.random.default_rng(0)
    return {
        name: value + rng.uniform(-0.1, 0.1, batch) if name.startswith("x") else value
        for name, value in net.inputs.items()
    }
