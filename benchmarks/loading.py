"""Loading a circuit, timed beside its anchors, and the peak memory of a fresh process by size.

Rows for one circuit text (see :func:`load_rows`), each load in a fresh process (``python -m
benchmarks.loading FILE [--cache]``), so that it pays for everything a first load pays for
(the plugin registry, the first-time imports of its modules), its wall-clock and CPU time
both shown (on a shared machine the CPU time is the steadier figure):

- ``load``: ``circuitsim.load`` of the file (the fast reader; the cache off) beside
  ``json.loads`` of the same inputs and gates written as JSON, in this process, the floor of
  reading any text into Python objects;
- ``load, cached``: the same file loaded from the cache of loaded circuits (its entry written
  by a load before);
- ``first run``: the first forward and backward run after the load (what a load leaves to
  be made on first use, such as the levelized tier, is paid here), after each kind of load;
- ``load, full reader``: the YAML reader with positions and the validation of any circuit file
  (what files not in the canonical form take) beside a bare ``yaml.load`` with libyaml;
- ``graph``: the first ``circuit.graph`` (the networkx DiGraph, made when first asked for)
  beside ``networkx.DiGraph(edges)`` of the bare wires;
- ``peak memory``: the peak RSS of the fresh process after loading, and after the run.
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
from circuitsim.run import load as loader

__all__ = ["load_rows", "fresh_load"]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best(fn, repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def load_rows(net, text: str, args, row) -> None:
    """Print the load, cache, first run, full reader, graph and memory rows of one circuit."""
    gates = f"{len(net.gates):,}"
    size = f"{len(text) / 1e6:.1f} MB"
    repeat = 1 if len(net.gates) > 200_000 else 3
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mlp.yaml")
        with open(path, "w") as out:
            out.write(text)
        as_json = json.dumps({"inputs": net.inputs, "gates": net.gates, "outputs": net.outputs})
        floor = best(lambda: json.loads(as_json), repeat)
        cache = os.path.join(folder, "cache")
        plain = min((fresh_load(path) for _ in range(repeat)), key=lambda r: r["load_cpu"])
        fresh_load(path, cache)  # writes the entry
        cached = min((fresh_load(path, cache) for _ in range(repeat)), key=lambda r: r["load_cpu"])
        for what, found in (("load", plain), ("load, cached", cached)):
            wall, cpu = found["load_wall"], found["load_cpu"]
            row(gates, what, size, f"circuitsim {wall:.2f} s (CPU {cpu:.2f} s)", f"json.loads {floor:.2f} s", f"{wall / floor:.2f}")
        for what, found in (("load", plain), ("load, cached", cached)):
            row(gates, f"first run after {what}", "forward and backward", f"{found['run_wall']:.2f} s (CPU {found['run_cpu']:.2f} s)", "", "")
        limits = {"max_gates": 10 * len(net.gates) + 10, "max_bytes": len(text) + 1}
        if len(net.gates) <= args.max_yaml_gates:
            import yaml

            full = timed(lambda: full_reader(path, limits))
            bare = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
            row(gates, "load, full reader", size, f"circuitsim {full:.2f} s", f"yaml CSafeLoader {bare:.2f} s", f"{full / bare:.2f}")
        graph_rows(net, circuitsim.load(path, cache=False, **limits), row)
        row(gates, "peak memory", "fresh process", f"load {plain['load_peak']:,.0f} MiB", f"load and run {plain['run_peak']:,.0f} MiB", "")


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


def fresh_load(path: str, cache: str | None = None) -> dict[str, float]:
    """Wall and CPU seconds of a load of ``path`` and of the first run after it, and the peak
    RSS (MiB) after each, in a fresh process; with the cache of loaded circuits in ``cache``."""
    command = [sys.executable, "-m", "benchmarks.loading", path] + (["--cache", cache] if cache else [])
    found = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return dict(zip(("load_wall", "load_cpu", "load_peak", "run_wall", "run_cpu", "run_peak"), map(float, found)))


def _peak_mib() -> float:
    """This process's own peak RSS. Linux's ``ru_maxrss`` starts from the RSS of the process that
    started this one (it survives fork and exec), so a big parent would set its floor; the
    kernel's ``VmHWM`` counts this program's memory only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    """For the file ``argv[0]``: the wall and CPU seconds of its load and the peak RSS after it
    (MiB), then the same for one forward+backward run. ``--cache FOLDER`` loads through the
    cache of loaded circuits kept in FOLDER; without it the cache is off."""
    import warnings

    warnings.simplefilter("ignore")
    path = argv[0]
    cache = argv[argv.index("--cache") + 1] if "--cache" in argv else None
    if cache:
        os.environ["CIRCUITSIM_CACHE_DIR"] = cache
    wall, cpu = time.perf_counter(), time.process_time()
    circuit = circuitsim.load(path, cache=cache is not None, max_gates=10**9, max_bytes=os.path.getsize(path) + 1)
    loaded = time.perf_counter() - wall, time.process_time() - cpu, _peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    circuit.run()
    ran = time.perf_counter() - wall, time.process_time() - cpu, _peak_mib()
    print(" ".join(f"{x:.2f}" for x in (*loaded, *ran)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
