"""``circuitsim serve``: the explorer page, live, from a small ASGI app (starlette + uvicorn).

The app answers three routes and nothing else; no part of a request names a file:

- ``GET /``: the page, with the latest run (or the file's errors) in it.
- ``GET /data``, ``POST /data`` with ``{"set": {input: number}}``: the run as JSON, the same
  payload the page carries, or ``{"errors": [...]}`` for a file that does not load or run.
- ``GET /events``: server-sent events, one ``change`` each time the file (or a module file it
  uses) is saved; the page then asks ``/data`` again.

The circuit file is loaded again only when its modification time or size changes.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import threading
from collections.abc import Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from circuitsim.errors import CircuitError
from circuitsim.explore.page import LIVE_POLICY, error_payload, html, payload
from circuitsim.run.load import load

__all__ = ["Server", "Source", "create_app"]

POLL_SECONDS = 0.3  # how often /events looks at the file
PING_SECONDS = 15.0  # a comment now and then, so that proxies keep the stream open
MAX_BODY = 1 << 20
LOOPBACK = ("127.0.0.1", "localhost", "::1")
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
        try:
            self.last_good = payload(circuit, {**self.sets, **(overrides or {})}, precision=self.precision, palette=self.palette, **self.window)
            return self.last_good
        except CircuitError as exc:
            inputs = {name: overrides.get(name, self.sets.get(name, default)) for name, default in circuit.inputs.items()}
            return error_payload(exc) | {"inputs": inputs}


def create_app(path: str | os.PathLike, *, sets=None, precision: int = 2, plugins=(), host: str = "127.0.0.1", window=None, palette: str = "default") -> Starlette:
    """The ASGI app serving the explorer of the circuit file at ``path`` (``window``: the
    ``around``, ``depth`` and ``limit`` of the part drawn, and ``palette``, as for
    :func:`~circuitsim.explore.payload`).

    Requests must name this machine (``Host: 127.0.0.1`` or ``localhost``) unless ``host`` is
    an address other machines reach, so that a web page elsewhere cannot read it through DNS.
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
            body = await request.body()
            if len(body) > MAX_BODY:
                return JSONResponse({"errors": ["request too large"]}, status_code=413, headers=HEADERS)
            try:
                overrides = _overrides(json.loads(body or b"{}"))
            except ValueError as exc:
                return JSONResponse({"errors": [str(exc)]}, status_code=400, headers=HEADERS)
        return JSONResponse(await run_in_threadpool(source.payload, overrides), headers=HEADERS)

    async def events(request: Request) -> Response:
        return StreamingResponse(_changes(request, source), media_type="text/event-stream", headers=HEADERS)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/data", data, methods=["GET", "POST"]),
        Route("/events", events, methods=["GET"]),
    ]
    hosts = ["*"] if host not in LOOPBACK else [*LOOPBACK, "[::1]"]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])
    app.state.source = source
    app.state.stopping = threading.Event()
    return app


class Server(uvicorn.Server):
    """uvicorn's server, which on Ctrl+C first ends the pages' change streams, so that it
    stops at once instead of waiting for the browsers to hang up."""

    def __init__(self, app: Starlette, **config) -> None:
        super().__init__(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, **config))
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


def _overrides(body: Any) -> dict[str, float]:
    """``{"set": {name: number}}`` -> the inputs to set; a ValueError saying what is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("set", {}), dict):
        raise ValueError('expected {"set": {"input": number, ...}}')
    overrides = {}
    for name, value in body.get("set", {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"input {name!r}: {value!r} is not a finite number")
        overrides[str(name)] = float(value)
    return overrides
