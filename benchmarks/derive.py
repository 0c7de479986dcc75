"""The cost of forward mode and second order as a multiple of one ``run()``, on MLPs.

    python -m benchmarks.derive              # the 1k and 100k-gate MLPs
    python -m benchmarks.derive --sizes 1000 --repeat 20

For each MLP of :func:`benchmarks.circuits.mlp` (one scalar sample, its defaults) it times one
``run()`` (forward and backward), one ``jvp`` (values and tangents, a tangent at one input),
one ``hvp`` (forward mode over the backward circuit, a vector at one input) and a ``hessian``
over 8 inputs (one forward-mode pass over a batch of 8 tangents), then a ``run()`` and an
``hvp`` over a batch of 4 samples of the first input, each the best of ``--repeat`` after a
warm-up, taken in turns so that a busy spell slows all of them alike. It also gives the
one-time cost of writing the backward circuit (``backward_circuit()``, cached by ``hvp``) and
its size. The last columns are each time over the time of ``run()``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import circuitsim  # noqa: E402

from .circuits import mlp  # noqa: E402
from .run import best_of_each, row  # noqa: E402

__all__ = ["main"]

SIZES = (1_000, 100_000)


def bench(n: int, repeat: int) -> None:
    net = mlp(n)
    circuit = circuitsim.loads(net.yaml())
    names = list(circuit.inputs)
    first = names[0]
    samples = np.linspace(-1.0, 1.0, 4)  # the first input's, for the batch rows
    start = time.perf_counter()
    backward = circuit.backward_circuit()
    built = time.perf_counter() - start
    circuit.__dict__.setdefault("_derived", {})[("backward", None)] = backward  # as hvp caches it
    times = best_of_each(
        {
            "run()": lambda: circuit.run(),
            "jvp": lambda: circuit.jvp(tangents={first: 1.0}),
            "hvp": lambda: circuit.hvp(vector={first: 1.0}),
            "hessian, 8 inputs": lambda: circuit.hessian(wrt=names[:8]),
            "run(), a batch of 4": lambda: circuit.run({first: samples}),
            "hvp, a batch of 4": lambda: circuit.hvp({first: samples}, {first: 1.0}),
        },
        repeat,
    )
    gates = len(net.gates)
    one = times["run()"]
    for name, t in times.items():
        row(f"{gates:,}", name, f"{t * 1e3:,.2f} ms", f"{t / one:.1f}")
    row(f"{gates:,}", f"backward_circuit() ({len(backward.spec.gates):,} gates), once", f"{built:,.2f} s", "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.derive", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="MLP sizes in gates.")
    parser.add_argument("--repeat", type=int, default=5, help="Best of this many runs.")
    args = parser.parse_args(argv)
    row("gates", "what", "time", "× run()")
    row("---:", "---", "---:", "---:")
    for n in args.sizes:
        bench(n, args.repeat)


if __name__ == "__main__":
    main()
