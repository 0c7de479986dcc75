"""``circuitsim train``: gradient descent on a circuit's inputs, from a table of samples.

The data file's columns are matched to the circuit's inputs by name; the parameters are the
inputs named by ``--params``, else every input the data does not give. Everything is checked
before the first step (each output file is opened then, so one that cannot be written fails at
once), and every output file is written whole after the last step: a run that fails writes
nothing. Ctrl-C ends training early and writes what the whole steps so far trained, then exits
130. Without ``-o`` the trained values are printed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import sys
import time

import click
import rich.progress

from circuitsim.base.fileio import atomic_write
from circuitsim.base.show import exact
from circuitsim.base.text import one_line
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import Number, plural, renamed_option, stderr
from circuitsim.errors import CircuitError, Position
from circuitsim.io.tables import read_table
from circuitsim.run import load as loader
from circuitsim.train import OPTIMIZERS, TrainingInterrupted, train
from circuitsim.train.plot import loss_svg, need_matplotlib

__all__ = ["train_cmd"]


class LearningRate(click.ParamType):
    """``X`` (a constant rate) or ``START..END`` (linear from START at step 0 towards END after the last)."""

    name = "X|START..END"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = value.split("..")
        try:
            numbers = tuple(float(p) for p in parts)
        except ValueError:
            numbers = ()
        if len(numbers) not in (1, 2) or not all(map(math.isfinite, numbers)) or numbers[0] <= 0 or numbers[-1] < 0:  # END 0: each step's rate is still > 0
            self.fail(f"{value!r} is not a learning rate: give a number > 0, or START..END for a linear schedule", param, ctx)
        return numbers


class StepsPerSecond(rich.progress.ProgressColumn):
    def render(self, task) -> rich.text.Text:
        speed = task.finished_speed or task.speed
        return rich.text.Text(f"{speed:,.0f} steps/s" if speed else "", style="progress.data.speed")


@click.command("train")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--data", "data_file", required=True, type=click.Path(dir_okay=False), metavar="DATA.csv|DATA.parquet|DATA.json",
              help="Samples: CSV or Parquet with a column per input and one sample per row, or JSON names to lists.")
@click.option("--params", metavar="A,B,...", help="The inputs to train (default: every input the data does not give).")
@click.option("--steps", type=click.IntRange(min=0), default=100, show_default=True, help="Number of updates.")
@click.option("--lr", type=LearningRate(), default="0.1", show_default=True,
              help="Learning rate: X, or START..END decreasing linearly over the steps.")
@click.option("--optimizer", type=click.Choice(list(OPTIMIZERS)), default="sgd", show_default=True)
@click.option("--momentum", type=Number(0, 1, max_open=True), default=0.0, show_default=True, help="SGD momentum.")
@click.option("--weight-decay", type=Number(min=0), default=0.0, show_default=True, help="L2 penalty added to the gradient.")
@click.option("--batch-size", type=click.IntRange(min=1), help="Samples per step, shuffled (default: all of them).")
@click.option("--shuffle-seed", type=int, default=0, show_default=True, help="Seed of the mini-batch shuffle.")
@renamed_option("--seed", "--shuffle-seed", "shuffle_seed", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="TRAINED.yaml",
              help="Write the circuit with the trained values as its defaults [default: print the trained values].")
@click.option("--history", type=click.Path(dir_okay=False), metavar="LOSS.csv", help="Write the loss of every step as CSV.")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="LOSS.svg", help="Draw the loss curve as SVG (needs matplotlib).")
@plugin_option
@handle_errors
def train_cmd(file, data_file, params, steps, lr, optimizer, momentum, weight_decay, batch_size, shuffle_seed, output, history, plot, plugins):
    """Train FILE's inputs on the samples in DATA: the loss is the sum of its outputs. Ctrl-C
    stops early, keeping (and writing) what the steps so far trained.

    \b
    Examples:
      circuitsim train circuits/least_squares.yaml --data circuits/data/line.csv
      circuitsim train circuits/least_squares.yaml --data circuits/data/line.csv -o line.yaml
      circuitsim train circuits/moons_mlp.yaml --data circuits/data/moons.csv --lr 1.0..0.1 -o moons.yaml --plot loss.svg
      circuitsim train circuits/logistic.yaml --data circuits/data/blobs.csv --optimizer adam --params w0,w1,b -o fit.yaml
    """
    if plot:
        need_matplotlib()
    circuit = loader.load(file, plugins=plugins)
    data = read_table(data_file)
    names = [p.strip() for p in params.split(",") if p.strip()] if params else None
    schedule = lr[0] if len(lr) == 1 else _linear(*lr, steps)
    console = stderr()
    bar = rich.progress.Progress(
        rich.progress.TextColumn("{task.description}", style="bold", markup=False),
        rich.progress.BarColumn(),
        rich.progress.MofNCompleteColumn(),
        rich.progress.TextColumn("loss {task.fields[loss]}"),
        StepsPerSecond(),
        rich.progress.TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    paths = [path for path in (output, history, plot) if path]
    with contextlib.ExitStack() as files:
        # Every output file is opened (a temporary file beside it) before the first step, so that
        # one that cannot be written fails now; each is renamed into place only when written.
        handles = {path: files.enter_context(atomic_write(path)) for path in paths}
        with bar:
            task = bar.add_task(one_line(circuit.name), total=steps, loss="…")
            start = time.perf_counter()
            stopped = None
            try:
                fit = train(circuit, data, names, steps=steps, optimizer=optimizer, lr=schedule, batch_size=batch_size,
                            seed=shuffle_seed, momentum=momentum, weight_decay=weight_decay,
                            progress=lambda k, loss: bar.update(task, completed=k + 1, loss=f"{loss:.6g}"))
            except TrainingInterrupted as exc:
                fit, stopped = exc.fit, exc.step
            except CircuitError as exc:
                if exc.pos.path is None and "data" in exc.message:  # a problem with the data: say which file
                    raise CircuitError(exc.message, Position(data_file)) from None
                raise
            took = time.perf_counter() - start
        done = steps if stopped is None else stopped
        texts = {}
        if output:
            texts[output] = fit.trained_text(output)
        if history:
            texts[history] = _history_csv(fit.history)
        if plot:
            title = f"{one_line(circuit.name)}: {optimizer}, {plural(done, 'step')}, {len(fit.params)} parameters"
            texts[plot] = loss_svg(fit.history, title)
        for path, text in texts.items():
            handles[path].write(text)
    samples = plural(fit.samples or 1, "sample")
    if stopped is not None:
        echo(f"{one_line(circuit.name)}: interrupted after {plural(stopped, 'step')} of {steps} (Ctrl-C)", err=True)
    echo(f"{one_line(circuit.name)}: trained {plural(len(fit.params), 'parameter')} on {samples}, {plural(done, 'step')} of {optimizer}")
    if fit.history:
        last = "at the last step" if stopped is not None else "trained"
        echo(f"mean loss {fit.history[0]:.6g} at the start, {fit.loss:.6g} {last}")
    if texts:
        echo(f"wrote {', '.join(texts)}" + (f" with the parameters after step {stopped}" if stopped is not None else ""))
    if not output:
        echo("trained values:")
        for name, value in fit.params.items():
            echo(f"  {name}: {exact(value)}")
    if console.is_terminal:
        console.print(f"{took:.2f} s, {done / took if took else 0:,.0f} steps/s", style="dim")
    if stopped is not None:
        sys.exit(130)  # as a shell reports a program ended by Ctrl-C (128 + SIGINT)


def _linear(start: float, end: float, steps: int):
    def lr(k: int) -> float:
        return start + (end - start) * k / steps

    return lr


def _history_csv(history: list[float]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["step", "loss"])
    writer.writerows((k, repr(loss)) for k, loss in enumerate(history))
    return out.getvalue()
