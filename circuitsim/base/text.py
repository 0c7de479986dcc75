"""Text from a file made safe to show: on a terminal, in a report, in a message."""

from __future__ import annotations

import re

__all__ = ["one_line", "terminal"]

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff\ufffe\uffff"
_CONTROL = re.compile(f"[{_UNSAFE}]")
_CONTROL_OR_LINE = re.compile(f"[{_UNSAFE}\t\n]")


def _escape_control(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str, *, lines: bool = True) -> str:
    """``text`` from a file (a name, a path, a message quoting one) made safe to print or to
    put in a report: each control character is written as its escape, ``\\x1b`` for ESC, so
    that no sequence in a file can move the cursor, retitle the window, clear the screen or
    make a link, and a JUnit or CSV report keeps its format and encoding. Newlines and tabs
    stay if ``lines``. Rich markup is not interpreted where circuitsim prints (its consoles
    have markup off), so brackets need no escape.

    >>> terminal("a\\x1b]0;owned\\x07b")
    'a\\\\x1b]0;owned\\\\x07b'
    """
    return (_CONTROL if lines else _CONTROL_OR_LINE).sub(_escape_control, text)


def one_line(text: object) -> str:
    """One line of text from a file (a circuit's or a vector's name, a description, a path) as
    it goes into a line of output: :func:`terminal` with line breaks and tabs escaped too, so
    that a name cannot start a line of its own (a forged "0 failed"). A whole message, which
    may hold lines of its own, goes through :func:`terminal` where it is printed.

    >>> one_line("x\\n0 failed")
    'x\\\\x0a0 failed'
    """
    return terminal(str(text), lines=False)
