"""A module bomb (small files whose instances multiply) explored: the page is bounded in
messages and names as the drawing is in gates, and says what it left out."""

import json
import re

import pytest


@pytest.fixture
def bomb(tmp_path):
    """Five files of a few lines: 2,851 gates, some 14,000 messages."""
    (tmp_path / "m0.yaml").write_text("circuit: m0\ninputs: {x: 1.0}\ngates:\n  a: {type: neg, inputs: [x]}\n  b: {type: exp, inputs: [a]}\noutputs: [b]\n")
    for k in range(1, 5):
        parts = "".join(f"  u{i}: {{type: part, inputs: [x]}}\n" for i in range(6))
        total = "  s: {type: add, inputs: [" + ", ".join(f"u{i}" for i in range(6)) + "]}\n"
        (tmp_path / f"m{k}.yaml").write_text(f"circuit: m{k}\nmodules:\n  part: m{k - 1}.yaml\ninputs: {{x: 1.0}}\ngates:\n{parts}{total}outputs: [s]\n")
    return tmp_path / "m4.yaml"


def page_data(path) -> dict:
    text = path.read_text()
    return json.loads(re.search(r'<script type="application/json" id="circuitsim-data">(.*?)</script>', text, re.S).group(1))


def test_a_module_bomb_makes_a_bounded_page_that_says_what_it_left_out(cli, bomb, tmp_path):
    page = tmp_path / "bomb.html"
    result = cli("explore", str(bomb), "-o", str(page))
    assert re.search(r"warning: the page plays 10,000 of the [\d,]+ messages \(those nearest the outputs\)", result.stderr)
    data = page_data(page)
    assert len(data["trace"]["pass"]) == 10_000 and len(data["names"]) < 10_000
    assert page.stat().st_size < 5_000_000
    assert data["trace"]["pass"].startswith("f") and data["trace"]["pass"].endswith("b")


def test_around_a_node_plays_its_messages(cli, bomb, tmp_path):
    page = tmp_path / "around.html"
    result = cli("explore", str(bomb), "-o", str(page), "--around", "u0/u0/u0/u0/a", "--depth", "3")
    data = page_data(page)
    assert "warning: the page plays" in result.stderr and 0 < len(data["trace"]["pass"]) <= 10_000
    assert "u0/u0/u0/u0/a" in data["trace"]["names"]


def test_the_bounded_page_plays_in_a_browser(cli, bomb, tmp_path, tab):
    page = tmp_path / "bomb.html"
    cli("explore", str(bomb), "-o", str(page))
    tab.goto(page.as_uri())
    tab.wait_for_function("window.circuitsim && window.circuitsim.steps.length === 10000", timeout=30_000)
    tab.evaluate("window.circuitsim.goto(9999)")
    assert tab.text_content("#message")
