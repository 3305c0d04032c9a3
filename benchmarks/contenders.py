"""The workloads and the contenders that run them, each timed after its setup.

A contender's `Contender.measure` builds its client (untimed), runs one workload
(timed with `time.perf_counter`), closes the client (untimed) and returns the elapsed
seconds with the number of clients it read or created, which the harness checks.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import anyio

APP_ID = "5d8cff3cd55b040010928b5b"
KEY_ID = "app_5d8cff3cd55b040010928b5c"
SECRET = "bench-secret-not-a-real-one"
INTEGRATION_ID = "582dedf230e788746891281a"
CONVERSATION_ID = "029c31f25a21b47effd7be90"
CREATE_USER = "u0"
PAGE_SIZE = 100

AUTHORIZATION = "Basic " + base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode("ascii")
HEADERS = {"Authorization": AUTHORIZATION, "Accept": "application/json"}

Kind = Literal["list", "users", "creates"]
Runtime = Literal["sync", "asyncio", "trio"]


class BenchError(Exception):
    """A contender did something wrong: a bad status, too many pages, a wrong count."""


@dataclass(frozen=True)
class Workload:
    """What to do against the server at ``latency_ms``; `expected` clients must come back."""

    name: str
    kind: Kind
    latency_ms: float
    list_size: int = 0
    users: int = 0
    per_user: int = 0
    creates: int = 0
    concurrency: int = 20
    list_user: str = "big"

    @property
    def expected(self) -> int:
        if self.kind == "list":
            return self.list_size
        if self.kind == "users":
            return self.users * self.per_user
        return self.creates

    def user_ids(self) -> list[str]:
        return [f"u{i}" for i in range(self.users)]

    @property
    def max_pages(self) -> int:
        """A bound on the pages one user's walk may take (a broken cursor loop stops here)."""
        size = self.list_size if self.kind == "list" else self.per_user
        return size // PAGE_SIZE + 2


@dataclass(frozen=True)
class Measurement:
    seconds: float
    count: int


def clients_path(user: str) -> str:
    return f"/v2/apps/{APP_ID}/users/{user}/clients"


def phone_number(i: int) -> str:
    return f"+1514555{i % 10_000:04d}"


def create_body(i: int) -> dict[str, object]:
    """The create request in the API's JSON shape, as the bare clients send it."""
    return {
        "matchCriteria": {
            "type": "whatsapp",
            "integrationId": INTEGRATION_ID,
            "phoneNumber": phone_number(i),
        },
        "confirmation": {"type": "immediate"},
        "target": {"conversationId": CONVERSATION_ID},
    }


def have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@dataclass
class Contender:
    """A way of doing the workloads; subclasses say how."""

    name: str
    runtime: Runtime
    needs: tuple[str, ...] = ()

    def unavailable(self) -> str | None:
        """Why this contender cannot run here (a missing package), or None."""
        missing = [module for module in self.needs if not have(module)]
        return f"not installed: {', '.join(missing)}" if missing else None

    def measure(self, workload: Workload, base_url: str) -> Measurement:
        raise NotImplementedError


# --- the official sync SDK -------------------------------------------------------------


@dataclass
class OfficialContender(Contender):
    """``sunshine_conversations_client``: sequential, or on a pool of threads."""

    threads: int = 1

    def measure(self, workload: Workload, base_url: str) -> Measurement:
        # typed as Any: the official package does not re-export its names explicitly
        sc: Any = importlib.import_module("sunshine_conversations_client")
        conf = sc.Configuration(host=base_url, username=KEY_ID, password=SECRET)
        conf.connection_pool_maxsize = max(self.threads, 1)
        api_client = sc.ApiClient(conf)
        api = sc.ClientsApi(api_client)
        executor = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        try:
            if executor is not None:
                start_threads(executor, self.threads)
            start = time.perf_counter()
            count = self.run(sc, api, executor, workload)
            elapsed = time.perf_counter() - start
        finally:
            if executor is not None:
                executor.shutdown(wait=True)
            api_client.rest_client.pool_manager.clear()
        return Measurement(elapsed, count)

    def run(
        self, sc: Any, api: Any, executor: ThreadPoolExecutor | None, workload: Workload
    ) -> int:
        def list_user(user: str) -> int:
            count = 0
            after = None
            for _ in range(workload.max_pages):
                page = api.list_clients(APP_ID, user, page=sc.Page(after=after, size=PAGE_SIZE))
                count += len(page.clients or ())
                if not page.meta.has_more:
                    return count
                after = page.meta.after_cursor
            raise BenchError(f"{self.name}: more than {workload.max_pages} pages for {user}")

        def create(i: int) -> int:
            body = sc.ClientCreate(
                match_criteria=sc.MatchCriteria(
                    sc.MatchCriteriaWhatsapp(
                        type="whatsapp",
                        integration_id=INTEGRATION_ID,
                        phone_number=phone_number(i),
                    )
                ),
                confirmation=sc.Confirmation(type="immediate"),
                target=sc.Target(conversation_id=CONVERSATION_ID),
            )
            response = api.create_client(APP_ID, CREATE_USER, body)
            return 1 if response.client.id else 0

        if workload.kind == "list":
            # a cursor walk is sequential whatever the thread count
            return list_user(workload.list_user)
        tasks: list[Any]
        if workload.kind == "users":
            job: Callable[[Any], int] = list_user
            tasks = list(workload.user_ids())
        else:
            job = create
            tasks = list(range(workload.creates))
        if executor is None:
            return sum(job(task) for task in tasks)
        return sum(executor.map(job, tasks))


def start_threads(executor: ThreadPoolExecutor, threads: int) -> None:
    """Make the pool start all its threads now, before the clock runs."""
    barrier = threading.Barrier(threads)
    for future in [executor.submit(barrier.wait, 10.0) for _ in range(threads)]:
        future.result(timeout=20.0)


# --- async contenders ------------------------------------------------------------------


@dataclass
class AsyncContender(Contender):
    """Opens a client inside the event loop, then drives the workload with anyio."""

    async def open(self, base_url: str, workload: Workload) -> Any:
        raise NotImplementedError

    async def close(self, state: Any) -> None:
        raise NotImplementedError

    async def list_user(self, state: Any, user: str, workload: Workload) -> int:
        raise NotImplementedError

    async def create(self, state: Any, i: int) -> int:
        raise NotImplementedError

    def measure(self, workload: Workload, base_url: str) -> Measurement:
        async def main() -> Measurement:
            state = await self.open(base_url, workload)
            try:
                start = time.perf_counter()
                count = await self.drive(state, workload)
                elapsed = time.perf_counter() - start
            finally:
                await self.close(state)
            return Measurement(elapsed, count)

        if self.runtime == "trio":
            import trio

            return trio.run(main)
        return anyio.run(main, backend="asyncio")

    async def drive(self, state: Any, workload: Workload) -> int:
        if workload.kind == "list":
            return await self.list_user(state, workload.list_user, workload)
        if workload.kind == "users":
            return await limited(
                (partial(self.list_user, state, user, workload) for user in workload.user_ids()),
                limit=workload.concurrency,
            )
        return await limited(
            (partial(self.create, state, i) for i in range(workload.creates)),
            limit=workload.concurrency,
        )


async def limited(jobs: Iterable[Callable[[], Awaitable[int]]], *, limit: int = 20) -> int:
    """Run every job, at most ``limit`` at a time; the sum of their results."""
    limiter = anyio.CapacityLimiter(limit)
    total = 0

    async def run(job: Callable[[], Awaitable[int]]) -> None:
        nonlocal total
        async with limiter:
            result = await job()
        total += result  # not `total += await ...`: that reads total before the await

    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(run, job)
    return total


@dataclass
class HttpxBare(AsyncContender):
    """A bare `httpx.AsyncClient`: pages as dicts, no models."""

    needs: tuple[str, ...] = ("httpx",)

    async def open(self, base_url: str, workload: Workload) -> Any:
        import httpx

        limits = httpx.Limits(
            max_connections=workload.concurrency, max_keepalive_connections=workload.concurrency
        )
        # trust_env=False: no proxy from the environment for a loopback server
        return httpx.AsyncClient(
            base_url=base_url, headers=HEADERS, limits=limits, trust_env=False, timeout=60.0
        )

    async def close(self, state: Any) -> None:
        await state.aclose()

    async def list_user(self, state: Any, user: str, workload: Workload) -> int:
        params = {"page[size]": str(PAGE_SIZE)}
        count = 0
        for _ in range(workload.max_pages):
            response = await state.get(clients_path(user), params=params)
            if response.status_code != 200:
                raise BenchError(f"{self.name}: GET {response.url} -> {response.status_code}")
            data = response.json()
            count += len(data["clients"])
            meta = data["meta"]
            if not meta.get("hasMore"):
                return count
            params["page[after]"] = meta["afterCursor"]
        raise BenchError(f"{self.name}: more than {workload.max_pages} pages for {user}")

    async def create(self, state: Any, i: int) -> int:
        response = await state.post(clients_path(CREATE_USER), json=create_body(i))
        if response.status_code != 201:
            raise BenchError(f"{self.name}: POST -> {response.status_code}")
        return 1 if response.json()["client"]["id"] else 0


@dataclass
class AiohttpBare(AsyncContender):
    """A bare `aiohttp.ClientSession`: pages as dicts, no models."""

    needs: tuple[str, ...] = ("aiohttp",)

    async def open(self, base_url: str, workload: Workload) -> Any:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=workload.concurrency)
        session = aiohttp.ClientSession(
            headers=HEADERS, connector=connector, timeout=aiohttp.ClientTimeout(total=60.0)
        )
        return session, base_url

    async def close(self, state: Any) -> None:
        await state[0].close()

    async def list_user(self, state: Any, user: str, workload: Workload) -> int:
        session, base_url = state
        url = base_url + clients_path(user)
        params = {"page[size]": str(PAGE_SIZE)}
        count = 0
        for _ in range(workload.max_pages):
            async with session.get(url, params=params) as response:
                if response.status != 200:
                    raise BenchError(f"{self.name}: GET {response.url} -> {response.status}")
                data = await response.json()
            count += len(data["clients"])
            meta = data["meta"]
            if not meta.get("hasMore"):
                return count
            params["page[after]"] = meta["afterCursor"]
        raise BenchError(f"{self.name}: more than {workload.max_pages} pages for {user}")

    async def create(self, state: Any, i: int) -> int:
        session, base_url = state
        url = base_url + clients_path(CREATE_USER)
        async with session.post(url, json=create_body(i)) as response:
            if response.status != 201:
                raise BenchError(f"{self.name}: POST -> {response.status}")
            data = await response.json()
        return 1 if data["client"]["id"] else 0


@dataclass
class SdkContender(AsyncContender):
    """This SDK (``sunshine_async``) with one of its transports."""

    transport: str = "auto"
    needs: tuple[str, ...] = ("sunshine_async",)

    def unavailable(self) -> str | None:
        missing = super().unavailable()
        if missing is None and self.transport not in sdk_transport_names():
            return f"this sunshine_async has no transport named {self.transport!r}"
        return missing

    def session_kwargs(self, workload: Workload) -> dict[str, Any]:
        """``Session`` arguments for this transport and the workload's concurrency."""
        return {"transport": self.transport, "max_connections": workload.concurrency}

    async def open(self, base_url: str, workload: Workload) -> Any:
        from sunshine_async import Session

        session = Session(
            key_id=KEY_ID, secret=SECRET, base_url=base_url, **self.session_kwargs(workload)
        )
        return await session.__aenter__()

    async def close(self, state: Any) -> None:
        await state.aclose()

    async def list_user(self, state: Any, user: str, workload: Workload) -> int:
        limit = workload.max_pages * PAGE_SIZE
        count = 0
        async for client in state.apps[APP_ID].users[user].clients.list(page_size=PAGE_SIZE):
            count += 1 if client.id else 0
            if count > limit:
                raise BenchError(f"{self.name}: more than {limit} clients for {user}")
        return count

    async def create(self, state: Any, i: int) -> int:
        import sunshine_async as sa

        client = (
            await state.apps[APP_ID]
            .users[CREATE_USER]
            .clients.create(
                match_criteria=sa.MatchCriteriaWhatsapp(
                    integration_id=INTEGRATION_ID, phone_number=phone_number(i)
                ),
                confirmation=sa.Confirmation(type="immediate"),
                target=sa.Target(conversation_id=CONVERSATION_ID),
            )
        )
        return 1 if client.id else 0


def sdk_transport_names() -> tuple[str, ...]:
    """The names ``Session(transport=...)`` takes in the installed SDK (h11 came later)."""
    try:
        transport = importlib.import_module("sunshine_async._transport")
    except ImportError:
        return ()
    names = getattr(transport, "TRANSPORT_NAMES", None)
    if isinstance(names, tuple):
        return tuple(str(name) for name in names)
    # a layout this harness does not know: trust the modules that are there
    return ("auto", "httpcore", "aiohttp") + (("h11",) if have("sunshine_async._h11") else ())


def all_contenders() -> list[Contender]:
    """Every contender, in the order the tables list them."""
    return [
        OfficialContender("official-seq", "sync", ("sunshine_conversations_client",), threads=1),
        OfficialContender(
            "official-threads20", "sync", ("sunshine_conversations_client",), threads=20
        ),
        HttpxBare("httpx-bare", "asyncio"),
        AiohttpBare("aiohttp-bare", "asyncio"),
        HttpxBare("httpx-bare-trio", "trio", ("httpx", "trio")),
        SdkContender("sdk-httpcore", "asyncio", transport="httpcore"),
        SdkContender(
            "sdk-aiohttp",
            "asyncio",
            ("sunshine_async", "aiohttp"),
            transport="aiohttp",
        ),
        SdkContender("sdk-h11", "asyncio", transport="h11"),
        # On trio, transport="auto" means h11: named here, so no contender repeats another
        SdkContender("sdk-trio-h11", "trio", ("sunshine_async", "trio"), transport="h11"),
        SdkContender("sdk-trio-httpcore", "trio", ("sunshine_async", "trio"), transport="httpcore"),
    ]


def describe_sdk_api() -> str:
    return 'Session(transport="httpcore"|"aiohttp"|"h11", max_connections=20)'
