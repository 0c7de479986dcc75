"""Training micrograd's demo: Circuit.train against PyTorch and micrograd, same network, data and schedule.

    python -m benchmarks.train              # circuitsim and PyTorch best of 3, micrograd once
    python -m benchmarks.train --no-micrograd

All three train the 2-16-16-1 relu MLP of ``circuits/moons_mlp.yaml`` (the weights micrograd
draws after ``random.seed(1337)``, read from the circuit) on ``circuits/data/moons.csv`` with the
max-margin loss plus 1e-4 times the squared weights, 100 steps of plain gradient descent over all
100 samples with learning rate 1.0 - 0.9*k/100, as micrograd's ``demo.ipynb`` does.

What is timed: circuitsim, the whole ``Circuit.train`` call on a freshly loaded circuit (the
first step builds what its runs need; loading the file is printed apart, as "load"), and again
on the same circuit ("circuitsim again": what a second call costs); PyTorch (eager, float64, one
thread, if installed), the 100 steps from leaf tensors holding the circuit's weights (forward,
``backward``, the update under ``no_grad``); micrograd, the 100 steps of its notebook's loop.
Printed for each: the wall-clock and the process CPU time (the figure to read on a busy
machine), the loss at the first and the last step, and the accuracy on the moons after
training; then circuitsim's times over PyTorch's (the bar: at most 1.0) and micrograd's over
circuitsim's.
"""

from __future__ import annotations

import argparse
import random
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

import circuitsim

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
CIRCUIT = ROOT / "circuits" / "moons_mlp.yaml"
DATA = ROOT / "circuits" / "data" / "moons.csv"
STEPS = 100
SIZES = [2, 16, 16, 1]
ALPHA = 1e-4


def schedule(k: int) -> float:
    return 1.0 - 0.9 * k / STEPS


def moons() -> dict[str, np.ndarray]:
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    return {"x0": table[:, 0], "x1": table[:, 1], "y": table[:, 2]}


def accuracy(scores, labels) -> float:
    return float(np.mean((np.asarray(scores) > 0) == (np.asarray(labels) > 0)))


def run_circuitsim() -> tuple[dict, dict, float]:
    """A fresh load trained, then the same circuit trained again; and the load's time."""
    data = moons()
    start = time.perf_counter()
    circuit = circuitsim.load(CIRCUIT)
    loaded = time.perf_counter() - start
    fresh, again = (_train(circuit, data) for _ in range(2))
    return fresh, again, loaded


def _train(circuit, data) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    fit = circuit.train(data, steps=STEPS, lr=schedule)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    scores = fit.circuit.forward(data).values["score"]
    return {"time": took, "cpu": cpu, "first": fit.history[0], "last": fit.history[-1], "accuracy": accuracy(scores, data["y"])}


def run_torch() -> dict | None:
    """PyTorch eager in float64 on one thread: the same MLP as matrices, the circuit's weights."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    data = moons()
    weights = circuitsim.load(CIRCUIT).inputs
    layers = []
    for n, (fan_in, fan_out) in enumerate(pairwise(SIZES), 1):
        w = [[weights[f"w{n}_{i}_{j}"] for j in range(fan_in)] for i in range(fan_out)]
        b = [weights[f"b{n}_{i}"] for i in range(fan_out)]
        layers.append((torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)))
    params = [p for layer in layers for p in layer]
    X = torch.tensor(np.stack([data["x0"], data["x1"]], axis=1), dtype=torch.float64)
    y = torch.tensor(data["y"], dtype=torch.float64)

    def scores():
        h = X
        for n, (w, b) in enumerate(layers):
            h = h @ w.T + b
            if n < len(layers) - 1:
                h = torch.relu(h)
        return h[:, 0]

    history = []
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(STEPS):
        total = torch.relu(1 - y * scores()).mean() + ALPHA * sum((p * p).sum() for p in params)
        history.append(total.item())
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= schedule(k) * p.grad
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    with torch.no_grad():
        final = scores().numpy()
    return {"time": took, "cpu": cpu, "first": history[0], "last": history[-1], "accuracy": accuracy(final, data["y"])}


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
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
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


def _best(runs: list[dict]) -> dict:
    """The run of least CPU time (the figure that holds on a busy machine)."""
    return min(runs, key=lambda r: r["cpu"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="circuitsim and PyTorch runs, in turns; the best is shown (default 3)")
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd (it takes minutes)")
    args = parser.parse_args(argv)
    ours, again, torches, loads = [], [], [], []
    for _ in range(max(args.repeat, 1)):
        fresh, second, loaded = run_circuitsim()
        ours.append(fresh)
        again.append(second)
        loads.append(loaded)
        torches.append(run_torch())
    results = {"circuitsim": _best(ours), "circuitsim again": _best(again)}
    if torches[0] is None:
        print("PyTorch is not installed: python -m pip install torch (an anchor only)")
    else:
        results["pytorch"] = _best(torches)
    if not args.no_micrograd:
        theirs = run_micrograd()
        if theirs is None:
            print("micrograd is not installed: python -m pip install micrograd")
        else:
            results["micrograd"] = theirs
    print(f"{'':16} {'wall':>9} {'CPU':>9} {'loss k=0':>10} {'loss k=99':>10} {'accuracy':>9}")
    for name, r in results.items():
        print(f"{name:16} {r['time']:8.4f}s {r['cpu']:8.4f}s {r['first']:10.6f} {r['last']:10.6f} {r['accuracy']:9.0%}")
    ours = results["circuitsim"]
    print(f"load (apart, best): {min(loads):.4f}s")
    if "pytorch" in results:
        theirs = results["pytorch"]
        print(f"circuitsim / pytorch: {ours['time'] / theirs['time']:.2f}x wall, {ours['cpu'] / theirs['cpu']:.2f}x CPU"
              f" (again: {results['circuitsim again']['cpu'] / theirs['cpu']:.2f}x CPU)")
    if "micrograd" in results:
        theirs = results["micrograd"]
        print(f"micrograd / circuitsim: {theirs['time'] / ours['time']:.0f}x wall, {theirs['cpu'] / ours['cpu']:.0f}x CPU")
        print(f"micrograd builds {theirs['values']:,} Values per step; the circuit has {len(circuitsim.load(CIRCUIT).plan.steps)} gates")


if __name__ == "__main__":
    main()
