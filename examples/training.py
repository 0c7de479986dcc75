"""Write the training examples' data sets and micrograd's demo network.

    python examples/training.py

writes, from fixed seeds (run it again and the files come out the same):

- ``circuits/data/line.csv``: 20 points near the line y = 2x - 1, for ``least_squares.yaml``;
- ``circuits/data/blobs.csv``: two Gaussian blobs labelled 0 and 1, for ``logistic.yaml``;
- ``circuits/data/moons.csv``: the two-moons data of micrograd's demo, 100 points labelled -1
  and 1: what ``sklearn.datasets.make_moons(100, noise=0.1)`` gives after
  ``np.random.seed(1337)``, computed here without scikit-learn;
- ``circuits/moons_mlp.yaml``: micrograd's demo network, a 2-16-16-1 relu MLP with the
  max-margin loss and L2 regularisation, its weights drawn as micrograd draws them after
  ``random.seed(1337)``.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

import numpy as np

from circuitsim.author.builder import Builder
from circuitsim.author.dump import dump
from circuitsim.base.fileio import atomic_write

ROOT = Path(__file__).resolve().parent.parent
SIZES = [2, 16, 16, 1]
ALPHA = 1e-4  # micrograd's demo: reg_loss = alpha * sum(p * p)


def line_points(seed: int = 0, n: int = 20) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(-1.0, 1.0, n)
    y = 2.0 * x - 1.0 + rng.normal(0.0, 0.1, n)
    return {"x": x.round(4), "y": y.round(4)}


def blobs(seed: int = 0, n: int = 40) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    half = n // 2
    centres = np.array([[-1.0, -0.5]] * half + [[1.0, 0.5]] * (n - half))
    points = centres + rng.normal(0.0, 0.8, (n, 2))
    order = rng.permutation(n)
    labels = np.array([0.0] * half + [1.0] * (n - half))
    return {"x0": points[order, 0].round(4), "x1": points[order, 1].round(4), "y": labels[order]}


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> dict[str, np.ndarray]:
    """scikit-learn's ``make_moons(n, noise=noise)`` drawing from ``np.random.seed(seed)``'s state."""
    generator = np.random.RandomState(seed)
    n_out = n // 2
    n_in = n - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)), np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    indices = np.arange(n)
    generator.shuffle(indices)
    X, y = X[indices], y[indices]
    X = X + generator.normal(scale=noise, size=X.shape)
    return {"x0": X[:, 0], "x1": X[:, 1], "y": y * 2 - 1}


def micrograd_weights(seed: int = 1337) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer as ``micrograd.nn.MLP(2, [16, 16, 1])`` makes them after ``random.seed(seed)``."""
    rng = random.Random(seed)
    layers = []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        W = np.array([[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)])
        layers.append((W, np.zeros(n_out)))
    return layers


def moons_mlp() -> Builder:
    data = moons()
    first = {name: float(column[0]) for name, column in data.items()}
    b = Builder(
        "moons_mlp",
        description=(
            "micrograd's demo: a 2-16-16-1 relu MLP scoring a point (x0, x1) of the two moons, "
            "with the max-margin loss relu(1 - y*score) for its label y (-1 or 1) plus "
            f"{ALPHA:g} times the sum of the squared weights and biases. Written by "
            "examples/training.py (weights as micrograd draws them); train it on "
            "data/moons.csv. Regenerate it rather than edit it."
        ),
    )
    layer = [b.input(name, first[name]) for name in ("x0", "x1")]
    y = b.input("y", first["y"])
    layers = micrograd_weights()
    params = []
    for l, (W, bias) in enumerate(layers, 1):
        weights = [[b.input(f"w{l}_{j}_{i}", float(W[j, i])) for i in range(W.shape[1])] for j in range(W.shape[0])]
        biases = [b.input(f"b{l}_{j}", float(v)) for j, v in enumerate(bias)]
        for j in range(len(biases)):
            params += [*weights[j], biases[j]]
        z = []
        for j, bj in enumerate(biases):
            products = [b.gate("mul", [w, a], name=f"m{l}_{j}_{i}") for i, (w, a) in enumerate(zip(weights[j], layer))]
            z.append(b.gate("add", [*products, bj], name=f"z{l}_{j}" if l < len(layers) else "score"))
        layer = z if l == len(layers) else [b.gate("relu", [zj], name=f"h{l}_{j}") for j, zj in enumerate(z)]
    (score,) = layer
    ys = b.gate("mul", [y, score], name="yscore")
    hinge = b.gate("relu", [b.gate("sub", [1, ys], name="margin")], name="hinge")
    squares = [b.gate("mul", [p, p], name=f"sq_{p}") for p in params]
    reg = b.gate("mul", [b.gate("add", squares, name="sum_sq"), ALPHA], name="reg")
    b.output(b.gate("add", [hinge, reg], name="loss"))
    b.test("numpy forward at the first sample", **expected_moons(layers, first), tol=1e-9)
    return b


def expected_moons(layers, sample: dict) -> dict:
    """The loss, score and two gradients by matrix algebra: a check independent of the gates."""
    a = np.array([sample["x0"], sample["x1"]])
    pre = []
    for l, (W, bias) in enumerate(layers, 1):
        # sums written out, left to right: a BLAS product's last bits depend on the processor
        pre.append(np.array([sum(w * x for w, x in zip(row, a)) for row in W]) + bias)
        a = pre[-1] if l == len(layers) else np.maximum(pre[-1], 0.0)
    score = float(a[0])
    margin = 1.0 - sample["y"] * score
    reg = ALPHA * sum(float(np.sum(W * W) + np.sum(bias * bias)) for W, bias in layers)
    dscore = -sample["y"] * (margin > 0)
    W3 = layers[2][0]
    grad_b3 = dscore + 2 * ALPHA * layers[2][1][0]
    grad_w3 = dscore * max(float(pre[1][0]), 0.0) + 2 * ALPHA * W3[0, 0]
    return {
        "expect": {"score": score, "loss": max(margin, 0.0) + reg},
        "grads": {"b3_0": float(grad_b3), "w3_0_0": float(grad_w3)},
    }


def csv_text(columns: dict[str, np.ndarray]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*(map(float, c) for c in columns.values())))
    return out.getvalue()


def files() -> dict[str, str]:
    """Repository path -> the text this script writes there."""
    return {
        "circuits/data/line.csv": csv_text(line_points()),
        "circuits/data/blobs.csv": csv_text(blobs()),
        "circuits/data/moons.csv": csv_text(moons()),
        "circuits/moons_mlp.yaml": dump(moons_mlp()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to write into (default: this one)")
    args = parser.parse_args(argv)
    for relative, text in files().items():
        target = args.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as out:
            out.write(text)


if __name__ == "__main__":
    main()
