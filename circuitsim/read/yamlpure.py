"""The pure-Python YAML parser (pyyaml's own), made to read a circuit file as libyaml does.

:func:`circuitsim.read.yamltree.read` uses it where pyyaml has no libyaml, and the tests run every
reading test through both, so that a file reads (and fails) the same either way.
"""

from __future__ import annotations

import re

import yaml

__all__ = ["PurePythonLoader"]


class PurePythonLoader(yaml.SafeLoader):
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
