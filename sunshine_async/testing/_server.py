"""Serving `FakeSunshine` on a real socket with uvicorn (the ``testing`` extra).

The listening socket is bound here, before uvicorn starts, so the port is known (``0``
picks a free one) and connections are accepted into the backlog from the first moment:
nobody has to poll for the server to come up.

Stopping is as quick: uvicorn's own loop notices ``should_exit`` on a 0.1 s tick and its
shutdown then sleeps 0.1 s more before polling the connections every 0.1 s. Here the
serving loop is woken by the stop request itself, and the shutdown polls the open
connections at a few milliseconds, so a server with nothing in flight stops in a few
milliseconds.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import anyio

if TYPE_CHECKING:
    from ._app import FakeSunshine

__all__ = ["MissingUvicornError", "ServerThread", "serve_in_thread"]

INSTALL_HINT: Final = "pip install 'sunshine-async[testing]'"
_STOP_TIMEOUT: Final = 10.0
#: How long the connections still open get to finish their responses.
_GRACE: Final = 2
#: How often the shutdown looks at the connections still open.
_SHUTDOWN_POLL: Final = 0.005
#: The serving loop wakes this often anyway, for uvicorn's once-a-second chores.
_TICK: Final = 1.0
#: How often the main thread of the command line wakes to run pending signal handlers.
_SIGNAL_WAKE: Final = 0.1


class MissingUvicornError(ImportError):
    """uvicorn, needed to serve on a socket, is not installed."""


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # proto is IPPROTO_TCP, and with Nagle on every response waits ~40 ms for an ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if hasattr(socket, "SO_REUSEADDR") and sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    # a wildcard bind is reachable on loopback, the address the SDK accepts over http
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _server_class() -> type[Any]:
    """A `uvicorn.Server` that stops as soon as it is asked to (uvicorn is imported here)."""
    import uvicorn

    class _QuickServer(uvicorn.Server):
        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.stop_requested = threading.Event()

        async def main_loop(self) -> None:
            # uvicorn sleeps 0.1 s between looks at should_exit; here a worker thread waits
            # for the stop request itself (or a second, for the date header's refresh)
            counter = 0
            while not await self.on_tick(counter):
                await anyio.to_thread.run_sync(self.stop_requested.wait, _TICK)
                counter = (counter + 10) % 864_000

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # what uvicorn's own shutdown does, without its fixed pauses of 0.1 s
            for server in self.servers:
                server.close()
            for connection in list(self.server_state.connections):
                connection.shutdown()
            with anyio.move_on_after(_GRACE):
                # uvicorn tells no one when a connection closes: look, briefly and often
                while self.server_state.connections or self.server_state.tasks:  # noqa: ASYNC110
                    await anyio.sleep(_SHUTDOWN_POLL)
            for task in self.server_state.tasks:
                task.cancel()
            for server in self.servers:
                await server.wait_closed()
            await self.lifespan.shutdown()

    return _QuickServer


class ServerThread:
    """uvicorn serving an app on an already-listening socket, in a background thread."""

    def __init__(self, app: FakeSunshine, host: str, port: int, *, quiet: bool) -> None:
        try:
            import uvicorn
        except ImportError:
            raise MissingUvicornError(
                f"serving FakeSunshine on a socket needs uvicorn: {INSTALL_HINT}"
            ) from None
        # quiet: leave the process's logging alone; uvicorn's records go to the root logger
        log_config = None if quiet else uvicorn.config.LOGGING_CONFIG
        config = uvicorn.Config(
            app,
            interface="asgi3",
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=_GRACE,
            log_config=log_config,
        )
        self._app = app
        self._server = _server_class()(config)
        self._sock = _bind(host, port)
        self.url = _url(self._sock)
        #: The exception the server thread ended with, if any.
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="fake-sunshine", daemon=True)

    def _run(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            # Ctrl-C and SIGTERM belong to the main thread, which decides what to do
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            anyio.run(self._server.serve, [self._sock], backend="asyncio")
        except Exception as exc:  # noqa: BLE001 - reported by stop() in the caller's thread
            self.error = exc

    def start(self) -> None:
        """Start serving; the socket is listening already.

        A `FakeSunshine` also starts POSTing its webhook deliveries to their targets.
        """
        start_courier = getattr(self._app, "_start_courier", None)
        if start_courier is not None:
            start_courier()
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the server to finish (safe from a signal handler)."""
        self._server.should_exit = True
        self._server.stop_requested.set()

    def wait(self) -> None:
        """Block until the server thread has ended.

        Waits in short steps rather than in one join: the kernel may hand SIGTERM or
        Ctrl-C to another thread of the process (the webhook courier's), and then the
        Python handler, which asks the server to stop, runs only once the main thread
        wakes up. A join without a timeout could sleep through it for good.
        """
        while self._thread.is_alive():
            self._thread.join(_SIGNAL_WAKE)

    def stop(self) -> None:
        """Stop the server, join its thread, close the socket. Idempotent.

        Raises:
            RuntimeError: the thread did not end in time, or the server failed.
        """
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)
        self._sock.close()
        stop_courier = getattr(self._app, "_stop_courier", None)
        if stop_courier is not None:
            stop_courier()  # deliveries already queued are still sent
        if self._thread.is_alive():
            raise RuntimeError(f"the FakeSunshine server did not stop in {_STOP_TIMEOUT:g}s")
        if self.error is not None:
            raise RuntimeError(f"the FakeSunshine server failed: {self.error}") from self.error


@contextlib.contextmanager
def serve_in_thread(app: FakeSunshine, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` over HTTP in a background thread; yields its base URL.

    The socket listens before this returns, so requests can be sent at once. On exit
    the server stops and its thread is joined. Needs uvicorn (the ``testing`` extra).

    Example::

        with serve_in_thread(fake) as base_url:
            async with Session(key_id=fake.key_id, secret=fake.secret,
                               base_url=base_url) as session:
                ...

    Raises:
        ImportError: uvicorn is not installed.
        OSError: the address cannot be bound.

    .. versionadded:: 0.1
    """
    server = ServerThread(app, host, port, quiet=True)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
