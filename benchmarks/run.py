"""Benchmark circuitsim against its references, all in this one process.

    python -m benchmarks.run            # 1k, 10k, 100k and 1M gates; batches of 1, 1k, 100k
    python -m benchmarks.run --quick    # 1k and 10k gates; batches of 1 and 1k
    python -m benchmarks.run --sizes 1000 --batches 100000 --wiring both   # in order and shuffled

For every circuit size it prints the load rows of :mod:`benchmarks.loading` (load and load from
the cache in fresh processes, wall and CPU time, the first run after each, the full reader,
the graph, peak memory), then, for every batch size, the time
of one forward+backward pass per gate (per gate*sample for a batch) for circuitsim and for each
reference. For one sample circuitsim is timed in each tier it takes: its first run (kernels
compiled, or for a wide circuit the levelized tier set up), then for a narrow circuit runs on
the kernels, the compile time of the straight-line code (``Circuit.compile``) and runs on that
code; the last run is the figure the references are compared with. A deep chain of
``--chain`` gates (one gate per level) is timed the same way. The references are: a precompiled pure-Python loop, a hand-written NumPy plan, and micrograd and PyTorch
when they are installed. ``--wiring shuffled`` (or ``--shuffle``) times the same MLPs wired in no
order, as generated netlists and hand-written files are (:func:`benchmarks.circuits.mlp`'s
``shuffle``), ``--wiring layout`` with only the file's lines and each gate's inputs shuffled,
``--wiring both`` each size in order and in no order, ``--wiring all`` all three, their rows
marked ``shuffled`` or ``layout shuffled``. The last column is each one's time over circuitsim's. Timings are the
best of ``--repeat`` runs (at most 3 above 10**7 gates*samples) after one warm-up run, the
garbage collector paused during each; combinations above ``--max-cells`` gates*samples
(memory) are skipped, and micrograd and PyTorch run only up to ``--max-reference-gates``.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread for numpy's matrix products, as for PyTorch

import circuitsim  # noqa: E402

from circuitsim.plan.engine import tier as engine_tier  # noqa: E402

from .circuits import chain, mlp, sample_inputs  # noqa: E402
from .loading import load_rows  # noqa: E402
from .references import RUNNERS  # noqa: E402

__all__ = ["main"]

SIZES = (1_000, 10_000, 100_000, 1_000_000)
BATCHES = (1, 1_000, 100_000)


CLOCK = [time.perf_counter]  # --clock cpu: time.process_time, this process's CPU time


def best_of(fn, repeat: int) -> float:
    """The best time of ``repeat`` calls after a warm-up, with the garbage collector paused
    during each call (as :mod:`timeit` does), so that no contestant pays for collections of
    what the others left behind."""
    fn()  # warm-up: caches, kernels
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = CLOCK[0]()
            fn()
            best = min(best, CLOCK[0]() - start)
        finally:
            gc.enable()
    return best


def best_of_each(fns: dict, repeat: int, settle: bool = False) -> dict:
    """The best time of each function, their runs taken in turns (one warm-up each first), so
    that a busy spell on a shared machine slows all of them rather than one. ``settle``: each
    timed run right after an untimed one of the same function, so that none is timed in the
    wake of another that used much more memory (the next one would pay to take it back from
    the system)."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            if settle:
                fn()
            gc.collect()
            gc.disable()
            try:
                start = CLOCK[0]()
                fn()
                best[name] = min(best[name], CLOCK[0]() - start)
            finally:
                gc.enable()
    return best


def timed(fn) -> float:
    start = CLOCK[0]()
    fn()
    return CLOCK[0]() - start


def row(*cells) -> None:
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def bench_size(n: int, args, shuffle: bool | str = False) -> None:
    net = mlp(n, shuffle=shuffle)
    text = net.yaml()
    gates = len(net.gates)
    label = {False: "", True: " shuffled", "layout": " layout shuffled"}[shuffle]
    circuit = circuitsim.loads(text)  # warm-up: imports, registry
    del circuit
    gc.collect()
    if not args.no_load:
        load_rows(net, text, args, row)
    if args.load_only:
        return
    circuit = circuitsim.loads(text)
    for batch in args.batches:
        if gates * batch > args.max_cells:
            continue
        inputs = sample_inputs(net, batch)
        repeat = args.repeat if gates * batch <= 10**7 else min(args.repeat, 3)
        unit = gates * batch
        if batch == 1:
            ours = bench_tiers(circuit, inputs, gates, repeat, label)
            tier = " (levelized)" if _levelized(circuit) else " (straight-line)"
            row(f"{gates:,}{label}", "batch 1", f"circuitsim{tier}", f"{ours / unit * 1e9:,.1f} ns", "", "1.00")
            for name, make in RUNNERS.items():
                runner = None if name in ("micrograd", "pytorch") and gates > args.max_reference_gates else make(net, batch)
                if runner is not None:
                    theirs = best_of(runner, repeat)
                    row(f"{gates:,}{label}", "batch 1", name, f"{theirs / unit * 1e9:,.1f} ns", "", f"{theirs / ours:.2f}")
            continue
        bench_batch(circuit, net, inputs, gates, batch, repeat, args, label)
    del circuit


def bench_batch(circuit, net, inputs: dict, gates: int, batch: int, repeat: int, args, label: str = "") -> None:
    """A batch's rows: circuitsim keeping everything (``run``) and keeping the output and the
    gradients of the batch inputs (``sweep``), beside the references, all timed in turns."""
    xs = [name for name in net.inputs if name.startswith("x")]
    contestants = {
        "circuitsim run (every value and gradient)": lambda: circuit.run(inputs),
        "circuitsim sweep (output, gradients of x)": lambda: circuit.sweep(inputs, values=circuit.outputs, grads=xs),
    }
    for name, make in RUNNERS.items():
        if name in ("micrograd", "pytorch") and gates > args.max_reference_gates:
            continue
        runner = make(net, batch)
        if runner is not None:
            contestants[name] = runner
    if "pytorch" in contestants:
        contestants["pytorch (gradients of x only)"] = RUNNERS["pytorch"](net, batch, only=xs)
    times = best_of_each(contestants, repeat)
    ours = times["circuitsim run (every value and gradient)"]
    for name, seconds in times.items():
        row(f"{gates:,}{label}", f"batch {batch:,}", name, f"{seconds / gates / batch * 1e9:,.1f} ns", "", f"{seconds / ours:.2f}")
    sweep = times["circuitsim sweep (output, gradients of x)"]
    for name in ("pytorch", "pytorch (gradients of x only)"):
        if name in times:
            row(f"{gates:,}{label}", f"batch {batch:,}", f"circuitsim sweep / {name}", "", "", f"{sweep / times[name]:.2f}")
    for name in ("pytorch", "numpy plan"):
        if name in times:
            row(f"{gates:,}{label}", f"batch {batch:,}", f"circuitsim run / {name}", "", "", f"{ours / times[name]:.2f}")


def _levelized(circuit) -> bool:
    """Whether the circuit's scalar runs go to the levelized tier."""
    return engine_tier("levels").of(circuit.plan) is not None


def bench_tiers(circuit, inputs: dict, gates: int, repeat: int, label: str = "") -> float:
    """Rows for the first run and the tiers before the last; the time of a run in the last tier."""
    first = timed(lambda: circuit.run(inputs))
    rows = [("first run", first)]
    if not _levelized(circuit):  # a narrow circuit: kernels, then straight-line code
        rows.append(("kernels", best_of(lambda: circuit.run(inputs), repeat)))
        rows.append(("compile", timed(circuit.compile)))
    ours = best_of(lambda: circuit.run(inputs), repeat)
    for what, seconds in rows:
        row(f"{gates:,}{label}", "batch 1", f"circuitsim {what}", f"{seconds / gates * 1e9:,.1f} ns", "", f"{seconds / ours:.2f}")
    return ours


def bench_chain(n: int, repeat: int) -> None:
    """A deep chain, one sample: circuitsim's tiers beside the precompiled Python loop."""
    net = chain(n)
    gates = len(net.gates)
    circuit = circuitsim.loads(net.yaml())
    inputs = sample_inputs(net, 1)
    ours = bench_tiers(circuit, inputs, gates, repeat, " chain")
    tier = "levelized" if _levelized(circuit) else "straight-line"
    row(f"{gates:,} chain", "batch 1", f"circuitsim ({tier})", f"{ours / gates * 1e9:,.1f} ns", "", "1.00")
    theirs = best_of(RUNNERS["python loop"](net, 1), repeat)
    row(f"{gates:,} chain", "batch 1", "python loop", f"{theirs / gates * 1e9:,.1f} ns", "", f"{theirs / ours:.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k gates, batches of 1 and 1k")
    parser.add_argument("--sizes", type=int, nargs="+", help="circuit sizes in gates")
    parser.add_argument("--batches", type=int, nargs="+", help="batch sizes")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (best is kept)")
    parser.add_argument("--max-cells", type=float, default=2e8, help="largest gates*samples run")
    parser.add_argument("--max-reference-gates", type=int, default=100_000, help="largest circuit for micrograd, PyTorch")
    parser.add_argument("--chain", type=int, default=10_000, help="gates of the deep chain (0: none)")
    parser.add_argument("--load-only", action="store_true", help="only the load rows")
    parser.add_argument("--no-load", action="store_true", help="no load rows (they start fresh processes)")
    parser.add_argument("--wiring", choices=("ordered", "shuffled", "layout", "both", "all"), default="ordered",
                        help="the MLPs wired in order, in no order (each neuron's inputs and the file's lines shuffled), "
                        "the file's lines alone shuffled (layout), in order and in no order (both), or all three")
    parser.add_argument("--shuffle", dest="wiring", action="store_const", const="shuffled", help="short for --wiring shuffled")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall-clock time, or this process's CPU time (steadier on a shared machine; every contestant runs on one thread)")
    parser.add_argument("--max-yaml-gates", type=int, default=100_000, help="largest circuit for the bare yaml.load")
    args = parser.parse_args(argv)
    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    args.sizes = args.sizes or (SIZES[:2] if args.quick else SIZES)
    args.batches = args.batches or (BATCHES[:2] if args.quick else BATCHES)
    if args.quick:
        args.repeat = min(args.repeat, 3)
    warnings.simplefilter("ignore")
    row("gates", "run", "what", "time per gate (or gate*sample)", "", "ratio to circuitsim")
    row(*["---"] * 6)
    wirings = {"ordered": (False,), "shuffled": (True,), "layout": ("layout",), "both": (False, True), "all": (False, "layout", True)}[args.wiring]
    for n in args.sizes:
        for shuffle in wirings:
            bench_size(n, args, shuffle)
    if args.chain and not args.load_only:
        bench_chain(args.chain, args.repeat)


if __name__ == "__main__":
    main()
