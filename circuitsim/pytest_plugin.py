"""circuitsim's pytest plugin (entry point group ``pytest11``): the ``tests:`` of circuit files as
pytest tests, one per vector, and the fixture ``check_gate`` (see ``docs/plugins.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from circuitsim.base.text import terminal
from circuitsim.check.vectors import run_vector
from circuitsim.errors import CircuitError
from circuitsim.read.spec import TestSpec
from circuitsim.run.circuit import Circuit
from circuitsim.run.load import load
from circuitsim.testing import check_gate as _check_gate

__all__ = ["CircuitFile", "VectorItem", "LoadItem", "check_gate"]

COLLECT_INI = "circuitsim_collect"
_SUFFIXES = (".yaml", ".yml")
_TOP_LEVEL_TESTS = re.compile(rb"^tests[ \t]*:", re.M)
_TOP_LEVEL_GATES = re.compile(rb"^gates[ \t]*:", re.M)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        COLLECT_INI,
        type="bool",
        default=False,
        help="collect the tests: of circuit YAML files also when they are not named on the "
        "command line (e.g. reached through testpaths)",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CircuitFile | None:
    if file_path.suffix not in _SUFFIXES or not _collecting(parent.config):
        return None
    if not _looks_like_circuit_with_tests(file_path):
        return None
    return CircuitFile.from_parent(parent, path=file_path)


@pytest.fixture
def check_gate():
    """:func:`circuitsim.testing.check_gate`: assert that a gate type keeps the gate contract."""
    return _check_gate


def _collecting(config: pytest.Config) -> bool:
    """Paths given on the command line collect circuit files; testpaths only with the ini option."""
    return config.args_source == pytest.Config.ArgsSource.ARGS or config.getini(COLLECT_INI)


def _looks_like_circuit_with_tests(path: Path) -> bool:
    try:
        text = path.read_bytes()
    except OSError:
        return False
    return bool(_TOP_LEVEL_TESTS.search(text) and _TOP_LEVEL_GATES.search(text))


def _shown_path(path: Path) -> Path:
    """``path`` relative to the working directory where it is below it, for messages."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class CircuitFile(pytest.File):
    """A circuit file: one test per test vector, or the one test ``load`` if it does not load."""

    def collect(self):
        try:
            circuit = load(_shown_path(self.path))
        except CircuitError as exc:
            yield LoadItem.from_parent(self, name="load", error=exc)
            return
        seen: dict[str, int] = {}
        for vector in circuit.spec.tests:
            seen[vector.name] = seen.get(vector.name, 0) + 1
            name = vector.name if seen[vector.name] == 1 else f"{vector.name} #{seen[vector.name]}"
            name = terminal(name, lines=False)  # a test id on pytest's terminal and in its reports
            yield VectorItem.from_parent(self, name=name, circuit=circuit, vector=vector)


class VectorFailed(AssertionError):
    """A test vector gave other values or gradients than it expects, or could not run."""


class VectorItem(pytest.Item):
    """One test vector of a circuit file."""

    def __init__(self, *, circuit: Circuit, vector: TestSpec, **kwargs) -> None:
        super().__init__(**kwargs)
        self.circuit = circuit
        self.vector = vector

    def runtest(self) -> None:
        result = run_vector(self.circuit, self.vector)
        if result.passed:
            return
        lines = [f"{self.vector.pos}: test vector {self.vector.name!r} failed"]
        if result.error is not None:
            lines.append(f"  error: {result.error}")
        lines += [f"  {mismatch}" for mismatch in result.mismatches]
        raise VectorFailed("\n".join(lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, VectorFailed):
            return terminal(str(excinfo.value))
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        line = self.vector.pos.line
        return self.path, (line - 1 if line else None), self.name


class LoadItem(pytest.Item):
    """A circuit file that does not load: fails with every problem found."""

    def __init__(self, *, error: CircuitError, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo, style=None):
        return terminal(str(self.error))

    def reportinfo(self):
        return self.path, None, "load"
