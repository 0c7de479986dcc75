"""``circuitsim trace``: every message of a run's forward and backward pass, in order."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator

import click

from circuitsim.base.show import short
from circuitsim.base.text import terminal
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import LazyProgress, assignments_option, set_option
from circuitsim.derive.forward import TangentMessage, jvp, tangent_amount, tangent_ends
from circuitsim.plan.trace import BackwardMessage, Message, amount, ends
from circuitsim.run.circuit import Circuit
from circuitsim.run.load import load

__all__ = ["trace"]

GAP = "   "  # between columns
RIGHT = (0, 4, 5)  # the columns of numbers, right-justified


@click.command()
@click.argument("file")
@set_option
@assignments_option(
    "--tangent",
    "tangents",
    help="Trace forward mode instead: the tangent at an input, NAME=VALUE (others 0); repeatable.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True,
              help="table: for reading; jsonl: one JSON object per message.")
@plugin_option
@handle_errors
def trace(file, sets, tangents, fmt, plugins):
    """Run FILE and list every message of both passes: forward, each value sent to a gate;
    backward, each upstream gradient times a local gradient sent back, and the sum so far.
    With --tangent, forward mode instead: each tangent sent to a gate times its local
    gradient, and the gate's tangent so far.

    \b
    Examples:
      circuitsim trace circuits/neuron.yaml
      circuitsim trace circuits/fanout.yaml --set x=1 --format jsonl
      circuitsim trace circuits/neuron.yaml --tangent x0=1
    """
    circuit = load(file, plugins=plugins)
    if tangents:
        messages = _tangent_trace(circuit, sets, tangents)
    else:
        messages = circuit.run(sets, trace=True).trace
    if fmt == "jsonl":
        lines = (json.dumps(message.as_json()) for message in messages)
    else:
        lines = _table(circuit, messages)
    _print(lines, len(messages) + (2 if fmt == "table" else 0))


def _tangent_trace(circuit: Circuit, sets: dict, tangents: dict) -> list[Message]:
    return jvp(circuit, sets, tangents, trace=True).trace


def _print(lines: Iterator[str], count: int) -> None:
    """Stream the lines: through a pager if they are more than a terminal shows, else with a
    progress bar on stderr once writing them takes a while (a terminal only)."""
    out = sys.stdout
    if out.isatty() and count > shutil.get_terminal_size().lines:
        click.echo_via_pager(terminal(line) + "\n" for line in lines)
        return
    with LazyProgress(count, "writing the trace") as progress:
        for line in lines:
            echo(line)
            progress.advance()


def _table(circuit: Circuit, messages: list[Message]) -> Iterator[str]:
    """The trace as a table, one line per message, its columns as wide as their widest cell
    (never cut short, however long the trace)."""
    nodes = circuit.nodes
    rows = []
    for m in messages:
        if isinstance(m, TangentMessage):
            rows.append((str(m.step), m.phase, *tangent_ends(m, nodes), tangent_amount(m), short(m.total)))
            continue
        total = short(m.total) if isinstance(m, BackwardMessage) else ""
        rows.append((str(m.step), m.phase, *ends(m, nodes), amount(m), total))
    head = ("step", "pass", "from", "to", "message", "sum")
    widths = [max([len(h), *(len(row[k]) for row in rows)]) for k, h in enumerate(head)]

    def line(cells) -> str:
        return GAP.join(cell.rjust(w) if k in RIGHT else cell.ljust(w) for k, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    yield line(head)
    yield "─" * (sum(widths) + len(GAP) * (len(widths) - 1))
    for row in rows:
        yield line(row)
