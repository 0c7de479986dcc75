"""Training micrograd's demo: micrograd itself against Circuit.train, same network, data and schedule.

    python -m benchmarks.train              # circuitsim best of 3, micrograd once
    python -m benchmarks.train --no-micrograd

Both train the 2-16-16-1 relu MLP of ``circuits/moons_mlp.yaml`` (the weights micrograd draws
after ``random.seed(1337)``) on ``circuits/data/moons.csv`` with the max-margin loss plus 1e-4
times the squared weights, 100 steps of plain gradient descent over all 100 samples with learning
rate 1.0 - 0.9*k/100, as micrograd's ``demo.ipynb`` does. Printed for each: the wall-clock and
the process CPU time of the 100 steps (circuitsim: of the whole ``Circuit.train`` call, a fresh
load each time so that its first-run kernel compilation is included; the CPU time is the figure
to read on a busy machine), the loss at the first and the last step, and the
accuracy on the moons after training. The last line is micrograd's times over circuitsim's.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

import circuitsim

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
CIRCUIT = ROOT / "circuits" / "moons_mlp.yaml"
DATA = ROOT / "circuits" / "data" / "moons.csv"
STEPS = 100


def schedule(k: int) -> float:
    return 1.0 - 0.9 * k / STEPS


def moons() -> dict[str, np.ndarray]:
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    return {"x0": table[:, 0], "x1": table[:, 1], "y": table[:, 2]}


def accuracy(scores, labels) -> float:
    return float(np.mean((np.asarray(scores) > 0) == (np.asarray(labels) > 0)))


def run_circuitsim() -> dict:
    data = moons()
    circuit = circuitsim.load(CIRCUIT)
    start, cpu = time.perf_counter(), time.process_time()
    fit = circuit.train(data, steps=STEPS, lr=schedule)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    scores = fit.circuit.forward(data).values["score"]
    return {"time": took, "cpu": cpu, "first": fit.history[0], "last": fit.history[-1], "accuracy": accuracy(scores, data["y"])}


def run_micrograd() -> dict | None:
    """micrograd's demo loop, as its notebook writes it."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    data = moons()
    X = np.stack([data["x0"], data["x1"]], axis=1)
    y = data["y"]
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        return data_loss + reg_loss, scores

    history = []
    values = _graph_size(loss()[0])
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(STEPS):
        total, _ = loss()
        history.append(total.data)
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= schedule(k) * p.grad
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    _, scores = loss()
    return {"time": took, "cpu": cpu, "first": history[0], "last": history[-1], "accuracy": accuracy([s.data for s in scores], y),
            "values": values}


def _graph_size(total) -> int:
    """The number of micrograd ``Value``s one loss is computed from."""
    seen, stack = set(), [total]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return len(seen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="circuitsim runs; the best is shown (default 3)")
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd (it takes minutes)")
    args = parser.parse_args(argv)
    runs = [run_circuitsim() for _ in range(max(args.repeat, 1))]
    ours = min(runs, key=lambda r: r["time"])
    results = {"circuitsim": ours}
    if not args.no_micrograd:
        theirs = run_micrograd()
        if theirs is None:
            print("micrograd is not installed: python -m pip install micrograd")
        else:
            results["micrograd"] = theirs
    print(f"{'':12} {'wall':>9} {'CPU':>9} {'loss k=0':>10} {'loss k=99':>10} {'accuracy':>9}")
    for name, r in results.items():
        print(f"{name:12} {r['time']:8.3f}s {r['cpu']:8.3f}s {r['first']:10.6f} {r['last']:10.6f} {r['accuracy']:9.0%}")
    if "micrograd" in results:
        theirs = results["micrograd"]
        print(f"micrograd / circuitsim: {theirs['time'] / ours['time']:.0f}x wall, {theirs['cpu'] / ours['cpu']:.0f}x CPU")
        print(f"micrograd builds {theirs['values']:,} Values per step; the circuit has {len(circuitsim.load(CIRCUIT).plan.steps)} gates")


if __name__ == "__main__":
    main()
