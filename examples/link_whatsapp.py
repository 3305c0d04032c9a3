"""Link a customer's WhatsApp number to a conversation, and follow the link to its end.

    python examples/link_whatsapp.py [+15145555555] [steveb@example.com]

The whole flow a messaging service runs when a customer gives their phone number:

1. find the user by external id, or create it;
2. find the app's WhatsApp integration;
3. create the conversation the link will target;
4. ask Sunshine to link the number (a ``pending`` client);
5. wait until the customer answers (``active``, or ``blocked``; gone means it failed);
6. post a welcome message.

With no settings it runs against an embedded fake Sunshine server; the fake's
``confirm_link`` plays the customer who taps "yes" on their phone. With
SUNSHINE_KEY_ID, SUNSHINE_KEY_SECRET and SUNSHINE_APP_ID set (and SUNSHINE_BASE_URL for a
Zendesk account) it runs against the real API and really messages that number.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable

import anyio

import sunshine_async
from sunshine_async import Session
from sunshine_async.testing import FakeSunshine

CREDENTIALS = ("SUNSHINE_KEY_ID", "SUNSHINE_KEY_SECRET", "SUNSHINE_APP_ID")
FAKE_APP = "5d8cff3cd55b040010928b5b"


async def find_or_create_user(app: sunshine_async.AppResource, external_id: str) -> str:
    """The id of the user with this external id, created when there is none."""
    try:
        user = await app.users.get(external_id)
    except sunshine_async.NotFoundError:
        try:
            user = await app.users.create(external_id=external_id)
        except sunshine_async.ConflictError:  # created meanwhile by another worker
            user = await app.users.get(external_id)
    return user.id


async def whatsapp_integration(app: sunshine_async.AppResource) -> str:
    """The id of the app's first WhatsApp integration."""
    async for integration in app.integrations.list(types=["whatsapp"]):
        return integration.id
    raise LookupError("this app has no WhatsApp integration")


async def link_whatsapp(
    session: Session,
    app_id: str,
    external_id: str,
    phone_number: str,
    *,
    wait_seconds: float = 300.0,
    between_polls: Callable[[float], Awaitable[object]] | None = None,
) -> list[str]:
    """Run the whole flow; returns the lines it printed.

    ``between_polls`` replaces the sleep between two looks at the client (the fake
    demo uses it to let its customer answer; a real service leaves it alone).
    """
    out: list[str] = []
    app = session.apps[app_id]
    user_id = await find_or_create_user(app, external_id)
    out.append(f"user {external_id} is {user_id}")
    integration_id = await whatsapp_integration(app)
    out.append(f"WhatsApp integration {integration_id}")
    conversation = await app.conversations.create(
        type="personal", participants=[{"userId": user_id}]
    )
    out.append(f"conversation {conversation.id}")

    clients = app.users[user_id].clients
    client = await clients.create(
        match_criteria=sunshine_async.MatchCriteriaWhatsapp(
            integration_id=integration_id, phone_number=phone_number
        ),
        confirmation=sunshine_async.Confirmation(type="prompt"),
        target=sunshine_async.Target(conversation_id=conversation.id),
    )
    out.append(f"asked to link {phone_number}: client {client.id} is {client.status}")
    try:
        linked = await clients.wait_for_link(
            client, timeout=wait_seconds, poll_interval=5.0, sleep=between_polls
        )
    except sunshine_async.LinkFailedError as exc:
        out.append(f"the link failed: {exc}")
        return out
    except sunshine_async.LinkTimeoutError:
        out.append(f"no answer within {wait_seconds:g} s; the client stays pending")
        return out
    out.append(f"client {linked.id} is {linked.status}")
    if linked.status == sunshine_async.ClientStatus.ACTIVE:
        messages = app.conversations[conversation.id].messages
        await messages.post(
            author=sunshine_async.Author(type="business", display_name="Acme"),
            content=sunshine_async.TextMessage(text="Welcome! You can write to us here any time."),
        )
        out.append("welcome message posted")
    return out


async def with_fake(phone_number: str, external_id: str) -> list[str]:
    """The flow against an in-memory fake, where a simulated customer confirms."""
    fake = FakeSunshine()
    fake.add_app(FAKE_APP)
    fake.add_integration(FAKE_APP, "whatsapp", display_name="WhatsApp")
    # the service's own webhook, registered once at deploy time (see webhook_receiver.py)
    custom = fake.add_integration(
        FAKE_APP, "custom", webhooks=[{"target": "https://example.com", "triggers": ["*"]}]
    )
    fake.add_webhook(
        FAKE_APP,
        custom,
        "https://service.example.com/sunshine/webhooks",
        ["client:add", "client:update", "client:remove"],
    )

    async def customer_answers(seconds: float) -> None:
        # while the service waits between two polls, the customer taps "yes"
        for client in fake.clients(FAKE_APP, external_id):
            if client.status == "pending":
                fake.confirm_link(FAKE_APP, external_id, client.id)

    async with fake.session() as session:
        lines = [f"No credentials set: using the embedded fake server at {session.base_url}"]
        lines += await link_whatsapp(
            session, FAKE_APP, external_id, phone_number, between_polls=customer_answers
        )
    kinds = [kind for delivery in fake.deliveries for kind in delivery.event_types]
    lines.append(f"webhook deliveries: {', '.join(kinds) or 'none'}")
    return lines


async def main() -> int:
    phone_number = sys.argv[1] if len(sys.argv) > 1 else "+15145555555"
    external_id = sys.argv[2] if len(sys.argv) > 2 else "steveb@example.com"
    given = [name for name in CREDENTIALS if os.environ.get(name)]
    if not given:
        lines = await with_fake(phone_number, external_id)
    elif len(given) < len(CREDENTIALS):
        missing = ", ".join(name for name in CREDENTIALS if name not in given)
        print(f"set all of {', '.join(CREDENTIALS)} (missing: {missing})", file=sys.stderr)
        return 2
    else:
        session = Session(
            key_id=os.environ["SUNSHINE_KEY_ID"],
            secret=os.environ["SUNSHINE_KEY_SECRET"],
            base_url=os.environ.get("SUNSHINE_BASE_URL") or sunshine_async.DEFAULT_BASE_URL,
        )
        async with session:
            lines = await link_whatsapp(
                session, os.environ["SUNSHINE_APP_ID"], external_id, phone_number
            )
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
