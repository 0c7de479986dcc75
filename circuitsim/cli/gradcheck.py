"""``circuitsim gradcheck``: backprop against central finite differences, for every input."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from circuitsim.base.text import one_line
from circuitsim.check.gradcheck import GradcheckReport, gradcheck
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import LazyProgress, Number, set_option_for, stdout
from circuitsim.derive.check import SecondReport, check_second
from circuitsim.run import load as loader

__all__ = ["gradcheck_cmd"]


@click.command("gradcheck")
@click.argument("file", type=click.Path(dir_okay=False))
@set_option_for("gradcheck checks one point")
@click.option("--eps", type=Number(min=0, min_open=True), help="Finite-difference step [default: ~6e-6·max(1, |x|)].")
@click.option("--rtol", type=Number(min=0), default=1e-5, show_default=True, help="Relative tolerance.")
@click.option("--atol", type=Number(min=0), default=1e-6, show_default=True, help="Absolute tolerance.")
@click.option("--second", is_flag=True, help="Also check second derivatives: Hessian-vector products against central differences of the gradients.")
@plugin_option
@handle_errors
def gradcheck_cmd(file, sets, eps, rtol, atol, second, plugins):
    """Check FILE's gradients: backprop against central differences.

    Each input's gradient is compared with float64 central differences of the sum of the
    outputs. Exits with 1 if any is off, naming the input and, where one is, the gate whose
    local gradients are wrong.

    \b
    Examples:
      circuitsim gradcheck circuits/mlp.yaml
      circuitsim gradcheck circuits/neuron.yaml --set x0=0.5 --rtol 1e-7
      circuitsim gradcheck circuits/neuron.yaml --second
    """
    circuit = loader.load(file, plugins=plugins)
    with LazyProgress(len(circuit.inputs), f"{one_line(circuit.name)}: gradcheck") as progress:
        report = gradcheck(circuit, sets, eps=eps, rtol=rtol, atol=atol, progress=progress.advance)
    stdout().print(report_table(report))
    echo(str(report))
    passed = bool(report)
    if second:
        checked = check_second(circuit, sets, eps=eps, rtol=rtol, atol=atol)
        if not checked:
            stdout().print(second_table(checked))
        echo(str(checked))
        passed = passed and bool(checked)
    sys.exit(0 if passed else 1)


def second_table(report: SecondReport) -> Table:
    """The Hessian entries that are off: direction, input, both numbers, errors."""
    table = Table(title=f"{one_line(report.circuit)}: Hessian entries that are off")
    table.add_column("d grad_ / d")
    for header in ("forward over reverse", "numeric", "abs error", "rel error"):
        table.add_column(header, justify="right")
    for c in report.failures:
        table.add_row(f"grad_{c.input} / {c.direction}", f"{c.hvp:.6g}", f"{c.numeric:.6g}", f"{c.abs_error:.1e}", f"{c.rel_error:.1e}")
    return table


def report_table(report: GradcheckReport) -> Table:
    table = Table(title=f"{one_line(report.circuit)}: gradients of the inputs")
    table.add_column("input")
    for header in ("value", "backprop", "numeric", "abs error", "rel error"):
        table.add_column(header, justify="right")
    table.add_column("")
    undefined = False
    for check in report.inputs:
        numbers = (check.value, check.backprop, check.numeric)
        if check.abs_error == 0:
            errors = ("0", "exact")
        elif check.numeric == 0:  # a relative error of a difference from 0 means nothing
            errors, undefined = (f"{check.abs_error:.1e}", "n/a"), True
        else:
            errors = (f"{check.abs_error:.1e}", f"{check.rel_error:.1e}")
        table.add_row(check.name, *(f"{v + 0.0:.6g}" for v in numbers), *errors, check.status)  # + 0.0: no -0
    if undefined:
        table.caption = "n/a: the numeric gradient is 0, so only the abs error counts"
    return table
