"""``circuitsim check``: validate circuit files, reporting every problem with its position."""

from __future__ import annotations

import sys

import click

from circuitsim.check.lint import lint
from circuitsim.check.vectors import read_vectors
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import circuit_files, plural, sort_out
from circuitsim.errors import CircuitError
from circuitsim.gate.plugins import load_registry
from circuitsim.run import load as loader

__all__ = ["check_cmd"]


@click.command("check", short_help="Validate circuit files without running them.")
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="FILE_OR_DIR...")
@plugin_option
@handle_errors
def check_cmd(files, plugins):
    """Validate FILES (a directory: the circuit files below it) without running them.

    A vectors file (tests: and no gates nor inputs) is checked as one. Prints every problem as
    FILE:LINE:COL: error: message, and parts of a circuit that no
    output depends on as FILE:LINE:COL: warning: message, on stderr; an OK line per good file
    on stdout. Exits with 1 if any file has an error.

    \b
    Examples:
      circuitsim check circuits/*.yaml
      circuitsim check circuits/
    """
    registry = load_registry(plugins)
    failed = False
    paths = circuit_files(files)
    vectors = set(sort_out(paths)[1])
    for path in paths:
        failed |= not (check_vectors(path, registry) if path in vectors else check_file(path, registry))
    sys.exit(1 if failed else 0)


def check_vectors(path: str, registry) -> bool:
    """Print what is wrong with a vectors file, or an OK line; True if it has no error."""
    try:
        vectors = read_vectors(path, gate_types=registry.names())
    except CircuitError as exc:
        exc.show()
        return False
    constraints = f", {plural(len(vectors.constraint_pos), 'constraint')}" if vectors.constraint_pos else ""
    echo(f"{path}: OK (a vectors file: {plural(len(vectors.heads), 'vector')}{constraints})")
    return True


def check_file(path: str, registry) -> bool:
    """Print what is wrong with one file, or an OK line; True if it has no error."""
    try:
        circuit = loader.load(path, registry=registry)
    except CircuitError as exc:
        exc.show()
        return False
    for finding in lint(circuit):
        finding.show()
    spec = circuit.spec
    counts = ", ".join(plural(len(items), noun) for items, noun in ((spec.inputs, "input"), (spec.gates, "gate"), (spec.outputs, "output")))
    echo(f"{path}: OK ({counts})")
    return True

