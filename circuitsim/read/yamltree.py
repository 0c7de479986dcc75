"""Circuit file text -> a tree of YAML nodes that know their file position, read safely.

One pass over pyyaml's event stream, each problem (syntax, tags, aliases, duplicate keys,
depth) a :class:`~circuitsim.errors.CircuitError` at its line and column; how and why in
``docs/internals/reading.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from itertools import chain

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from circuitsim.errors import CircuitError, Position
from circuitsim.read.scalars import NULLS, TAGGED, OutOfRange, resolve_plain
from circuitsim.read.text import char_at, decode

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "LIBYAML",
    "Map",
    "Node",
    "Scalar",
    "Seq",
    "read",
]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # a million-gate circuit is about 70 MB
DEFAULT_MAX_DEPTH = 64

#: Parse with libyaml when pyyaml has it; tests set this to False to use the pure-Python parser.
LIBYAML = yaml.__with_libyaml__

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"!!str", "!!int", "!!float", "!!bool", "!!null"}
_ALLOWED_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"
_KEYS_HINT = "keys like `inputs:`, `gates:`, `outputs:`"
_EMPTY = f"empty circuit file: write a mapping with {_KEYS_HINT}"
_INDEXED = 16  # a Map with this many keys or more looks keys up in a dict


@dataclass(slots=True)
class Scalar:
    """A scalar as written: its text, whether it was quoted (or a ``|``/``>`` block), its tag."""

    raw: str
    quoted: bool
    tag: str | None
    pos: Position

    def python(self) -> str | int | float | bool | None:
        """The value by the YAML 1.2 core schema; a quoted scalar is always a string.

        A number too large for a 64-bit float (``1e400``, a 401-digit integer) is a
        :class:`CircuitError` at the scalar: it could only become infinity or fail later.
        """
        try:
            if self.tag is not None:
                return TAGGED[self.tag](self.raw)
            if self.quoted:
                return self.raw
            return resolve_plain(self.raw)
        except OutOfRange as exc:
            raise CircuitError(str(exc), self.pos) from None

    def is_null(self) -> bool:
        """True for ``null``, ``~``, an empty plain value and ``!!null``."""
        if self.tag is not None:
            return self.tag == "!!null"
        return not self.quoted and self.raw in NULLS


@dataclass(slots=True)
class Seq:
    """A sequence (block ``- x`` or flow ``[x, y]``)."""

    items: list[Node]
    pos: Position


@dataclass(slots=True)
class Map:
    """A mapping, in file order; keys are scalars and compare by their text."""

    items: list[tuple[Scalar, Node]]
    pos: Position
    _index: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def get(self, key: str) -> Node | None:
        """The value under ``key``, or None."""
        items = self.items
        if len(items) < _INDEXED:
            for k, value in items:
                if k.raw == key:
                    return value
            return None
        index = self._index
        if index is None or len(index) != len(items):
            index = self._index = {k.raw: i for i, (k, _) in enumerate(items)}
        i = index.get(key)
        return None if i is None else items[i][1]

    def keys(self) -> list[str]:
        """The keys' texts, in file order."""
        return [k.raw for k, _ in self.items]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


Node = Scalar | Seq | Map


def read(
    source: str | bytes,
    path: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Map:
    """Read circuit file text (``str``, or UTF-8 ``bytes``) into its top-level :class:`Map`.

    ``path`` only labels positions in the tree and in errors. Raises :class:`CircuitError`.
    """
    text = decode(source, path, max_bytes)
    # The tree is a million small objects for a big circuit: the loader pauses the cycle
    # collector around reading it (see circuitsim.run.load).
    try:
        if LIBYAML:
            loader = yaml.CSafeLoader(text)
        else:
            from circuitsim.read.yamlpure import PurePythonLoader

            loader = PurePythonLoader(text, max_depth)
        try:
            return _read_document(iter(loader.get_event, None), path, max_depth)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, path, max_depth, text) from None
    except yaml.YAMLError as err:  # not expected after _decode's checks
        raise CircuitError(f"YAML error: {err}", Position(path)) from None



# --- the event stream -> the tree ------------------------------------------------------------


def _read_document(events, path: str | None, max_depth: int) -> Map:
    """The one document's top-level mapping; then nothing but the end of the stream."""
    next(events)  # StreamStartEvent
    event = next(events)
    if event.__class__ is StreamEndEvent:
        raise CircuitError(_EMPTY, Position(path, 1, 1))
    root = next(events)  # after the DocumentStartEvent
    if root.__class__ is not MappingStartEvent:
        _not_a_mapping(root, path)
    tree = _read_tree(chain((root,), events), path, max_depth)
    next(events)  # DocumentEndEvent
    event = next(events)
    if event.__class__ is not StreamEndEvent:
        raise CircuitError(
            "a second YAML document starts here, but a circuit file holds one; "
            "remove the '---' line or split the file",
            _pos(event, path),
        )
    return tree


def _not_a_mapping(event, path: str | None):
    if event.__class__ is ScalarEvent and event.value == "" and not event.style and not event.tag:
        raise CircuitError(_EMPTY, _pos(event, path))
    if event.__class__ is AliasEvent:
        _alias_error(event, path)
    _check_props(event, path)
    kind = "a list" if event.__class__ is SequenceStartEvent else "a single value"
    raise CircuitError(
        f"a circuit file must be a mapping with {_KEYS_HINT}, not {kind}", _pos(event, path)
    )


def _read_tree(events, path: str | None, max_depth: int) -> Map:
    """Build the top-level mapping from its events, checking each one as it arrives.

    This is the hot loop (several events per gate), so it dispatches on the event class
    inline and keeps the innermost open container in local variables.
    """
    intern = sys.intern
    stack = []  # the enclosing containers' (node, items, seen, key)
    node = items = seen = key = None  # innermost open container, its items, its keys, a pending key
    for event in events:
        cls = event.__class__
        if cls is ScalarEvent:
            tag = None
            if event.tag is not None or event.anchor is not None:
                tag = _scalar_tag(event, path)
            mark = event.start_mark
            value = Scalar(
                intern(event.value),
                bool(event.style),
                tag,
                Position(path, mark.line + 1, mark.column + 1),
            )
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.tag is not None or event.anchor is not None:
                _check_container_tag(event, path)
            if key is None and seen is not None:
                _key_error(event, path)
            if len(stack) >= max_depth:
                raise _depth_error(max_depth, _pos(event, path))
            stack.append((node, items, seen, key))
            mark = event.start_mark
            pos = Position(path, mark.line + 1, mark.column + 1)
            items, key = [], None
            if cls is MappingStartEvent:
                node, seen = Map(items, pos), {}
            else:
                node, seen = Seq(items, pos), None
            continue
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            if seen is not None and len(seen) >= _INDEXED:
                node._index = seen
            value = node
            node, items, seen, key = stack.pop()
            if not stack:
                return value
        elif cls is AliasEvent:
            _alias_error(event, path)
        else:  # pragma: no cover - the parser emits nothing else inside a document
            raise CircuitError(f"unexpected YAML event {cls.__name__}", _pos(event, path))
        # Add the finished node `value` to the innermost open container.
        if seen is None:
            items.append(value)
        elif key is None:
            raw = value.raw
            if raw in seen:
                first = items[seen[raw]][0]
                raise CircuitError(
                    f"duplicate key {raw!r} (first defined at line {first.pos.line}); "
                    "remove or rename one of them",
                    value.pos,
                )
            seen[raw] = len(items)
            key = value
        else:
            items.append((key, value))
            key = None
    raise AssertionError("the event stream ended inside the document")  # pragma: no cover


def _pos(event, path: str | None) -> Position:
    mark = event.start_mark
    return Position(path, mark.line + 1, mark.column + 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


def _check_props(event, path: str | None) -> str | None:
    """Reject an anchor; return the node's tag in short form (``!!int``), or None."""
    if event.anchor is not None:
        raise CircuitError(
            f"anchor '&{event.anchor}' is not allowed: write the value out in full "
            "instead of using anchors and aliases",
            _pos(event, path),
        )
    if event.tag is None:
        return None
    tag = _short_tag(event.tag)
    if tag not in _SCALAR_TAGS and tag not in ("!!seq", "!!map"):
        why = "circuit files never create Python objects" if tag.startswith("!!python/") else (
            "a circuit file holds plain data only"
        )
        raise CircuitError(
            f"tag {tag!r} is not allowed: {why}; remove it (allowed: {_ALLOWED_TAGS})",
            _pos(event, path),
        )
    return tag


def _scalar_tag(event, path: str | None) -> str | None:
    tag = _check_props(event, path)
    if tag is None:
        return None
    if tag not in _SCALAR_TAGS:
        raise CircuitError(f"tag {tag!r} does not fit a single value; remove it", _pos(event, path))
    try:
        TAGGED[tag](event.value)
    except OutOfRange as exc:
        raise CircuitError(str(exc), _pos(event, path)) from None
    except ValueError:
        raise CircuitError(
            f"{event.value!r} is not a valid {tag} value; fix the value or remove the tag",
            _pos(event, path),
        ) from None
    return tag


def _check_container_tag(event, path: str | None) -> None:
    tag = _check_props(event, path)
    wanted = "!!map" if event.__class__ is MappingStartEvent else "!!seq"
    if tag is not None and tag != wanted:
        kind = "a mapping" if wanted == "!!map" else "a list"
        raise CircuitError(f"tag {tag!r} does not fit {kind}; remove it", _pos(event, path))


def _key_error(event, path: str | None):
    kind = "a mapping" if event.__class__ is MappingStartEvent else "a list"
    raise CircuitError(
        f"a mapping key must be a name or a number, not {kind}; write the key as plain text",
        _pos(event, path),
    )


def _depth_error(max_depth: int, pos: Position) -> CircuitError:
    return CircuitError(
        f"nesting deeper than {max_depth} levels; a circuit file needs only a few "
        "(look for unclosed brackets)",
        pos,
    )


def _alias_error(event, path: str | None):
    raise CircuitError(
        f"alias '*{event.anchor}' is not allowed: write the value out in full "
        "instead of using anchors and aliases",
        _pos(event, path),
    )


def _syntax_error(err: yaml.MarkedYAMLError, path: str | None, max_depth: int, text: str = "") -> CircuitError:
    mark = err.problem_mark or err.context_mark
    pos = Position(path, mark.line + 1, mark.column + 1) if mark else Position(path)
    if "maximum nesting depth" in str(err.problem or err.context):
        # libyaml >= 0.2.5 caps nesting itself while it scans ahead, before events reach us.
        return _depth_error(max_depth, pos)
    if mark and char_at(text, mark.line, mark.column) == "\t":
        return CircuitError("YAML syntax error: a tab character; YAML indents with spaces only: replace the tab with spaces", pos)
    message = f"YAML syntax error: {err.problem or err.context}"
    if err.context and err.problem and err.context_mark:
        where = err.context_mark
        message += f" ({err.context} at line {where.line + 1}, column {where.column + 1})"
    return CircuitError(message + "; check the indentation, quotes and brackets here", pos)
