"""``circuitsim worksheet``: a circuit's picture with blanks for the learner, and its answer key, as PDF."""

from __future__ import annotations

from pathlib import Path

import click

from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import set_option_for
from circuitsim.run.load import load

__all__ = ["worksheet_cmd", "write_pages"]


@click.command("worksheet", short_help="Print a circuit's picture with blanks where the hidden numbers go, and its answer key (PDF).")
@click.argument("file")
@click.option("--hide", type=click.Choice(["values", "grads", "both"]), default="both", show_default=True, help="Which numbers are blanks.")
@click.option("-o", "--output", required=True, metavar="sheet.pdf", help="The worksheet (.pdf, or .svg).")
@click.option("--key", metavar="key.pdf", help="Also write the answer key (.pdf, or .svg).")
@set_option_for("a worksheet shows one sample")
@click.option("--precision", type=click.IntRange(0, 6), default=2, show_default=True, help="Decimals of the answers.")
@plugin_option
@handle_errors
def worksheet_cmd(file, hide, output, key, sets, precision, plugins):
    """Write FILE's worksheet: the picture with numbered blanks for the hidden numbers (the
    inputs and the outputs' starting gradient 1 are given), and with --key its answer key.

    \b
    Examples:
      circuitsim worksheet circuits/neuron.yaml -o sheet.pdf --key key.pdf
      circuitsim worksheet circuits/neuron.yaml --hide grads --set x0=2 -o sheet.pdf
    """
    for path in filter(None, (output, key)):
        if Path(path).suffix.lower() not in (".pdf", ".svg"):
            raise click.UsageError(f"{path!r}: a worksheet is written as .pdf (or .svg)")
    from circuitsim.teach.worksheet import worksheet

    sheet = worksheet(load(file, plugins=plugins), sets, hide=hide, precision=precision)
    write_pages(sheet, output, key)
    echo(f"wrote {output}" + (f" and {key}" if key else "") + f": {len(sheet.blanks)} blanks")


def write_pages(sheet, output: str, key: str | None) -> None:
    """Write a worksheet (and its key) as each path's suffix says: PDF or SVG."""
    from circuitsim.base.fileio import atomic_write
    from circuitsim.teach.worksheet import pdf

    for path, page in ((output, sheet.sheet), (key, sheet.key)):
        if path is None:
            continue
        if Path(path).suffix.lower() == ".svg":
            with atomic_write(path, encoding="utf-8", newline="\n") as handle:
                handle.write(page)
        else:
            with atomic_write(path, "wb") as handle:
                handle.write(pdf(page))
