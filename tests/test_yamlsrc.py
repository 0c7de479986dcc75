"""Tests for circuitsim.read.yamltree: positions, YAML 1.2 scalars, and every hazard a file can hold.

Each behaviour that must not depend on the parser runs on both libyaml and pure-Python pyyaml.
"""

from __future__ import annotations

import gc
import math
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitsim.errors import CircuitError
from circuitsim.read import yamltree as yamlsrc
from circuitsim.read.yamltree import Map, Scalar, Seq, read
from circuitsim.run.load import load

BAD = Path(__file__).parent / "bad" / "yaml"

NEURON = """\
circuit: neuron
inputs:
  w0: 2.0
  x0: -1.0
gates:
  m0: {type: mul, inputs: [w0, x0]}
  p:
    type: add
    inputs:
      - m0
      - 1
outputs: [p]
"""



def error_of(source, **kwargs) -> CircuitError:
    with pytest.raises(CircuitError) as info:
        read(source, "c.yaml", **kwargs)
    return info.value


def plain(node):
    """A node as plain Python data, to compare trees without their positions."""
    if isinstance(node, Map):
        return {key.raw: plain(value) for key, value in node.items}
    if isinstance(node, Seq):
        return [plain(item) for item in node.items]
    return node.python()


# --- the tree and its positions ---------------------------------------------------------------


def test_positions_of_keys_values_and_items(parser):
    tree = read(NEURON, "neuron.yaml")
    assert tree.pos == yamlsrc.Position("neuron.yaml", 1, 1)
    assert tree.keys() == ["circuit", "inputs", "gates", "outputs"]
    gates = tree.get("gates")
    (m0_key, m0), (p_key, p) = gates.items
    assert (m0_key.raw, m0_key.pos.line, m0_key.pos.column) == ("m0", 6, 3)
    assert (m0.pos.line, m0.pos.column) == (6, 7)
    inputs = m0.get("inputs")
    assert (inputs.pos.line, inputs.pos.column) == (6, 27)
    assert [(s.raw, s.pos.line, s.pos.column) for s in inputs.items] == [
        ("w0", 6, 28),
        ("x0", 6, 32),
    ]
    assert (p_key.pos.line, p.pos.line, p.pos.column) == (7, 8, 5)
    items = p.get("inputs").items
    assert [(s.python(), s.pos.line, s.pos.column) for s in items] == [("m0", 10, 9), (1, 11, 9)]
    assert tree.get("inputs").get("x0").pos == yamlsrc.Position("neuron.yaml", 4, 7)


def test_text_without_a_path_has_path_none():
    assert read("a: 1\n").get("a").pos == yamlsrc.Position(None, 1, 4)


def test_columns_count_characters_not_bytes(parser):
    tree = read("a: [é€😀, b]\n".encode("utf-8"))
    assert tree.get("a").items[1].pos.column == 10


def test_flow_and_block_styles_give_the_same_tree(parser):
    flow = (
        "{inputs: {w0: 2.0, x0: -1.0}, gates: {m0: {type: mul, inputs: [w0, x0]}},"
        " outputs: [m0]}"
    )
    block = """\
inputs:
  w0: 2.0
  x0: -1.0
gates:
  m0:
    type: mul
    inputs:
    - w0
    - x0
outputs:
- m0
"""
    assert plain(read(flow)) == plain(read(block)) == {
        "inputs": {"w0": 2.0, "x0": -1.0},
        "gates": {"m0": {"type": "mul", "inputs": ["w0", "x0"]}},
        "outputs": ["m0"],
    }


def test_both_parsers_build_equal_trees(monkeypatch):
    trees = []
    for libyaml in (True, False):
        monkeypatch.setattr(yamlsrc, "LIBYAML", libyaml and yaml.__with_libyaml__)
        trees.append(read(NEURON, "neuron.yaml"))
    assert trees[0] == trees[1]


def test_map_lookup():
    tree = read("a: 1\n'b': 2\n3: x\n")
    assert tree.get("a").python() == 1
    assert tree.get("b").python() == 2
    assert tree.get("3").raw == "x"
    assert tree.get("zzz") is None
    assert "a" in tree and "zzz" not in tree and 3 not in tree
    big = read("".join(f"k{i}: {i}\n" for i in range(1000)))
    assert big.get("k777").python() == 777 and big.get("k1000") is None
    assert big.keys()[:3] == ["k0", "k1", "k2"]


def test_empty_values_and_document_markers():
    tree = read("---\na:\nb: []\nc: {}\n...\n")
    assert tree.get("a").is_null() and tree.get("a").python() is None
    assert tree.get("b") == Seq([], tree.get("b").pos)
    assert tree.get("c").items == []


def test_utf8_byte_order_mark_is_accepted(parser):
    assert read("\ufeffa: 1\n".encode("utf-8")).get("a").pos.line == 1
    assert read("\ufeffa: 1\n").get("a").python() == 1


# --- scalars: the YAML 1.2 core schema --------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("on", "on"),
        ("off", "off"),
        ("yes", "yes"),
        ("no", "no"),
        ("y", "y"),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("012", 12),
        ("+12", 12),
        ("-7", -7),
        ("0x1F", 31),
        ("0o17", 15),
        ("0b11", "0b11"),
        ("1_000", "1_000"),
        ("-0.5", -0.5),
        (".5", 0.5),
        ("1.", 1.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("+.INF", math.inf),
        ("~", None),
        ("null", None),
        ("NULL", None),
        ("", None),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("'1'", "1"),
        ('"true"', "true"),
        ("''", ""),
        ('"a\\tb"', "a\tb"),
        ("'~'", "~"),
        ("|\n  x\n", "x\n"),
        (">-\n  a\n  b\n", "a b"),
        ("g12", "g12"),
        ("1.2.3", "1.2.3"),
        ("+", "+"),
        ("-x", "-x"),
        ("!!str 12", "12"),
        ("!!int '12'", 12),
        ("!!int 0x10", 16),
        ("!!float 1", 1.0),
        ("!!float .inf", math.inf),
        ("!!bool 'true'", True),
        ("!!null ''", None),
        ("!!null", None),
    ],
)
def test_scalars_resolve_by_yaml_1_2(parser, text, value):
    got = read(f"v: {text}\n").get("v").python()
    assert got == value and type(got) is type(value)


def test_nan():
    assert math.isnan(read("v: .NaN\n").get("v").python())


def test_scalar_fields():
    tree = read("a: 'x'\nb: x\nc: !!str x\nd: |\n  x\n")
    assert [(s.raw, s.quoted, s.tag) for s in (tree.get(k) for k in "abcd")] == [
        ("x", True, None),
        ("x", False, None),
        ("x", False, "!!str"),
        ("x\n", True, None),
    ]
    assert Scalar("~", False, None, tree.pos).is_null()
    assert not Scalar("~", True, None, tree.pos).is_null()
    assert Scalar("", True, "!!null", tree.pos).is_null()


# --- the corpus of bad files ------------------------------------------------------------------

CORPUS = [
    ("python_tag.yaml", "tag '!!python/object/apply:os.system' is not allowed", 5, 9),
    ("custom_tag.yaml", "tag '!celsius' is not allowed", 2, 6),
    ("alias_bomb.yaml", "anchor '&a' is not allowed: write the value out in full", 2, 4),
    ("duplicate_key.yaml", "duplicate key 'm' (first defined at line 4)", 6, 3),
    ("multi_document.yaml", "a second YAML document starts here", 4, 1),
    ("top_level_list.yaml", "must be a mapping with keys like `inputs:`, `gates:`", 1, 1),
    ("syntax_error.yaml", "YAML syntax error: ", 4, 28),
    ("empty.yaml", "empty circuit file", 1, 1),
    ("utf16.yaml", "not UTF-8 text (it starts with a UTF-16 or UTF-32 byte order mark)", 1, 1),
    ("binary_junk.yaml", "file is not UTF-8 text (it holds a NUL byte)", 1, 8),
    ("bad_utf8.yaml", "file is not UTF-8 text (byte 0xe9 is not valid UTF-8)", 2, 6),
    ("lone_surrogate.yaml", "YAML syntax error: found invalid Unicode character escape code", 5, 30),
    ("escape_beyond_unicode.yaml", "YAML syntax error: found invalid Unicode character escape code", 3, 37),
]


@pytest.mark.parametrize("name, message, line, column", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_files(parser, name, message, line, column):
    path = BAD / name
    with pytest.raises(CircuitError) as info:
        load(path)
    err = info.value
    assert message in err.message
    assert (err.path, err.line, err.column) == (str(path), line, column)
    assert str(err).startswith(f"{path}:{line}:{column}: error: ")


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(c[0] for c in CORPUS)


def test_syntax_error_names_the_problem(parser):
    err = error_of("a: [1, 2\nb: 3\n")
    assert err.message.startswith("YAML syntax error: ")
    assert "check the indentation, quotes and brackets" in err.message
    assert err.line is not None and err.column is not None


# --- hazards, inline --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message, line, column",
    [
        ("a: !foo 1\n", "tag '!foo' is not allowed", 1, 4),
        ("a: ! 1\n", "tag '!' is not allowed", 1, 4),
        ("a: !<tag:example.com,2000:x> 1\n", "tag 'tag:example.com,2000:x' is not allowed", 1, 4),
        ("a: !!binary aGk=\n", "tag '!!binary' is not allowed", 1, 4),
        ("a: !!set {x}\n", "tag '!!set' is not allowed", 1, 4),
        ("a:\n  - !!python/name:os.system x\n", "circuit files never create Python objects", 2, 5),
        ("!!python/object:os.Foo {a: 1}\n", "tag '!!python/object:os.Foo' is not allowed", 1, 1),
        ("a: !!int abc\n", "'abc' is not a valid !!int value", 1, 4),
        ("a: !!int 1.5\n", "'1.5' is not a valid !!int value", 1, 4),
        ("a: !!float x\n", "'x' is not a valid !!float value", 1, 4),
        ("a: !!bool yes\n", "'yes' is not a valid !!bool value", 1, 4),
        ("a: !!null 0\n", "'0' is not a valid !!null value", 1, 4),
        ("a: !!seq x\n", "tag '!!seq' does not fit a single value", 1, 4),
        ("a: !!str [x]\n", "tag '!!str' does not fit a list", 1, 4),
        ("a: !!seq {x: 1}\n", "tag '!!seq' does not fit a mapping", 1, 4),
        ("a: &x 1\n", "anchor '&x' is not allowed", 1, 4),
        ("a: [1, &x [2]]\n", "anchor '&x' is not allowed", 1, 8),
        ("a: 1\nb: *x\n", "alias '*x' is not allowed: write the value out in full", 2, 4),
        ("{[a]: 1}\n", "a mapping key must be a name or a number, not a list", 1, 2),
        ("? {a: 1}\n: 2\n", "a mapping key must be a name or a number, not a mapping", 1, 3),
        ("a:\n  x: 1\n  y: 2\n  x: 3\n", "duplicate key 'x' (first defined at line 2)", 4, 3),
        ("{a: 1, 'a': 2}\n", "duplicate key 'a' (first defined at line 1)", 1, 8),
        ("a: 1\n---\nb: 2\n", "a second YAML document starts here", 2, 1),
        ("a: 1\n--- [x\n", "a second YAML document starts here", 2, 1),
        ("[a, b]\n", "not a list", 1, 1),
        ("just text\n", "not a single value", 1, 1),
        ("*x\n", "alias '*x' is not allowed", 1, 1),
        ("", "empty circuit file", 1, 1),
        ("# only a comment\n", "empty circuit file", 1, 1),
        ("---\n", "empty circuit file", 2, 1),
        ("a: 1\n  b\x07: 2\n", "control character U+0007", 2, 4),
        ("a: 'x\x00'\n", "a NUL character", 1, 6),
        ("a: 1\r\nb: \x1b\n", "control character U+001B", 2, 4),
        ("a: \ud800\n", "control character U+D800", 1, 4),
    ],
)
def test_hazards(parser, text, message, line, column):
    err = error_of(text)
    assert message in err.message
    assert (err.path, err.line, err.column) == ("c.yaml", line, column)


@pytest.mark.parametrize(
    "data, message, line, column",
    [
        ("a: 1\n".encode("utf-16-le"), "it holds a NUL byte", 1, 2),
        ("a: 1\n".encode("utf-16-be"), "it holds a NUL byte", 1, 1),
        ("a: 1\n".encode("utf-32"), "byte order mark", 1, 1),
        (b"\x00\x00\xfe\xff" + "a: 1\n".encode("utf-32-be"), "byte order mark", 1, 1),
        (b"a: 1\nb: caf\xc3\n", "byte 0xc3 is not valid UTF-8", 2, 7),
        (b"a: 1\nb: \xe2\x82\xac\xff\n", "byte 0xff is not valid UTF-8", 2, 5),
    ],
)
def test_bytes_that_are_not_utf8(parser, data, message, line, column):
    err = error_of(data)
    assert err.message.startswith("file is not UTF-8 text") and message in err.message
    assert "save it as UTF-8" in err.message
    assert (err.line, err.column) == (line, column)


def test_size_limit_applies_before_parsing(parser, tmp_path):
    message = error_of("a: [", max_bytes=3).message
    assert message.startswith("file is larger than the limit of 3 bytes")
    assert error_of("a: é\n", max_bytes=5).line is None  # 6 bytes in UTF-8
    assert read("a: é\n", max_bytes=6).get("a").raw == "é"
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 1000)
    with pytest.raises(CircuitError, match="larger than the limit of 100 bytes"):
        load(path, max_bytes=100)
    with pytest.raises(CircuitError, match="duplicate key 'a'"):
        load(path, max_bytes=5000)  # under the limit: it gets parsed


def test_load_reports_unreadable_files(tmp_path):
    with pytest.raises(CircuitError, match="cannot read circuit file") as info:
        load(tmp_path / "missing.yaml")
    assert info.value.path == str(tmp_path / "missing.yaml")
    with pytest.raises(CircuitError, match="cannot read circuit file"):
        load(tmp_path)


def test_load_labels_positions_with_the_path(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(NEURON)
    assert load(path).graph.nodes["m0"]["pos"].path == str(path)


# --- nesting ----------------------------------------------------------------------------------


def test_nesting_up_to_the_limit_is_fine(parser):
    tree = read("a: [[1]]\n", max_depth=3)  # the top-level mapping, then two lists
    assert plain(tree) == {"a": [[1]]}
    err = error_of("a: [[[1]]]\n", max_depth=3)
    assert err.message.startswith("nesting deeper than 3 levels; a circuit file needs only a few")
    assert (err.line, err.column) == (1, 6)


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_stops_at_the_limit(parser, opener, closer):
    depth = 50_000
    # Junk after the nesting would be a syntax error: reading must stop before it.
    text = "gates:\n  g: " + opener * depth + "1" + closer * depth + "\n  ][ :: junk\n"
    start = time.perf_counter()
    err = error_of(text)
    assert time.perf_counter() - start < 1.0
    assert err.message.startswith(f"nesting deeper than {yamlsrc.DEFAULT_MAX_DEPTH} levels")
    # Where it stops: at our limit, or (libyaml >= 0.2.5 scans flow collections ahead and caps
    # them itself) at libyaml's own limit of 1000 levels, still long before the junk.
    width = len(opener)
    assert err.line == 2
    ours = 6 + width * (yamlsrc.DEFAULT_MAX_DEPTH - 2)
    assert err.column == ours or ours < err.column <= 6 + width * 1000


def test_deep_block_nesting(parser):
    text = "a:\n" + "\n".join(" " * (2 * i + 2) + "-" for i in range(100)) + " x\n"
    err = error_of(text)
    assert err.message.startswith("nesting deeper than 64 levels")
    assert (err.line, err.column) == (65, 129)


def test_alias_bomb_costs_nothing(parser):
    lines = ['a0: &a0 ["lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    start = time.perf_counter()
    err = error_of("\n".join(lines))
    assert time.perf_counter() - start < 0.5
    assert "anchor '&a0' is not allowed" in err.message


def test_garbage_collector_state_is_restored():
    assert gc.isenabled()
    read(NEURON)
    assert gc.isenabled()
    error_of("a: [\n")
    assert gc.isenabled()
    gc.disable()
    try:
        read(NEURON)
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- fuzzing: only ever a CircuitError --------------------------------------------------------

YAML_BITS = st.sampled_from(
    list("[]{}:,-?&*!|>'\"%@`#\n\t \r\\~.0123456789eax\x85\u2028\ufeff\x00\x07")
    + ["---", "...", "!!python/object:os.system", "!!int", "&a", "*a", "\n  ", ": ", "- ", "\xff"]
)


@st.composite
def mutated_neuron(draw) -> str:
    text = NEURON
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        text = text[:i] + draw(st.lists(YAML_BITS, max_size=3).map("".join)) + text[j:]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.one_of(st.binary(max_size=200), mutated_neuron(), mutated_neuron().map(str.encode)),
    libyaml=st.booleans(),
)
def test_fuzz_only_circuit_errors(source, libyaml):
    saved = yamlsrc.LIBYAML
    yamlsrc.LIBYAML = libyaml and yaml.__with_libyaml__
    try:
        tree = read(source, "f.yaml", max_depth=8)
    except CircuitError as err:
        assert err.path == "f.yaml" and err.message
    else:
        assert isinstance(tree, Map)
        plain(tree)
    finally:
        yamlsrc.LIBYAML = saved
