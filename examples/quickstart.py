"""Quickstart: link two channels to a user, list every client, remove one.

Run it with no settings and it talks to an embedded fake Sunshine server
(`sunshine_async.testing.FakeSunshine`), so nothing needs an account::

    python examples/quickstart.py

With SUNSHINE_KEY_ID, SUNSHINE_KEY_SECRET, SUNSHINE_APP_ID and SUNSHINE_USER_ID set (and
SUNSHINE_BASE_URL for a Zendesk account, e.g. https://acme.zendesk.com/sc) it talks to the
real API. Against the real API it only creates link requests when you also name the
integrations and conversation to use, because each one sends a real message:
SUNSHINE_WHATSAPP_INTEGRATION_ID, SUNSHINE_MAILGUN_INTEGRATION_ID,
SUNSHINE_CONVERSATION_ID, SUNSHINE_PHONE_NUMBER and SUNSHINE_EMAIL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import anyio

import sunshine_async
from sunshine_async import Session

CREDENTIALS = ("SUNSHINE_KEY_ID", "SUNSHINE_KEY_SECRET", "SUNSHINE_APP_ID", "SUNSHINE_USER_ID")
LINKING = (
    "SUNSHINE_WHATSAPP_INTEGRATION_ID",
    "SUNSHINE_MAILGUN_INTEGRATION_ID",
    "SUNSHINE_CONVERSATION_ID",
    "SUNSHINE_PHONE_NUMBER",
    "SUNSHINE_EMAIL",
)


async def tour(
    session: Session, app_id: str, user_id: str, linking: Mapping[str, str] | None
) -> list[str]:
    """Create (when `linking` says how), list and remove clients; returns the printed lines."""
    out: list[str] = []
    clients = session.apps[app_id].users[user_id].clients

    created: list[sunshine_async.Client] = []
    if linking is not None:
        whatsapp = await clients.create(
            match_criteria=sunshine_async.MatchCriteriaWhatsapp(
                integration_id=linking["SUNSHINE_WHATSAPP_INTEGRATION_ID"],
                phone_number=linking["SUNSHINE_PHONE_NUMBER"],
            ),
            confirmation=sunshine_async.Confirmation(type="immediate"),
            target=sunshine_async.Target(conversation_id=linking["SUNSHINE_CONVERSATION_ID"]),
        )
        # the same request as the JSON of the API docs, pasted as a dict
        email = await clients.create(
            {
                "matchCriteria": {
                    "type": "mailgun",
                    "integrationId": linking["SUNSHINE_MAILGUN_INTEGRATION_ID"],
                    "address": linking["SUNSHINE_EMAIL"],
                },
                "confirmation": {"type": "immediate"},
                "target": {"conversationId": linking["SUNSHINE_CONVERSATION_ID"]},
            }
        )
        created = [whatsapp, email]
        for client in created:
            out.append(f"created {client.type} client {client.id} ({client.status})")

    # small pages, so that the walk visibly follows several cursors
    pages = 0
    listed: list[sunshine_async.Client] = []
    async for page in clients.pages(page_size=10):
        pages += 1
        listed.extend(page.clients)
    out.append(f"listed {len(listed)} clients in {pages} pages")
    out.extend(table(listed))

    if created:
        gone = created[0]
        await clients.remove(gone.id)
        out.append(f"removed client {gone.id}")
        try:
            await clients.remove(gone.id)
        except sunshine_async.NotFoundError as error:
            out.append(f"removing it again: {type(error).__name__}: {error}")
        remaining = [c.id async for c in clients.list()]
        out.append(f"{len(remaining)} clients left")
    return out


def table(clients: list[sunshine_async.Client]) -> list[str]:
    """A plain-text table of clients: id, type, status, external id."""
    header = ("id", "type", "status", "external id")
    rows = [
        (c.id or "-", str(c.type or "-"), str(c.status or "-"), c.external_id or "-")
        for c in clients
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


async def with_fake() -> list[str]:
    """Seed an embedded fake server and run the tour against it."""
    from sunshine_async.testing import FakeSunshine

    fake = FakeSunshine()
    app_id = fake.add_app()
    user_id = fake.add_user(app_id, external_id="steveb@example.com")
    fake.add_clients(app_id, user_id, 21, type="messenger")
    linking = {
        "SUNSHINE_WHATSAPP_INTEGRATION_ID": "582dedf230e788746891281a",
        "SUNSHINE_MAILGUN_INTEGRATION_ID": "5e3b1c2a5f4a1f0010a1b2c3",
        "SUNSHINE_CONVERSATION_ID": "029c31f25a21b47effd7be90",
        "SUNSHINE_PHONE_NUMBER": "+1 514-555-5555",
        "SUNSHINE_EMAIL": "steveb@example.com",
    }
    async with fake.session() as session:
        lines = [f"No credentials set: using the embedded fake server at {session.base_url}"]
        return lines + await tour(session, app_id, "steveb@example.com", linking)


async def with_api(env: Mapping[str, str]) -> list[str]:
    """Run the tour against the real API named by the environment."""
    linking = {name: env[name] for name in LINKING} if all(env.get(n) for n in LINKING) else None
    base_url = env.get("SUNSHINE_BASE_URL") or sunshine_async.DEFAULT_BASE_URL
    async with Session(
        key_id=env["SUNSHINE_KEY_ID"], secret=env["SUNSHINE_KEY_SECRET"], base_url=base_url
    ) as session:
        lines = [f"Using {session.base_url}"]
        if linking is None:
            lines.append("(set " + ", ".join(LINKING) + " to create link requests too)")
        return lines + await tour(session, env["SUNSHINE_APP_ID"], env["SUNSHINE_USER_ID"], linking)


async def main() -> int:
    given = [name for name in CREDENTIALS if os.environ.get(name)]
    if not given:
        lines = await with_fake()
    elif len(given) < len(CREDENTIALS):
        missing = ", ".join(n for n in CREDENTIALS if n not in given)
        print(
            f"quickstart: set all of {', '.join(CREDENTIALS)} (missing: {missing})", file=sys.stderr
        )
        return 2
    else:
        try:
            lines = await with_api(os.environ)
        except sunshine_async.SunshineError as error:
            print(f"quickstart: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
