"""A minimal webhook receiver: verify, parse, deduplicate, log each link's outcome.

    WEBHOOK_SECRET=... python examples/webhook_receiver.py [--port 8000]

A plain ASGI app (no web framework), served by uvicorn. Sunshine POSTs each delivery
with the webhook's secret in ``X-API-Key``; this app

- refuses a wrong or missing key (401) and a body that is not a delivery (400), which
  Sunshine does not retry;
- skips events it has seen: a delivery is retried when the answer is slow or lost, so
  the same event can come twice; its id is the key;
- logs what happened to each channel link (requested, confirmed, blocked, failed);
- answers 200 at once. Real work (a database write, a message) belongs in a queue or a
  background task: Sunshine only waits a few seconds for the answer.

Set WEBHOOK_SECRET to the webhook's secret, or to "old,new" while rotating (a webhook's
secret cannot change: rotate by creating a second webhook, then deleting the first).
Give Sunshine an https target: the secret travels in a header.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from sunshine_async import WebhookParseError, WebhookVerificationError, webhooks

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("webhook_receiver")


class WebhookReceiver:
    """The ASGI app: POST deliveries to ``path``.

    Args:
        secrets: The webhook secrets accepted (two while rotating).
        path: Where deliveries are POSTed.
        max_body: Larger bodies are refused (413) unread.
        remember: How many event ids are kept to spot repeats.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        path: str = "/sunshine/webhooks",
        max_body: int = 1_000_000,
        remember: int = 10_000,
    ) -> None:
        self.secrets = list(secrets)
        self.path = path
        self.max_body = max_body
        self.remember = remember
        #: What happened to each link, one line per event, oldest first.
        self.outcomes: list[str] = []
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope["path"] != self.path:
            await _answer(send, 404)
            return
        if scope["method"] != "POST":
            await _answer(send, 405)
            return
        body = await _read(receive, self.max_body)
        if body is None:
            await _answer(send, 413)
            return
        await _answer(send, self.handle(body, scope["headers"]))

    def handle(self, body: bytes, headers: Sequence[tuple[bytes, bytes]]) -> int:
        """Check and read one delivery; returns the status to answer."""
        try:
            delivery = webhooks.unwrap(body, headers, secret=self.secrets)
        except WebhookVerificationError:
            log.warning("refused a delivery with a wrong or missing X-API-Key")
            return 401
        except WebhookParseError as exc:
            log.warning("refused a delivery that is not one: %s", exc)
            return 400
        for event in delivery.events:
            if event.id is not None:
                if event.id in self._seen:
                    log.info("skipped event %s: seen already", event.id)
                    continue
                self._seen[event.id] = None
                if len(self._seen) > self.remember:
                    self._seen.popitem(last=False)
            line = link_outcome(event)
            if line is not None:
                self.outcomes.append(line)
                log.info("%s", line)
        return 200


def link_outcome(event: webhooks.WebhookEvent) -> str | None:
    """One line on what an event says about a channel link (None: not a link event)."""
    if isinstance(event, webhooks.ClientAddEvent):
        client = event.payload.client
        return (
            f"client {client.id if client else '?'} requested: {client.status if client else '?'}"
        )
    if isinstance(event, webhooks.ClientUpdateEvent):
        client = event.payload.client
        status = client.status if client else "?"
        return f"client {client.id if client else '?'} {event.payload.reason}: {status}"
    if isinstance(event, webhooks.ClientRemoveEvent):
        client = event.payload.client
        return f"client {client.id if client else '?'} removed: {event.payload.reason}"
    return None


async def _read(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    secrets = [s for s in os.environ.get("WEBHOOK_SECRET", "").split(",") if s]
    if not secrets:
        print("set WEBHOOK_SECRET to the webhook's secret (or 'old,new')", file=sys.stderr)
        return 2
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    uvicorn.run(WebhookReceiver(secrets), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
