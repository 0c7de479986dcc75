"""Big batches: memory per gate*sample, peak memory of sweeps and streamed runs, rows per second.

    python -m benchmarks.sweep --memory        # bytes per slot*sample of one batch run
    python -m benchmarks.sweep --peak          # peak RSS: Circuit.sweep and `run --inputs` CSV, 10**6 and 10**7 rows
    python -m benchmarks.sweep --rows          # rows/s through a 1k-gate MLP, local and on a 2-worker LocalCluster
    python -m benchmarks.sweep                 # all three

Peaks are the maximum resident set size of a fresh process per measurement (``os.wait4``), so
they include Python, numpy and pyarrow themselves; ``--rows-sizes`` and ``--peak-sizes`` choose
other sample counts. Rows per second are given per wall-clock second and per CPU second (of
this process, or summed over the workers), the figure that holds on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import circuitsim

from .circuits import mlp, sample_inputs

__all__ = ["main"]

NEURON = str(Path(__file__).resolve().parent.parent / "circuits" / "neuron.yaml")


def row(*cells) -> None:
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def memory() -> None:
    """Bytes per slot*sample and per gate*sample at the peak of one batch run (tracemalloc)."""
    row("circuit", "gates", "slots", "batch", "pass", "bytes per slot*sample", "bytes per gate*sample")
    neuron = circuitsim.load(NEURON)
    net = mlp(1000)
    big = circuitsim.loads(net.yaml())
    for name, c, make in (
        ("neuron", neuron, lambda n: {"x0": np.linspace(-1, 1, n), "x1": np.linspace(1, 2, n)}),
        ("mlp 1k", big, lambda n: sample_inputs(net, n)),
    ):
        slots, gates = len(c.plan.names), len(c.plan.steps)
        for n in (10_000, 100_000):
            inputs = make(n)
            for what, run in (("forward+backward", c.run), ("forward", c.forward)):
                run(inputs)
                tracemalloc.start()
                result = run(inputs)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                del result
                row(name, gates, slots, f"{n:,}", what, f"{peak / (slots * n):.1f}", f"{peak / (gates * n):.1f}")


SWEEP_CHILD = """
import numpy as np, circuitsim, sys
n = int(sys.argv[1])
c = circuitsim.load(sys.argv[2])
x = np.random.default_rng(0).normal(size=n)
s = c.sweep({"x0": x, "x1": -x}, values=["f"], grads=["w0"])
print(s.chunk)
"""


# Linux's ru_maxrss of a process starts from the peak of the process that forked it, so the
# command is started by a small fresh Python that reports its child's peak on stderr's last line.
_LAUNCH = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:]); _, s, u = os.wait4(p.pid, 0); "
    "sys.stderr.write(f'\\n{u.ru_maxrss} {os.waitstatus_to_exitcode(s)}\\n')"
)


def _peak_of(args: list[str]) -> tuple[float, float, str]:
    """(peak RSS in MiB, seconds, stdout) of a fresh process."""
    start = time.perf_counter()
    env = {**os.environ, "CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.run([sys.executable, "-c", _LAUNCH, *args], capture_output=True, text=True, env=env)
    maxrss, status = map(int, proc.stderr.split()[-2:])
    if status:
        raise SystemExit(f"{' '.join(args)} failed with status {status}:\n{proc.stderr}")
    return maxrss / 1024, time.perf_counter() - start, proc.stdout.strip()


def peak(sizes: list[int]) -> None:
    """Peak RSS of a sweep (numpy in, two columns kept) and of `run --inputs BIG.csv -o OUT.csv`."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    row("what", "samples", "peak RSS", "time", "inputs + kept columns", "chunk")
    for n in sizes:
        rss, seconds, chunk = _peak_of([sys.executable, "-c", SWEEP_CHILD, str(n), NEURON])
        row("Circuit.sweep, neuron, f and grad w0", f"{n:,}", f"{rss:,.0f} MiB", f"{seconds:.1f} s", f"{4 * 8 * n / 2**20:,.0f} MiB", chunk)
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            source = Path(folder) / "big.csv"
            x = np.random.default_rng(0).normal(size=n)
            pa_csv.write_csv(pa.table({"x0": x, "x1": -x}), source)
            out = Path(folder) / "out.csv"
            command = [sys.executable, "-m", "circuitsim", "run", NEURON, "--inputs", str(source), "--values", "f", "--grads", "w0", "-o", str(out)]
            rss, seconds, _ = _peak_of(command)
            size = source.stat().st_size / 2**20
            row(f"run --inputs big.csv ({size:,.0f} MB) -o out.csv, neuron, f and grad_w0", f"{n:,}", f"{rss:,.0f} MiB", f"{seconds:.1f} s", "streamed", "")


def rows_per_second(sizes: list[int], workers: int, where: str = "both") -> None:
    """Rows/s through a 1k-gate MLP: a local sweep, and dask arrays on a LocalCluster."""
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    net = mlp(1000)
    c = circuitsim.loads(net.yaml())
    batch = [name for name in net.inputs if name.startswith("x")]
    weight = next(name for name in net.inputs if name.startswith("w"))
    keep = dict(values=c.outputs, grads=["x0", weight])  # a batch input's and a weight's gradient
    row("where", "gates", "samples", "wall time", "rows/s", "CPU time", "rows per CPU second", "chunk")
    for n in sizes if where != "cluster" else ():
        inputs = {k: v for k, v in sample_inputs(net, n).items() if k in batch}
        start, cpu = time.perf_counter(), time.process_time()
        s = c.sweep(inputs, **keep)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        row("local sweep", len(c.plan.steps), f"{n:,}", f"{seconds:.1f} s", f"{n / seconds:,.0f}", f"{cpu:.1f} s", f"{n / cpu:,.0f}", s.chunk)
        del inputs, s
    if where == "local":
        return
    os.environ["CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        for n in sizes:
            blocks = max(4 * workers, n // 250_000)
            lazy = {k: da.random.RandomState(i).uniform(-1, 1, n, chunks=-(-n // blocks)) for i, k in enumerate(batch)}
            s = c.sweep(lazy, **keep)
            before = sum(client.run(time.process_time).values())
            start = time.perf_counter()
            total = dask.compute(*(col.sum() for col in [*s.values.values(), *s.grads.values()]))
            seconds = time.perf_counter() - start
            cpu = sum(client.run(time.process_time).values()) - before  # the workers' CPU time
            assert all(np.isfinite(t) for t in total)
            where = f"{workers}-worker LocalCluster, {blocks} blocks"
            row(where, len(c.plan.steps), f"{n:,}", f"{seconds:.1f} s", f"{n / seconds:,.0f}", f"{cpu:.1f} s", f"{n / cpu:,.0f}", "per worker")
        del client


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--peak", action="store_true")
    parser.add_argument("--rows", action="store_true")
    parser.add_argument("--peak-sizes", type=int, nargs="+", default=[10**6, 10**7])
    parser.add_argument("--rows-sizes", type=int, nargs="+", default=[10**6, 10**7])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--where", choices=("both", "local", "cluster"), default="both", help="for --rows")
    args = parser.parse_args(argv)
    every = not (args.memory or args.peak or args.rows)
    if every or args.memory:
        memory()
    if every or args.peak:
        peak(args.peak_sizes)
    if every or args.rows:
        rows_per_second(args.rows_sizes, args.workers, args.where)


if __name__ == "__main__":
    main()
