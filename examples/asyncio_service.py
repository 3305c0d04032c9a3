"""A long-lived asyncio service that shares one Session across concurrent tasks.

    python examples/asyncio_service.py

The service takes "link this phone number" jobs from a queue and runs a few workers that
create WhatsApp clients concurrently through one `Session` (one connection pool). The
Session is opened once when the service starts and closed once when it stops; in a
FastAPI app the same thing goes in the lifespan handler::

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with Session(key_id=..., secret=...) as session:
            app.state.sunshine = session
            yield

With no credentials set it runs against an embedded fake server.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

import attrs

import sunshine_async
from sunshine_async import Session


@attrs.frozen
class LinkJob:
    """Link ``phone_number`` as a WhatsApp channel of ``user_id``'s conversation."""

    user_id: str
    phone_number: str
    conversation_id: str


@attrs.define
class LinkResults:
    linked: list[str] = attrs.Factory(list)
    failed: list[tuple[LinkJob, str]] = attrs.Factory(list)
    #: Jobs whose create may or may not have happened (the response was lost, or a
    #: 5xx): list the user's clients before trying again, or the channel is linked twice.
    unknown: list[tuple[LinkJob, str]] = attrs.Factory(list)


class LinkService:
    """Links channels for many users at once through one shared Session."""

    def __init__(self, session: Session, app_id: str, integration_id: str, workers: int = 4):
        self._session = session
        self._app_id = app_id
        self._integration_id = integration_id
        self._workers = workers
        self._queue: asyncio.Queue[LinkJob] = asyncio.Queue()
        self.results = LinkResults()

    def submit(self, job: LinkJob) -> None:
        self._queue.put_nowait(job)

    async def _link(self, job: LinkJob) -> None:
        clients = self._session.apps[self._app_id].users[job.user_id].clients
        try:
            client = await clients.create(
                match_criteria=sunshine_async.MatchCriteriaWhatsapp(
                    integration_id=self._integration_id, phone_number=job.phone_number
                ),
                confirmation=sunshine_async.Confirmation(type="immediate"),
                target=sunshine_async.Target(conversation_id=job.conversation_id),
            )
        except (sunshine_async.ApiConnectionError, sunshine_async.ServerError) as error:
            maybe = getattr(error, "may_have_reached_server", True)  # a 5xx: maybe too
            outcome = self.results.unknown if maybe else self.results.failed
            outcome.append((job, f"{type(error).__name__}: {error}"))
        except Exception as error:  # noqa: BLE001
            # a worker must outlive any one job: a dead worker would leave
            # queue.join() waiting forever. (Cancellation is not an Exception.)
            self.results.failed.append((job, f"{type(error).__name__}: {error}"))
        else:
            self.results.linked.append(client.id)

    async def _worker(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._link(job)
            finally:
                self._queue.task_done()

    async def run_until_drained(self) -> LinkResults:
        """Work through every submitted job with the configured number of workers."""
        workers = [asyncio.create_task(self._worker()) for _ in range(self._workers)]
        try:
            await self._queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return self.results


async def run_service(
    session: Session, app_id: str, integration_id: str, jobs: Sequence[LinkJob]
) -> LinkResults:
    service = LinkService(session, app_id, integration_id)
    for job in jobs:
        service.submit(job)
    return await service.run_until_drained()


async def main() -> int:
    if os.environ.get("SUNSHINE_KEY_ID"):
        print(
            "asyncio_service: this demo only runs against the embedded fake server", file=sys.stderr
        )
        return 2
    from sunshine_async.testing import FakeSunshine

    fake = FakeSunshine()
    app_id = fake.add_app()
    users = [fake.add_user(app_id, external_id=f"customer-{n}") for n in range(20)]
    jobs = [
        LinkJob(user, f"+1 514-555-{n:04d}", "029c31f25a21b47effd7be90")
        for n, user in enumerate(users)
    ]
    # one job with data the API refuses, to show that it fails alone
    jobs.append(LinkJob("no-such-user", "+1 514-555-9999", "029c31f25a21b47effd7be90"))
    async with fake.session() as session:
        results = await run_service(session, app_id, "582dedf230e788746891281a", jobs)
    print(f"linked {len(results.linked)} channels, {len(results.failed)} failed")
    for job, reason in results.failed:
        print(f"  {job.user_id}: {reason}")
    for job, reason in results.unknown:
        print(f"  {job.user_id}: fate unknown, check before retrying ({reason})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
