"""``circuitsim grade``: a vectors file on every student's circuit, a row per student."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from circuitsim.base.fileio import atomic_write
from circuitsim.check.vectors import read_vectors
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import LazyProgress, circuit_files, sort_out
from circuitsim.gate.plugins import load_registry
from circuitsim.run import load as loader

__all__ = ["grade_cmd"]


@click.command("grade", short_help="Grade a class: a vectors file on every student's circuit, a score per student.")
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="DIR_OR_FILES...")
@click.option("--vectors", required=True, type=click.Path(dir_okay=False), metavar="VECTORS.yaml", help="The vectors (tests:, points, constraints) to grade with.")
@click.option("--reference", type=click.Path(dir_okay=False), metavar="REF.yaml", help="A failed vector also names the first wire where the student's circuit departs from REF.yaml.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="grades.csv|grades.json", help="Write the grades to this file (CSV or JSON by its suffix) instead of CSV on stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from the suffix of -o, else csv.")
@plugin_option
@handle_errors
def grade_cmd(files, vectors, reference, output, fmt, plugins):
    """Grade every circuit file of DIR_OR_FILES with VECTORS: one row per student file with its
    score, max_score, passed, failed, the failing vectors' names and, for a file that did not
    load, why (it scores 0). A vectors file among the files is left out. A summary goes to
    stderr; exits 0 once every file is graded, whatever the grades.

    \b
    Examples:
      circuitsim grade submissions/ --vectors half_adder_vectors.yaml -o grades.csv
      circuitsim grade submissions/*.yaml --vectors v.yaml --reference key.yaml -o grades.json
    """
    from circuitsim.check.grade import clean, csv_text, grade_file, to_json

    fmt = fmt or _format_of(output)
    registry = load_registry(plugins)
    vector_file = read_vectors(vectors, gate_types=registry.names())
    ref = loader.load(reference, registry=registry) if reference else None
    paths, skipped = sort_out(circuit_files(files, exclude=[vectors]))
    for path in skipped:
        echo(clean(f"note: {path} is a vectors file, not a student's circuit: not graded"), err=True)
    students = []
    with LazyProgress(len(paths), "grading") as progress:
        for path in paths:
            students.append(grade_file(path, vector_file, registry=registry, reference=ref))
            progress.advance()
    text = json.dumps(to_json(students), indent=2, allow_nan=False) + "\n" if fmt == "json" else csv_text(students)
    if output is None:
        echo(text, nl=False)
    else:
        with atomic_write(output, encoding="utf-8", newline="") as handle:
            handle.write(text)
    broken = sum(s.error is not None for s in students)
    perfect = sum(s.failed == 0 and s.results != [] for s in students)
    note = f", {broken} of them could not be loaded (score 0)" if broken else ""
    echo(f"graded {len(students)} file{'s' if len(students) != 1 else ''}: {perfect} with full marks{note}", err=True)
    sys.exit(0)


def _format_of(output: str | None) -> str:
    if output is None:
        return "csv"
    suffix = Path(output).suffix.lower()
    if suffix not in (".csv", ".json"):
        raise click.UsageError(f"cannot tell the format of {output!r}: name it .csv or .json, or give --format")
    return suffix[1:]
