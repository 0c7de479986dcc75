"""Loading one circuit written in each common layout, each load in a fresh process:

    python -m benchmarks.layouts [--gates 1000000]

The MLP of ``--gates`` gates (:func:`benchmarks.circuits.mlp`) is written three ways: in the
canonical layout (:meth:`~benchmarks.circuits.Net.yaml`, what ``circuitsim.dump`` writes), by
``yaml.safe_dump`` (its default: flow-style inputs, a block per gate), and as one line of
JSON. For each: the wall time and peak RSS of ``circuitsim.load`` (the cache off), the first
``run()`` after it and a steady run (the best of three after it), beside ``json.loads`` of
the JSON text in the same process as the floor of reading any text into Python objects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

__all__ = ["main", "write_layouts"]


def write_layouts(net, folder: str) -> dict[str, str]:
    """The circuit written in each layout into ``folder``: layout -> path."""
    import yaml

    doc = {
        "circuit": "mlp_bench",
        "inputs": net.inputs,
        "gates": {name: {"type": op, "inputs": list(srcs)} for name, op, srcs in net.gates},
        "outputs": net.outputs,
    }
    paths = {
        "canonical (circuitsim.dump)": os.path.join(folder, "mlp.yaml"),
        "yaml.safe_dump": os.path.join(folder, "mlp_safe_dump.yaml"),
        "JSON, one line": os.path.join(folder, "mlp.json"),
    }
    with open(paths["canonical (circuitsim.dump)"], "w") as out:
        out.write(net.yaml())
    with open(paths["yaml.safe_dump"], "w") as out:
        yaml.dump(doc, out, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
    with open(paths["JSON, one line"], "w") as out:
        json.dump(doc, out)
    return paths


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str) -> None:
    """Load ``path`` and run it: print load seconds, peak MiB, first run and steady run seconds."""
    import circuitsim

    start = time.perf_counter()
    circuit = circuitsim.load(path, cache=False, max_gates=10**9, max_bytes=os.path.getsize(path) + 1)
    loaded, peak = time.perf_counter() - start, _peak_mib()
    start = time.perf_counter()
    circuit.run()
    first = time.perf_counter() - start
    steady = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        circuit.run()
        steady = min(steady, time.perf_counter() - start)
    print(f"{loaded} {peak} {first} {steady} {_peak_mib()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    from .circuits import mlp

    net = mlp(args.gates)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_layouts(net, folder)
        with open(paths["JSON, one line"]) as file:
            text = file.read()
        start = time.perf_counter()
        json.loads(text)
        floor = time.perf_counter() - start
        del text
        print(f"{len(net.gates):,} gates; json.loads of the JSON text: {floor:.2f} s\n")
        print("| layout | size | load | peak memory | vs json.loads | first run | steady run | first / steady |")
        print("|---|---|---|---|---|---|---|---|")
        for layout, path in paths.items():
            found = subprocess.run([sys.executable, "-m", "benchmarks.layouts", "--child", path], capture_output=True, text=True, check=True)
            load, peak, first, steady, _ = map(float, found.stdout.split())
            size = os.path.getsize(path) / 1e6
            print(f"| {layout} | {size:.0f} MB | {load:.2f} s | {peak / 1024:.2f} GiB | {load / floor:.2f} | {first:.3f} s | {steady:.3f} s | {first / steady:.1f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
