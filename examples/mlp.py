"""Write a multilayer perceptron out gate by gate with circuitsim's Builder.

    python examples/mlp.py 2 3 1 --seed 0 -o circuits/mlp_relu.yaml

The layer sizes (inputs, hidden layers..., outputs) give a network of relu hidden units and a
linear output layer with a squared-error loss against targets, built from binary add and mul
gates only: neuron j of layer l computes z{l}_{j} = ((w·a_0 + w·a_1) + ...) + b. Inputs,
targets, weights and biases are circuit inputs whose defaults are drawn from ``--seed``. The
file carries a test vector computed separately with numpy matrix algebra (forward and
backward), so ``circuitsim test`` checks the gate-by-gate circuit against it.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.base.fileio import atomic_write


def parameters(sizes: list[int], seed: int) -> dict:
    """Inputs, targets, weights (He initialisation) and biases, rounded to 4 decimals."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, np.sqrt(2.0 / n), (m, n)) for n, m in zip(sizes, sizes[1:])]
    return {
        "x": rng.uniform(-1, 1, sizes[0]).round(4),
        "t": rng.uniform(-1, 1, sizes[-1]).round(4),
        "W": [w.round(4) for w in weights],
        "b": [rng.uniform(-0.1, 0.1, m).round(4) for m in sizes[1:]],
    }


def build(sizes: list[int], seed: int) -> Builder:
    p = parameters(sizes, seed)
    shape = "-".join(map(str, sizes))
    b = Builder(
        f"mlp_{shape.replace('-', '_')}",
        description=(
            f"A {shape} relu network with a squared-error loss, written gate by gate by "
            f"examples/mlp.py {' '.join(map(str, sizes))} --seed {seed}; regenerate it rather than edit it."
        ),
    )
    layer = [b.input(f"x{i}", float(v)) for i, v in enumerate(p["x"])]
    targets = [b.input(f"t{k}", float(v)) for k, v in enumerate(p["t"])]
    n_layers = len(sizes) - 1
    for l, (W, bias) in enumerate(zip(p["W"], p["b"]), 1):
        weights = [[b.input(f"w{l}_{j}_{i}", float(W[j, i])) for i in range(W.shape[1])] for j in range(W.shape[0])]
        biases = [b.input(f"b{l}_{j}", float(v)) for j, v in enumerate(bias)]
        z = [neuron(b, l, j, weights[j], layer, biases[j]) for j in range(len(biases))]
        layer = z if l == n_layers else [b.gate("relu", [zj], name=f"h{l}_{j}") for j, zj in enumerate(z)]
    b.output(loss(b, layer, targets))
    b.test("numpy forward and backward", **expected(p), tol=1e-9)
    return b


def neuron(b: Builder, l: int, j: int, weights: list, inputs: list, bias) -> str:
    """z{l}_{j} = ((w0·a0 + w1·a1) + ...) + b, one binary gate at a time."""
    total = None
    for i, (w, a) in enumerate(zip(weights, inputs)):
        product = b.gate("mul", [w, a], name=f"m{l}_{j}_{i}")
        total = product if total is None else b.gate("add", [total, product], name=f"s{l}_{j}_{i}")
    return b.gate("add", [total, bias], name=f"z{l}_{j}")


def loss(b: Builder, outputs: list, targets: list) -> str:
    """Sum over k of (y_k - t_k)^2."""
    total = None
    for k, (y, t) in enumerate(zip(outputs, targets)):
        d = b.gate("sub", [y, t], name=f"d{k}")
        square = b.gate("mul", [d, d], name="loss" if len(outputs) == 1 else f"e{k}")
        if total is None:
            total = square
        else:
            last = k == len(outputs) - 1
            total = b.gate("add", [total, square], name="loss" if last else f"l{k}")
    return total


def expected(p: dict) -> dict:
    """The loss and some gradients by matrix algebra: a check independent of the gates."""
    activations, pre = [p["x"]], []
    for l, (W, bias) in enumerate(zip(p["W"], p["b"]), 1):
        pre.append(W @ activations[-1] + bias)
        activations.append(pre[-1] if l == len(p["W"]) else np.maximum(pre[-1], 0.0))
    y = activations[-1]
    dz = 2 * (y - p["t"])
    grads = {}
    for l in range(len(p["W"]), 0, -1):
        grads[f"w{l}_0_0"] = dz[0] * activations[l - 1][0]
        grads[f"b{l}_0"] = dz[0]
        da = p["W"][l - 1].T @ dz
        dz = da * (pre[l - 2] > 0) if l > 1 else da
    grads.update({f"x{i}": g for i, g in enumerate(dz)})
    expect = {"loss": float(np.sum((y - p["t"]) ** 2))}
    expect.update({f"z{len(p['W'])}_{k}": v for k, v in enumerate(y)})
    return {"expect": _floats(expect), "grads": _floats(grads)}


def _floats(values: dict) -> dict:
    return {k: float(v) for k, v in values.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", help="layer sizes: inputs, hidden layers..., outputs")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the inputs and weights (default 0)")
    parser.add_argument("-o", "--output", default="-", help="circuit file to write (default: standard output)")
    args = parser.parse_args(argv)
    if len(args.sizes) < 2 or min(args.sizes) < 1:
        parser.error("give at least two layer sizes, each 1 or more")
    text = dump(build(args.sizes, args.seed))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with atomic_write(args.output) as out:
            out.write(text)


if __name__ == "__main__":
    main()
