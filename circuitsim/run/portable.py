"""A circuit as bytes that another process (a Dask worker) turns back into the same circuit.

What travels is the validated spec (names, gates, params, wires and their file positions, as a
zlib-compressed pickle) and the names of the plugins the circuit was loaded with, never the
graph, the plan or compiled code: the receiving process rebuilds those itself, once per circuit
(:func:`circuit_from_blob` keeps the last few it built). Error messages raised there still name
the original file, line and column. A plugin given as a module name or ``.py`` path must be
importable where the circuit goes; the built-in gates and installed plugins always are.
"""

from __future__ import annotations

import copyreg
import dataclasses
import os
import pickle
import zlib
from collections import OrderedDict

from circuitsim.errors import Position
from circuitsim.gate.plugins import load_registry
from circuitsim.read import spec as _spec
from circuitsim.run.circuit import Circuit

__all__ = ["blob_of", "circuit_from_blob", "digest_of"]

_KEEP = 4  # circuits kept per process, newest last
_built: OrderedDict[str, object] = OrderedDict()


def _by_fields(obj):
    """A spec record as its class and field values: a third of the time of slots' own pickling."""
    return type(obj), tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))


for _cls in (Position, _spec.Source, _spec.InputSpec, _spec.GateSpec, _spec.ModuleSpec, _spec.TestSpec, _spec.CircuitSpec):
    copyreg.pickle(_cls, _by_fields)


def _by_blob(circuit: Circuit):
    """A circuit pickles as its blob: its spec and plugin names, not its plan."""
    return circuit_from_blob, (blob_of(circuit),)


copyreg.pickle(Circuit, _by_blob)


def blob_of(circuit) -> bytes:
    """The bytes that :func:`circuit_from_blob` turns back into ``circuit`` (made once per circuit)."""
    blob = getattr(circuit, "_blob", None)
    if blob is None:
        plugins = [_portable_name(p.name) for p in circuit.registry.plugins if p.dist is None] if circuit.registry else []
        state = (plugins, pickle.dumps(circuit.spec, protocol=pickle.HIGHEST_PROTOCOL))
        blob = circuit._blob = zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)
        _remember(digest_of(blob), circuit)
    return blob


def digest_of(blob: bytes) -> str:
    import hashlib

    return hashlib.sha1(blob).hexdigest()


def circuit_from_blob(blob: bytes):
    """The circuit ``blob`` stands for; built once per process and then reused."""
    digest = digest_of(blob)
    circuit = _built.get(digest)
    if circuit is None:
        plugins, spec_bytes = pickle.loads(zlib.decompress(blob))
        registry = load_registry(plugins)  # before the spec: its gate classes may live in them
        circuit = Circuit.from_spec(pickle.loads(spec_bytes), registry)
        circuit._blob = blob
        _remember(digest, circuit)
    _built.move_to_end(digest)
    return circuit


def _remember(digest: str, circuit) -> None:
    _built[digest] = circuit
    while len(_built) > _KEEP:
        _built.popitem(last=False)


def _portable_name(name: str) -> str:
    """A plugin file's absolute path (a worker may run elsewhere), a module's name as it is."""
    if name.endswith(".py") or os.sep in name or "/" in name:
        return os.path.abspath(name)
    return name
