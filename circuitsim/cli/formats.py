"""A run's :class:`~circuitsim.Result` as text: a rich table, JSON or CSV.

- table: for one sample, every node with its kind, value and gradient, outputs first; for a
  batch, a summary (mean, std, min, max) of each output and of each input's gradient.
- json: ``{"circuit", "outputs", "values", "grads"}``, numbers (lists for a batch), with NaN and
  infinities as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` so it stays valid JSON.
- csv: one row per sample: the inputs, the outputs, then ``grad_<input>`` for each input.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import numpy as np
from rich.table import Table

from ..circuit import Circuit, Result
from ..show import json_number, short

__all__ = ["FORMATS", "csv_blocks", "to_json", "to_tables"]

FORMATS = ("table", "json", "csv")


# -- JSON --------------------------------------------------------------------------------


def to_json(result: Result) -> str:
    doc = {
        "circuit": result.circuit,
        "outputs": _json_map(result.outputs),
        "values": _json_map(result.values),
        "grads": _json_map(result.grads),
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _json_map(numbers: dict) -> dict:
    return {name: json_number(value) for name, value in numbers.items()}


# -- CSV ---------------------------------------------------------------------------------


def csv_blocks(result: Result, circuit: Circuit, rows: int = 100_000) -> Iterator[str]:
    """The CSV text: the header, then ``rows`` samples at a time."""
    inputs = list(circuit.inputs)
    columns = inputs + [name for name in result.outputs if name not in inputs]
    cells = [result.values[name] for name in columns]
    if result.grads:
        columns += [f"grad_{name}" for name in inputs]
        cells += [result.grads[name] for name in inputs]
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(columns)
    yield header.getvalue()
    size = result.batch or 1
    arrays = [np.broadcast_to(np.float64(c), (size,)) for c in cells]
    for start in range(0, size, rows):
        texts = [map(repr, a[start : start + rows].tolist()) for a in arrays]
        yield "".join(",".join(row) + "\n" for row in zip(*texts))


# -- tables ------------------------------------------------------------------------------


def to_tables(result: Result, circuit: Circuit) -> list[Table]:
    if result.batch is None:
        return [_node_table(result, circuit)]
    tables = [_summary_table(f"{result.circuit}: outputs, {result.batch} samples", "output", result.outputs)]
    if result.grads:
        grads = {name: result.grads[name] for name in circuit.inputs}
        tables.append(_summary_table("gradients of the inputs", "input", grads))
    return tables


def _node_table(result: Result, circuit: Circuit) -> Table:
    table = Table(title=result.circuit)
    for header in ("node", "kind", "value", "gradient"):
        table.add_column(header, justify="left" if header in ("node", "kind") else "right")
    outputs = list(result.outputs)
    others = [name for name in result.values if name not in result.outputs]
    nodes = circuit.nodes
    for name in outputs + others:
        kind = nodes[name].type or nodes[name].kind
        if name in result.outputs:
            kind += " (output)"
        grad = short(result.grads[name]) if result.grads else ""
        table.add_row(name, kind, short(result.values[name]), grad, end_section=name == outputs[-1])
    return table


def _summary_table(title: str, what: str, columns: dict) -> Table:
    table = Table(title=title)
    table.add_column(what)
    for header in ("mean", "std", "min", "max"):
        table.add_column(header, justify="right")
    with np.errstate(all="ignore"):
        for name, values in columns.items():
            stats = (np.mean(values), np.std(values), np.min(values), np.max(values))
            table.add_row(name, *(short(s) for s in stats))
    return table
