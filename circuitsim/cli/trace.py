"""``circuitsim trace``: every message of a run's forward and backward pass, in order."""

from __future__ import annotations

import json

import click
import numpy as np
import rich.box
import rich.console
import rich.table

from ..circuit import Circuit
from ..graph import Node
from ..loader import load
from ..show import json_number, short
from ..trace import BackwardMessage, ForwardMessage, Message
from . import handle_errors, plugin_option
from .options import set_option

__all__ = ["trace"]


@click.command()
@click.argument("file")
@set_option
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True,
              help="table: for reading; jsonl: one JSON object per message.")
@plugin_option
@handle_errors
def trace(file, sets, fmt, plugins):
    """Run FILE and list every message of both passes: forward, each value sent to a gate;
    backward, each upstream gradient times a local gradient sent back, and the sum so far.

    \b
    Examples:
      circuitsim trace circuits/neuron.yaml
      circuitsim trace circuits/fanout.yaml --set x=1 --format jsonl
    """
    circuit = load(file, plugins=plugins)
    messages = circuit.run(sets, trace=True).trace
    if fmt == "jsonl":
        for message in messages:
            click.echo(json.dumps({k: _json(v) for k, v in message.as_dict().items()}))
        return
    rich.console.Console(highlight=False).print(_table(circuit, messages))


def _table(circuit: Circuit, messages: list[Message]) -> rich.table.Table:
    table = rich.table.Table(box=rich.box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("step", justify="right")
    table.add_column("pass")
    table.add_column("from")
    table.add_column("to")
    table.add_column("message", justify="right", no_wrap=True)
    table.add_column("sum", justify="right")
    nodes = circuit.nodes
    for m in messages:
        source = "seed" if m.source is None else _end(nodes[m.source], m.source, m.port if isinstance(m, BackwardMessage) else None)
        target = "output" if m.target is None else _end(nodes[m.target], m.target, m.port if isinstance(m, ForwardMessage) else None)
        if isinstance(m, ForwardMessage):
            table.add_row(str(m.step), m.phase, source, target, short(m.value), "")
        elif m.source is None:
            table.add_row(str(m.step), m.phase, source, target, short(m.contribution), short(m.total))
        else:
            text = f"{short(m.upstream)} × {short(m.local)} = {short(m.contribution)}"
            table.add_row(str(m.step), m.phase, source, target, text, short(m.total))
    return table


def _end(node: Node, name: str, port: str | None) -> str:
    """A wire's end as a netlist writes it: ``gate.port``, a node's name, a constant's value."""
    if port is not None:
        return f"{name}.{port}"
    return f"{node.value:g}" if node.kind == "const" else name


def _json(value):
    """Numbers as JSON numbers or strings (NaN, infinities), the rest (step, names) as they are."""
    return json_number(value) if isinstance(value, (float, np.ndarray)) else value
