"""circuitsim explore: the page it writes, driven in a real browser through its contract
(``window.circuitsim.steps``, ``goto(k)``, ``#message``), its keys and its picture."""

import json
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import circuitsim
from circuitsim.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, root):
    """The pages of a few example circuits, written once by ``circuitsim explore``; ``chain``:
    three instances one after another, each also reading x1 (a fan-out along the whole picture)."""
    where = tmp_path_factory.mktemp("pages")
    chain = where / "chain.yaml"
    gates = "".join(f"  h{i}: {{type: unit, inputs: [{f'h{i - 1}' if i else 'x0'}, x1, 0.5, 0.5]}}\n" for i in range(3))
    chain.write_text(f"modules:\n  unit: {root / 'circuits' / 'modules' / 'neuron_unit.yaml'}\ninputs: {{x0: -1.0, x1: -2.0}}\ngates:\n{gates}outputs: [h2]\n")
    made = {}
    for name in ["neuron", "fanout", "two_neurons", "sort3", "chain"]:
        out = where / f"{name}.html"
        result = invoke("explore", str(chain if name == "chain" else root / "circuits" / f"{name}.yaml"), "-o", str(out))
        assert result.exit_code == 0, result.output
        made[name] = out
    return made


@pytest.fixture(scope="module")
def root():
    import pathlib

    return pathlib.Path(__file__).resolve().parent.parent


def jsonl(root, name, *options):
    result = invoke("trace", str(root / "circuits" / f"{name}.yaml"), "--format", "jsonl", *options)
    return [json.loads(line) for line in result.output.splitlines()]


def wait_until(page, condition, timeout=10.0):
    """Poll ``condition`` (a JS expression) in ``page`` (playwright's own waiting evaluates
    strings, which the pages' Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({condition})"):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.02)


def open_page(tab, path):
    """Open a page from disk; any request it makes other than for its own file fails the test."""
    requests = []
    tab.on("request", lambda r: r.url != path.as_uri() and requests.append(r.url))
    tab.goto(path.as_uri())
    wait_until(tab, "window.circuitsim && window.circuitsim.steps.length > 0")
    tab.requests = requests
    return tab


# -- the command ---------------------------------------------------------------------------------


def test_explore_writes_one_self_contained_page(pages):
    text = pages["neuron"].read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", text)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), "no address outside the page"
    assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_explore_errors_name_the_file_position(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: {x: 1.0}\ngates:\n  g: {type: mull, inputs: [x]}\noutputs: [g]\n")
    result = CliRunner().invoke(main, ["explore", str(bad), "-o", str(tmp_path / "page.html")])
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.output and "unknown gate type 'mull'" in result.output
    assert not (tmp_path / "page.html").exists()


def test_explore_needs_required_inputs_and_one_sample(tmp_path):
    circuit = tmp_path / "c.yaml"
    circuit.write_text("inputs: {x: null}\ngates:\n  g: {type: neg, inputs: [x]}\noutputs: [g]\n")
    result = CliRunner().invoke(main, ["explore", str(circuit), "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 1 and "--set x=VALUE" in result.output
    result = CliRunner().invoke(main, ["explore", str(circuit), "--set", "x=1,2", "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 2 and "one sample" in result.output
    result = CliRunner().invoke(main, ["explore", str(circuit), "--set", "x=2", "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 0 and (tmp_path / "p.html").exists()


# -- the player's contract -----------------------------------------------------------------------


def test_steps_are_the_trace_and_goto_shows_each_message(tab, pages, root):
    page = open_page(tab, pages["neuron"])
    steps = page.evaluate("window.circuitsim.steps")
    assert steps == jsonl(root, "neuron")
    texts = page.evaluate("[...window.circuitsim.steps.keys()].map((k) => (window.circuitsim.goto(k), document.querySelector('#message').textContent))")
    assert texts[0] == "w0 -> m0.0: 2.00"
    assert texts[12] == "f -> output: 0.73"
    assert texts[13] == "seed -> f: 1.00"
    assert texts[24] == "m0.0 -> w0: 0.20 \u00d7 -1.00 = -0.20"
    assert texts[16] == "p.1 -> 1: -0.53 \u00d7 1.00 = -0.53"
    assert len(texts) == len(steps) == 26
    assert page.requests == []


def test_the_message_shown_is_highlighted_and_numbers_appear_as_they_arrive(tab, pages):
    page = open_page(tab, pages["neuron"])
    page.evaluate("window.circuitsim.goto(24)")  # m0 -> w0, backward
    lit = page.evaluate("[...document.querySelectorAll('.hl')].map((e) => [e.getAttribute('class'), e.dataset.from || e.dataset.node])")
    assert ["wire hl backward", "w0"] in lit
    assert ["node gate hl backward", "m0"] in lit
    assert page.evaluate("document.querySelector('.wire.hl').dataset.to") == "m0"
    pending = "(cls) => document.querySelectorAll(`.labels text.${cls}.pending`).length"
    page.evaluate("window.circuitsim.goto(0)")
    assert page.evaluate(pending, "grad") == page.evaluate("document.querySelectorAll('.labels text.grad').length") > 0
    assert page.evaluate(pending, "value") > 0
    page.evaluate("window.circuitsim.goto(12)")  # the forward pass is over: every value is shown
    assert page.evaluate(pending, "value") == 0 and page.evaluate(pending, "grad") > 0
    page.evaluate("window.circuitsim.goto(25)")
    assert page.evaluate(pending, "grad") == 0
    page.evaluate("window.circuitsim.goto(3)")  # and back again
    assert page.evaluate(pending, "grad") > 0


def test_keys_step_and_space_plays(tab, pages):
    page = open_page(tab, pages["neuron"])
    icons = page.evaluate("['first', 'back', 'play', 'forward', 'last'].map((id) => document.getElementById(id).innerHTML)")
    assert len(set(icons)) == 5  # play and step forward look different
    k = lambda: page.evaluate("window.circuitsim.k")
    assert k() == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert k() == 2 and page.text_content("#message") == "w1 -> m1.0: -3.00"  # after w0 and x0
    page.keyboard.press("ArrowLeft")
    assert k() == 1
    page.keyboard.press("End")
    assert k() == 25
    page.keyboard.press("Home")
    page.select_option("#speed", "30")
    page.keyboard.press(" ")
    wait_until(page, "window.circuitsim.k >= 5")
    page.keyboard.press(" ")
    stopped = k()
    page.wait_for_timeout(150)
    assert k() == stopped and 5 <= stopped < 25
    page.click("#forward")
    assert k() == stopped + 1
    page.fill("#slider", "20")
    assert k() == 20


def test_a_fanned_out_gradient_adds_up_on_its_trunk_and_in_the_inspector(tab, pages):
    page = open_page(tab, pages["fanout"])
    steps = page.evaluate("window.circuitsim.steps")
    into_x = [k for k, m in enumerate(steps) if m["pass"] == "backward" and m["to"] == "x"]
    trunk = "document.querySelector('.labels.trunk[data-from=\"x\"] text.grad')"
    sums = []
    for k in into_x:
        page.evaluate(f"window.circuitsim.goto({k})")
        sums.append(page.evaluate(f"{trunk}.textContent"))
    assert sums == ["4.00", "-8.00", "-5.00", "-2.00"]
    page.evaluate(f"window.circuitsim.goto({into_x[1]})")
    box = page.evaluate("(() => { const r = document.querySelector('.wire.trunk[data-from=\"x\"] path').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    page.mouse.click(*box)
    panel = page.locator("#inspect")
    assert panel.is_visible()
    rows = panel.locator("tr").all_inner_texts()
    assert len(rows) == 5 and "so far" in rows[-1] and "-8.00" in rows[-1]  # what has arrived, not the final -2.00
    assert "p.0" in rows[0] and "= 4.00" in rows[0]
    assert panel.locator("tr.later").count() == 2  # sq's two have not come back yet: no numbers
    assert all("at message" in row and not re.search(r"\d\.\d\d", row) for row in rows[2:4])
    assert "-2.00" not in panel.inner_text() and "2 of 4 arrived" in panel.inner_text()
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    page.evaluate(f"window.circuitsim.goto({into_x[0] - 1})")  # before any gradient came back to x
    page.mouse.click(*box)
    assert "gradient (none arrived yet)" in panel.inner_text()
    rows = panel.locator("tr").all_inner_texts()
    assert panel.locator("tr.later").count() == 4 and "so far" in rows[-1] and not re.search(r"\d\.\d\d", "".join(rows))


GEOMETRY = """(() => {
  const gates = [...document.querySelectorAll('.node.gate')].map((g) => {
    const c = g.querySelector('circle');
    return [g.dataset.node, +c.getAttribute('cx'), +c.getAttribute('cy'), +c.getAttribute('r')];
  });
  const wires = [...document.querySelectorAll('.wire')].map((w) => [w.dataset.from, w.dataset.to || null,
    [...w.querySelector('path').getAttribute('d').matchAll(/(-?[\\d.]+),(-?[\\d.]+)/g)].map((m) => [+m[1], +m[2]])]);
  return { gates, wires };
})()"""


def crossings(page):
    """(wire, gate) for every wire of the page's picture that passes through a gate it does not connect."""
    from test_pictures import distance

    shapes = page.evaluate(GEOMETRY)
    assert shapes["gates"] and shapes["wires"] and all(len(points) >= 2 for _, _, points in shapes["wires"])
    found = []
    for source, target, points in shapes["wires"]:
        for a, b in zip(points, points[1:]):
            for name, x, y, r in shapes["gates"]:
                if name not in (source, target) and distance(a, b, (x, y)) < r:
                    found.append((f"{source} -> {target}", name))
    return found


def click_on(page, selector):
    box = page.evaluate(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
    page.mouse.click(*box)


def test_each_module_instance_folds_and_unfolds_by_a_click(tab, pages):
    page = open_page(tab, pages["two_neurons"])
    steps = page.evaluate("window.circuitsim.steps")
    inner = next(k for k, m in enumerate(steps) if m["pass"] == "backward" and m["from"] == "h1/m1")
    page.evaluate(f"window.circuitsim.goto({inner})")
    assert page.evaluate("document.querySelector('.instance.hl').dataset.instance") == "h1"
    click_on(page, '.instance[data-instance="h1"] rect')  # h1 unfolds, h0 stays a box
    assert page.evaluate("window.circuitsim.unfolded") == ["h1"]
    assert page.locator(".group[data-instance='h1']").count() == 1 and page.locator(".instance[data-instance='h0']").count() == 1
    assert page.evaluate("window.circuitsim.k") == inner
    lit = page.evaluate("[...document.querySelectorAll('.node.hl')].map((e) => e.dataset.node)")
    assert sorted(lit) == ["h1/m1", "h1/w1"]
    page.click("#fit")
    assert crossings(page) == []
    click_on(page, '.instance[data-instance="h0"] rect')  # both: the unfolded picture
    assert page.evaluate("window.circuitsim.unfolded") == ["h0", "h1"] and page.text_content("#fold") == "fold modules"
    assert page.locator(".group").count() == 2 and page.locator(".instance").count() == 0
    page.click("#fit")
    click_on(page, '.group[data-instance="h1"] > text')  # a click on its name folds it again
    assert page.evaluate("window.circuitsim.unfolded") == ["h0"] and page.locator(".instance[data-instance='h1']").count() == 1
    page.click("#fit")
    assert crossings(page) == []
    page.click("#fold")  # all of them at once
    assert page.evaluate("window.circuitsim.unfolded") == ["h0", "h1"]
    page.click("#fold")
    assert page.locator(".group").count() == 0 and page.locator(".instance").count() == 2


LABELLING = """(() => {
  const box = (e) => { const r = e.getBBox(); return [r.x, r.y, r.x + r.width, r.y + r.height]; };
  const route = (w) => [...w.querySelector('path').getAttribute('d').matchAll(/(-?[\\d.]+),(-?[\\d.]+)/g)].map((m) => [+m[1], +m[2]]);
  const wires = [...document.querySelectorAll('.wire')].map((w) => [w.dataset.from + '>' + (w.dataset.to || ''), route(w)]);
  const labels = [...document.querySelectorAll('.labels text')].map((t) => {
    const g = t.closest('g');
    return [g.dataset.from + '>' + (g.dataset.to || ''), t.classList.contains('value') ? 'value' : 'grad', box(t)];
  });
  const frames = [...document.querySelectorAll('.group')].map((g) => [g.dataset.instance, box(g.querySelector('rect')),
    [...document.querySelectorAll('.node')].filter((n) => (n.dataset.instance || '').split('/')[0] === g.dataset.instance).map(box)]);
  const nodes = [...document.querySelectorAll('.node, .instance')].map((n) => [n.dataset.node || n.dataset.instance, (n.dataset.instance || '').split('/')[0], box(n)]);
  return { wires, labels, frames, nodes };
})()"""


def astray(page):
    """The labels of the page's picture that are not just above (a value) or below (a gradient)
    their wire, or that overlap another; and each unfolded instance whose rectangle is not its
    contents' own (the same room on every side as ``draw --expand`` leaves, and nothing else
    in it or through it)."""
    from test_pictures import distance

    from circuitsim.draw.geometry import Box

    shapes = page.evaluate(LABELLING)
    wires = dict(shapes["wires"])
    assert shapes["labels"] and all(key in wires for key, _, _ in shapes["labels"])
    found = []
    for key, part, (x0, y0, x1, y1) in shapes["labels"]:
        route = wires[key]
        corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
        gap = min(min(distance(a, b, c) for c in corners) for a, b in zip(route, route[1:]))  # from its nearest corner
        x = (x0 + x1) / 2
        under = [a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]) for a, b in zip(route, route[1:]) if a[0] < b[0] and a[0] <= x <= b[0]]
        side = bool(under) and (y1 <= min(under) + 4 if part == "value" else y0 >= max(under) - 4)  # the font's box is a little taller than its digits
        if gap > 8 or not side:
            found.append((key, part, round(gap, 1)))
    boxes = [box for _, _, box in shapes["labels"]]
    found += [("overlap", a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 2]
    owners = {node: owner for node, owner, _ in shapes["nodes"]}
    for name, (x0, y0, x1, y1), nodes in shapes["frames"]:
        left, right = min(n[0] for n in nodes) - x0, x1 - max(n[2] for n in nodes)
        if not 8 <= left <= 12 or abs(right - left) > 1:
            found.append((name, "frame", round(left, 1), round(right, 1)))
        inside = Box(x0 + 1, y0 + 1, x1 - 1, y1 - 1)  # what is not its own keeps out of it
        found += [(name, "holds", node) for node, owner, b in shapes["nodes"] if owner != name and inside.overlap(Box(*b)) > 0]
        for key, route in shapes["wires"]:
            if name not in {owners.get(end) for end in key.split(">")}:
                found += [(name, "crossed by", key) for a, b in zip(route, route[1:]) if inside.crosses(a, b)]
    return found


@pytest.mark.parametrize("name", ["two_neurons", "sort3", "chain"])
def test_labels_stay_on_their_wires_and_rectangles_fit_as_instances_unfold(tab, pages, name):
    import itertools

    tab.set_viewport_size({"width": 2400, "height": 1400})  # the whole picture with its labels, fitted
    page = open_page(tab, pages[name])
    page.evaluate("window.circuitsim.goto(window.circuitsim.steps.length - 1)")  # every number shown
    instances = page.evaluate("window.circuitsim.fold(undefined, true), window.circuitsim.unfolded")
    for n in range(len(instances) + 1):
        for unfolded in itertools.combinations(instances, n):
            page.evaluate(f"window.circuitsim.fold(undefined, false); window.circuitsim.fold({list(unfolded)}, true)")
            assert page.evaluate("window.circuitsim.unfolded") == list(unfolded)
            page.click("#fit")
            assert astray(page) == [], unfolded
            assert not unfolded or crossings(page) == [], unfolded  # (folded, the chain has no gates of its own)


HINT = """(() => {
  const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  return { hint: r(document.getElementById('help')), stage: r(document.getElementById('stage')),
           names: [...document.querySelectorAll('.node text')].map((t) => [t.textContent, r(t)]) };
})()"""


def covered(page):
    """The names of nodes in sight (their parts inside the stage, which clips the picture)
    that the key hint covers."""
    shapes = page.evaluate(HINT)
    (h0, h1, h2, h3), (s0, s1, s2, s3) = shapes["hint"], shapes["stage"]
    assert h2 > h0 and h3 > h1 and h3 <= page.viewport_size["height"]  # the hint is on the screen
    seen = [(name, (max(b[0], s0), max(b[1], s1), min(b[2], s2), min(b[3], s3))) for name, b in shapes["names"]]
    return [name for name, b in seen if b[0] < b[2] and b[1] < b[3] and b[0] < h2 and h0 < b[2] and b[1] < h3 and h1 < b[3]]


def test_the_key_hint_never_covers_the_picture(tab, pages):
    page = open_page(tab, pages["two_neurons"])
    page.click("#fit")
    name = page.locator('.node[data-node="y"] text').last  # the output's name, dragged into the bottom right corner
    stage, label = page.locator("#stage").bounding_box(), name.bounding_box()
    right, bottom = stage["x"] + stage["width"], stage["y"] + stage["height"]
    start = (stage["x"] + 20, stage["y"] + 20)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + right - 14 - (label["x"] + label["width"]), start[1] + bottom - 8 - (label["y"] + label["height"]), steps=5)
    page.mouse.up()
    moved = name.bounding_box()
    assert right - 20 < moved["x"] + moved["width"] <= right and bottom - 14 < moved["y"] + moved["height"] <= bottom
    assert covered(page) == []


def test_pan_zoom_fit_and_find(tab, pages):
    page = open_page(tab, pages["two_neurons"])
    view_box = lambda: page.evaluate("window.circuitsim.viewBox()")
    home = view_box()
    page.mouse.move(600, 500)
    page.mouse.wheel(0, -400)
    zoomed = view_box()
    assert zoomed[2] < home[2] * 0.8
    page.mouse.move(600, 500)
    page.mouse.down()
    page.mouse.move(500, 450, steps=4)
    page.mouse.up()
    moved = view_box()
    assert moved[0] > zoomed[0] and moved[2] == zoomed[2]
    page.click("#fit")
    assert view_box() == home
    page.fill("#search", "h1")
    page.press("#search", "Enter")
    assert page.locator(".found").count() == 1
    assert view_box() != home
    page.fill("#search", "y")
    page.press("#search", "Enter")
    name = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('.found > text.name')); return [s.stroke, s.fill, s.fontWeight]; })()")
    assert name[0] == "none" and name[1] == "rgb(47, 111, 208)" and name[2] == "700"  # a found name stays readable: coloured, not stroked
    page.fill("#search", "nothing_like_it")
    page.press("#search", "Enter")
    assert "missing" in page.get_attribute("#search", "class")


# -- notebooks -----------------------------------------------------------------------------------


def test_notebook_players_are_inline_and_do_not_clash(tab, tmp_path, root):
    neuron = circuitsim.load(root / "circuits" / "neuron.yaml").explore()
    fanout = circuitsim.load(root / "circuits" / "fanout.yaml").explore({"x": 1.0})
    assert len(neuron.steps) == 26 and neuron.steps == jsonl(root, "neuron")
    cells = f"<html><body><h1>notebook</h1>{neuron._repr_html_()}<p>between</p>{fanout._repr_html_()}</body></html>"
    assert "<script src" not in cells
    notebook = tmp_path / "notebook.html"
    notebook.write_text(cells, encoding="utf-8")
    tab.goto(notebook.as_uri())
    frames = [f for f in tab.frames if f != tab.main_frame]
    assert len(frames) == 2
    for frame in frames:
        wait_until(frame, "window.circuitsim && window.circuitsim.steps.length > 0")
    lengths = [f.evaluate("window.circuitsim.steps.length") for f in frames]
    assert lengths == [26, len(fanout.steps)]
    frames[0].evaluate("window.circuitsim.goto(24)")
    frames[1].evaluate("window.circuitsim.goto(0)")
    assert frames[0].text_content("#message") == "m0.0 -> w0: 0.20 \u00d7 -1.00 = -0.20"
    assert frames[1].text_content("#message") == "x -> sq.0: 1.00"
    neuron.save(tmp_path / "saved.html")
    assert (tmp_path / "saved.html").read_text(encoding="utf-8") == neuron.html


def test_a_run_that_makes_infinities_says_so_on_stderr_and_in_the_page(tmp_path):
    circuit = tmp_path / "log0.yaml"
    circuit.write_text("inputs: {x: 0.0}\ngates:\n  l: {type: log, inputs: [x]}\noutputs: [l]\n")
    result = CliRunner().invoke(main, ["explore", str(circuit), "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 0
    assert f"warning: {circuit}:3:3: gate 'l' (log) with inputs x=0 produced -inf" in result.output
    assert "produced -inf" in (tmp_path / "p.html").read_text(encoding="utf-8")


# -- big circuits ---------------------------------------------------------------------------------


def chain_file(tmp_path, gates):
    lines = ["inputs: {x: 0.5}", "gates:", "  g0: {type: tanh, inputs: [x]}"]
    lines += [f"  g{i}: {{type: add, inputs: [g{i - 1}, x]}}" for i in range(1, gates)]
    path = tmp_path / "long.yaml"
    path.write_text("\n".join(lines + [f"outputs: [g{gates - 1}]"]) + "\n")
    return path


def page_data(page_path):
    text = page_path.read_text(encoding="utf-8")
    return json.loads(text[text.index('id="circuitsim-data">') + 21 : text.index("</script>")])


def drawn_gates(page_path):
    data = page_data(page_path)
    return {item[5]["node"] for item in data["views"][0]["items"] if item[5]["kind"] == "node gate"}


def test_a_big_circuit_is_drawn_in_part_as_draw_draws_it(tmp_path, monkeypatch, tab):
    import circuitsim.draw

    monkeypatch.setattr(circuitsim.draw, "LIMIT", 40)  # as if 40 gates were 2,000
    path = chain_file(tmp_path, 100)
    page = tmp_path / "long.html"
    result = CliRunner().invoke(main, ["explore", str(path), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "has 100 gates; drawn are the 40 or fewer nearest its outputs" in result.stderr
    shown = drawn_gates(page)
    assert 0 < len(shown) <= 40 and "g99" in shown and "g0" not in shown
    open_page(tab, page)
    assert tab.evaluate("window.circuitsim.steps.length") == 2 * (1 + 2 * 99) + 2  # every message is played
    tab.evaluate("window.circuitsim.goto(0)")  # x -> g0, not drawn: nothing lit, and the page says so
    assert tab.text_content("#message") == "x -> g0.x: 0.50" and tab.locator(".wire.hl").count() == 0
    assert tab.is_visible("#offstage") and "g0 is outside the part of the circuit drawn" in tab.text_content("#offstage")
    out = tab.evaluate("window.circuitsim.steps.findIndex((m) => m.to === null)")
    tab.evaluate(f"window.circuitsim.goto({out})")  # g99's value leaves the circuit
    assert tab.evaluate("[...document.querySelectorAll('.wire.hl')].map((e) => e.dataset.from)") == ["g99"]
    assert tab.is_hidden("#offstage")
    result = CliRunner().invoke(main, ["explore", str(path), "--around", "g50", "--depth", "1", "-o", str(page)])
    assert result.exit_code == 0 and "note:" not in result.stderr
    assert drawn_gates(page) == {"g49", "g50", "g51"}  # and x, which every gate reads
    result = CliRunner().invoke(main, ["explore", str(path), "--all", "-o", str(page)])
    assert result.exit_code == 0 and len(drawn_gates(page)) == 100
    result = CliRunner().invoke(main, ["explore", str(path), "--around", "g500", "-o", str(page)])
    assert result.exit_code == 1 and "cannot draw around unknown node 'g500'" in result.output


def test_a_big_picture_draws_what_is_in_sight_and_an_overview_from_afar(tab, tmp_path, root):
    circuit = tmp_path / "mlp.yaml"
    subprocess.run([sys.executable, str(root / "examples" / "mlp.py"), "4", "8", "8", "1", "--seed", "0", "-o", str(circuit)], check=True)
    page = tmp_path / "mlp.html"
    assert invoke("explore", str(circuit), "-o", str(page)).exit_code == 0
    open_page(tab, page)
    count = lambda selector: tab.locator(selector).count()
    wires = len([w for w in page_data(page)["views"][0]["items"] if w[0] == "wires"])
    assert 0 < count(".labels[data-from]") < wires and count(".wire") < wires  # it opens readable, on message 1
    tab.click("#fit")  # the whole picture: every wire, no label (too small to read)
    assert count(".wire") == wires and count(".labels[data-from]") == 0 and count("svg.overview") == 0
    tab.mouse.move(600, 500)
    for _ in range(6):
        tab.mouse.wheel(0, 600)
    assert count("svg.overview") == 1 and count(".wire") <= 2  # from afar: the overview and the message shown
    tab.fill("#search", "z2_0")
    tab.press("#search", "Enter")
    assert count("svg.overview") == 0 and count(".labels[data-from]") > 0
    tab.evaluate("window.circuitsim.goto(200)")  # followed into the picture's middle: no name under the key hint
    assert covered(tab) == []
    n = tab.evaluate("window.circuitsim.steps.length")
    labels = "[...document.querySelectorAll('.labels text')].map((t) => [t.closest('g').dataset.from, t.classList.contains('pending'), t.textContent]).sort()"
    tab.uncheck("#follow")  # the same labels in sight throughout
    tab.evaluate(f"window.circuitsim.goto({n - 1}); window.circuitsim.goto({n // 2})")  # far
    far = tab.evaluate(labels)
    tab.evaluate(f"for (let k = 0; k <= {n // 2}; k++) window.circuitsim.goto(k)")  # message by message
    assert tab.evaluate(labels) == far and {pending for _, pending, _ in far} == {True, False}


# -- the colour-blind palette --------------------------------------------------------------------


LOOKS = """(() => {
  const look = (e) => { const s = getComputedStyle(e); return [e instanceof SVGElement ? s.fill : s.color, s.fontStyle]; };
  return { value: look(document.querySelector('.labels text.value')), grad: look(document.querySelector('.labels text.grad')),
           message: look(document.getElementById('message')) };
})()"""


def test_pages_and_notebooks_take_the_colour_blind_palette(tab, tmp_path, root):
    page = tmp_path / "blind.html"
    result = invoke("explore", str(root / "circuits" / "neuron.yaml"), "--palette", "colorblind", "-o", str(page))
    assert result.exit_code == 0, result.output
    open_page(tab, page)
    tab.evaluate("window.circuitsim.goto(25)")
    looks = tab.evaluate(LOOKS)
    assert looks["value"] == ["rgb(0, 114, 178)", "normal"] and looks["grad"] == ["rgb(213, 94, 0)", "italic"]
    assert looks["message"] == ["rgb(213, 94, 0)", "italic"]  # a backward message: vermillion and italic
    tab.evaluate("window.circuitsim.goto(3)")
    assert tab.evaluate(LOOKS)["message"] == ["rgb(0, 114, 178)", "normal"]
    lit = tab.evaluate("getComputedStyle(document.querySelector('.node.hl circle')).stroke")
    assert lit == "rgb(0, 114, 178)"
    explorer = circuitsim.load(root / "circuits" / "neuron.yaml").explore(palette="colorblind")
    assert "--grad: #d55e00" in explorer.html and "#d62728" not in explorer.html
    assert "--grad: #d62728" in circuitsim.load(root / "circuits" / "neuron.yaml").explore().html  # the default: red
    with pytest.raises(ValueError, match="unknown palette 'pink'"):
        circuitsim.load(root / "circuits" / "neuron.yaml").explore(palette="pink")


# -- the page draws the drawing's items as the SVG writer does -----------------------------------

DRAWN = """(() => {
  const skip = new Set(['hl', 'forward', 'backward', 'found', 'hover', 'pending', 'arrive']);
  const norm = (e) => [e.tagName, Object.fromEntries([...e.attributes].map((a) => [a.name,
    a.name === 'class' ? a.value.split(' ').filter((c) => !skip.has(c)).join(' ') : a.value])),
    [...e.children].filter((c) => !c.classList.contains('hit')).map(norm), e.children.length ? '' : e.textContent];
  return [...document.querySelectorAll('#picture svg g.layer > *')].map(norm);
})()"""


def written(element):
    """An element of the SVG writer's markup as DRAWN sees one of the page's."""
    name = lambda n: n.split("}")[1] if n.startswith("{http://www.w3.org/2000/svg}") else n.replace("{http://www.w3.org/XML/1998/namespace}", "xml:")
    attrs = {name(k): v for k, v in element.attrib.items()}
    return [name(element.tag), attrs, [written(c) for c in element], "" if len(element) else (element.text or "")]


@pytest.mark.parametrize("name, unfold", [("fanout", False), ("two_neurons", True)])
def test_the_page_draws_each_item_as_the_svg_writer_writes_it(tab, pages, name, unfold):
    import xml.etree.ElementTree as ET

    from circuitsim.draw.svg import markup

    tab.set_viewport_size({"width": 2400, "height": 1400})  # every item in sight, labels readable
    page = open_page(tab, pages[name])
    if unfold:
        page.evaluate("window.circuitsim.fold(undefined, true)")
    page.evaluate("window.circuitsim.goto(window.circuitsim.steps.length - 1)")  # every number shown
    page.click("#fit")
    drawn = sorted(json.dumps(e, sort_keys=True) for e in page.evaluate(DRAWN))
    items = page_data(pages[name])["views"][1 if unfold else 0]["items"]
    svg = lambda data: ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{markup(data)}</svg>')[0]
    assert drawn == sorted(json.dumps(written(svg(item[5])), sort_keys=True) for item in items)
