"""docs/neuron.ipynb runs as a user runs it, and its HTML export plays the neuron in Chromium."""

import pathlib
import re
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

import circuitsim

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def notebook():
    """The notebook, executed in a fresh kernel from docs/ (where a user opens it)."""
    nb = nbformat.read(ROOT / "docs" / "neuron.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit the notebook without outputs"
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    return nb


def outputs(nb):
    return [cell.outputs for cell in nb.cells if cell.cell_type == "code"]


def test_the_notebook_runs_the_neuron_and_shows_its_picture_and_player(notebook, root):
    run, picture, player = outputs(notebook)
    assert [o.output_type for o in run] == ["stream"]
    assert run[0].text == "f = 0.7311\n{'w0': -0.1966, 'x0': 0.3932, 'w1': -0.3932, 'x1': -0.5898, 'w2': 0.1966}\n"
    c = circuitsim.load(root / "circuits" / "neuron.yaml")
    assert picture[0].data["image/svg+xml"] == c.run()._repr_svg_()
    assert player[0].data["text/plain"] == "<Explorer 'neuron': 26 messages>"
    assert player[0].data["text/html"].startswith('<iframe class="circuitsim-explorer"')


def test_the_notebook_exported_as_html_plays_in_chromium(notebook, tab, tmp_path):
    """nbconvert's HTML export, opened from disk: the player in it steps through both passes.
    The export's own scripts from the web (require.js, MathJax) are answered empty: offline."""
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    assert page.count('<iframe class="circuitsim-explorer"') == 1
    exported = tmp_path / "neuron.html"
    exported.write_text(page, encoding="utf-8")
    tab.route(re.compile(r"^https?://"), lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))
    tab.goto(exported.as_uri())
    [frame] = [f for f in tab.frames if f != tab.main_frame]
    deadline = time.monotonic() + 10
    while not frame.evaluate("Boolean(window.circuitsim && window.circuitsim.steps.length)"):
        assert time.monotonic() < deadline, "the player did not start"
        time.sleep(0.02)
    assert frame.evaluate("window.circuitsim.steps.length") == 26
    frame.evaluate("window.circuitsim.goto(0)")
    assert frame.text_content("#message") == "w0 -> m0.0: 2.00"
    frame.evaluate("window.circuitsim.goto(24)")
    assert frame.text_content("#message") == "m0.0 -> w0: 0.20 \u00d7 -1.00 = -0.20"
    assert "0.73" in tab.text_content("body")  # the drawing's numbers, outside the player
