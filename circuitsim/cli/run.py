"""``circuitsim run``: run a circuit forward and backward; print a table, JSON or CSV.

Inputs come from the file's defaults, then ``--inputs FILE`` (``.json``: names to numbers or
lists; ``.csv``: a header of input names and one sample per row), then ``--set``. A large batch
runs in chunks, with a progress bar on a terminal when it takes more than a second.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import numpy as np

from .. import loader
from ..circuit import Circuit, Result
from ..errors import CircuitError, Position
from ..fileio import atomic_write, read_user_file
from ..plan import NAN_POLICIES
from ..spec import NAME_RE
from ..yamlsrc import DEFAULT_MAX_BYTES
from . import handle_errors, plugin_option
from .formats import FORMATS, csv_blocks, to_json, to_tables
from .options import LazyProgress, assignments_option, set_option, stdout

__all__ = ["run_cmd", "read_inputs", "run_in_chunks", "CHUNK"]

CHUNK = 100_000  # samples per chunk of a batch run


@click.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@set_option
@click.option(
    "--inputs",
    "inputs_file",
    type=click.Path(dir_okay=False),
    metavar="FILE.json|FILE.csv",
    help="Input values: JSON names to numbers or lists, or CSV with one sample per row.",
)
@assignments_option("--seed", "seed", help="Upstream gradient at an output: NAME=VALUE; repeatable.")
@click.option("--no-grad", is_flag=True, help="Forward pass only: values, no gradients.")
@click.option(
    "--nan",
    type=click.Choice(NAN_POLICIES),
    default="warn",
    show_default=True,
    help="On NaN or infinity: warn on stderr, raise (exit 1) or ignore.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@plugin_option
@handle_errors
def run_cmd(file, sets, inputs_file, seed, no_grad, nan, fmt, output, plugins):
    """Run FILE forward and backward: every node's value and gradient.

    \b
    Examples:
      circuitsim run circuits/neuron.yaml
      circuitsim run circuits/neuron.yaml --set x0=0.5 --format json
      circuitsim run circuits/neuron.yaml --set x0=-1,0,1 --format csv
      circuitsim run circuits/mlp.yaml --inputs samples.csv --format csv -o out.csv
    """
    circuit = loader.load(file, plugins=plugins)
    inputs = read_inputs(inputs_file) if inputs_file else {}
    inputs.update(sets)
    result = run_in_chunks(circuit, inputs, seed=seed or None, nan=nan, backward=not no_grad)
    if output is None:
        write(result, circuit, fmt, None)
    else:
        with atomic_write(output) as handle:
            write(result, circuit, fmt, handle)


def write(result: Result, circuit: Circuit, fmt: str, file) -> None:
    if fmt == "table":
        console = stdout(file)
        for table in to_tables(result, circuit):
            console.print(table)
        return
    if fmt == "json":
        click.echo(to_json(result), file=file, nl=False)
        return
    blocks = 1 + -(-(result.batch or 1) // CHUNK)  # the header, then CHUNK rows at a time
    with LazyProgress(blocks, "writing CSV") as progress:
        for block in csv_blocks(result, circuit, rows=CHUNK):
            click.echo(block, file=file, nl=False)
            progress.advance()


# -- input files -------------------------------------------------------------------------


def read_inputs(path: str) -> dict:
    """Input values from a ``.json`` or ``.csv`` file; a CircuitError says what is wrong where."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".csv"):
        raise click.BadParameter(f"{path}: an inputs file ends in .json or .csv", param_hint="'--inputs'")
    data = read_user_file(path, what="inputs file", max_bytes=DEFAULT_MAX_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CircuitError(f"cannot read inputs file: {exc}", Position(path)) from None
    return _read_json(text, path) if suffix == ".json" else _read_csv(text, path)


def _read_json(text: str, path: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CircuitError(f"invalid JSON: {exc.msg}", Position(path, exc.lineno, exc.colno)) from None
    if not isinstance(data, dict):
        raise CircuitError('inputs must be a JSON object of names to numbers or lists, e.g. {"x0": 1.5}', Position(path))
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise CircuitError(f"input {name!r} must be a number or a non-empty list of numbers, got {value!r}", Position(path))
    return data


def _read_csv(text: str, path: str) -> dict:
    header = next(csv.reader(text.splitlines()[:1]), [])
    if header and all(NAME_RE.match(cell.strip()) for cell in header):
        try:  # the fast path for well-formed files; the slow one says what is wrong where
            table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, ndmin=2, comments=None)
        except ValueError:
            pass
        else:
            if table.shape[0] and table.shape[1] == len(header):
                return {name.strip(): table[:, i].copy() for i, name in enumerate(header)}
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CircuitError("a CSV inputs file needs a header row of input names", Position(path, 1))
    header = [cell.strip() for cell in rows[0]]
    samples = [(line, row) for line, row in enumerate(rows[1:], 2) if any(cell.strip() for cell in row)]
    if not samples:
        raise CircuitError("the CSV inputs file has a header but no samples", Position(path, 1))
    for line, row in samples:
        if len(row) != len(header):
            raise CircuitError(f"{len(row)} values for {len(header)} columns", Position(path, line))
    cells = list(zip(*(row for _, row in samples)))
    return {name: _column(name, column, samples, path) for name, column in zip(header, cells)}


def _column(name: str, cells: tuple[str, ...], samples: list, path: str) -> np.ndarray:
    try:
        return np.array(list(map(float, cells)))
    except ValueError:
        for (line, _), cell in zip(samples, cells):
            try:
                float(cell)
            except ValueError:
                raise CircuitError(f"column {name!r}: {cell.strip()!r} is not a number", Position(path, line)) from None
        raise


# -- running in chunks -------------------------------------------------------------------


def run_in_chunks(circuit: Circuit, inputs: dict, *, seed=None, nan="warn", backward=True, chunk=None) -> Result:
    """``circuit.run`` (or ``forward``), a large batch ``chunk`` samples at a time.

    Each chunk runs with ``nan="ignore"``; the whole result is then checked once, so a
    warning or error names the sample as a single run would.
    """
    chunk = chunk or CHUNK
    size = _batch_size({**inputs, **(seed or {})})

    def run(values: dict, seeds: dict | None, policy: str) -> Result:
        if backward:
            return circuit.run(values, seed=seeds, nan=policy)
        return circuit.forward(values, nan=policy)

    if size is None or size <= chunk:
        return run(inputs, seed, nan)
    parts = []
    with LazyProgress(-(-size // chunk), f"{circuit.name}: {size} samples") as progress:
        for start in range(0, size, chunk):
            part = slice(start, start + chunk)
            parts.append(run(_slice(inputs, part), _slice(seed, part) if seed else None, "ignore"))
            progress.advance()
    result = _concatenate(parts, size)
    circuit.check_finite(result, seed=seed, nan=nan)
    return result


def _batch_size(values: dict) -> int | None:
    lengths = {name: len(v) for name, v in values.items() if isinstance(v, (list, tuple, np.ndarray))}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise CircuitError(f"batch inputs must all have the same length: {shown}")
    return next(iter(lengths.values()), None)


def _slice(values: dict, part: slice) -> dict:
    return {name: np.asarray(v)[part] if isinstance(v, (list, tuple, np.ndarray)) else v for name, v in values.items()}


def _concatenate(parts: list[Result], size: int) -> Result:
    def join(field: str) -> dict:
        maps = [getattr(p, field) for p in parts]
        return {name: np.concatenate([m[name] for m in maps]) for name in maps[0]}

    first = parts[0]
    return Result(first.circuit, join("outputs"), join("values"), join("grads"), size)
