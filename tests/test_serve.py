"""circuitsim serve: the live page over HTTP (starlette's TestClient), and in a real browser
against a real uvicorn: saving the file updates the page, a broken file shows its errors over
the last picture, inputs edited in the page re-run it; no request reaches the file system."""

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import warnings

import httpx
import pytest
from click.testing import CliRunner

with warnings.catch_warnings():  # starlette's TestClient would rather have httpx2 than httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from helpers import serving_app

import circuitsim
from circuitsim.cli import main
from circuitsim.explore.page import steps
from circuitsim.explore.server import create_app

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECRET = "a secret that no response may carry"


@pytest.fixture
def neuron(tmp_path):
    path = tmp_path / "neuron.yaml"
    shutil.copy(ROOT / "circuits" / "neuron.yaml", path)
    (tmp_path / "secret.txt").write_text(SECRET)
    return path


@pytest.fixture
def client(neuron):
    with TestClient(create_app(neuron), base_url="http://127.0.0.1") as c:
        yield c


def trace(path):
    result = CliRunner().invoke(main, ["trace", str(path), "--format", "jsonl"])
    return [json.loads(line) for line in result.output.splitlines()]


def test_page_and_data(client, neuron):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "const LIVE = true;" in page.text
    data = client.get("/data").json()
    assert data["errors"] == [] and steps(data) == trace(neuron)
    assert data["inputs"] == {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def test_inputs_set_in_the_page_run_again(client):
    data = client.post("/data", json={"set": {"x0": 0.5}}).json()
    assert data["inputs"]["x0"] == 0.5 and steps(data)[1]["value"] == 0.5
    wrong = client.post("/data", json={"set": {"x9": 1.0}}).json()
    assert "x9" in wrong["errors"][0] and wrong["inputs"]["x0"] == -1.0
    assert client.post("/data", json={"set": {"x0": "1; rm -rf"}}).status_code == 400
    assert client.post("/data", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/data", json=[1, 2]).status_code == 400


def test_a_broken_file_gives_its_errors(client, neuron):
    neuron.write_text(neuron.read_text().replace("type: exp", "type: expp"))
    errors = client.get("/data").json()["errors"]
    assert len(errors) == 1 and errors[0].startswith(f"{neuron}:") and "unknown gate type 'expp'" in errors[0]
    assert "expp" in client.get("/").text  # the page shows them too


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/data/../secret.txt", "/secret.txt",
        "/neuron.yaml", "/static/../secret.txt", "//etc/passwd", "/data/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/events/..%2f..%2fsecret.txt", "/?file=secret.txt", "/data?path=../secret.txt",
    ],
)
def test_no_request_reaches_the_file_system(client, path):
    response = client.get(path)
    assert SECRET not in response.text and "root:" not in response.text
    assert "model_path" not in response.text
    if "?" not in path:
        assert response.status_code == 404, path
    for method in ("PUT", "DELETE"):
        assert client.request(method, "/data").status_code == 405


def test_requests_must_name_this_machine(neuron):
    with TestClient(create_app(neuron), base_url="http://attacker.example") as c:
        assert c.get("/").status_code == 400
    with TestClient(create_app(neuron), base_url="http://localhost:8000") as c:
        assert c.get("/data").status_code == 200


def test_serve_without_its_extra_says_what_to_install(neuron, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "circuitsim.explore.server")
    result = CliRunner().invoke(main, ["serve", str(neuron)])
    assert result.exit_code == 1 and "pip install 'circuitsim-backprop[serve]'" in result.output
    result = CliRunner().invoke(main, ["serve", str(neuron.parent / "missing.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_serve_command_listens_on_127_0_0_1(neuron):
    """The command as typed, in a real process: it says where it listens, and answers there."""
    env = os.environ | {"CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "circuitsim", "serve", str(neuron), "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = process.stderr.readline()
        assert line.startswith(f"serving {neuron} at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        assert httpx.get(url + "data", timeout=10).json()["circuit"] == "neuron"
    finally:
        process.terminate()
        process.wait(10)


# -- in a browser, against a real server ---------------------------------------------------------


@pytest.fixture
def served(neuron):
    """A real uvicorn serving ``neuron`` on 127.0.0.1, on a free port; yields its address."""
    with serving(neuron) as url:
        yield url


@contextlib.contextmanager
def serving(path):
    with serving_app(path) as (host, port):
        yield f"http://{host}:{port}/"


def wait_until(page, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({condition})"):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.05)


def save(path, text):
    """Save as an editor does, and make sure the modification time moves on."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_the_page_follows_its_file_and_its_inputs(served, tab, neuron):
    tab.goto(served)
    wait_until(tab, "window.circuitsim && window.circuitsim.steps.length === 26")
    assert tab.evaluate("window.circuitsim.steps[0].value") == 2.0
    tab.evaluate("window.circuitsim.goto(24)")
    text = neuron.read_text()

    save(neuron, text.replace("w0: 2.0", "w0: 1.0"))  # saved in an editor
    wait_until(tab, "window.circuitsim.steps[0].value === 1.0")
    assert tab.evaluate("window.circuitsim.k") == 24 and tab.is_hidden("#errors")
    upstream = circuitsim.load(neuron).run().grads["m0"]
    assert tab.text_content("#message") == f"m0.0 -> w0: {upstream:.2f} \u00d7 -1.00 = {-upstream:.2f}"

    save(neuron, text.replace("type: exp", "type: expp"))  # a mistake
    wait_until(tab, "!document.querySelector('#errors').hidden")
    errors = tab.text_content("#errors")
    assert f"{neuron}:" in errors and "unknown gate type 'expp'" in errors
    assert tab.locator("#picture svg .node").count() > 0  # the last good picture stays
    assert tab.evaluate("window.circuitsim.steps[0].value") == 1.0
    tab.reload()  # opened again on the broken file: the last run that worked, under the errors
    wait_until(tab, "window.circuitsim && window.circuitsim.steps.length === 26")
    assert "unknown gate type 'expp'" in tab.text_content("#errors") and tab.locator("#picture svg .node").count() > 0

    save(neuron, text)  # fixed
    wait_until(tab, "document.querySelector('#errors').hidden && window.circuitsim.steps[0].value === 2.0")

    tab.fill("#inputs input[name=x0]", "0.25")  # an input changed in the page
    tab.press("#inputs input[name=x0]", "Enter")
    wait_until(tab, "window.circuitsim.steps[1].value === 0.25")
    assert tab.input_value("#inputs input[name=x0]") == "0.25"


def test_the_inputs_panel_sits_beside_the_picture_and_folds(served, tab):
    tab.goto(served)
    wait_until(tab, "window.circuitsim && window.circuitsim.steps.length === 26")
    box = lambda selector: tab.locator(selector).bounding_box()
    panel, picture = box("#inputs"), box("#picture")
    assert panel["width"] > 150 and panel["x"] + panel["width"] <= picture["x"] + 1  # beside it, not over it
    assert tab.is_visible("#inputs input[name=x0]")
    tab.click("#inputs-fold")
    folded, wider = box("#inputs"), box("#picture")
    assert folded["width"] < 40 and wider["width"] > picture["width"] + 150 and folded["x"] + folded["width"] <= wider["x"] + 1
    assert tab.is_hidden("#inputs input[name=x0]") and tab.get_attribute("#inputs-fold", "aria-expanded") == "false"
    tab.click("#inputs-fold")
    assert tab.is_visible("#inputs input[name=x0]") and box("#picture")["x"] == picture["x"]


def test_serve_takes_the_colour_blind_palette(neuron):
    with TestClient(create_app(neuron, palette="colorblind"), base_url="http://127.0.0.1") as c:
        assert "--grad: #d55e00" in c.get("/").text and c.get("/data").json()["palette"] == "colorblind"
        neuron.write_text("gates: [")  # a broken file's page keeps the palette
        assert "--grad: #d55e00" in c.get("/").text


def test_why_is_worked_out_for_the_node_asked(client, neuron):
    from circuitsim.explore.rules import why

    circuit = circuitsim.load(neuron)
    assert client.post("/why", json={"node": "x0"}).json() == why(circuit, "x0")
    moved = client.post("/why", json={"node": "x0", "set": {"x0": 0.5}}).json()
    assert moved["value"] == 0.5 and moved["grad"] == circuit.run({"x0": 0.5}).grads["x0"]
    assert "no node 'x9'" in client.post("/why", json={"node": "x9"}).json()["errors"][0]
    assert client.post("/why", json={"set": {}}).status_code == 400
    assert client.post("/why", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.get("/why").status_code == 405


def test_a_page_without_whys_asks_the_server(neuron, tab, monkeypatch):
    monkeypatch.setattr("circuitsim.explore.rules.WHYS", 5)  # the neuron's 12 nodes: too many to carry
    with serving(neuron) as url:
        tab.goto(url)
        wait_until(tab, "window.circuitsim && window.circuitsim.steps.length === 26")
        assert tab.evaluate("window.circuitsim.why('x0')") is None
        box = tab.evaluate("(() => { const r = document.querySelector(\".wire[data-from='x0'] path\").getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        tab.mouse.click(*box)
        tab.click("#inspect .why-button")
        wait_until(tab, "document.querySelector('#why-view h4')")
        grad = circuitsim.load(neuron).run().grads["x0"]
        assert tab.inner_text("#why-view h4") == f"why \u2202f/\u2202x0 = {grad:.2f}"
        assert tab.evaluate("window.circuitsim.why('x0').grad") == grad
