"""``circuitsim bench FILE``: time loading, forward and forward+backward, per gate.

Like ``caffe time``: each pass runs ``--repeat`` times after one warm-up run and the best and
mean are printed, per gate (per gate*sample for a ``--batch``). Without ``--batch`` it then
compiles the circuit into straight-line code (:meth:`Circuit.compile`) and times both passes
again.
"""

from __future__ import annotations

import time
import warnings

import click
import numpy as np

from circuitsim.base.text import one_line
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.run.load import load

__all__ = ["bench_cmd"]


@click.command("bench")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--batch", type=click.IntRange(min=1), default=None, help="Run B samples at once (inputs as arrays).")
@click.option("--repeat", type=click.IntRange(min=1), default=10, show_default=True, help="Timed runs of each pass.")
@plugin_option
@handle_errors
def bench_cmd(file: str, batch: int | None, repeat: int, plugins: tuple[str, ...]) -> None:
    """Time loading FILE and running it forward and forward+backward.

    Each pass runs --repeat times after one warm-up run; best and mean times are printed, per
    gate (per gate*sample with --batch). Without --batch the circuit is then compiled into
    straight-line code and timed again.

    \b
    Examples:
      circuitsim bench circuits/mlp.yaml
      circuitsim bench circuits/mlp.yaml --batch 1000 --repeat 20
    """
    start = time.perf_counter()
    circuit = load(file, plugins=plugins)
    loaded = time.perf_counter() - start
    gates = len(circuit.plan.steps)
    inputs = _inputs(circuit, batch)
    samples = batch or 1
    echo(f"{one_line(circuit.name)}: {gates} gates, {len(circuit.inputs)} inputs, batch {samples}, {repeat} runs")
    echo(f"{'load':<28}{loaded * 1e3:12.3f} ms")
    passes = [("forward", circuit.forward), ("forward+backward", circuit.run)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a NaN in a benchmark is not what is measured
        _time_passes(passes, inputs, gates * samples, repeat, "gate*sample" if batch else "gate")
        if batch is None:
            start = time.perf_counter()
            circuit.compile()
            echo(f"{'compile':<28}{(time.perf_counter() - start) * 1e3:12.3f} ms")
            _time_passes([(f"{label} (compiled)", fn) for label, fn in passes], inputs, gates, repeat, "gate")


def _time_passes(passes: list, inputs: dict, units: int, repeat: int, unit: str) -> None:
    for label, fn in passes:
        best, mean = _time(lambda fn=fn: fn(inputs, nan="ignore"), repeat)
        per = best / max(units, 1) * 1e9
        echo(f"{label:<28}{best * 1e3:12.3f} ms best {mean * 1e3:12.3f} ms mean {per:12.1f} ns per {unit}")


def _inputs(circuit, batch: int | None) -> dict:
    """Defaults, 1.0 where there is none; for a batch every input varies around its value."""
    values = {name: 1.0 if default is None else default for name, default in circuit.inputs.items()}
    if batch is None:
        return values
    rng = np.random.default_rng(0)
    return {name: value + rng.uniform(-0.1, 0.1, batch) for name, value in values.items()}


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), sum(times) / len(times)
