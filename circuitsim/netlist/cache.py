"""A cache of loaded circuits: a big file loads again from its validated netlist, in a fraction
of the time its text takes to read; an entry gives the circuit the text gives, or nothing.
The entry format and the rules of trust are in the manual (``docs/internals/reading.md``).
"""

from __future__ import annotations

import os
import stat
import warnings

import numpy as np

from circuitsim._version import __version__
from circuitsim.base.fileio import open_user_file
from circuitsim.errors import CircuitError, Position
from circuitsim.netlist.fastload import canonical_spec
from circuitsim.netlist.nodes import CONST, GATE, INPUT, Columns, Netlist
from circuitsim.netlist.order import Order
from circuitsim.read.spec import TestSpec

__all__ = ["MIN_BYTES", "cache_dir", "enabled", "load_entry", "max_entry_bytes", "save_entry", "trusted_dir"]

FORMAT = 2
MIN_BYTES = 1 << 20  # smaller files load about as fast from their text


def enabled(cache: bool | None, size: int) -> bool:
    """Whether a load of ``size`` bytes uses the cache (``cache``: the caller's choice, or None)."""
    if cache is not None:
        return cache
    return os.environ.get("CIRCUITSIM_CACHE", "1") != "0" and size >= MIN_BYTES


def _sha256(data: bytes = b""):
    import hashlib  # here: a small file's load, which the cache leaves alone, does not import it

    return hashlib.sha256(data)


def cache_dir() -> str:
    folder = os.environ.get("CIRCUITSIM_CACHE_DIR")
    if folder:
        return folder
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "circuitsim")


def key_of(data: bytes, path: str | None, registry) -> str:
    """The entry name: a hash of the text, its path and every gate type's class and origin."""
    digest = _sha256()
    for part in (f"circuitsim {__version__} cache {FORMAT}", path or "", *_gate_types(registry)):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _gate_types(registry) -> list[str]:
    types = []
    for name in sorted(registry.names()):
        info = registry.get(name)
        types.append(f"{name}={info.cls.__module__}.{info.cls.__qualname__}@{info.dist}:{info.version}")
    return types


def _entry_path(folder: str, key: str) -> str:
    return os.path.join(folder, f"{key}.circuit")


def max_entry_bytes(text_bytes: int) -> int:
    """The largest entry read for a circuit text of ``text_bytes`` (entries are smaller than
    their text; a bigger file at an entry's place is not one)."""
    return 16 * text_bytes + (1 << 20)


def trusted_dir(folder: str) -> bool:
    """Whether ``folder`` is a directory of this user's that no one else can write (a link to
    one counts as it); a warning says why not."""
    try:
        info = os.stat(folder)
    except OSError:
        return False
    why = None
    if not stat.S_ISDIR(info.st_mode):
        why = "is not a directory"
    elif hasattr(os, "getuid") and info.st_uid != os.getuid():
        why = "belongs to another user"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        why = f"can be written by other users (mode {stat.S_IMODE(info.st_mode):o}; chmod go-w makes it yours alone)"
    if why is not None and folder not in _WARNED:
        _WARNED.add(folder)
        warnings.warn(f"the cache folder {folder} {why}: the cache is not used", stacklevel=4)
    return why is None


_WARNED: set[str] = set()  # folders already warned about, once a process


def save_entry(key: str, spec, netlist: Netlist, order: Order, slots) -> None:
    """Write the entry for ``key``; a cache that cannot be written is no error (it stays empty)."""
    columns = netlist.columns_of
    values, given = netlist.numbers_of()
    meta = {
        "name": spec.name,
        "description": spec.description,
        "path": netlist.path,
        "outputs": list(spec.outputs),
        "output_pos": [[p.line, p.column] for p in spec.output_pos.values()],
        "tests": [[t.name, t.inputs, t.expect, t.grads, t.tol, t.pos.line, t.pos.column, t.points, t.visibility] for t in spec.tests],
        "kinds": [[type_name, params, list(ports)] for type_name, _, params, ports in columns.table],
        "widths": None if spec.gates.widths is None else [[k, v] for k, v in spec.gates.widths.items()],
    }
    arrays = {
        "names": np.frombuffer("\n".join(netlist.names).encode("utf-8"), dtype=np.uint8),
        "kinds": np.frombuffer(bytes(netlist.kinds), dtype=np.uint8),
        "values": values,
        "given": given,
        "kind_of": columns.kind_of.astype(np.int32),
        "start": columns.start.astype(np.int64),
        "sources": columns.flat.astype(np.int32),
        "wired": columns.wired.astype(np.int32),
        "lines": np.asarray(netlist.lines, dtype=np.int32),
        "columns": np.asarray(netlist.columns, dtype=np.int32),
        "order": order.nodes.astype(np.int32),
        "generations": order.starts.astype(np.int64),
        "outputs": np.asarray(netlist.output_numbers(), dtype=np.int64),
        **{f"slots.{name}": array for name, array in slots.arrays().items()},
    }
    payload = _pack(meta, arrays)
    folder = cache_dir()
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not trusted_dir(folder):
            return
        import tempfile  # here: a load that saves nothing does not import it

        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(_sha256(payload).digest())
            out.write(payload)
        os.replace(tmp, _entry_path(folder, key))
    except OSError:
        pass


def load_entry(key: str, path: str | None, lookup, text_bytes: int):
    """``(spec, netlist, order)`` from the entry for ``key`` of a text of ``text_bytes``, or
    None (no entry, a bad one, or a folder that is not trusted)."""
    folder = cache_dir()
    if not os.path.lexists(_entry_path(folder, key)) or not trusted_dir(folder):
        return None
    try:
        with open_user_file(_entry_path(folder, key), what="cache entry", max_bytes=max_entry_bytes(text_bytes), follow=False) as file:
            blob = file.read()
    except (CircuitError, OSError):
        return None
    try:
        payload = memoryview(blob)[32:]
        if _sha256(payload).digest() != blob[:32]:
            return None
        return _rebuild(*_unpack(payload), path, lookup)
    except Exception:  # a corrupt or foreign entry: load from the text instead
        return None


def _pack(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """A JSON header (its length first) and the arrays' bytes, each at a multiple of 8."""
    import json  # here, as hashlib (_sha256): a small file's load does not use the cache

    layout, parts, at = [], [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        layout.append([name, array.dtype.str, array.shape, at])
        parts.append(array.tobytes() + bytes(-array.nbytes % 8))
        at += len(parts[-1])
    header = json.dumps({"meta": meta, "arrays": layout}).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return b"".join([len(header).to_bytes(8, "little"), header, *parts])


def _unpack(payload: memoryview) -> tuple[dict, dict[str, np.ndarray]]:
    """The meta and the arrays (read-only views of ``payload``) of :func:`_pack`."""
    import json

    size = int.from_bytes(payload[:8], "little")
    header = json.loads(bytes(payload[8 : 8 + size]).decode("utf-8"))
    body = payload[8 + size :]
    arrays = {}
    for name, dtype, shape, at in header["arrays"]:
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise ValueError("no objects in a cache entry")
        count = int(np.prod(shape))
        arrays[name] = np.frombuffer(body, dtype=dtype, count=count, offset=at).reshape(shape)
    return header["meta"], arrays


def _rebuild(meta: dict, a: dict, path: str | None, lookup):
    if meta["path"] != path:
        return None
    kinds = bytearray(a["kinds"].tobytes())
    n = len(kinds)
    names = a["names"].tobytes()  # made a list when first read
    if names.count(b"\n") != max(n - 1, 0) or len(a["values"]) != n or len(a["given"]) != n or kinds.translate(None, bytes([INPUT, CONST, GATE])):
        return None
    table = [(type_name, lookup(type_name)(params), params, tuple(ports)) for type_name, params, ports in meta["kinds"]]
    start, kind_of = a["start"], a["kind_of"]
    if len(start) != n + 1 or len(kind_of) != n or (len(kind_of) and int(kind_of.max()) >= len(table)):
        return None
    columns = Columns(table, kind_of, start, a["sources"], a["wired"])
    numbers = (a["values"], a["given"])
    netlist = Netlist.of_columns(meta["name"], path, meta["outputs"], names, kinds, numbers, a["lines"], a["columns"], columns)
    netlist._output_numbers = a["outputs"].tolist()
    tests = [TestSpec(t[0], t[1], t[2], t[3], t[4], Position(path, t[5], t[6]), *t[7:9]) for t in meta["tests"]]
    output_pos = {name: Position(path, line, column) for name, (line, column) in zip(meta["outputs"], meta["output_pos"])}
    widths = None if meta["widths"] is None else {int(k): int(v) for k, v in meta["widths"]}
    spec = canonical_spec(netlist, widths, meta["description"], meta["outputs"], output_pos, tests)
    slots = {name[len("slots.") :]: array for name, array in a.items() if name.startswith("slots.")}
    return spec, netlist, Order(a["order"], a["generations"], slots)
