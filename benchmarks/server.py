"""A small, fast fake of the Sunshine Conversations Clients endpoints, for benchmarks.

It speaks just enough HTTP/1.1 (request line, headers, a ``Content-Length`` body,
keep-alive) over a raw `asyncio.Protocol`, binds 127.0.0.1 only, and answers from
responses rendered once at startup, so that serving a page costs a dict lookup and the
clients under test, not the server, set the pace. Run it in its own process:

    python benchmarks/server.py --latency-ms 10 --list-size 20000 --users 200 --per-user 50

It prints its base URL (``http://127.0.0.1:PORT``) on one line of stdout once it listens,
and stops when its stdin closes, on SIGTERM, or after ``--max-seconds``.

Data: user ``big`` has ``--list-size`` clients, ``warm`` has ``--warm-size``, and users
``u0`` .. ``u{N-1}`` have ``--per-user`` each; a POST on any user of the app creates a
client (201). Pages follow
``page[after]`` cursors (the id of a page's last client). Both query forms are read: the
``page[after]=...&page[size]=...`` deepObject form, and ``page={"after": ..., "size": ...}``
(percent-encoded JSON), which is what the official ``sunshine-conversations-client``
17.0.1 sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from urllib.parse import unquote

APP_ID = "5d8cff3cd55b040010928b5b"
BIG_USER = "big"
WARM_USER = "warm"  # a short list for untimed warm-up passes
DEFAULT_PAGE_SIZE = 25  # the API's default when page[size] is absent
MAX_PAGE_SIZE = 100
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
MAX_REQUESTS_PER_READ = 64  # pipelined requests handled per call; the rest come next tick
MAX_CACHED_TARGETS = 100_000

_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 405: "Not Allowed"}


def render(status: int, body: bytes, *, close: bool = False) -> bytes:
    """A whole HTTP/1.1 response: status line, headers and body."""
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    )
    return head.encode("ascii") + body


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def error(status: int, code: str, title: str) -> bytes:
    return render(status, dumps({"errors": [{"code": code, "title": title}]}))


def client_id(user_index: int, n: int) -> str:
    """A 24-hex-digit id, unique per (user, n) and increasing with n."""
    return f"{user_index:06x}{n:018x}"


def make_client(user_index: int, n: int) -> dict[str, object]:
    """One realistic client; every third has nulls where the API sends them."""
    kind = ("whatsapp", "twilio", "mailgun", "messagebird")[n % 4]
    external = f"steve{n}@example.com" if kind == "mailgun" else f"+1514555{n % 10000:04d}"
    seen = f"2019-01-{1 + n % 28:02d}T16:{n % 60:02d}:59.364Z"
    client: dict[str, object] = {
        "id": client_id(user_index, n),
        "type": kind,
        "status": ("active", "pending", "inactive", "blocked")[n % 4 if n % 5 == 0 else 0],
        "integrationId": "582dedf230e788746891281a",
        "externalId": external,
        "lastSeen": seen,
        "linkedAt": seen,
        "displayName": f"Steve {n}",
        "avatarUrl": None,
        "info": None,
        "raw": None,
        "primary": n == 0,
    }
    if n % 3:
        client["avatarUrl"] = f"https://www.gravatar.com/avatar/{n:032x}.png"
        client["info"] = {"phoneNumber": external} if kind != "mailgun" else {"email": external}
    return client


class Store:
    """Every response the server can give, rendered up front where it can be."""

    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        list_size: int,
        warm_size: int,
        users: int,
        per_user: int,
    ) -> None:
        self.base_url = base_url
        self.app_id = app_id
        self.prefix = f"/v2/apps/{app_id}/users/"
        # user id -> the user's clients, each already JSON
        self.clients: dict[str, list[bytes]] = {}
        # user id -> {cursor: index of the first client after it}
        self.cursors: dict[str, dict[str, int]] = {}
        self.add_user(BIG_USER, 0xB16, list_size)
        self.add_user(WARM_USER, 0xA7, warm_size)
        for i in range(users):
            self.add_user(f"u{i}", i + 1, per_user)
        # (user, after cursor or "", page size) -> whole response
        self.pages: dict[tuple[str, str, int], bytes] = {}
        for user in self.clients:
            self.prerender(user, MAX_PAGE_SIZE)
        # raw request target -> whole response, filled as targets are first seen
        self.targets: dict[bytes, bytes] = {}
        template = {**make_client(0, 4), "id": "@", "status": "pending", "primary": False}
        created = dumps({"client": template})
        self.created_head, _, self.created_tail = created.partition(b'"@"')
        self.created_count = 0
        self.removed = render(200, b"{}")

    def add_user(self, user: str, index: int, count: int) -> None:
        self.clients[user] = [dumps(make_client(index, n)) for n in range(count)]
        ids = [client_id(index, n) for n in range(count)]
        self.cursors[user] = {cursor: i + 1 for i, cursor in enumerate(ids)}

    def prerender(self, user: str, size: int) -> None:
        count = len(self.clients[user])
        ids = [""] + [client_id_of(c) for c in self.clients[user]]
        for start in range(0, max(count, 1), size):
            self.page(user, ids[start], start, size)

    def page(self, user: str, after: str, start: int, size: int) -> bytes:
        key = (user, after, size)
        cached = self.pages.get(key)
        if cached is not None:
            return cached
        clients = self.clients[user]
        chunk = clients[start : start + size]
        more = start + size < len(clients)
        last = client_id_of(chunk[-1]) if chunk else None
        first = client_id_of(chunk[0]) if chunk else None
        path = f"{self.base_url}{self.prefix}{user}/clients"
        meta = {
            "hasMore": more,
            "afterCursor": last if more else None,
            "beforeCursor": first if start > 0 else None,
        }
        links = {
            "next": f"{path}?page[after]={last}&page[size]={size}" if more else None,
            "prev": f"{path}?page[before]={first}&page[size]={size}" if start > 0 else None,
        }
        body = (
            b'{"clients":['
            + b",".join(chunk)
            + b'],"meta":'
            + dumps(meta)
            + b',"links":'
            + dumps(links)
            + b"}"
        )
        response = render(200, body)
        if len(self.pages) < MAX_CACHED_TARGETS:
            self.pages[key] = response
        return response

    def respond(self, method: bytes, target: bytes, body: bytes) -> bytes:
        if method == b"GET":
            cached = self.targets.get(target)
            if cached is not None:
                return cached
        path, _, query = target.decode("latin-1").partition("?")
        if not path.startswith(self.prefix):
            return error(404, "not_found", "No such route")
        user, _, rest = path[len(self.prefix) :].partition("/")
        user = unquote(user)
        if rest == "clients":
            if method == b"POST":
                return self.create(body)
            if method != b"GET":
                return error(405, "method_not_allowed", "Use GET or POST")
            response = self.list(user, query)
            if len(self.targets) < MAX_CACHED_TARGETS:
                self.targets[target] = response
            return response
        if rest.startswith("clients/") and method == b"DELETE":
            return self.removed
        return error(404, "not_found", "No such route")

    def list(self, user: str, query: str) -> bytes:
        if user not in self.clients:
            return error(404, "user_not_found", "User not found")
        params = read_page_params(query)
        if params is None:
            return error(400, "bad_request", "Invalid page parameters")
        after, before, size = params
        if before:
            return error(400, "bad_request", "page[before] is not served by this bench server")
        start = 0
        if after:
            found = self.cursors[user].get(after)
            if found is None:
                return error(400, "bad_request", "Unknown cursor")
            start = found
        return self.page(user, after, start, size)

    def create(self, body: bytes) -> bytes:
        try:
            request = json.loads(body)
        except ValueError:
            return error(400, "bad_request", "Body is not JSON")
        if not isinstance(request, dict) or not isinstance(request.get("matchCriteria"), dict):
            return error(400, "bad_request", "matchCriteria is required")
        self.created_count += 1
        new_id = b'"%024x"' % (0xC0FFEE << 72 | self.created_count)
        return render(201, self.created_head + new_id + self.created_tail)


def client_id_of(client_json: bytes) -> str:
    # every rendered client starts with {"id":"<24 characters>"
    return client_json[7:31].decode("ascii")


def read_page_params(query: str) -> tuple[str, str, int] | None:
    """``(after, before, size)`` from either query form, or None if they are invalid."""
    after = before = ""
    size = DEFAULT_PAGE_SIZE
    try:
        for item in query.split("&"):
            if not item:
                continue
            name, _, value = item.partition("=")
            name = unquote(name)
            value = unquote(value.replace("+", " "))
            if name == "page":
                fields = json.loads(value)
                if not isinstance(fields, dict):
                    return None
                after = str(fields.get("after") or "")
                before = str(fields.get("before") or "")
                if fields.get("size") is not None:
                    size = int(fields["size"])
            elif name == "page[after]":
                after = value
            elif name == "page[before]":
                before = value
            elif name == "page[size]":
                size = int(value)
    except ValueError:
        return None
    if not 1 <= size <= MAX_PAGE_SIZE:
        return None
    return after, before, size


class HttpProtocol(asyncio.Protocol):
    """One keep-alive connection: parse requests, answer each after the set latency."""

    def __init__(self, store: Store, latency: float) -> None:
        self.store = store
        self.latency = latency
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.process()

    def process(self) -> None:
        for _ in range(MAX_REQUESTS_PER_READ):
            if self.transport is None or self.closing:
                return
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD_BYTES:
                    self.fail(error(400, "bad_request", "Request head too large"))
                return
            lines = bytes(self.buffer[:end]).split(b"\r\n")
            request_line = lines[0].split(b" ")
            if len(request_line) != 3:
                self.fail(error(400, "bad_request", "Bad request line"))
                return
            method, target, _version = request_line
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        length = -1
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    length = -1  # chunked request bodies are not supported
            if not 0 <= length <= MAX_BODY_BYTES:
                self.fail(error(400, "bad_request", "Bad or missing Content-Length"))
                return
            total = end + 4 + length
            if len(self.buffer) < total:
                return  # the body is still on its way
            body = bytes(self.buffer[end + 4 : total])
            del self.buffer[:total]
            response = self.store.respond(method, target, body)
            if close:
                self.closing = True
            if self.latency > 0:
                self.loop.call_later(self.latency, self.send, response, close)
            else:
                self.send(response, close)
        if self.buffer:
            # more pipelined requests than one pass handles: go on in the next tick
            self.loop.call_soon(self.process)

    def send(self, response: bytes, close: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if close:
            transport.close()

    def fail(self, response: bytes) -> None:
        self.closing = True
        self.buffer.clear()
        self.send(response, True)


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    store = Store(
        base_url=base_url,
        app_id=args.app_id,
        list_size=args.list_size,
        warm_size=args.warm_size,
        users=args.users,
        per_user=args.per_user,
    )
    latency = args.latency_ms / 1000
    server = await loop.create_server(lambda: HttpProtocol(store, latency), sock=sock, backlog=512)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if args.stop_on_stdin_eof:

        def watch_stdin() -> None:
            # the raw descriptor, not sys.stdin: a thread still blocked in a buffered
            # read holds its lock, and the interpreter then dies at shutdown
            fd = sys.stdin.fileno()
            while os.read(fd, 4096):  # b"" at EOF: the parent has gone
                pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()
    loop.call_later(args.max_seconds, stop.set)
    async with server:
        print(base_url, flush=True)
        await stop.wait()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (default)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay per response")
    parser.add_argument("--app-id", default=APP_ID)
    parser.add_argument("--list-size", type=int, default=20_000, help="clients of user 'big'")
    parser.add_argument("--warm-size", type=int, default=300, help="clients of user 'warm'")
    parser.add_argument("--users", type=int, default=200, help="users u0..u{N-1}")
    parser.add_argument("--per-user", type=int, default=50, help="clients per user uN")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this")
    parser.add_argument(
        "--stop-on-stdin-eof", action="store_true", help="stop when stdin closes (parent gone)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
