"""The public API's own costs, each beside its anchors, timed in one run:

    python -m benchmarks.api [--gates 97000] [--table-gates 100000]

- ``neuron``: one ``run()`` of circuits/neuron.yaml (forward and backward, a Result) beside
  micrograd (its Value graph, with exp written as micrograd's own ops are), PyTorch eager on
  0-d float64 tensors, and the same arithmetic by hand in Python;
- ``MLP``: ``run()`` of the MLP of ``--gates`` gates (:func:`benchmarks.circuits.mlp`) plus
  reading every input's gradient by name (``result.grads[name]``), and the same with
  ``Result.to_arrays()``, beside the precompiled pure-Python loop, micrograd and PyTorch eager
  of :mod:`benchmarks.references`;
- ``table``: ``circuitsim run FILE`` of the MLP of ``--table-gates`` gates in the default table
  format beside ``--format json`` (fresh processes, the cache off).

Each figure is the best of ``--repeat`` runs after a warm-up, the contestants taken in turns;
in the MLP table each timed run follows an untimed one of its own, not PyTorch's.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import circuitsim  # noqa: E402

from .circuits import mlp  # noqa: E402
from .references import RUNNERS  # noqa: E402
from .run import best_of_each  # noqa: E402

__all__ = ["main"]


def neuron_runners() -> dict:
    """One forward and backward pass of the neuron, each way that is installed."""
    c = circuitsim.load("circuits/neuron.yaml")
    start = {name: value for name, value in c.inputs.items()}
    runners = {"circuitsim run()": c.run}

    def by_hand():
        w0, x0, w1, x1, w2 = start["w0"], start["x0"], start["w1"], start["x1"], start["w2"]
        e = math.exp(-(w0 * x0 + w1 * x1 + w2))
        f = 1.0 / (1.0 + e)
        ds = f * f * e  # df/ds through reciprocal, add, exp and neg
        return f, (ds * x0, ds * w0, ds * x1, ds * w1, ds)

    runners["by hand (Python floats)"] = by_hand
    try:
        from micrograd.engine import Value

        def exp(v):
            out = Value(math.exp(v.data), (v,), "exp")

            def _backward():
                v.grad += out.data * out.grad

            out._backward = _backward
            return out

        def micro():
            w0, x0, w1, x1, w2 = (Value(start[n]) for n in ("w0", "x0", "w1", "x1", "w2"))
            f = (exp(-(w0 * x0 + w1 * x1 + w2)) + 1.0) ** -1
            f.backward()
            return f.data, w0.grad

        runners["micrograd"] = micro
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(1)

        def eager():
            w0, x0, w1, x1, w2 = (torch.tensor(start[n], dtype=torch.float64, requires_grad=True) for n in ("w0", "x0", "w1", "x1", "w2"))
            f = 1.0 / (1.0 + torch.exp(-(w0 * x0 + w1 * x1 + w2)))
            f.backward()
            return f, w0.grad

        runners["PyTorch eager"] = eager
    except ImportError:
        pass
    return runners


def _loop(fn, number: int) -> None:
    for _ in range(number):
        fn()


def mlp_runners(net) -> dict:
    c = circuitsim.loads(net.yaml(), cache=False, max_gates=10**9)
    names = list(net.inputs)

    def by_name():
        grads = c.run().grads
        return [grads[name] for name in names]

    def in_bulk():
        return c.run().to_arrays()["grads"]

    runners = {"circuitsim run() + every input's grad by name": by_name, "circuitsim run() + to_arrays()": in_bulk}
    for name, make in RUNNERS.items():
        fn = make(net, 1)
        if fn is not None:
            runners[name] = fn
    return runners


def table_rows(gates: int, repeat: int) -> list[tuple[str, float]]:
    net = mlp(gates)
    env = dict(os.environ, CIRCUITSIM_CACHE="0")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mlp.yaml")
        with open(path, "w") as out:
            out.write(net.yaml())
        best = {"table": float("inf"), "json": float("inf")}
        for _ in range(repeat):
            for fmt in best:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "circuitsim", "run", path, "--format", fmt], check=True, stdout=subprocess.DEVNULL, env=env)
                best[fmt] = min(best[fmt], time.perf_counter() - start)
    return [(f"`circuitsim run` of {len(net.gates):,} gates, --format {fmt}", t) for fmt, t in best.items()]


def show(title: str, found: dict, anchor: str, unit: float = 1e-6, unit_name: str = "us") -> None:
    print(f"\n{title}\n")
    print(f"| what | time | over {anchor} |")
    print("|---|---|---|")
    for name, t in found.items():
        print(f"| {name} | {t / unit:,.1f} {unit_name} | {t / found[anchor]:.3f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=97_000)
    parser.add_argument("--table-gates", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.setrecursionlimit(100_000)

    neuron = neuron_runners()
    for fn in neuron.values():
        fn()
    number = 2000
    found = best_of_each({name: (lambda fn=fn: _loop(fn, number)) for name, fn in neuron.items()}, args.repeat)
    found = {name: t / number for name, t in found.items()}
    show("circuits/neuron.yaml, one forward and backward pass (best of each over 2,000 in a row)", found, "micrograd" if "micrograd" in found else "by hand (Python floats)")

    net = mlp(args.gates)
    found = best_of_each(mlp_runners(net), args.repeat, settle=True)  # PyTorch's graph of 97k tensors is a lot to follow
    show(f"MLP of {len(net.gates):,} gates ({len(net.inputs):,} inputs): one pass and every input's gradient", found, "python loop", 1e-3, "ms")

    rows = table_rows(args.table_gates, max(1, args.repeat // 2))
    print("\n| command | time | over JSON |\n|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} s | {t / rows[-1][1]:.2f} |")


if __name__ == "__main__":
    main()
