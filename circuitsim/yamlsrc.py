"""Circuit file text -> a tree of YAML nodes that know their file position, read safely.

The tree is built in one pass over pyyaml's event stream (never ``yaml.load`` or
``yaml.compose``): the event parsers are iterative, so a deeply nested or hostile file costs
no more than its size, and every check happens as the events come in. Anything wrong is a
:class:`~circuitsim.errors.CircuitError` at the offending line and column:

- text that is not UTF-8, holds control characters, or is larger than ``max_bytes``;
- YAML syntax errors;
- tags other than the plain-data ones (``!!str !!int !!float !!bool !!null !!seq !!map``),
  anchors and aliases (so an alias bomb costs nothing), mapping keys that are not scalars,
  duplicate keys, nesting deeper than ``max_depth``;
- an empty file, several documents, or a top level that is not a mapping.

Scalars keep their text; :meth:`Scalar.python` resolves it with the YAML 1.2 core schema
(``yes``/``no``/``on``/``off`` stay strings, ``012`` is 12, ``1e3`` is 1000.0).

>>> tree = read("gates:\\n  m0: {type: mul, inputs: [w0, 2]}\\n")
>>> gate = tree.get("gates").get("m0")
>>> gate.get("type").raw, gate.get("inputs").items[1].python(), gate.pos.line
('mul', 2, 2)
"""

from __future__ import annotations

import math
import re
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

# YAML 1.2 core schema.
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_FLOAT_WORDS = {
    sign + dot_inf: value
    for dot_inf in (".inf", ".Inf", ".INF")
    for sign, value in (("", math.inf), ("+", math.inf), ("-", -math.inf))
} | {nan: math.nan for nan in (".nan", ".NaN", ".NAN")}
_WORDS = dict.fromkeys(_NULLS) | _BOOLS | _FLOAT_WORDS
_NUMBER = re.compile(
    r"(?P<int>[-+]?[0-9]+)"
    r"|0o(?P<oct>[0-7]+)"
    r"|0x(?P<hex>[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
)
_NUMBER_START = frozenset("0123456789+-.")
_MISSING = object()

# What YAML allows in a stream, as in pyyaml's reader; anything else is a control character.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


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
                return _TAGGED[self.tag](self.raw)
            if self.quoted:
                return self.raw
            return _resolve_plain(self.raw)
        except _OutOfRange as exc:
            raise CircuitError(str(exc), self.pos) from None

    def is_null(self) -> bool:
        """True for ``null``, ``~``, an empty plain value and ``!!null``."""
        if self.tag is not None:
            return self.tag == "!!null"
        return not self.quoted and self.raw in _NULLS


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
    text = _decode(source, path, max_bytes)
    # The tree is a million small objects for a big circuit: the loader pauses the cycle
    # collector around reading it (see circuitsim.loader).
    try:
        loader = yaml.CSafeLoader(text) if LIBYAML else _PurePythonLoader(text, max_depth)
        try:
            return _read_document(iter(loader.get_event, None), path, max_depth)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, path, max_depth, text) from None
    except yaml.YAMLError as err:  # not expected after _decode's checks
        raise CircuitError(f"YAML error: {err}", Position(path)) from None


# --- the pure-Python parser, made to read as libyaml does -----------------------------------


class _PurePythonLoader(yaml.SafeLoader):
    r"""pyyaml's own parser where it would read a file differently from libyaml, as libyaml does.

    - Tabs separate tokens where libyaml allows them: in flow collections and after a key's
      ``:`` (pyyaml's scanner takes only spaces), and inside plain scalars (``a b\tc``).
    - A plain scalar ends where libyaml ends it (``[a?b]`` is one scalar, ``[a:]`` an error).
    - A tab where a block scalar's indentation is found is an error, as in libyaml.
    - An escape that names a surrogate or no character at all (``"\ud800"``,
      ``"\U00110000"``) is the syntax error libyaml reports, at the same place.
    - Flow collections nest no deeper than ``max_depth``: the scanner looks ahead through a
      whole line of brackets, which for tens of thousands of them takes seconds.
    """

    def __init__(self, text: str, max_depth: int) -> None:
        super().__init__(text)
        self.max_depth = max_depth

    def scan_to_next_token(self) -> None:
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        while True:
            while self.peek() == " " or (self.peek() == "\t" and (self.flow_level or not self.allow_simple_key)):
                self.forward()
            if self.peek() == "#":
                while self.peek() not in "\0\r\n\x85\u2028\u2029":
                    self.forward()
            if not self.scan_line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def scan_plain(self):
        """pyyaml's own, ending where libyaml ends a plain scalar: in a flow collection at
        ``,[]{}`` but not at ``?``, and refusing a ``:`` right before ``,?[]{}`` there."""
        chunks = []
        start_mark = end_mark = self.get_mark()
        indent = self.indent + 1
        spaces = []
        while self.peek() != "#":
            length = 0
            while True:
                ch = self.peek(length)
                if ch in _BLANKZ or (self.flow_level and ch in ",[]{}"):
                    break
                if ch == ":":
                    after = self.peek(length + 1)
                    if after in _BLANKZ:
                        break
                    if self.flow_level and after in ",?[]{}":
                        mark = yaml.Mark(self.name, self.index + length, self.line, self.column + length, None, None)
                        raise yaml.scanner.ScannerError("while scanning a plain scalar", start_mark, "found unexpected ':'", mark)
                length += 1
            if length == 0:
                break
            self.allow_simple_key = False
            chunks.extend(spaces)
            chunks.append(self.prefix(length))
            self.forward(length)
            end_mark = self.get_mark()
            spaces = self.scan_plain_spaces(indent, start_mark)
            if not spaces or self.peek() == "#" or (not self.flow_level and self.column < indent):
                break
        return yaml.tokens.ScalarToken("".join(chunks), True, start_mark, end_mark)

    def scan_plain_spaces(self, indent, start_mark):
        """pyyaml's own, with tabs as blanks (libyaml's rule: not left of the indentation)."""
        chunks = []
        length = 0
        while self.peek(length) in " \t":
            length += 1
        blanks = self.prefix(length)
        self.forward(length)
        if self.peek() not in _BREAKS:
            return [blanks] if blanks else []
        line_break = self.scan_line_break()
        self.allow_simple_key = True
        if self._document_marker():
            return None
        breaks = []
        while self.peek() in " \t" + _BREAKS:
            if self.peek() == " ":
                self.forward()
            elif self.peek() == "\t":
                if self.column < indent:
                    raise yaml.scanner.ScannerError(
                        "while scanning a plain scalar", start_mark,
                        "found a tab character that violates indentation", self.get_mark(),
                    )
                self.forward()
            else:
                breaks.append(self.scan_line_break())
                if self._document_marker():
                    return None
        if line_break != "\n":
            chunks.append(line_break)
        elif not breaks:
            chunks.append(" ")
        chunks.extend(breaks)
        return chunks

    def scan_block_scalar_indentation(self):
        chunks, max_indent, end_mark = super().scan_block_scalar_indentation()
        if self.peek() == "\t":  # libyaml's rule: a tab cannot stand for indentation
            raise yaml.scanner.ScannerError(
                "while scanning a block scalar", None,
                "found a tab character where an indentation space is expected", self.get_mark(),
            )
        return chunks, max_indent, end_mark

    def _document_marker(self) -> bool:
        return self.prefix(3) in ("---", "...") and self.peek(3) in "\0 \t" + _BREAKS

    def scan_flow_scalar_non_spaces(self, double, start_mark):
        start = self.pointer
        try:
            chunks = super().scan_flow_scalar_non_spaces(double, start_mark)
        except ValueError:  # chr() of a code beyond U+10FFFF: the pointer is at its digits
            raise self._bad_escape(start_mark, self.get_mark()) from None
        if double and any(_SURROGATE.search(chunk) for chunk in chunks):
            raise self._bad_escape(start_mark, self._surrogate_mark(start))
        return chunks

    def _surrogate_mark(self, start: int) -> yaml.Mark:
        """Where the digits of the first escape naming a surrogate start (on the current line)."""
        text, i = self.buffer, start
        while i < self.pointer:
            if text[i] == "\\":
                width = self.ESCAPE_CODES.get(text[i + 1], 0)
                if width and 0xD800 <= int(text[i + 2 : i + 2 + width], 16) <= 0xDFFF:
                    break
                i += 2 + width
            else:
                i += 1
        back = self.pointer - (i + 2)
        return yaml.Mark(self.name, self.index - back, self.line, self.column - back, None, None)

    def _bad_escape(self, start_mark, mark) -> yaml.scanner.ScannerError:
        return yaml.scanner.ScannerError(
            "while parsing a quoted scalar", start_mark, "found invalid Unicode character escape code", mark
        )

    def fetch_flow_collection_start(self, TokenClass):
        if self.flow_level >= self.max_depth:
            raise yaml.scanner.ScannerError(
                None, None, "exceeded maximum nesting depth", self.get_mark()
            )
        super().fetch_flow_collection_start(TokenClass)


_SURROGATE = re.compile("[\ud800-\udfff]")
_BREAKS = "\r\n\x85\u2028\u2029"
_BLANKZ = "\0 \t" + _BREAKS


# --- text checks, before any parsing ---------------------------------------------------------


def _decode(source: str | bytes, path: str | None, max_bytes: int) -> str:
    """The text to parse: size-checked, UTF-8-decoded, free of control characters."""
    if isinstance(source, str):
        size = len(source) if source.isascii() else len(source.encode("utf-8", "surrogatepass"))
    else:
        size = len(source)
    if size > max_bytes:
        raise CircuitError(
            f"file is larger than the limit of {max_bytes} bytes; "
            "split the circuit into modules or raise max_bytes",
            Position(path),
        )
    text = source if isinstance(source, str) else _decode_utf8(bytes(source), path)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = _line_col(text, bad.start())
        char = bad.group()
        what = "a NUL character" if char == "\0" else f"control character U+{ord(char):04X}"
        raise CircuitError(
            f"the file contains {what}, which YAML does not allow; remove it",
            Position(path, line, column),
        )
    return text


def _decode_utf8(data: bytes, path: str | None) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        _not_utf8("it starts with a UTF-16 or UTF-32 byte order mark", data, 0, path)
    nul = data.find(b"\0")
    if nul >= 0:
        _not_utf8("it holds a NUL byte", data, nul, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        _not_utf8(f"byte 0x{data[err.start]:02x} is not valid UTF-8", data, err.start, path)


def _not_utf8(reason: str, data: bytes, offset: int, path: str | None):
    prefix = data[:offset].decode("utf-8", "replace")
    line, column = _line_col(prefix, len(prefix))
    raise CircuitError(
        f"file is not UTF-8 text ({reason}); save it as UTF-8", Position(path, line, column)
    )


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks as YAML does."""
    line, start = 1, 0
    for brk in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, brk.end()
    return line, index - start + 1


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
        _TAGGED[tag](event.value)
    except _OutOfRange as exc:
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
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        return CircuitError("YAML syntax error: a tab character; YAML indents with spaces only: replace the tab with spaces", pos)
    message = f"YAML syntax error: {err.problem or err.context}"
    if err.context and err.problem and err.context_mark:
        where = err.context_mark
        message += f" ({err.context} at line {where.line + 1}, column {where.column + 1})"
    return CircuitError(message + "; check the indentation, quotes and brackets here", pos)


def _char_at(text: str, line: int, column: int) -> str:
    """The character at 0-based ``line`` and ``column`` of ``text``, or ""."""
    lines = _LINE_BREAK.split(text, line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


# --- scalar resolution (YAML 1.2 core schema) -------------------------------------------------


def _resolve_plain(raw: str) -> str | int | float | bool | None:
    value = _WORDS.get(raw, _MISSING)
    if value is not _MISSING:
        return value
    if raw[0] not in _NUMBER_START:
        return raw
    number = _NUMBER.fullmatch(raw)
    if number is None:
        return raw
    return _number(number)


class _OutOfRange(ValueError):
    """A number beyond the range of a 64-bit float."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text):,} characters)"
        super().__init__(
            f"the number {shown} is too large for a 64-bit float (at most about 1.8e308); "
            "write a smaller number, or .inf for infinity"
        )


# Integers are converted only below this many digits: beyond it no float can hold them, and
# Python refuses to convert more than 4300 digits at all.
_MAX_DIGITS = {"int": 310, "oct": 343, "hex": 257}
_FLOAT_MAX = int(sys.float_info.max)


def _number(match: re.Match) -> int | float:
    kind = match.lastgroup
    text = match.group()
    if kind == "float":
        value = float(text)
        if math.isinf(value):
            raise _OutOfRange(text)
        return value
    digits = match[kind]
    if len(digits.lstrip("+-0")) > _MAX_DIGITS[kind]:
        raise _OutOfRange(text)
    value = int(digits, {"int": 10, "oct": 8, "hex": 16}[kind])
    if abs(value) > _FLOAT_MAX:
        raise _OutOfRange(text)
    return value


def _as_int(raw: str) -> int:
    match = _NUMBER.fullmatch(raw)
    if match is None or match.lastgroup == "float":
        raise ValueError(raw)
    return _number(match)


def _as_float(raw: str) -> float:
    if raw in _FLOAT_WORDS:
        return _FLOAT_WORDS[raw]
    match = _NUMBER.fullmatch(raw)
    if match is None:
        raise ValueError(raw)
    return float(_number(match))


def _as_bool(raw: str) -> bool:
    if raw not in _BOOLS:
        raise ValueError(raw)
    return _BOOLS[raw]


def _as_null(raw: str) -> None:
    if raw not in _NULLS:
        raise ValueError(raw)


_TAGGED = {
    "!!str": str,
    "!!int": _as_int,
    "!!float": _as_float,
    "!!bool": _as_bool,
    "!!null": _as_null,
}
