"""Fast readers for the other common layouts of circuit files: block-style YAML at any
indentation (what ``yaml.safe_dump`` writes) and JSON. Like the canonical reader they only
accept; what they take is listed in the manual (``docs/internals/reading.md``).
"""

from __future__ import annotations

import re
from itertools import repeat

import numpy as np

from circuitsim.errors import Position

__all__ = ["Declined", "blanked", "read_json", "read_yaml"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TYPE = r"[A-Za-z_][A-Za-z0-9_./-]*"
_VALUE = r"[^\s,:#\[\]{}'\"&*!|>%@`]+"  # a plain scalar in flow context, no colon
_TOP = re.compile(r"([A-Za-z_]+):(?: (.*))?\Z")
_FLOW_ITEM = re.compile(rf"({_NAME}): ({_VALUE})")
_NAMES = re.compile(rf"{_NAME}(?:, {_NAME})*")
_NAME_LINES = re.compile(rf"(?:{_NAME}(?:\n{_NAME})*)?")
_BLOCK_END = re.compile(r"\n(?! |- )")
_REST_KEYS = {"circuit", "description", "outputs", "tests"}


class Declined(Exception):
    """Not a layout these readers take: the full reader's."""


# -- YAML ------------------------------------------------------------------------------------


def read_yaml(text: str):
    """``(inputs, gates, rest, moved, placed)`` of a block-style YAML file (see
    :data:`fastload.Found`; the inputs' defaults as written), ``rest`` the text with its inputs
    and gates blanked, ``placed`` whether the gates stand one a line as the canonical form writes
    them (so that a constant's column is known); raises :class:`Declined`."""
    blocks: dict[str, tuple[int, int, int, str]] = {}  # key -> header offset, body start, end, value on the header line
    at, n = 0, len(text)
    while at < n:
        eol = text.find("\n", at)
        eol = n if eol < 0 else eol
        line = text[at:eol]
        if line[:1] in ("", " "):
            if line.strip():
                raise Declined  # an indented line outside a block: the full reader's
            at = eol + 1
            continue
        top = _TOP.match(line)
        if top is None:
            raise Declined
        key, value = top[1], top[2]
        found = _BLOCK_END.search(text, eol)  # its indented lines (and a list's at column 0) belong to it
        end = n if found is None else found.start() + 1
        if key in ("inputs", "gates"):
            if key in blocks:
                raise Declined
            blocks[key] = (at, min(eol + 1, n), end, value or "")
        elif key not in _REST_KEYS:
            raise Declined
        at = end
    inputs = ([], [], np.zeros(0, dtype=np.int64), 0)
    if "inputs" in blocks:
        inputs = _yaml_inputs(text, *blocks["inputs"])
    gates = ([], [], [], [], np.zeros(0, dtype=np.int64), 0)
    placed = False
    if "gates" in blocks:
        header, start, end, value = blocks["gates"]
        if value:
            raise Declined
        gates = _yaml_gates(text, start, end)
        placed = gates[5] == 3 and not text[start : text.find("\n", start)].endswith(":")
    return inputs, gates, blanked(text, [(h, s, e) for h, s, e, _ in blocks.values()]), None, placed


def blanked(text: str, spans) -> str:
    """``text`` with each ``(start, _, end)`` span's lines left empty (so lines keep their numbers)."""
    parts, at = [], 0
    for header, _, end in sorted(spans):
        parts += [text[at:header], "\n" * text.count("\n", header, end)]
        at = end
    return "".join(parts) + text[at:]


def _body(text: str, start: int, end: int) -> str:
    body = text[start:end]
    return body if body.endswith("\n") or not body else body + "\n"


def _yaml_inputs(text: str, header: int, start: int, end: int, value: str):
    first = text.count("\n", 0, start) + 1  # the line of the block's first line
    if not value:
        body = _body(text, start, end)
        if not body:
            raise Declined
        indent = len(body) - len(body.lstrip(" "))
        found = re.findall(rf"^ {{{indent}}}({_NAME}): ({_VALUE})\n", body, re.M)
        if len(found) != body.count("\n"):
            raise Declined
        names, raws = [n for n, _ in found], [r for _, r in found]
        return names, raws, np.arange(first, first + len(names)), indent + 1
    if not value.startswith("{"):
        raise Declined
    flow = text[header + len("inputs: ") : end].rstrip("\n")  # the mapping, from its brace
    if not re.fullmatch(rf"\{{(?:{_NAME}: {_VALUE}(?:,(?: |\n +){_NAME}: {_VALUE})*)?\}}", flow):
        raise Declined
    offsets, names, raws = [], [], []
    for match in _FLOW_ITEM.finditer(flow):
        offsets.append(match.start())
        names.append(match[1])
        raws.append(match[2])
    lines, columns = _lines_columns(np.array(offsets, dtype=np.int64), _breaks(flow))
    columns = np.where(lines == 0, columns + len("inputs: "), columns)  # the first line starts after the key
    return names, raws, lines + first - 1, columns


def _breaks(text: str) -> np.ndarray:
    """The offsets of the line breaks of ``text`` (ASCII)."""
    return np.flatnonzero(np.frombuffer(text.encode("ascii"), dtype=np.uint8) == 10)


def _lines_columns(offsets: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 0-based line and 1-based column of each offset, given the text's line breaks."""
    lines = np.searchsorted(breaks, offsets)
    starts = np.concatenate([[0], breaks + 1])[lines]
    return lines, offsets - starts + 1


def _yaml_gates(text: str, start: int, end: int):
    body = _body(text, start, end)
    if not body:
        return [], [], [], [], np.zeros(0, dtype=np.int64), 0
    first = text.count("\n", 0, start) + 1
    indent = len(body) - len(body.lstrip(" "))
    head = body[indent : body.find("\n")]
    i = f" {{{indent}}}"
    if not head.endswith(":"):  # each gate on one line
        found = re.findall(
            rf"^{i}({_NAME}): \{{type: ({_TYPE}), inputs: \[([^\[\]{{}}#\n]+)\](?:, params: \{{([^\[\]{{}}#\n]*)\}})?\}}\n", body, re.M
        )
        if len(found) != body.count("\n"):
            raise Declined
        names, types, written, params = map(list, zip(*found)) if found else ([], [], [], [])
        return names, types, written, params, np.arange(first, first + len(names)), indent + 1
    second = body.find("\n") + 1
    inner = len(body) - second - len(body[second:].lstrip(" "))
    if inner <= indent:
        raise Declined
    step = inner - indent  # the file's indentation: of a block list or mapping in a gate too
    j, k = f" {{{inner}}}", f" {{{inner + step}}}"
    more = f"\\n {{{inner + 1},}}"  # a wrapped line of a flow collection
    flow_sources = rf"\[([^\[\]{{}}#\n]+(?:{more}[^\[\]{{}}#\n]+)*)\]"
    keys = (
        rf"type: ({_TYPE})\n",
        rf"inputs: {flow_sources}\n",
        rf"inputs:\n((?:{j}- {_VALUE}\n)+)",  # a block list, as PyYAML writes it
        rf"inputs:\n((?:{k}- {_VALUE}\n)+)",
        r"params: \{([^\[\]{}#\n]*)\}\n",
        rf"params:\n((?:{k}{_NAME}: {_VALUE}\n)+)",
    )
    found = re.findall(rf"^{i}({_NAME}):\n((?:{j}(?:{'|'.join(keys)})){{2,3}})", body, re.M)
    if not found:
        raise Declined
    names, records, types, flow, block, indented, params, block_params = map(list, zip(*found))
    del found
    n = len(records)
    breaks = np.fromiter(map(str.count, records, repeat("\n")), dtype=np.int64, count=n)
    if int(breaks.sum()) + n != body.count("\n"):
        raise Declined  # a line no record took
    key_lines = np.ones(n, dtype=np.int64) + _counts(records, "\n" + " " * inner, body)  # lines at the keys' indentation
    key_lines -= _counts(records, "\n" + " " * (inner + 1), body) + _counts(records, "\n" + " " * inner + "-", body)
    if "" in types:
        raise Declined
    given = [_present(column) for column in (flow, block, indented, params, block_params)]
    if (given[0] + given[1] + given[2] != 1).any() or (key_lines != 2 + given[3] + given[4]).any():
        raise Declined  # a key twice, or one missing
    written = flow
    for found, at, k in ((block, inner, 1), (indented, inner + step, 2)):  # block lists made "a, b"
        if np.all(given[k]):
            written = _flow_lines(found, " " * at + "- ")
        elif np.any(given[k]):
            written = [w or b for w, b in zip(written, _flow_lines(found, " " * at + "- "))]
    if any("\n" in w for w in flow):
        written = [re.sub(r",\n +", ", ", w) if "\n" in w else w for w in written]
    if np.any(given[4]):
        made = _flow_lines(block_params, " " * (inner + step))
        params = [p or q for p, q in zip(params, made)]
    lines = first + np.concatenate([[0], np.cumsum(breaks + 1)[:-1]])
    return names, types, written, params, lines, indent + 1


def _counts(texts: list[str], part: str, whole: str) -> np.ndarray | int:
    """How often ``part`` occurs in each of ``texts`` (0 if it is nowhere in ``whole``)."""
    if part not in whole:
        return 0
    return np.fromiter(map(str.count, texts, repeat(part)), dtype=np.int64, count=len(texts))


def _present(column: list[str]) -> np.ndarray | int:
    """1 where ``column`` has text, else 0 (0 for a column with none)."""
    if not any(column):
        return 0
    return np.fromiter(map(bool, column), dtype=np.int64, count=len(column))


def _flow_lines(blocks: list[str], prefix: str) -> list[str]:
    """Each block of lines ``prefix + item`` (or "") as its items joined by ``", "``, all at
    once (the text holds no NUL: see :func:`fastload.read_canonical`)."""
    joined = "\0".join(blocks).replace(prefix, "").replace("\n\0", "\0")
    return joined.rstrip("\n").replace("\n", ", ").split("\0")


# -- JSON ------------------------------------------------------------------------------------

_WS = re.compile(r"[ \n]*")


def read_json(text: str):
    """``(inputs, gates, rest, moved, placed)`` of a JSON file (``placed`` false: a constant
    stands where its gate does); raises :class:`Declined`."""
    import json  # here: a YAML file's load does not import it

    decode, scan = json.JSONDecoder().raw_decode, json.decoder.scanstring
    ws = _WS.match
    at = ws(text).end()
    if text[at : at + 1] != "{":
        raise Declined
    at = ws(text, at + 1).end()
    spans: dict[str, tuple[int, int, object]] = {}
    seen: set[str] = set()
    try:
        while text[at] != "}":
            if text[at] != '"':
                raise Declined
            key, at = scan(text, at + 1)
            at = ws(text, at).end()
            if text[at] != ":" or key in seen:
                raise Declined
            seen.add(key)
            at = ws(text, at + 1).end()
            value, end = decode(text, at)
            if key in ("inputs", "gates"):
                spans[key] = (at, end, value)
            elif key not in _REST_KEYS:
                raise Declined
            at = ws(text, end).end()
            if text[at] == ",":
                at = ws(text, at + 1).end()
                if text[at] == "}":
                    raise Declined
            elif text[at] != "}":
                raise Declined
        if ws(text, at + 1).end() != len(text):
            raise Declined
    except (ValueError, IndexError):
        raise Declined from None
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    breaks = np.flatnonzero(codes == 10)
    inputs = _json_inputs(text, codes, spans.get("inputs"), breaks)
    gates = _json_gates(text, codes, spans.get("gates"), breaks)
    cuts = sorted((s, e) for s, e, _ in spans.values())
    parts, at = [], 0
    for s, e in cuts:  # each mapping made {} and its lines kept
        parts += [text[at:s], "{}" + "\n" * text.count("\n", s, e)]
        at = e
    rest = "".join(parts) + text[at:]
    return inputs, gates, rest, _mover(text, rest, cuts, breaks), False


def _mover(text: str, rest: str, cuts, breaks):
    """A map of a position in ``rest`` (``text`` with the ``cuts`` made ``{}`` and their line
    breaks) to the same place in ``text``."""
    line_starts = np.concatenate([[0], _breaks(rest) + 1])
    cuts = [(s, e, 2 + text.count("\n", s, e)) for s, e in cuts]

    def moved(pos: Position) -> Position:
        if pos.line is None or pos.column is None:
            return pos
        offset = int(line_starts[pos.line - 1]) + pos.column - 1
        shift = 0
        for s, e, kept in cuts:  # past a cut, the text is longer by what the cut took out
            if offset < s - shift + kept:
                break
            shift += e - s - kept
        original = offset + shift
        line = int(np.searchsorted(breaks, original))
        start = 0 if line == 0 else int(breaks[line - 1]) + 1
        return Position(pos.path, line + 1, original - start + 1)

    return moved


def _key_ends(codes: np.ndarray, start: int, end: int) -> np.ndarray:
    """The offsets of the closing quotes of the keys (``":``) between ``start`` and ``end``."""
    seg = codes[start:end]
    return np.flatnonzero((seg[:-1] == 34) & (seg[1:] == 58)) + start


def _key_places(codes: np.ndarray, names: list[str], ends: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lines and columns of the keys ``names`` whose closing quotes are at ``ends``."""
    if len(ends) != len(names) or not _NAME_LINES.fullmatch("\n".join(names)):
        raise Declined  # a key twice (json keeps the last), or one not a plain name
    opening = ends - np.fromiter(map(len, names), dtype=np.int64, count=len(names)) - 1
    if len(opening) and (codes[opening] != 34).any():
        raise Declined  # a name written with escapes
    lines, columns = _lines_columns(opening, breaks)
    return lines + 1, columns


def _json_inputs(text: str, codes: np.ndarray, span, breaks):
    if span is None:
        return [], [], np.zeros(0, dtype=np.int64), 0
    start, end, value = span
    if value.__class__ is not dict:
        raise Declined
    names = list(value)
    lines, columns = _key_places(codes, names, _key_ends(codes, start, end), breaks)
    defaults = list(value.values())
    if not set(map(type, defaults)) <= {float, int, type(None)}:
        raise Declined
    try:
        numbers = np.array([0.0 if v is None else v for v in defaults] if None in defaults else defaults, dtype=np.float64)
    except OverflowError:
        raise Declined from None
    if not np.isfinite(numbers).all():
        raise Declined
    return names, [None if v is None else float(v) for v in defaults] if None in defaults else numbers.tolist(), lines, columns


def _json_gates(text: str, codes: np.ndarray, span, breaks):
    if span is None:
        return [], [], [], [], np.zeros(0, dtype=np.int64), 0
    start, end, value = span
    if value.__class__ is not dict or "params" in value:
        raise Declined
    names = list(value)
    gates = list(value.values())
    n = len(gates)
    if set(map(type, gates)) - {dict}:
        raise Declined
    ends = _key_ends(codes, start, end)
    keys = len(ends)
    after = codes[np.minimum(ends + 2, len(codes) - 1)]
    opens = (after == 123) | ((after == 32) & (codes[np.minimum(ends + 3, len(codes) - 1)] == 123))
    ends = ends[opens]  # gates' keys and params' keys
    if len(ends) != n:  # params: their keys drop out
        ends = ends[np.array([text[e - 7 : e] != '"params' for e in ends.tolist()], dtype=bool)]
    lines, columns = _key_places(codes, names, ends, breaks)
    sizes = np.fromiter(map(len, gates), dtype=np.int64, count=n)
    types = list(map(dict.get, gates, repeat("type")))
    sources = list(map(dict.get, gates, repeat("inputs")))
    given = list(map(dict.get, gates, repeat("params")))
    if set(map(type, types)) - {str} or set(map(type, sources)) - {list} or 0 in map(len, sources):
        raise Declined
    with_params = np.fromiter(map(bool, given), dtype=bool, count=n) if any(given) else np.zeros(n, dtype=bool)
    if (sizes != 2 + with_params).any() or (len(given) and set(map(type, given)) - {dict, type(None)}):
        raise Declined  # another key, or params that are not a mapping
    inner = int(sizes.sum())
    params = [""] * n
    for k in np.flatnonzero(with_params).tolist():
        inner += len(given[k])
        params[k] = ", ".join(f"{key}: {_param(v)}" for key, v in given[k].items())
    if keys != n + inner:  # a key twice inside a gate
        raise Declined
    try:
        written = list(map(", ".join, sources))  # names only
        named = written
    except TypeError:  # numbers among them: each gate's sources one by one (a string checked to be a name)
        written = [", ".join(map(_source, s)) for s in sources]
        named = [w for w, s in zip(written, sources) if set(map(type, s)) == {str}]
    if named and not _NAMES.fullmatch(", ".join(named)):  # a string that is not a name ("2", "a, b")
        raise Declined
    return names, types, written, params, lines, columns


def _source(s) -> str:
    if s.__class__ is str:
        if not re.fullmatch(_NAME, s):
            raise Declined
        return s
    if s.__class__ is float or s.__class__ is int:
        return repr(s)
    raise Declined


def _param(v) -> str:
    if v.__class__ is float or v.__class__ is int:
        return repr(v)
    raise Declined
