"""Tests for ``python -m sunshine_async.testing``, the fake server's command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

import sunshine_async
from sunshine_async import Session
from sunshine_async.testing.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP = "5d8cff3cd55b040010928b5b"
# long enough that PyJWT does not warn about the HMAC key
LONG_SECRET = "a-fake-secret-that-is-long-enough-for-hs256"
LINE = re.compile(
    r"Fake Sunshine listening on (http://127\.0\.0\.1:[0-9]+)"
    r" \(app (.+?), user (.+?), key (.+?)\)\n"
)
TIMEOUT = 10


@asynccontextmanager
async def fake_server(
    *args: str,
) -> AsyncIterator[tuple[Process, re.Match[str], BufferedByteReceiveStream]]:
    """Start the command line; yields the process, its parsed first line, and its stdout."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "sunshine_async.testing", "--port", "0", *args]
    process = await anyio.open_process(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=None
    )
    try:
        assert process.stdout is not None
        stdout = BufferedByteReceiveStream(process.stdout)
        with anyio.fail_after(TIMEOUT):
            line = await stdout.receive_until(b"\n", 1000)
        match = LINE.fullmatch(line.decode() + "\n")
        assert match is not None, line
        yield process, match, stdout
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.fail_after(TIMEOUT):
            await process.aclose()


async def stop(
    process: Process, stdout: BufferedByteReceiveStream, how: signal.Signals
) -> tuple[int, bytes]:
    """Send a signal; return the exit status and whatever else was printed."""
    process.send_signal(how)
    with anyio.fail_after(TIMEOUT):
        rest = b""
        try:
            while True:
                rest += await stdout.receive()
        except anyio.EndOfStream:
            pass
        return await process.wait(), rest


class TestServe:
    """The server started as a subprocess."""

    pytestmark = pytest.mark.anyio

    async def test_seeded_clients_and_sigterm(self) -> None:
        """150 seeded clients are listed, a wrong secret is a 401, SIGTERM exits 0."""
        async with fake_server("--clients", "150") as (process, match, stdout):
            url, app, user, key = match.groups()
            assert (app, user, key) == (DEFAULT_APP, "user-1", "app_fake_key")
            with anyio.fail_after(TIMEOUT):
                async with Session(key_id=key, secret="fake-secret", base_url=url) as session:
                    clients = session.apps[app].users[user].clients
                    listed = [c async for c in clients.list()]
                    pages = [p async for p in clients.pages(page_size=100)]
                    with pytest.raises(sunshine_async.NotFoundError) as missing:
                        await session.apps[app].users["user-2"].clients.list().__anext__()
                async with Session(key_id=key, secret="wrong", base_url=url) as session:
                    with pytest.raises(sunshine_async.AuthenticationError) as refused:
                        await session.apps[app].users[user].clients.list().__anext__()
            assert len(listed) == 150
            assert len({c.id for c in listed}) == 150
            assert all(c.status == "active" for c in listed)
            assert [len(p.clients) for p in pages] == [100, 50]
            assert missing.value.code == "user_not_found"
            assert refused.value.code == "unauthorized"
            assert await stop(process, stdout, signal.SIGTERM) == (0, b"")

    async def test_options_jwt_and_ctrl_c(self) -> None:
        """Every option is honoured, HS256 JWTs get in, and Ctrl-C exits 0."""
        args = ["--app-id", "app-x", "--user-id", "u 9", "--key-id", "app_k", "--clients", "3"]
        args += ["--secret", LONG_SECRET, "--latency-ms", "1", "--host", "127.0.0.1"]
        async with fake_server(*args) as (process, match, stdout):
            url, app, user, key = match.groups()
            assert (app, user, key) == ("app-x", "u 9", "app_k")
            with anyio.fail_after(TIMEOUT):
                async with Session(
                    key_id="app_k", secret=LONG_SECRET, use_jwt=True, base_url=url
                ) as session:
                    clients = session.apps["app-x"].users["u 9"].clients
                    assert len([c async for c in clients.list()]) == 3
                    with pytest.raises(sunshine_async.NotFoundError) as missing:
                        await session.apps[DEFAULT_APP].users["u 9"].clients.list().__anext__()
            assert missing.value.code == "app_not_found"
            assert await stop(process, stdout, signal.SIGINT) == (0, b"")


class TestMain:
    """main() run in process, for the failures that need no server."""

    def test_without_uvicorn(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Without uvicorn it says how to install it, on one line, and exits 2."""
        monkeypatch.setitem(sys.modules, "uvicorn", None)
        assert main(["--port", "0"]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1
        assert "pip install 'sunshine-async[testing]'" in err

    @pytest.mark.parametrize(
        "argv",
        [
            ["--port", "70000"],
            ["--port", "x"],
            ["--clients", "-1"],
            ["--latency-ms", "-5"],
            ["--user-id", ""],
            ["--app-id", ""],
            ["--secret", ""],
        ],
    )
    def test_bad_arguments(self, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
        """Bad arguments are a usage error (exit 2)."""
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert "usage:" in capsys.readouterr().err


def test_listening_socket_turns_nagle_off() -> None:
    """The pre-bound socket says TCP, so asyncio sets TCP_NODELAY on each connection.

    With proto 0 asyncio skips it, and every response waited ~40 ms for a delayed ACK.
    """
    import socket

    from sunshine_async.testing._server import _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()


#: Serves a fake, installs the command line's handler, then has SIGTERM delivered to
#: another thread of the process (the kernel may pick any thread that does not block
#: it); prints how long `ServerThread.wait` took to notice.
_SIGNAL_TO_ANOTHER_THREAD = """
import signal, threading, time
from sunshine_async.testing import FakeSunshine
from sunshine_async.testing._server import ServerThread

server = ServerThread(FakeSunshine(), "127.0.0.1", 0, quiet=True)
signal.signal(signal.SIGTERM, lambda signum, frame: server.request_stop())
bystander = threading.Thread(target=time.sleep, args=(30,), daemon=True)
bystander.start()
server.start()
threading.Timer(0.2, signal.pthread_kill, (bystander.ident, signal.SIGTERM)).start()
started = time.monotonic()
server.wait()
server.stop()
print(round(time.monotonic() - started, 3))
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX threads only")
def test_a_signal_taken_by_another_thread_still_stops_the_server() -> None:
    """wait() wakes in short steps, so the main thread runs the handler in time."""
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_TO_ANOTHER_THREAD],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    assert float(done.stdout) < 3.0
