"""Time to draw MLP-shaped circuits of about 1k, 10k and 100k gates (the circuits of
:mod:`benchmarks.circuits`), whole (``--all``), with a run's values and gradients.

    python -m benchmarks.draw
    python -m benchmarks.draw --sizes 1000 10000

Prints, per circuit, its gates, the seconds ``circuitsim.draw.to_svg`` took (best of
``--repeat``), the time per gate and the size of the SVG.
"""

from __future__ import annotations

import argparse
import time

import circuitsim
from circuitsim.draw import to_svg

from .circuits import mlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], help="about how many gates")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best is shown")
    args = parser.parse_args(argv)
    print("| gates | draw | per gate | SVG |")
    print("| --- | --- | --- | --- |")
    for size in args.sizes:
        circuit = circuitsim.loads(mlp(size).yaml())
        result = circuit.run(trace=True)
        best, svg = float("inf"), ""
        for _ in range(args.repeat):
            start = time.perf_counter()
            svg = to_svg(circuit, result)
            best = min(best, time.perf_counter() - start)
        gates = len(circuit.spec.gates)
        print(f"| {gates:,} | {best:.1f} s | {best / gates * 1e3:.2f} ms | {len(svg) / 1e6:.1f} MB |", flush=True)


if __name__ == "__main__":
    main()
