"""How big a circuit is on its way to a Dask worker, and what it costs to send and rebuild.

    python -m benchmarks.pickled [GATES ...]     # default: the neuron, 1k- and 52k-gate MLPs

Times are CPU seconds of this process: pickling (the spec and plugin names, compressed) and
unpickling, which rebuilds the circuit as a worker does (its netlist and plan, not its kernels).
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import circuitsim
from circuitsim.run import portable

from .circuits import mlp


def main(argv=None) -> None:
    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [1_000, 52_000]
    circuits = [("neuron", circuitsim.load(Path(__file__).resolve().parent.parent / "circuits" / "neuron.yaml"))]
    for n in sizes:
        text = mlp(n).yaml()
        start = time.process_time()
        circuit = circuitsim.loads(text)
        circuits.append((f"mlp, {len(text):,} bytes of YAML, loaded in {time.process_time() - start:.2f} s", circuit))
    print("| circuit | gates | pickled | pickle | unpickle and rebuild |")
    for name, circuit in circuits:
        start = time.process_time()
        blob = pickle.dumps(circuit)
        sent = time.process_time() - start
        portable._built.clear()  # as a fresh worker
        start = time.process_time()
        pickle.loads(blob)
        built = time.process_time() - start
        print(f"| {name} | {len(circuit.plan.steps):,} | {len(blob):,} bytes | {sent:.2f} s | {built:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
