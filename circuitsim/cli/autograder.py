"""``circuitsim autograder``: the zip Gradescope takes, grading each submission with a vectors file."""

from __future__ import annotations

import click

from circuitsim.check.vectors import grade, read_vectors
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.errors import CircuitError
from circuitsim.gate.plugins import load_registry
from circuitsim.run import load as loader

__all__ = ["autograder_cmd"]


@click.command("autograder", short_help="Build a Gradescope autograder zip that grades each submitted circuit with a vectors file.")
@click.option("--vectors", required=True, type=click.Path(dir_okay=False), metavar="VECTORS.yaml", help="The vectors to grade with.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="autograder.zip")
@click.option("--reference", type=click.Path(dir_okay=False), metavar="REF.yaml", help="A reference circuit: it must pass the vectors, and failed tests name where a submission departs from it.")
@click.option("--file", "expected", metavar="NAME.yaml", help="Grade only the submitted file of this name (default: the one .yaml file submitted).")
@click.option("--install", metavar="REQUIREMENT", help="What setup.sh installs with pip (default: this circuitsim's distribution, this version or newer).")
@plugin_option
@handle_errors
def autograder_cmd(vectors, output, reference, expected, install, plugins):
    """Build the autograder zip for Gradescope ("Zip file upload" of a programming
    assignment): setup.sh installs circuitsim from PyPI, run_autograder grades the submitted
    .yaml file into results/results.json with VECTORS (points, visibility, constraints).

    \b
    Examples:
      circuitsim autograder --vectors half_adder_vectors.yaml -o autograder.zip
      circuitsim autograder --vectors v.yaml --reference key.yaml --file adder.yaml -o autograder.zip
    """
    from circuitsim.teach.autograder import build

    registry = load_registry(plugins)
    vector_file = read_vectors(vectors, gate_types=registry.names())
    if reference:
        report = grade(loader.load(reference, registry=registry), vector_file)
        if not report.passed:
            first = report.failures[0]
            raise CircuitError(f"the reference fails vector {first.name!r}: {first.feedback()}; fix the vectors or the reference", first.pos)
    names = build(vectors, output, reference=reference, expected=expected, install=install)
    echo(f"wrote {output} ({', '.join(names)}): upload it as the autograder of a Gradescope programming assignment")
