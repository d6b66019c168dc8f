"""One executor run's pooled HTTP clients for its HTTP tools: a keep-alive ``httpx.Client`` and its
``httpx.AsyncClient`` twin. Imported only for scenarios with HTTP tools (httpx is an optional extra).
Sockets set TCP_NODELAY: a small request written in two segments would otherwise wait for the peer's
delayed ACK (Nagle + delayed ACK, ~40 ms)."""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import threading
import typing
import weakref
from typing import Any

import httpx

_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle takes tens of milliseconds, and a client is built
    per executor run."""
    return httpx.create_ssl_context()


class ClientPair:
    """A pooled keep-alive ``httpx.Client`` and its ``httpx.AsyncClient`` twin, configured alike.

    The AsyncClient belongs to the event loop that first uses it (httpx connections cannot move between
    loops): ``aclient()`` returns None on any other loop, and the caller falls back to the sync client in a
    worker thread. ``close()`` closes both; a pair that is dropped unclosed is closed when it is collected
    (at the end of the executor run that built it), without waiting for a loop in another thread."""

    def __init__(self, base_url: str = "", *, timeout_s: float = 120.0, max_connections: int = 512) -> None:
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=30
        )
        timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        self.client = httpx.Client(
            base_url=base_url,
            transport=httpx.HTTPTransport(limits=limits, socket_options=_NODELAY, verify=_tls()),
            timeout=timeout,
        )
        aclient = httpx.AsyncClient(
            base_url=base_url,
            transport=httpx.AsyncHTTPTransport(limits=limits, socket_options=_NODELAY, verify=_tls()),
            timeout=timeout,
        )
        #: [the AsyncClient, the loop that owns it (None until first use)]
        self._async: list[Any] = [aclient, None]
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _close_pair, self.client, self._async, False)

    def aclient(self) -> httpx.AsyncClient | None:
        """The AsyncClient if the running loop owns it (the first loop to ask does), else None."""
        loop = asyncio.get_running_loop()
        with self._lock:
            aclient, owner = self._async
            if aclient is None:
                return None
            if owner is None:
                self._async[1] = owner = loop
            return typing.cast(httpx.AsyncClient, aclient) if owner is loop else None

    def close(self) -> None:
        """Close both clients; the async one on its own loop when that loop is still usable."""
        if self._finalizer.detach() is not None:
            _close_pair(self.client, self._async, True)


def _close_pair(client: httpx.Client, holder: list[Any], wait: bool) -> None:
    client.close()
    aclient, loop = holder
    holder[:] = [None, None]
    if aclient is None or loop is None or loop.is_closed():
        return  # never used on a loop (no connection to close), or its loop is gone with its sockets
    if not loop.is_running():
        loop.run_until_complete(aclient.aclose())
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None and running is loop:
        running.create_task(aclient.aclose())  # the loop keeps the task; nothing here may wait for it
    else:
        done = asyncio.run_coroutine_threadsafe(aclient.aclose(), loop)
        if wait:
            done.result(timeout=10)
