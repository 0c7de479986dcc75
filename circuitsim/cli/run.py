"""``circuitsim run``: run a circuit forward and backward; print a table, JSON, CSV or Parquet.

Inputs come from the file's defaults, then ``--inputs FILE`` (``.json``: names to numbers or
lists; ``.csv`` or ``.parquet``: a column per input, one sample per row), then ``--set``. One
sample shows every node; a batch (an inputs table, or lists) streams through
:mod:`circuitsim.cli.batch` in chunks, keeping the columns of ``--values`` and ``--grads``.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from circuitsim.base.fileio import atomic_write
from circuitsim.cli.formats import FORMATS, to_csv, to_json, to_tables
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import assignments_option, set_option, stdout
from circuitsim.errors import CircuitError
from circuitsim.plan.faults import NAN_POLICIES
from circuitsim.run import load as loader
from circuitsim.run.circuit import Circuit, Result

__all__ = ["run_cmd"]

SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet"}


def _names(ctx, param, values) -> list[str] | None:
    """``--values a,b --values c`` -> [a, b, c]; not given -> None (the defaults)."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@set_option
@click.option(
    "--inputs",
    "inputs_file",
    type=click.Path(dir_okay=False),
    metavar="FILE.json|FILE.csv|FILE.parquet",
    help="Input values: JSON names to numbers or lists, or a CSV or Parquet table with one sample per row.",
)
@assignments_option(
    "--seed",
    "seed",
    help="Start the backward pass at node NAME with upstream gradient VALUE (NAME=V1,V2,... for a batch) instead of "
    "1 at every output; repeatable. Gradients are then those of the sum of VALUE x NAME.",
)
@click.option("--no-grad", is_flag=True, help="Forward pass only: values, no gradients.")
@click.option(
    "--values",
    multiple=True,
    callback=_names,
    metavar="NAMES",
    help="Batch: the nodes whose values to keep, comma-separated [default: the batch inputs and the outputs].",
)
@click.option(
    "--grads",
    multiple=True,
    callback=_names,
    metavar="NAMES",
    help="Batch: the nodes whose gradients to keep, as grad_NAME columns [default: the batch inputs'].",
)
@click.option(
    "--nan",
    type=click.Choice(NAN_POLICIES),
    default="warn",
    show_default=True,
    help="On NaN or infinity: warn on stderr, raise (exit 1) or ignore.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS + ("parquet",)),
    help="Output format [default: from the -o suffix (.csv, .json, .parquet), else table].",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout (whole or not at all).")
@click.option("--scheduler", metavar="ADDRESS", help="Batch: run the chunks on the Dask cluster at ADDRESS (tcp://HOST:PORT).")
@plugin_option
@handle_errors
def run_cmd(file, sets, inputs_file, seed, no_grad, values, grads, nan, fmt, output, scheduler, plugins):
    """Run FILE forward and backward: every node's value and gradient.

    A batch (an --inputs table, or lists in --inputs JSON or --set) streams through in chunks
    with a progress bar, in memory that does not grow with the number of rows, and keeps for
    each sample the values of the batch inputs and the outputs and the gradients of the batch
    inputs (columns NAME and grad_NAME); --values and --grads choose others. The table format
    then summarises each kept column (mean, std, min, max).

    \b
    Examples:
      circuitsim run circuits/neuron.yaml
      circuitsim run circuits/neuron.yaml --set x0=0.5 --format json
      circuitsim run circuits/neuron.yaml --set x0=-1,0,1 --format csv
      circuitsim run circuits/mlp.yaml --inputs samples.csv -o out.csv
      circuitsim run circuits/neuron.yaml --inputs big.parquet --values f --grads w0 -o out.parquet
      circuitsim run circuits/neuron.yaml --inputs big.csv -o out.csv --scheduler tcp://10.0.0.5:8786
    """
    fmt = fmt or (SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table") if output else "table")
    circuit = loader.load(file, plugins=plugins)
    _warn_dead_seeds(circuit, seed)
    source = _inputs(inputs_file)
    if isinstance(source, dict):
        from circuitsim.cli.batch import check_inputs

        check_inputs(circuit, source, source.positions, what="name")
    fixed = {} if source is None or not isinstance(source, dict) else {k: v for k, v in source.items() if not isinstance(v, np.ndarray)}
    batch = {} if source is None or not isinstance(source, dict) else {k: v for k, v in source.items() if isinstance(v, np.ndarray)}
    for name, value in sets.items():
        if isinstance(value, list):
            if source is not None and not isinstance(source, dict):
                raise click.UsageError(f"--set {name}=V1,V2,... with --inputs {inputs_file}: put the batch in the table")
            batch[name] = np.array(value, dtype=np.float64)
            fixed.pop(name, None)
        else:
            fixed[name] = value
            batch.pop(name, None)
    seeds = {k: np.array(v, dtype=np.float64) if isinstance(v, list) else v for k, v in seed.items()}
    if source is not None and not isinstance(source, dict):
        # batches only (their streams, sweeps and tables): imported here
        from circuitsim.cli.batch import kept_columns, run_batch

        table_columns = [c for c in source.columns if c not in fixed]
        keep = kept_columns(circuit, table_columns, values, grads, not no_grad)
        run_batch(circuit, source, fixed, seeds, *keep, fmt, output, scheduler, nan)
        return
    if batch or any(isinstance(v, np.ndarray) for v in seeds.values()):
        from circuitsim.cli.batch import kept_columns, run_batch

        lengths = {len(v) for v in [*batch.values(), *(s for s in seeds.values() if isinstance(s, np.ndarray))]}
        if len(lengths) > 1:
            shown = ", ".join(f"{k} has {len(v)}" for k, v in {**batch, **seeds}.items() if isinstance(v, np.ndarray))
            raise CircuitError(f"batch inputs must all have the same length: {shown}")
        if not batch:
            raise click.UsageError("--seed NAME=V1,V2,... needs batch inputs of the same length (--set or --inputs)")
        keep = kept_columns(circuit, list(batch), values, grads, not no_grad)
        run_batch(circuit, batch, fixed, seeds, *keep, fmt, output, scheduler, nan)
        return
    if values is not None or grads is not None or scheduler:
        raise click.UsageError("--values, --grads and --scheduler are for batches (an --inputs table or lists)")
    if fmt == "parquet":
        raise click.UsageError("--format parquet is for batches; one sample is a table, JSON or CSV")
    result = circuit.run(fixed, seed=seeds or None, nan=nan) if not no_grad else circuit.forward(fixed, nan=nan)
    if output is None:
        write(result, circuit, fmt, None)
    else:
        with atomic_write(output) as handle:
            write(result, circuit, fmt, handle)


def _inputs(path: str | None):
    """None, the dict of an inputs JSON file, or a table opened to stream."""
    if path is None:
        return None
    from circuitsim.io.tables import open_table, read_json_inputs

    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return read_json_inputs(path)
    if suffix in (".csv", ".parquet"):
        return open_table(path)
    raise click.BadParameter(f"{path}: an inputs file ends in .json, .csv or .parquet", param_hint="'--inputs'")


def _warn_dead_seeds(circuit: Circuit, seed: dict) -> None:
    """A seed on a node that no output depends on is allowed, but most often a slip."""
    used = circuit.nodes.upstream(circuit.outputs)
    for name in seed:
        if name in circuit.nodes and name not in used:
            echo(
                f"warning: --seed {name}: no output depends on {name!r}, so the gradients are those of {name!r} alone",
                err=True,
            )


def write(result: Result, circuit: Circuit, fmt: str, file) -> None:
    if fmt == "table":
        console = stdout(file)
        for table in to_tables(result, circuit):
            console.print(table)
        return
    text = to_json(result) if fmt == "json" else to_csv(result, circuit)
    echo(text, file=file, nl=False)
