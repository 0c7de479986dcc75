"""Load a circuit: text -> YAML tree -> validated spec -> graph -> a runnable Circuit."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import networkx as nx

from .circuit import Circuit
from .errors import CircuitError, CircuitErrors, Position
from .graph import build_graph, find_cycles
from .plugins import Registry, load_registry
from .spec import parse_spec
from .yamlsrc import read

__all__ = ["load", "loads"]

PluginArg = str | ModuleType | os.PathLike


def load(path: str | os.PathLike, *, plugins: Sequence[PluginArg] = (), registry: Registry | None = None) -> Circuit:
    """Load and validate the circuit file at ``path``.

    Raises :class:`~circuitsim.CircuitError` for a file that cannot be read or is not a valid
    circuit; when there are several problems it is a :class:`~circuitsim.CircuitErrors`
    listing all of them, each with its line and column.
    """
    path = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CircuitError(f"cannot read circuit file: {exc.strerror or exc}", Position(path)) from None
    return loads(data, path=path, plugins=plugins, registry=registry)


def loads(text: str | bytes, *, path: str | None = None, plugins: Sequence[PluginArg] = (), registry: Registry | None = None) -> Circuit:
    """Load and validate a circuit from YAML text; ``path`` only names it in messages."""
    with _gc_paused():  # loading makes millions of objects that all live on: halves the time
        return _loads(text, path, plugins, registry)


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _loads(text, path, plugins, registry) -> Circuit:
    registry = registry or load_registry(plugins)
    root = read(text, path)
    default_name = Path(path).stem if path else "circuit"
    spec, errors = parse_spec(
        root, path=path, default_name=default_name, lookup=_lookup(registry), gate_types=registry.names()
    )
    graph = build_graph(spec, errors)
    try:
        order = list(nx.topological_sort(graph))
    except nx.NetworkXUnfeasible:
        errors += find_cycles(graph)
        order = []
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    return Circuit(spec, graph, order, registry)


def _lookup(registry: Registry):
    def lookup(type_name: str):
        info = registry.get(type_name)
        return info.cls if info else None

    return lookup
