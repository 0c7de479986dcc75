"""Load a circuit: text -> YAML tree -> validated spec -> netlist -> a runnable Circuit.

The files named under ``modules:`` are read on the way, each once per load, relative to the
file that names them (to the current directory for text without a path). Each is validated
as a circuit of its own, so its problems are reported once, with its own path, however many
instances it has; a file that includes itself, directly or not, is an error naming the chain.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .circuit import Circuit
from .errors import CircuitError, CircuitErrors, Position
from .graph import Netlist, find_cycles, flatten, topological_order
from .plugins import Registry, load_registry
from .spec import CircuitSpec, parse_spec
from .yamlsrc import DEFAULT_MAX_BYTES, read

__all__ = ["from_spec", "load", "loads"]

PluginArg = str | ModuleType | os.PathLike


def load(
    path: str | os.PathLike,
    *,
    plugins: Sequence[PluginArg] = (),
    registry: Registry | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Circuit:
    """Load and validate the circuit file at ``path``.

    Raises :class:`~circuitsim.CircuitError` for a file that cannot be read or is not a valid
    circuit; when there are several problems it is a :class:`~circuitsim.CircuitErrors`
    listing all of them, each with its line and column. A file (or module file) larger than
    ``max_bytes`` is refused before it is read.
    """
    path = os.fspath(path)
    try:
        data = _read_head(path, max_bytes)
    except OSError as exc:
        raise CircuitError(f"cannot read circuit file: {exc.strerror or exc}", Position(path)) from None
    return loads(data, path=path, plugins=plugins, registry=registry, max_bytes=max_bytes)


def loads(
    text: str | bytes,
    *,
    path: str | None = None,
    plugins: Sequence[PluginArg] = (),
    registry: Registry | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Circuit:
    """Load and validate a circuit from YAML text; ``path`` names it in messages and is where
    the paths of its ``modules:`` start from."""
    with _gc_paused():  # loading makes millions of objects that all live on: halves the time
        return _loads(text, path, plugins, registry, max_bytes)


def _read_head(path: str, max_bytes: int) -> bytes:
    """The file's bytes, but no more than one past the limit: enough to tell it is too big."""
    with open(path, "rb") as file:
        return file.read(max_bytes + 1)


# A load that made more new objects than this settles them in one full collection before the
# collector is back on: about 1 s for 100k gates, which saves twice that in the first run.
SETTLE_AFTER_OBJECTS = 200_000


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > SETTLE_AFTER_OBJECTS:
                gc.collect()
            gc.enable()


def _loads(text, path, plugins, registry, max_bytes: int) -> Circuit:
    registry = registry or load_registry(plugins)
    spec, netlist, order, errors = _Reader(registry, max_bytes).circuit(text, path)
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    return Circuit(spec, netlist, order, registry)


def from_spec(spec: CircuitSpec, registry: Registry) -> Circuit:
    """The circuit of a spec that was valid when it was read (its pickle, sent to a worker)."""
    errors: list[CircuitError] = []
    netlist = flatten(spec, errors)
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    return Circuit(spec, netlist, topological_order(netlist), registry)


class _Reader:
    """Reads one circuit and, through ``modules:``, the files it includes."""

    def __init__(self, registry: Registry, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.lookup = _lookup(registry)
        self.gate_types = registry.names()
        self.modules: dict[str, CircuitSpec | None] = {}  # real path -> spec (None: has problems)
        self.chain: list[tuple[str, str]] = []  # (real path, path as shown) of the files being read

    def circuit(self, text: str | bytes, path: str | None) -> tuple[CircuitSpec, Netlist, list[str], list[CircuitError]]:
        root = read(text, path, max_bytes=self.max_bytes)
        if path is not None:
            self.chain.append((os.path.realpath(path), path))
        try:
            spec, errors = parse_spec(
                root,
                path=path,
                default_name=Path(path).stem if path else "circuit",
                lookup=self.lookup,
                gate_types=self.gate_types,
                load_module=lambda file, pos: self.module(path, file, pos),
            )
        finally:
            if path is not None:
                self.chain.pop()
        netlist = flatten(spec, errors)
        order = topological_order(netlist)
        if order is None:
            errors += find_cycles(netlist)
            order = []
        return spec, netlist, order, errors

    def module(self, including: str | None, file: str, pos: Position) -> tuple[CircuitSpec | None, list[CircuitError]]:
        """The spec of the module file ``file`` named at ``pos`` in ``including``, and its problems."""
        path = os.path.normpath(os.path.join(os.path.dirname(including or ""), file))
        real = os.path.realpath(path)
        reading = [r for r, _ in self.chain]
        if real in reading:
            loop = [shown for _, shown in self.chain[reading.index(real) :]] + [path]
            return None, [CircuitError(f"module {file!r} includes itself: {' -> '.join(loop)}", pos)]
        if real in self.modules:
            return self.modules[real], []  # its problems, if any, are reported already
        try:
            data = _read_head(path, self.max_bytes)
        except OSError as exc:
            return None, [CircuitError(f"cannot read module file {path}: {exc.strerror or exc}", pos)]
        try:
            spec, _, _, errors = self.circuit(data, path)
        except CircuitError as exc:  # the file is not YAML a circuit can be read from
            spec, errors = None, exc.errors
        self.modules[real] = None if errors else spec
        return self.modules[real], errors


def _lookup(registry: Registry):
    def lookup(type_name: str):
        info = registry.get(type_name)
        return info.cls if info else None

    return lookup
