"""Circuit file text checked before any parsing: its size, its encoding (UTF-8 only) and
that it holds no control characters, each problem a :class:`~circuitsim.errors.CircuitError`
at its line and column.
"""

from __future__ import annotations

import re

from circuitsim.errors import CircuitError, Position

__all__ = ["decode", "line_col", "char_at"]

# What YAML allows in a stream, as in pyyaml's reader; anything else is a control character.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def decode(source: str | bytes, path: str | None, max_bytes: int) -> str:
    """The text to parse: size-checked, UTF-8-decoded, free of control characters."""
    if isinstance(source, str):
        size = len(source) if source.isascii() else len(source.encode("utf-8", "surrogatepass"))
    else:
        size = len(source)
    if size > max_bytes:
        raise CircuitError(
            f"file is larger than the limit of {max_bytes} bytes; "
            "split the circuit into modules or raise the limit (CIRCUITSIM_MAX_BYTES=N, or load(..., max_bytes=N))",
            Position(path),
        )
    text = source if isinstance(source, str) else _decode_utf8(bytes(source), path)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = line_col(text, bad.start())
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
    line, column = line_col(prefix, len(prefix))
    raise CircuitError(
        f"file is not UTF-8 text ({reason}); save it as UTF-8", Position(path, line, column)
    )


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks as YAML does."""
    line, start = 1, 0
    for brk in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, brk.end()
    return line, index - start + 1


def char_at(text: str, line: int, column: int) -> str:
    """The character at 0-based ``line`` and ``column`` of ``text``, or ""."""
    lines = _LINE_BREAK.split(text, line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""
