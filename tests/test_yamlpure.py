"""Tests for circuitsim.read.yamlpure: without libyaml, pyyaml's own parser reads a file as libyaml does.

Each text is read by both parsers: the trees must be the same, positions included, or both must
refuse the text at the same place.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitsim.errors import CircuitError
from circuitsim.read import yamltree as yamlsrc
from circuitsim.read.yamltree import Map, Seq, read

SAME_TREE = [
    "a: {b:\t1, c: 2,\td: 3}\n",  # tabs between tokens of a flow mapping
    "a: {\tb: 1\t}\n",
    "a: [1,\t2]\n",
    "a:\t1\n",  # a tab after a key's colon
    "a: b\tc\n",  # a tab inside a plain scalar
    "a:\n  b\n  \tc\n",
    "a: [x?y, x ?y]\n",  # '?' inside a plain scalar of a flow collection
    'a: "\\ud800"\n',  # an escaped backslash, not an escape
]
BOTH_REFUSE = [
    ('a: "\\ud800"\n', 1, 7),  # a lone surrogate, as an escape
    ('a: "x\\udc00"\n', 1, 8),
    ('a: "\\U0000dfff"\n', 1, 7),
    ('a: "\\U00110000"\n', 1, 7),  # beyond U+10FFFF
    ("\ta: 1\n", 1, 1),  # a tab as indentation
    ("a: b\n\tc\n", 2, 1),
    ("a: |\n \tx\n", 2, 2),  # a tab where a block scalar's indentation is found
    ("a: [b:]\n", 1, 6),  # a colon right before a flow indicator
    ("a: {b:{c}}\n", 1, 6),
]


def both(text: str):
    """What each parser makes of ``text``: the tree as plain data and positions, or the error's place."""
    seen = []
    for libyaml in (True, False):
        saved = yamlsrc.LIBYAML
        yamlsrc.LIBYAML = libyaml and yaml.__with_libyaml__
        try:
            seen.append(positions(read(text, "c.yaml")))
        except CircuitError as err:
            seen.append(("error", err.line, err.column))
        finally:
            yamlsrc.LIBYAML = saved
    return seen


def positions(node):
    if isinstance(node, Map):
        return {key.raw: positions(value) for key, value in node.items}
    if isinstance(node, Seq):
        return [positions(item) for item in node.items]
    return (node.raw, node.quoted, node.pos.line, node.pos.column)


@pytest.mark.parametrize("text", SAME_TREE)
def test_both_parsers_read_tabs_and_flow_scalars_alike(text):
    c, python = both(text)
    assert c == python and c != "error"


@pytest.mark.parametrize("text, line, column", BOTH_REFUSE)
def test_both_parsers_refuse_the_same_text_at_the_same_place(text, line, column):
    assert both(text) == [("error", line, column)] * 2


FRAGMENTS = ["a", "b", "k: ", ":", " ", "\t", "\n", "\n  ", "[", "]", "{", "}", ", ", "- ", "#", "'", '"', "\\u", "d800", "1", "|\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
def test_both_parsers_agree_on_random_text(fragments):
    """Either both read the same tree or both refuse (the message and place may differ).

    Two known differences are left out: where an empty value stands (``{x: }``: at the colon or
    at the brace) and libyaml's refusal of an empty key before ``]`` (``[a, ?]``).
    """
    c, python = (_empty_values_unplaced(x) for x in both("k: " + "".join(fragments) + "\n"))
    if isinstance(c, tuple) and c[0] == "error" or isinstance(python, tuple) and python[0] == "error":
        refused = [isinstance(x, tuple) and x[0] == "error" for x in (c, python)]
        assert refused == [True, True], (c, python)
    else:
        assert c == python


def _empty_values_unplaced(tree):
    if isinstance(tree, dict):
        return {k: _empty_values_unplaced(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_empty_values_unplaced(v) for v in tree]
    if tree[0] == "" and tree[1] is False:
        return ("", False)
    return tree
