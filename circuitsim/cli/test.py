"""``circuitsim test``: run test vectors on circuit files, with a pytest-like summary.

The vectors are each file's own ``tests:``, or those of ``--vectors VECTORS.yaml`` run on every
circuit (an instructor's vectors on each student's circuit). ``-v`` lists every vector,
``--format json`` prints one JSON object, ``--junit-xml FILE`` writes a JUnit report as well,
``--format gradescope`` writes one submission's Gradescope ``results.json``. A vectors file
among the files is not a circuit: it is left out, with a note.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import click
import numpy as np

from circuitsim.base.fileio import atomic_write
from circuitsim.base.show import json_number, plural
from circuitsim.base.text import one_line
from circuitsim.check.grade import clean
from circuitsim.check.vectors import (
    TestReport,
    VectorResult,
    grade,
    read_vectors,
    run_vectors,
)
from circuitsim.cli.group import echo, handle_errors, plugin_option
from circuitsim.cli.options import circuit_files, sort_out
from circuitsim.errors import CircuitError
from circuitsim.gate.plugins import load_registry
from circuitsim.run import load as loader

__all__ = ["test_cmd"]


@dataclass
class Outcome:
    """One circuit file's run: its report, or why it could not be loaded."""

    path: str
    report: TestReport | None = None
    error: CircuitError | None = None

    @property
    def results(self) -> list[VectorResult]:
        return self.report.results if self.report is not None else []


@click.command("test", short_help="Run the test vectors of circuit files, or one vectors file on each.")
@click.argument("files", nargs=-1, required=True, type=click.Path(), metavar="FILE_OR_DIR...")
@click.option(
    "--vectors",
    type=click.Path(dir_okay=False),
    metavar="VECTORS.yaml",
    help="Run these vectors (tests: and a default tol:) on every circuit instead of its own.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every vector with its result, as pytest -v does.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "gradescope"]),
    default="text",
    show_default=True,
    help="gradescope: Gradescope's results.json for one submission (with --vectors).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE", help="Write the json or gradescope report to FILE instead of stdout.")
@click.option("--reference", type=click.Path(dir_okay=False), metavar="REF.yaml", help="A failed vector also names the first wire where the circuit departs from REF.yaml.")
@click.option("--junit-xml", "junit", type=click.Path(dir_okay=False), metavar="FILE", help="Also write a JUnit XML report to FILE.")
@plugin_option
@handle_errors
def test_cmd(files, vectors, verbose, fmt, output, reference, junit, plugins):
    """Run the test vectors (`tests:`) of FILES, or of --vectors on each of them.

    A directory stands for the circuit files below it. One line per file, a dot per passing
    vector, F for a failing one and E for one that could not run (-v: a line per vector);
    then expected against got for every failure. Exits with 1 on any failure.

    \b
    Examples:
      circuitsim test circuits/
      circuitsim test students/ --vectors adder_vectors.yaml -v --junit-xml grades.xml
      circuitsim test submission.yaml --vectors adder_vectors.yaml --format gradescope -o results.json
    """
    registry = load_registry(plugins)
    if fmt == "gradescope" and not vectors:
        raise click.UsageError("--format gradescope grades a submission with --vectors VECTORS.yaml")
    if output and fmt == "text":
        raise click.UsageError("-o writes a json or gradescope report: give --format json or --format gradescope")
    vector_file = read_vectors(vectors, gate_types=registry.names()) if vectors else None
    ref = loader.load(reference, registry=registry) if reference else None
    paths, skipped = sort_out(circuit_files(files, exclude=[vectors] if vectors else []))
    for path in skipped:
        echo(f"note: {path} is a vectors file, not a circuit: left out (run it with --vectors {path})", err=True)
    if fmt == "gradescope":
        return _gradescope(paths, vector_file, registry, ref, output)
    outcomes = []
    for path in paths:
        try:
            circuit = loader.load(path, registry=registry)
        except CircuitError as exc:
            outcomes.append(Outcome(path, error=exc))
            continue
        outcomes.append(Outcome(path, grade(circuit, vector_file, ref) if vector_file else run_vectors(circuit, ref)))
    counts = _counts(outcomes)
    if fmt == "json":
        _write(json.dumps(_json(outcomes, counts), indent=2, allow_nan=False) + "\n", output)
    else:
        _text(outcomes, counts, verbose)
    if junit:
        with atomic_write(junit, encoding="utf-8") as handle:
            handle.write(_junit(outcomes))
    sys.exit(1 if counts["failed"] or counts["errors"] else 0)


def _write(text: str, output: str | None) -> None:
    if output is None:
        echo(text, nl=False)
    else:
        with atomic_write(output, encoding="utf-8") as handle:
            handle.write(text)


def _gradescope(paths: list[str], vectors, registry, reference, output: str | None) -> None:
    """Grade one submission into Gradescope's results.json; exit 1 unless every test passed."""
    from circuitsim.check.grade import grade_file, gradescope

    if len(paths) != 1:
        raise click.UsageError(f"--format gradescope grades one submission; got {len(paths)} circuit files")
    student = grade_file(paths[0], vectors, registry=registry, reference=reference)
    _write(json.dumps(gradescope(student), indent=2, allow_nan=False) + "\n", output)
    sys.exit(0 if student.failed == 0 else 1)


def _outcome(result: VectorResult) -> str:
    return "passed" if result.passed else "error" if result.error else "failed"


def _counts(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "errors": 0}
    for o in outcomes:
        counts["errors"] += o.error is not None
        for r in o.results:
            counts[{"passed": "passed", "failed": "failed", "error": "errors"}[_outcome(r)]] += 1
    return counts


# -- text ---------------------------------------------------------------------------------

_MARKS = {"passed": ".", "failed": "F", "error": "E"}


def _text(outcomes: list[Outcome], counts: dict[str, int], verbose: bool) -> None:
    """The summary; what a file's name or text holds that a terminal would act on (control
    characters, undecodable bytes) shown as escapes."""
    details = []
    for o in outcomes:
        if o.error is not None:
            echo(f"{o.path} ERROR" if verbose else f"{o.path} E")
            details.append(f"ERROR {o.path}\n" + _indent(str(o.error)))
            continue
        if verbose:
            for r in o.results:
                echo(f"{one_line(o.path)}::{one_line(r.name)} {_outcome(r).upper()}")
            if not o.results:
                echo(f"{o.path} (no test vectors)")
        else:
            echo(f"{o.path} {''.join(_MARKS[_outcome(r)] for r in o.results) or '(no test vectors)'}")
        details += [_detail(o.path, r) for r in o.results if not r.passed]
    if details:
        echo("")
        echo("\n".join(details))
    echo("")
    parts = [f"{counts['passed']} passed"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["errors"]:
        parts.append(plural(counts["errors"], "error"))
    echo(", ".join(parts))


def _detail(path: str, result: VectorResult) -> str:
    where = f"{one_line(path)}::{one_line(result.name)} ({result.pos})"
    if result.error:
        return f"ERROR {where}\n" + _indent(result.error)
    return f"FAILED {where}\n" + _indent(result.feedback())


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


# -- JSON and JUnit XML -------------------------------------------------------------------


def _json(outcomes: list[Outcome], counts: dict[str, int]) -> dict:
    circuits = []
    for o in outcomes:
        vectors = [
            {
                "name": r.name,
                "file": r.pos.path,
                "line": r.pos.line,
                "outcome": _outcome(r),
                "mismatches": [
                    {"node": m.node, "what": m.what, "expected": _number(m.expected), "got": _number(m.got)} for m in r.mismatches
                ],
                "error": r.error,
                **({"reason": r.failure} if r.failure else {}),
            }
            for r in o.results
        ]
        circuits.append({
            "path": o.path,
            "circuit": o.report.circuit if o.report is not None else None,
            "error": str(o.error) if o.error is not None else None,
            "vectors": vectors,
        })
    return {"circuits": circuits, **counts}


def _number(value):
    return json_number(np.asarray(value, dtype=float)) if isinstance(value, (list, tuple)) else json_number(value)


def _junit(outcomes: list[Outcome]) -> str:
    """JUnit XML as CI servers read it: a testsuite per circuit file, a testcase per vector."""
    root = ET.Element("testsuites", name="circuitsim")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for o in outcomes:
        suite = ET.SubElement(root, "testsuite", name=o.path, file=o.path)
        counts = {"tests": max(len(o.results), 1 if o.error is not None else 0), "failures": 0, "errors": 0}
        if o.error is not None:
            case = ET.SubElement(suite, "testcase", classname=o.path, name="load", file=o.path)
            ET.SubElement(case, "error", message=o.error.errors[0].message).text = str(o.error)
            counts["errors"] += 1
        for r in o.results:
            case = ET.SubElement(suite, "testcase", classname=o.report.circuit, name=r.name, file=r.pos.path or o.path, line=str(r.pos.line or 0))
            if r.error:
                ET.SubElement(case, "error", message=r.error.splitlines()[0]).text = r.error
                counts["errors"] += 1
            elif not r.passed:
                text = r.feedback()
                ET.SubElement(case, "failure", message=text.splitlines()[0]).text = text
                counts["failures"] += 1
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    for element in root.iter():  # XML 1.0 holds no control characters: a student's file name or text may
        element.attrib.update((key, clean(value, lines=False)) for key, value in element.attrib.items())
        element.text = clean(element.text) if element.text else element.text
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
