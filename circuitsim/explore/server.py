"""``circuitsim serve``: the explorer page, live, from a small ASGI app (starlette + uvicorn).

Four routes (``/``, ``/data``, ``/why``, ``/events``) and one guard in front of them; see
``docs/internals/drawing.md`` and ``docs/security.md``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import os
import socket
import threading
from collections.abc import Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from circuitsim.errors import CircuitError
from circuitsim.explore.page import LIVE_POLICY, error_payload, html, payload
from circuitsim.explore.rules import why as why_of
from circuitsim.run.load import load

__all__ = ["Server", "Source", "create_app"]

POLL_SECONDS = 0.3  # how often /events looks at the file
PING_SECONDS = 15.0  # a comment now and then, so that proxies keep the stream open
MAX_BODY = 1 << 20  # bytes of a POST body
BODY_SECONDS = 10.0  # a body announced and not sent in this time is refused
MAX_STREAMS = 8  # /events streams open at once; 503 beyond
# uvicorn's own bounds: connections and requests at once (503 beyond), seconds an idle
# keep-alive connection stays open, bytes of request line and headers held while they arrive
LIMIT_CONCURRENCY = 32
TIMEOUT_KEEP_ALIVE = 5
MAX_HEADER_BYTES = 16 * 1024
HEADER_SECONDS = 10.0  # a request line and headers not all arrived in this time: the connection is closed
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class Source:
    """The circuit file being served, loaded again whenever it or one of its modules changes."""

    def __init__(self, path: str | os.PathLike, *, sets: Mapping[str, Any] | None = None, precision: int = 2, plugins=(), window=None, palette: str = "default") -> None:
        self.path = str(path)
        self.sets = dict(sets or {})
        self.precision = precision
        self.palette = palette
        self.window = dict(window or {})  # around, depth, limit: as for payload
        self.plugins = tuple(plugins)
        self.files = [self.path]  # the file and the module files of its last good load
        self._loaded: tuple | None = None  # (stamp, circuit or error)
        self._lock = threading.Lock()
        self.last_good: dict | None = None  # the last run that worked, shown under later errors
        self._default: tuple | None = None  # (circuit, payload) of the run with no overrides

    def stamp(self) -> tuple:
        """What tells a saved file: modification time and size of each file, None if missing."""
        stamps = []
        for name in self.files:
            try:
                st = os.stat(name)
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append(None)
        return tuple(stamps)

    def circuit(self):
        """The circuit as the file now reads; a :class:`~circuitsim.CircuitError` if it does not load."""
        with self._lock:
            stamp = self.stamp()
            if self._loaded is None or self._loaded[0] != stamp:
                try:
                    loaded = load(self.path, plugins=self.plugins)
                    self.files = [self.path, *sorted({info["path"] for info in loaded.graph.graph["instances"].values()})]
                    stamp = self.stamp()
                except CircuitError as exc:
                    loaded = exc
                self._loaded = (stamp, loaded)
            loaded = self._loaded[1]
        if isinstance(loaded, CircuitError):
            raise loaded
        return loaded

    def payload(self, overrides: Mapping[str, Any] | None = None) -> dict:
        """The page's data for a run with ``overrides`` over the command line's ``--set``."""
        try:
            circuit = self.circuit()
        except CircuitError as exc:
            return error_payload(exc)
        if not overrides:  # what GET / and GET /data show: one run per version of the file
            default = self._default
            if default is None or default[0] is not circuit:
                default = self._default = (circuit, self._run(circuit, {}))
            return default[1]
        return self._run(circuit, overrides)

    def _run(self, circuit, overrides: Mapping[str, Any]) -> dict:
        try:
            self.last_good = payload(circuit, {**self.sets, **(overrides or {})}, precision=self.precision, palette=self.palette, **self.window)
            return self.last_good
        except CircuitError as exc:
            inputs = {name: overrides.get(name, self.sets.get(name, default)) for name, default in circuit.inputs.items()}
            return error_payload(exc) | {"inputs": inputs}


    def why(self, node: str, overrides: Mapping[str, Any] | None = None) -> dict:
        """The why of ``node``'s gradient for a run with ``overrides``, or ``{"errors": [...]}``."""
        try:
            return why_of(self.circuit(), node, {**self.sets, **(overrides or {})})
        except CircuitError as exc:
            return error_payload(exc)


def create_app(path: str | os.PathLike, *, sets=None, precision: int = 2, plugins=(), host: str = "127.0.0.1", window=None, palette: str = "default") -> Starlette:
    """The ASGI app serving the explorer of the circuit file at ``path`` (``window``: the
    ``around``, ``depth`` and ``limit`` of the part drawn, and ``palette``, as for
    :func:`~circuitsim.explore.payload`).

    Every request passes :class:`Guard`: it names ``host`` (the address bound), and one from a
    browser comes from the page itself.
    """
    source = Source(path, sets=sets, precision=precision, plugins=plugins, window=window, palette=palette)

    async def page(request: Request) -> Response:
        data = await run_in_threadpool(source.payload)
        if data["errors"] and source.last_good is not None:  # a page opened on a broken file
            data = source.last_good | {"errors": data["errors"]}
        headers = HEADERS | {"Content-Security-Policy": LIVE_POLICY}
        return HTMLResponse(html(data, live=True, palette=source.palette), headers=headers)

    async def data(request: Request) -> Response:
        overrides = {}
        if request.method == "POST":
            try:
                overrides = _overrides(_json(await _body(request)))
            except _Refused as exc:
                return _refuse(exc.status, exc.message)
        return JSONResponse(await run_in_threadpool(source.payload, overrides), headers=HEADERS)

    async def explain(request: Request) -> Response:
        try:
            asked = _json(await _body(request))
            node = asked.get("node") if isinstance(asked, dict) else None
            if not isinstance(node, str):
                raise _Refused(400, 'expected {"node": "name", "set": {"input": number, ...}}')
            overrides = _overrides(asked)
        except _Refused as exc:
            return _refuse(exc.status, exc.message)
        return JSONResponse(await run_in_threadpool(source.why, node, overrides), headers=HEADERS)

    async def events(request: Request) -> Response:
        return _Stream(_changes(request, source), media_type="text/event-stream", headers=HEADERS)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/data", data, methods=["GET", "POST"]),
        Route("/why", explain, methods=["POST"]),
        Route("/events", events, methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, host=host)])
    app.state.source = source
    app.state.stopping = threading.Event()
    app.state.streams = 0  # /events streams open
    return app


class _Stream(StreamingResponse):
    """A change stream, one of at most :data:`MAX_STREAMS` open at once: each holds a
    connection and looks at the file every :data:`POLL_SECONDS`, so a page elsewhere (or an old
    browser that sends no ``Sec-Fetch-Site``) cannot open them without end. Beyond it: 503."""

    async def __call__(self, scope, receive, send) -> None:
        state = scope["app"].state
        if state.streams >= MAX_STREAMS:
            return await _refuse(503, f"too many change streams open (at most {MAX_STREAMS}): close a page")(scope, receive, send)
        state.streams += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            state.streams -= 1


class Guard:
    """ASGI middleware in front of every route: the request must name the address the server
    is bound to (no DNS rebinding), and a request from a page must come from the server's own
    page (no cross-site request reaches the data); a POST must carry JSON.

    - ``Host``: the bound address itself; ``localhost`` too for a loopback address; for an
      address of every interface (``0.0.0.0``, ``::``), any IP address and this machine's names.
      A name that an attacker's DNS answers with this machine's address is refused.
    - ``Sec-Fetch-Site`` (sent by browsers): ``same-origin`` or ``none``; only opening the page
      (a navigation to ``/``) may come from another site.
    - ``Origin``, when sent: ``http://`` and the request's own ``Host``.
    - ``POST``: ``Content-Type: application/json``, which a page elsewhere cannot send without
      asking first (a CORS preflight, which this server never grants).
    """

    def __init__(self, app, host: str) -> None:
        self.app = app
        self.hosts = _allowed_hosts(host)
        self.any_address = _is_wildcard(host)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        problem = self.problem(scope, headers)
        if problem is not None:
            status, message = problem
            return await _refuse(status, message)(scope, receive, send)
        await self.app(scope, receive, send)

    def problem(self, scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        name = _host_name(host)
        if not (name in self.hosts or (self.any_address and _is_address(name))):
            return 400, "invalid host header"
        site = headers.get("sec-fetch-site")
        navigation = scope["method"] == "GET" and scope["path"] == "/" and headers.get("sec-fetch-mode") == "navigate"
        if site not in (None, "same-origin", "none") and not navigation:
            return 403, f"cross-site request refused (Sec-Fetch-Site: {_short(site)})"
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}" and not navigation:
            return 403, f"cross-origin request refused (Origin: {_short(origin)})"
        if scope["method"] == "POST":
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return 415, "POST needs Content-Type: application/json"
        return None


def _is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::", "[::]")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _host_name(header: str) -> str:
    """The name or address in a Host header, without its port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _allowed_hosts(host: str) -> set[str]:
    bound = _host_name(host) if host.startswith("[") else host.lower()
    hosts = {bound}
    try:
        if ipaddress.ip_address(bound).is_loopback:
            hosts.add("localhost")
    except ValueError:
        pass
    if bound == "localhost":
        hosts |= {"127.0.0.1", "::1"}
    if _is_wildcard(host):
        hosts |= {"localhost", socket.gethostname().lower(), socket.getfqdn().lower()}
    return hosts


class _Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, which closes a connection whose request line and headers
    have not all arrived :data:`HEADER_SECONDS` after it opened or after its last response
    (a slow client holds no connection for long)."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = self.loop.call_later(HEADER_SECONDS, self._too_slow)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete and self._deadline is not None:
            self._deadline.cancel()  # a request has begun: its body has a deadline of its own
            self._deadline = None

    def on_response_complete(self) -> None:
        if self._deadline is None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(HEADER_SECONDS, self._too_slow)
        super().on_response_complete()

    def connection_lost(self, exc) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


class Server(uvicorn.Server):
    """uvicorn's server, which on Ctrl+C first ends the pages' change streams, so that it
    stops at once instead of waiting for the browsers to hang up; with uvicorn's bounds on
    connections at once, idle keep-alive connections and the size of a request's headers, and
    a deadline for the headers to arrive."""

    def __init__(self, app: Starlette, **config) -> None:
        bounds = {
            "http": _Protocol,
            "limit_concurrency": LIMIT_CONCURRENCY,
            "timeout_keep_alive": TIMEOUT_KEEP_ALIVE,
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        }
        super().__init__(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, **bounds | config))
        self.app = app

    def handle_exit(self, sig, frame) -> None:
        self.app.state.stopping.set()
        super().handle_exit(sig, frame)


async def _changes(request: Request, source: Source):
    yield "retry: 1000\n\n"
    last = await run_in_threadpool(source.stamp)
    quiet = 0.0
    count = 0
    stopping = request.app.state.stopping
    while not stopping.is_set() and not await request.is_disconnected():
        await asyncio.sleep(POLL_SECONDS)
        now = await run_in_threadpool(source.stamp)
        if now != last:
            last, count, quiet = now, count + 1, 0.0
            yield f"event: change\ndata: {count}\n\n"
        elif (quiet := quiet + POLL_SECONDS) >= PING_SECONDS:
            quiet = 0.0
            yield ": ping\n\n"


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _refuse(status: int, message: str) -> Response:
    return JSONResponse({"errors": [message]}, status_code=status, headers=HEADERS)


async def _body(request: Request) -> bytes:
    """The body of a POST, read up to :data:`MAX_BODY` bytes and for at most :data:`BODY_SECONDS`;
    :class:`_Refused` if it announces or sends more, or sends less than it announced in time."""
    announced = request.headers.get("content-length")
    if announced is not None and (not announced.isdigit() or int(announced) > MAX_BODY):
        raise _Refused(413, f"request too large: a body of at most {MAX_BODY} bytes is read")
    chunks: list[bytes] = []
    size = 0

    async def read() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise _Refused(413, f"request too large: a body of at most {MAX_BODY} bytes is read")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), BODY_SECONDS)
    except asyncio.TimeoutError:
        raise _Refused(400, f"request body not sent within {BODY_SECONDS:g} s") from None
    except ClientDisconnect:
        raise _Refused(400, "request body cut short") from None
    return b"".join(chunks)


def _json(body: bytes) -> Any:
    """The JSON of a request body; :class:`_Refused` (400) for anything else."""
    try:
        text = body.decode("utf-8") if body else "{}"
    except UnicodeDecodeError:
        raise _Refused(400, "request body is not UTF-8") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Refused(400, f"request body is not JSON: {_short(str(exc) or type(exc).__name__, 80)}") from None


def _overrides(body: Any) -> dict[str, float]:
    """``{"set": {name: number}}`` -> the inputs to set; refused (400) saying what is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("set", {}), dict):
        raise _Refused(400, 'expected {"set": {"input": number, ...}}')
    overrides = {}
    for name, value in body.get("set", {}).items():
        number = _finite(value)
        if number is None:
            raise _Refused(400, f"input {name!r}: {_short(repr(value))} is not a finite number")
        overrides[str(name)] = number
    return overrides


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."
