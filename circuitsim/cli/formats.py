"""A run's :class:`~circuitsim.Result` as text: a rich table (at most :data:`TABLE_ROWS` nodes),
JSON or CSV, for one sample; a batch streams through :mod:`circuitsim.cli.batch`.
"""

from __future__ import annotations

import io
from itertools import chain, islice

from rich.table import Table

from circuitsim.base.show import json_number, short
from circuitsim.base.text import one_line
from circuitsim.run.circuit import Circuit, Result

__all__ = ["FORMATS", "TABLE_ROWS", "to_csv", "to_json", "to_tables"]

FORMATS = ("table", "json", "csv")
TABLE_ROWS = 100  # nodes a table shows; a bigger circuit is summed up by its first ones


# -- JSON --------------------------------------------------------------------------------


def to_json(result: Result) -> str:
    import json  # here, as csv below: a table's run imports neither

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


def to_csv(result: Result, circuit: Circuit) -> str:
    import csv

    inputs = list(circuit.inputs)
    columns = inputs + [name for name in result.outputs if name not in inputs]
    cells = [result.values[name] for name in columns]
    if result.grads:
        columns += [f"grad_{name}" for name in inputs]
        cells += [result.grads[name] for name in inputs]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([repr(float(c)) for c in cells])
    return text.getvalue()


# -- tables ------------------------------------------------------------------------------


def to_tables(result: Result, circuit: Circuit) -> list[Table]:
    return [_node_table(result, circuit)]


def _node_table(result: Result, circuit: Circuit) -> Table:
    table = Table(title=one_line(result.circuit))
    headers = ("node", "kind", "value", "gradient") if result.grads else ("node", "kind", "value")
    for header in headers:
        table.add_column(header, justify="left" if header in ("node", "kind") else "right")
    outputs = list(result.outputs)
    input_names = circuit.plan.inputs  # a dict: Circuit.inputs makes a new mapping each time
    inputs = [name for name in input_names if name not in result.outputs]
    others = (name for name in result.values if name not in result.outputs and name not in input_names)
    shown = list(islice(chain(outputs, inputs, others), TABLE_ROWS))
    nodes = circuit.nodes
    for name in shown:
        kind = nodes[name].type or nodes[name].kind
        if name in result.outputs:
            kind += " (output)"
        cells = [name, kind, short(result.values[name])] + ([short(result.grads[name])] if result.grads else [])
        table.add_row(*cells, end_section=name == outputs[-1])
    hidden = len(result.values) - len(shown)
    if hidden > 0:
        table.add_row(f"... {hidden:,} more", "", "", "", end_section=True)
        table.caption = f"{hidden:,} of {len(result.values):,} nodes not shown: --format json lists them all"
    return table
