"""Load a circuit: text -> YAML tree -> validated spec -> netlist -> a runnable Circuit.

The files under ``modules:`` are read on the way; the caps on size, gates and nesting are
:func:`load`'s (see ``docs/internals/reading.md``, "Loading").
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from circuitsim.base.fileio import module_path, read_user_file
from circuitsim.errors import CircuitError, CircuitErrors, Position
from circuitsim.gate.plugins import Registry, load_registry
from circuitsim.netlist.cache import enabled as cache_enabled
from circuitsim.netlist.cache import key_of, load_entry, save_entry
from circuitsim.netlist.fastload import Blocks, CanonicalSpec, read_blocks, read_canonical
from circuitsim.netlist.flatten import find_cycles, flatten
from circuitsim.netlist.nodes import Netlist, collector_paused
from circuitsim.netlist.order import topological_order
from circuitsim.read.parse import parse_spec
from circuitsim.read.spec import CircuitSpec, size_error
from circuitsim.read.yamltree import DEFAULT_MAX_BYTES, Map, read
from circuitsim.run.circuit import Circuit

__all__ = ["DEFAULT_MAX_GATES", "MAX_MODULE_DEPTH", "load", "loads", "max_bytes_default", "max_gates_default"]

#: Gates a circuit may have once its modules are expanded: a million-gate circuit takes a few
#: GiB to load and run, so this stops a module bomb (a few KB of files) well before memory does.
DEFAULT_MAX_GATES = 2_000_000
#: How deep modules may nest (a module of a module of ...).
MAX_MODULE_DEPTH = 64
MAX_GATES_VARIABLE = "CIRCUITSIM_MAX_GATES"
MAX_BYTES_VARIABLE = "CIRCUITSIM_MAX_BYTES"
# What a circuit file has, as text: one of its own top-level keys, in block or flow style.
_KEY = rb"[\"']?(?:circuit|inputs|gates|wires|outputs)[\"']?[ \t]*:"
_CIRCUIT_KEY = re.compile(rb"^" + _KEY + rb"|[{,][ \t]*" + _KEY, re.M)

PluginArg = str | ModuleType | os.PathLike


def load(
    path: str | os.PathLike,
    *,
    plugins: Sequence[PluginArg] = (),
    registry: Registry | None = None,
    max_bytes: int | None = None,
    max_gates: int | None = None,
    module_root: str | os.PathLike | None = None,
    cache: bool | None = None,
) -> Circuit:
    """Load and validate the circuit file at ``path``.

    Raises :class:`~circuitsim.CircuitError` for a file that cannot be read or is not a valid
    circuit; when there are several problems it is a :class:`~circuitsim.CircuitErrors`
    listing all of them, each with its line and column. A file (or module file) must be a
    regular file no larger than ``max_bytes`` (None: ``CIRCUITSIM_MAX_BYTES``, else 256 MiB),
    checked before it is read. A circuit with more
    than ``max_gates`` gates once its modules are expanded is refused before it is built
    (None: ``CIRCUITSIM_MAX_GATES`` or :data:`DEFAULT_MAX_GATES`). Module files must be
    ``.yaml`` or ``.yml`` files and, if ``module_root`` is given, lie inside that folder (to
    load files from others: the folder you keep them in).
    ``cache`` says whether to use the cache of loaded circuits (:mod:`circuitsim.netlist.cache`; None:
    for files of 1 MiB or more).
    """
    path = os.fspath(path)
    max_bytes = max_bytes_default() if max_bytes is None else max_bytes
    data = read_user_file(path, what="circuit file", max_bytes=max_bytes)
    return loads(
        data, path=path, plugins=plugins, registry=registry, max_bytes=max_bytes, max_gates=max_gates, module_root=module_root,
        cache=cache,
    )


def loads(
    text: str | bytes | Map | Blocks,
    *,
    path: str | None = None,
    plugins: Sequence[PluginArg] = (),
    registry: Registry | None = None,
    max_bytes: int | None = None,
    max_gates: int | None = None,
    module_root: str | os.PathLike | None = None,
    cache: bool | None = None,
) -> Circuit:
    """Load and validate a circuit from YAML text (or the tree of it that
    :meth:`~circuitsim.Builder.tree` makes, or the columns that :meth:`~circuitsim.Builder.build`
    gives the fast reader); ``path`` names it in messages and is where
    the paths of its ``modules:`` start from. The limits are :func:`load`'s."""
    root = None if module_root is None else os.fspath(module_root)
    max_bytes = max_bytes_default() if max_bytes is None else max_bytes
    limits = _Limits(max_bytes, max_gates_default() if max_gates is None else max_gates, root)
    with collector_paused(SETTLE_AFTER_OBJECTS):  # loading makes millions of objects that all live on: halves the time
        return _loads(text, path, plugins, registry, limits, cache)


def max_bytes_default() -> int:
    """The size cap of a load that names none: ``CIRCUITSIM_MAX_BYTES`` (a number of bytes,
    ``_`` allowed, or with ``K``, ``M`` or ``G`` for KiB, MiB, GiB), else 256 MiB."""
    text = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1)
    try:
        value = int((text[:-1] if scale > 1 else text).replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise CircuitError(f"{MAX_BYTES_VARIABLE}={text!r} is not a positive whole number of bytes (such as 512M or 2G)")
    return value * scale


def max_gates_default() -> int:
    """The gate cap of a load that names none: ``CIRCUITSIM_MAX_GATES``, else the default."""
    text = os.environ.get(MAX_GATES_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_GATES
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise CircuitError(f"{MAX_GATES_VARIABLE}={text!r} is not a positive whole number of gates")
    return value


@dataclass(frozen=True)
class _Limits:
    max_bytes: int
    max_gates: int
    module_root: str | None


# A load that made more new objects than this settles them in one full collection before the
# collector is back on: about 1 s for 100k gates, which saves twice that in the first run.
SETTLE_AFTER_OBJECTS = 200_000


def _loads(text, path, plugins, registry, limits: _Limits, cache: bool | None) -> Circuit:
    registry = registry or load_registry(plugins)
    key = None
    if not isinstance(text, (Map, Blocks)) and cache_enabled(cache, len(text)) and len(text) <= limits.max_bytes:
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
        key = key_of(data, path, registry)
        entry = load_entry(key, path, _lookup(registry), len(data))
        if entry is not None and len(entry[0].gates) <= limits.max_gates:
            return Circuit(*entry, registry)
    spec, netlist, order, errors = _FileReader(registry, limits).circuit(text, path)
    if errors:
        raise errors[0] if len(errors) == 1 else CircuitErrors(errors)
    circuit = Circuit(spec, netlist, order, registry)
    if key is not None and isinstance(spec, CanonicalSpec):  # the cache keeps what the fast reader reads
        save_entry(key, spec, netlist, order, circuit.plan.numbering)
    return circuit



class _FileReader:
    """Reads one circuit and, through ``modules:``, the files it includes."""

    def __init__(self, registry: Registry, limits: _Limits) -> None:
        self.limits = limits
        self.lookup = _lookup(registry)
        self.gate_types = registry.names()
        self.modules: dict[str, CircuitSpec | None] = {}  # real path -> spec (None: has problems)
        self.chain: list[tuple[str, str]] = []  # (real path, path as shown) of the files being read
        self.unbuilt: list[CircuitSpec] = []  # module files whose graphs are checked once sizes are known

    def circuit(self, text: str | bytes, path: str | None) -> tuple[CircuitSpec, Netlist | None, list[int], list[CircuitError]]:
        """The top-level circuit: every file's spec first, then its size, then the graphs.

        A file in the canonical form is read by the fast reader (:mod:`circuitsim.netlist.fastload`),
        which reads no modules; anything else, or a file it declines, by the full reader.
        """
        if not isinstance(text, Map):
            default_name = Path(path).stem if path else "circuit"
            if isinstance(text, Blocks):
                fast = read_blocks(text, path, default_name, self.lookup, self.gate_types)
                text = text.tree() if fast is None or len(fast[0].gates) > self.limits.max_gates else text
            else:
                fast = read_canonical(text, path, default_name, self.lookup, self.gate_types, self.limits.max_bytes)
            if fast is not None and len(fast[0].gates) <= self.limits.max_gates:
                spec, netlist = fast
                spec.flat_gates = len(spec.gates)
                errors: list[CircuitError] = []
                order = topological_order(netlist)
                if order is None:
                    return spec, None, [], find_cycles(netlist)
                return spec, netlist, order, errors
        spec, errors = self.spec(text, path)
        too_big = size_error(spec, self.limits.max_gates)
        if too_big is not None:  # from the instance counts, before anything is built
            return spec, None, [], [*errors, too_big]
        module_errors = self.check_module_graphs()
        if module_errors:
            return spec, None, [], errors + module_errors
        netlist, order = _netlist(spec, errors)
        return spec, netlist, order, errors

    def spec(self, text: str | bytes, path: str | None) -> tuple[CircuitSpec, list[CircuitError]]:
        """One file's validated spec and its problems; its modules are read on the way."""
        root = text if isinstance(text, Map) else read(text, path, max_bytes=self.limits.max_bytes)
        if path is not None:
            self.chain.append((os.path.realpath(path), path))
        try:
            return parse_spec(
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

    def check_module_graphs(self) -> list[CircuitError]:
        """The problems only a graph shows (cycles, parameters a gate type rejects) in each
        module file, inner ones first; a module using a faulty one is left to be fixed after it."""
        errors: list[CircuitError] = []
        faulty: set[int] = set()
        for spec in self.unbuilt:
            if any(id(m.spec) in faulty for m in spec.modules.values()):
                faulty.add(id(spec))
                continue
            found: list[CircuitError] = []
            _netlist(spec, found)
            if found:
                faulty.add(id(spec))
                errors += found
        return errors

    def module(self, including: str | None, file: str, pos: Position) -> tuple[CircuitSpec | None, list[CircuitError]]:
        """The spec of the module file ``file`` named at ``pos`` in ``including``, and its problems."""
        try:
            path = module_path(file, including, self.limits.module_root, pos)
        except CircuitError as exc:
            return None, [exc]
        real = os.path.realpath(path)
        reading = [r for r, _ in self.chain]
        if real in reading:
            loop = [shown for _, shown in self.chain[reading.index(real) :]] + [path]
            return None, [CircuitError(f"module {file!r} includes itself: {' -> '.join(loop)}", pos)]
        if real in self.modules:
            return self.modules[real], []  # its problems, if any, are reported already
        if len(self.chain) > MAX_MODULE_DEPTH:
            return None, [CircuitError(f"modules nest deeper than {MAX_MODULE_DEPTH} levels here; flatten some of them", pos)]
        try:
            data = read_user_file(path, what="module file", max_bytes=self.limits.max_bytes, pos=pos)
        except CircuitError as exc:
            return None, [exc]
        if not _CIRCUIT_KEY.search(data):  # never quote a file that is not a circuit
            return None, [CircuitError(f"module file {path} is not a circuit file: it has none of the keys `inputs:`, `gates:`, `outputs:`", pos)]
        try:
            spec, errors = self.spec(data, path)
        except CircuitError as exc:  # the file is not YAML a circuit can be read from
            spec, errors = None, exc.errors
        if not errors:
            too_big = size_error(spec, self.limits.max_gates)
            errors = [too_big] if too_big is not None else []
        self.modules[real] = None if errors else spec
        if not errors:
            self.unbuilt.append(spec)
        return self.modules[real], errors


def _netlist(spec: CircuitSpec, errors: list[CircuitError]) -> tuple[Netlist, list[int]]:
    """The flat netlist of ``spec`` and its nodes in topological order; adds its problems to ``errors``."""
    netlist = flatten(spec, errors)
    order = topological_order(netlist)
    if order is None:
        errors += find_cycles(netlist)
        order = []
    return netlist, order


def _lookup(registry: Registry):
    def lookup(type_name: str):
        info = registry.get(type_name)
        return info.cls if info else None

    return lookup
