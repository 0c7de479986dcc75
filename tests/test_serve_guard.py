"""circuitsim serve against hostile and careless requests, sent as they would be: a circuit the
page cannot play, bodies too large or cut short, bad JSON, requests from other sites, and
Host names that are not the address the server is bound to."""

import contextlib
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import warnings

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from helpers import serving_app

from circuitsim.explore import server as server_module
from circuitsim.explore.server import create_app

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def neuron(tmp_path):
    path = tmp_path / "neuron.yaml"
    shutil.copy(ROOT / "circuits" / "neuron.yaml", path)
    return path


@contextlib.contextmanager
def serving(*args):
    """``circuitsim serve ARGS --port 0`` in a real process; yields its address."""
    env = os.environ | {"CIRCUITSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}
    process = subprocess.Popen([sys.executable, "-m", "circuitsim", "serve", *args, "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stderr.readline()
        assert line.startswith("serving "), line + process.stderr.read()
        yield line.split(" at ")[1].split()[0]
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
        assert "Traceback" not in err, err


@pytest.fixture
def served(neuron):
    with serving_app(neuron) as address:
        yield address


def raw(address, request: bytes, *, wait: float = 10.0) -> str:
    """Send ``request`` as it is on a socket and return what comes back in ``wait`` seconds."""
    with socket.create_connection(address, timeout=wait) as sock:
        sock.sendall(request)
        answer = b""
        with contextlib.suppress(socket.timeout):
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
    return answer.decode("latin-1")


def test_a_required_input_shows_an_error_in_the_page_and_a_batch_is_refused(write, neuron, cli):
    required = write("required.yaml", """\
        circuit: required
        inputs: {x: null}
        gates:
          y: {type: neg, inputs: [x]}
        outputs: [y]
        """)
    with serving(required) as url:
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "has no default" in page.text
        assert "has no default" in httpx.get(url + "data", timeout=10).json()["errors"][0]
    batch = cli("serve", str(neuron), "--set", "x0=1,2", code=2)  # before anything is served
    assert "x0: the explorer plays one sample, not a batch" in batch.stderr


def test_a_body_is_read_with_a_cap_and_a_deadline(served, monkeypatch):
    monkeypatch.setattr(server_module, "BODY_SECONDS", 0.5)
    head = "POST /data HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    huge = raw(served, (head + "Content-Length: 300000000\r\n\r\n{").encode())
    assert huge.startswith("HTTP/1.1 413"), huge
    start = time.monotonic()
    short = raw(served, (head + "Content-Length: 100\r\n\r\n{\"set\": ").encode())
    assert short.startswith("HTTP/1.1 400"), short
    assert time.monotonic() - start < 5
    chunked = (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"".join(b"10000\r\n" + b" " * 0x10000 + b"\r\n" for _ in range(20))
    assert raw(served, chunked).startswith("HTTP/1.1 413")


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"set": {"x0": 1' + b"0" * 400 + b"}}", b'{"set": {"x0": NaN}}', b"\xff\xfe"])
def test_bad_json_is_a_400(neuron, body):
    with TestClient(create_app(neuron), base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        response = client.post("/data", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["errors"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain", "Origin": "http://attacker.example"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
        {"Content-Type": "application/json", "Origin": "http://attacker.example"},
        {"Content-Type": "application/json", "Origin": "null"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1"},
    ],
)
def test_posts_from_other_sites_are_refused(neuron, headers):
    with TestClient(create_app(neuron), base_url="http://127.0.0.1") as client:
        response = client.post("/data", content=b'{"set": {"x0": 5}}', headers=headers)
        assert response.status_code in (403, 415), response.text
        assert client.get("/data").json()["inputs"]["x0"] == -1.0
        same = {"Content-Type": "application/json", "Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"}
        assert client.post("/data", content=b'{"set": {"x0": 5}}', headers=same).json()["inputs"]["x0"] == 5.0
        cross = client.get("/events", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"})
        assert cross.status_code == 403
        opened = client.get("/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
        assert opened.status_code == 200  # a link from elsewhere may open the page


@pytest.mark.parametrize(
    ("bind", "good", "bad"),
    [
        ("127.0.0.1", ["127.0.0.1:8000", "localhost:8000"], ["attacker.example", "127.0.0.2", "rebind.example:8000"]),
        ("127.0.0.2", ["127.0.0.2:8000", "localhost"], ["attacker.example:8000", "rebind.example"]),
        ("::1", ["[::1]:8000", "localhost:8000"], ["attacker.example", "[::2]"]),
        ("0.0.0.0", ["192.168.1.7:8000", "[fe80::1]:80", "localhost"], ["attacker.example", "rebind.example:8000"]),
        ("192.168.1.7", ["192.168.1.7:8000"], ["attacker.example", "10.0.0.1"]),
    ],
)
def test_the_host_must_be_the_address_bound(neuron, bind, good, bad):
    with TestClient(create_app(neuron, host=bind), base_url="http://127.0.0.1") as client:
        for host in good:
            assert client.get("/data", headers={"Host": host}).status_code == 200, host
        for host in bad:
            assert client.get("/data", headers={"Host": host}).status_code == 400, host


def test_serve_on_another_loopback_address_refuses_a_foreign_host(neuron):
    """As typed: ``serve --host 127.0.0.2``, then a request through a rebound name."""
    with serving(str(neuron), "--host", "127.0.0.2") as url:
        assert httpx.get(url + "data", timeout=10).status_code == 200
        port = url.rsplit(":", 1)[1].strip("/")
        assert httpx.get(url + "data", headers={"Host": f"rebind.example:{port}"}, timeout=10).status_code == 400


def _events(address) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    return sock


def _status(sock: socket.socket) -> str:
    answer = b""
    while b"\r\n" not in answer and (chunk := sock.recv(4096)):
        answer += chunk
    return answer.decode("latin-1").split("\r\n")[0]


def test_change_streams_are_bounded(served):
    """A page elsewhere (or an old browser, which sends no Sec-Fetch-Site) opening /events
    without end: beyond a few at once, 503; a closed one frees its place."""
    streams = [_events(served) for _ in range(server_module.MAX_STREAMS)]
    try:
        assert all(_status(s) == "HTTP/1.1 200 OK" for s in streams)
        with _events(served) as extra:
            assert _status(extra).startswith("HTTP/1.1 503")
        streams.pop().close()
        deadline = time.monotonic() + 5
        while True:
            with _events(served) as again:
                if _status(again) == "HTTP/1.1 200 OK":
                    break
            assert time.monotonic() < deadline, "a closed stream kept its place"
            time.sleep(0.2)
    finally:
        for s in streams:
            s.close()


def test_slow_clients_are_bounded(served):
    """Connections that never send their headers (slowloris) hold at most uvicorn's
    concurrency limit: the next request is a 503, not one more connection held; headers
    past 16 KiB are refused."""
    idle = [socket.create_connection(served, timeout=10) for _ in range(server_module.LIMIT_CONCURRENCY)]
    try:
        for sock in idle:
            sock.sendall(b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        time.sleep(0.3)
        assert raw(served, b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").startswith("HTTP/1.1 503")
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.3)
    endless = b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Pad: aaaaaaaa\r\n" * 8192  # 136 KiB, never ended
    assert raw(served, endless, wait=5).startswith("HTTP/1.1 400")


def test_simple_gets_from_elsewhere_run_the_circuit_once(neuron, monkeypatch):
    """An old browser sends neither Sec-Fetch-* nor Origin with an <img> or <script> GET:
    a page elsewhere can make it ask for / and /data without end. They show the run with the
    command line's inputs, made once per version of the file."""
    runs = []
    real = server_module.payload
    monkeypatch.setattr(server_module, "payload", lambda *a, **k: runs.append(1) or real(*a, **k))
    old_browser = {"Referer": "http://attacker.example/", "User-Agent": "Mozilla/4.0 (compatible; MSIE 8.0)"}
    with TestClient(create_app(neuron), base_url="http://127.0.0.1") as client:
        for _ in range(20):
            assert client.get("/", headers=old_browser).status_code == 200
            assert client.get("/data", headers=old_browser).json()["errors"] == []
        assert len(runs) == 1
        assert client.post("/data", json={"set": {"x0": 0.5}}).json()["inputs"]["x0"] == 0.5
        time.sleep(0.01)
        neuron.write_text(neuron.read_text().replace("x0: -1.0", "x0: -2.0"))
        assert client.get("/data", headers=old_browser).json()["inputs"]["x0"] == -2.0
        assert len(runs) == 3


def test_a_client_that_never_ends_its_headers_is_hung_up_on(served, monkeypatch):
    """A slow client (slowloris) holds its connection for HEADER_SECONDS at most, whether it
    trickles its first request or one after a response on a kept-alive connection."""
    monkeypatch.setattr(server_module, "HEADER_SECONDS", 1.0)

    def hung_up(sock) -> float:
        """Seconds until the server closes ``sock``, reading (and dropping) what it sends."""
        start = time.monotonic()
        while sock.recv(65536):
            pass
        return time.monotonic() - start

    with socket.create_connection(served, timeout=10) as sock:
        sock.sendall(b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        assert 0.5 < hung_up(sock) < 5
    with socket.create_connection(served, timeout=10) as sock:
        sock.sendall(b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(12) == b"HTTP/1.1 200"
        sock.sendall(b"GET /data HTTP/1.1\r\n")  # a second request, never ended
        assert hung_up(sock) < 5
