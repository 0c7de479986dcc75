"""Loading a circuit, timed beside its anchors, and the peak memory of a fresh process by size.

Rows for one circuit text (see :func:`load_rows`):

- ``load``: ``circuitsim.load`` of the file (the fast reader; the cache off) beside
  ``json.loads`` of the same inputs and gates written as JSON, the floor of reading any text
  into Python objects;
- ``load, cached``: the same file loaded again from the cache of loaded circuits;
- ``load, full reader``: the YAML reader with positions and the validation of any circuit file
  (what files not in the canonical form take) beside a bare ``yaml.load`` with libyaml;
- ``graph``: the first ``circuit.graph`` (the networkx DiGraph, made when first asked for)
  beside ``networkx.DiGraph(edges)`` of the bare wires;
- ``peak memory``: the peak RSS of a fresh process that loads the file, and after it also runs
  forward and backward once (``python -m benchmarks.loading FILE`` prints the load time, its
  peak, the run's time and the peak after it: the command for a 10M-gate circuit that
  ``examples/mlp.py`` writes).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import circuitsim
from circuitsim import loader

__all__ = ["load_rows", "peak_memory"]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best(fn, repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def load_rows(net, text: str, args, row) -> None:
    """Print the load, cache, full reader, graph and memory rows of one circuit."""
    gates = f"{len(net.gates):,}"
    size = f"{len(text) / 1e6:.1f} MB"
    repeat = 1 if len(net.gates) > 200_000 else 3
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mlp.yaml")
        with open(path, "w") as out:
            out.write(text)
        as_json = json.dumps({"inputs": net.inputs, "gates": net.gates, "outputs": net.outputs})
        floor = best(lambda: json.loads(as_json), repeat)
        limits = {"max_gates": 10 * len(net.gates) + 10, "max_bytes": len(text) + 1}
        fast = best(lambda: circuitsim.load(path, cache=False, **limits), repeat)
        row(gates, "load", size, f"circuitsim {fast:.2f} s", f"json.loads {floor:.2f} s", f"{fast / floor:.2f}")
        os.environ["CIRCUITSIM_CACHE_DIR"] = os.path.join(folder, "cache")
        try:
            circuitsim.load(path, cache=True, **limits)  # writes the entry
            cached = best(lambda: circuitsim.load(path, cache=True, **limits), repeat)
        finally:
            del os.environ["CIRCUITSIM_CACHE_DIR"]
        row(gates, "load, cached", size, f"circuitsim {cached:.2f} s", f"json.loads {floor:.2f} s", f"{cached / floor:.2f}")
        if len(net.gates) <= args.max_yaml_gates:
            import yaml

            full = timed(lambda: full_reader(path, limits))
            bare = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
            row(gates, "load, full reader", size, f"circuitsim {full:.2f} s", f"yaml CSafeLoader {bare:.2f} s", f"{full / bare:.2f}")
        graph_rows(net, circuitsim.load(path, cache=False, **limits), row)
        load_peak, run_peak = peak_memory(path)
        row(gates, "peak memory", "fresh process", f"load {load_peak:,.0f} MiB", f"load and run {run_peak:,.0f} MiB", "")


def full_reader(path: str, limits: dict):
    """A load through the full reader alone (as for a file not in the canonical form)."""
    original, loader.read_canonical = loader.read_canonical, lambda *args: None
    try:
        return circuitsim.load(path, cache=False, **limits)
    finally:
        loader.read_canonical = original


def graph_rows(net, circuit, row) -> None:
    import networkx as nx

    edges = [(src, name) for name, _, srcs in net.gates for src in srcs]
    graph = timed(lambda: circuit.graph)
    bare = timed(lambda: nx.DiGraph(edges))
    row(f"{len(net.gates):,}", "graph", "first circuit.graph", f"circuitsim {graph:.2f} s", f"nx.DiGraph(edges) {bare:.2f} s", f"{graph / bare:.2f}")


def peak_memory(path: str) -> tuple[float, float]:
    """Peak RSS (MiB) of a fresh process after loading ``path``, and after one run as well."""
    found = subprocess.run(
        [sys.executable, "-m", "benchmarks.loading", path], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(found[1]), float(found[3])


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    """Print the load time (s), the peak RSS after it (MiB), the time of one forward+backward
    run and the peak RSS after that, for the file ``argv[0]``."""
    import warnings

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    circuit = circuitsim.load(argv[0], cache=False, max_gates=10**9, max_bytes=os.path.getsize(argv[0]) + 1)
    loaded = time.perf_counter()
    after_load = _peak_mib()
    circuit.run()
    print(f"{loaded - start:.1f} {after_load:.1f} {time.perf_counter() - loaded:.1f} {_peak_mib():.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
