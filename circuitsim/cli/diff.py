"""``circuitsim diff``: run two circuits on the same inputs and name the first node where they part."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from circuitsim.base.show import plural
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import set_option
from circuitsim.errors import missing_input
from circuitsim.run.load import load

__all__ = ["diff_cmd"]


@click.command("diff", short_help="Run two circuits on the same inputs and name the first node whose value or gradient differs.")
@click.argument("a", metavar="A.yaml")
@click.argument("b", metavar="B.yaml")
@set_option
@click.option("--tol", type=click.FloatRange(0), default=1e-6, show_default=True, help="Numbers within this (relative and absolute) agree.")
@click.option("-o", "--output", metavar="PICTURE.svg", help="Draw A with the node where they part highlighted (.svg, .png, .pdf).")
@plugin_option
@handle_errors
def diff_cmd(a, b, sets, tol, output, plugins):
    """Run A and B on the same inputs (--set; each file's defaults fill the rest) and compare
    the nodes they share, matched by name: the first value that differs in topological order,
    else the first gradient that differs in the order the backward pass reaches it. Exits
    with 1 if they differ, 0 if they agree.

    \b
    Examples:
      circuitsim diff student.yaml reference.yaml
      circuitsim diff student.yaml reference.yaml --set a=1 --set b=0 -o where.svg
    """
    from circuitsim.check.diff import compare

    suffix = Path(output).suffix.lower() if output else None
    if output and suffix not in (".svg", ".png", ".pdf"):
        raise click.UsageError(f"cannot tell the picture format of {output!r}: name it .svg, .png or .pdf")
    ca, cb = load(a, plugins=plugins), load(b, plugins=plugins)
    for name in sets:
        if name not in ca.inputs and name not in cb.inputs:
            raise click.UsageError(f"--set {name}: neither {a} nor {b} has an input {name!r}")
    for circuit, path in ((ca, a), (cb, b)):
        missing = [name for name, default in circuit.inputs.items() if default is None and name not in sets]
        if missing:
            raise missing_input(missing[0], circuit.nodes[missing[0]].pos, f"(--set {missing[0]}=VALUE)")
    found = compare(ca, cb, sets, tol=tol, trace=output is not None)
    difference = found.difference
    if difference is None:
        echo(f"{a} and {b} agree: {plural(len(found.shared), 'shared node')}, values and gradients within {tol:g}")
    else:
        where = f"{difference.pos_a}: " if difference.pos_a is not None and difference.pos_a.line else ""
        echo(f"{where}first difference at {difference.node!r}: {difference.describe(a, b)}")
        if difference.pos_b is not None and difference.pos_b.line:
            echo(f"{difference.pos_b}: note: {difference.node!r} of {b} is here")
    for names, path in ((found.only_a, a), (found.only_b, b)):
        if names:
            shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
            echo(f"note: only {path} has {shown}")
    if output:
        from circuitsim.draw import LIMIT, render, save

        highlight = [difference.node] if difference is not None else []
        big = sum(1 for record in ca.nodes.values() if record.kind == "gate") > LIMIT
        around = difference.node if big and difference is not None else None
        save(output, render(ca, found.run_a, fmt=suffix[1:], highlight=highlight, around=around, limit=LIMIT))
    sys.exit(1 if difference is not None else 0)
