"""``circuitsim assign``: a variant of a template circuit per student, with its worksheet and key."""

from __future__ import annotations

import csv
import io
import os

import click

from circuitsim.base.fileio import atomic_write
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import LazyProgress, plural
from circuitsim.errors import CircuitError, Position
from circuitsim.run.load import load

__all__ = ["assign_cmd"]


@click.command("assign", short_help="Write a variant of a template circuit per student (its randomize: inputs drawn from their id), with worksheets.")
@click.argument("template", metavar="TEMPLATE.yaml")
@click.option("--students", "roster", required=True, type=click.Path(dir_okay=False), metavar="roster.csv", help="A CSV file with an `id` column: one variant per row.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), metavar="DIR", help="Where the variants go (made if missing).")
@click.option("--hide", type=click.Choice(["values", "grads", "both"]), default="both", show_default=True, help="Which numbers the worksheets leave blank.")
@click.option("--salt", default="", metavar="TEXT", help="Draw a different set of variants from the same ids (a new term, a retake).")
@click.option("--no-worksheets", is_flag=True, help="Write the circuits only.")
@plugin_option
@handle_errors
def assign_cmd(template, roster, output, hide, salt, no_worksheets, plugins):
    """Write DIR/ID.yaml for each student of the roster: TEMPLATE with each input listed under
    its `randomize: {NAME: [low, high]}` drawn from the student's id (the same id always gives
    the same numbers), with DIR/ID-sheet.pdf and DIR/ID-key.pdf, and DIR/assignments.csv
    listing who got which numbers.

    \b
    Examples:
      circuitsim assign neuron_template.yaml --students roster.csv -o variants/
    """
    from circuitsim.author.dump import dump
    from circuitsim.cli.worksheet import write_pages
    from circuitsim.teach.assign import file_stem, read_roster, variant_inputs
    from circuitsim.teach.worksheet import worksheet

    circuit = load(template, plugins=plugins)
    if not circuit.spec.randomize:
        raise CircuitError("the template has no `randomize:`; add one, for example randomize: {x0: [-2, 2]}", Position(template, 1, 1))
    students = read_roster(roster)
    os.makedirs(output, exist_ok=True)
    names = list(circuit.spec.randomize)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["id", "file", *names])
    taken: set[str] = set()
    with LazyProgress(len(students), "assigning") as progress:
        for student in students:
            stem = file_stem(student.id, taken)
            inputs = variant_inputs(circuit, student.id, salt)
            variant = circuit.with_defaults(inputs)
            path = os.path.join(output, f"{stem}.yaml")
            with atomic_write(path, encoding="utf-8", newline="\n") as handle:
                handle.write(dump(variant))
            if not no_worksheets:
                sheet = worksheet(variant, hide=hide)
                write_pages(sheet, os.path.join(output, f"{stem}-sheet.pdf"), os.path.join(output, f"{stem}-key.pdf"))
            writer.writerow([student.id, f"{stem}.yaml", *(inputs[n] for n in names)])
            progress.advance()
    with atomic_write(os.path.join(output, "assignments.csv"), encoding="utf-8", newline="") as handle:
        handle.write(table.getvalue())
    extra = "" if no_worksheets else ", each with its worksheet and key"
    echo(f"wrote {plural(len(students), 'variant')} of {template} to {output}{extra}; who got what: {os.path.join(output, 'assignments.csv')}")
