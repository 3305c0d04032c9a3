"""The fixed names of api-surface.md section 3, on the wire (respx), on both backends."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._generated import models
from sunshine_async._generated.operations import OPERATIONS

from .conftest import BASE_URL, KEY_ID, SECRET

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[1]

APP = "5d8cff3cd55b040010928b5b"
CONV = "029c31f25a21b47effd7be90"
INTEGRATION = "582dedf230e788746891281a"
USER = {"id": "u1", "externalId": "steveb@example.com", "profile": {"givenName": "Steve"}}
LAST_PAGE = {"hasMore": False}


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=True, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Session(key_id=KEY_ID, secret=SECRET, max_retries=0) as s:
        yield s


def body_of(route: respx.Route) -> object:
    return json.loads(route.calls.last.request.content)


async def test_apps(api: respx.MockRouter, session: Session) -> None:
    api.get(f"/v2/apps/{APP}").respond(200, json={"app": {"id": APP, "displayName": "Acme"}})
    listed = api.get("/v2/apps").respond(
        200, json={"apps": [{"id": APP}, {"id": "a2"}], "meta": LAST_PAGE}
    )
    app = await session.apps.get(APP)
    assert isinstance(app, models.App)
    assert (app.id, app.display_name) == (APP, "Acme")
    assert [a.id async for a in session.apps.list()] == [APP, "a2"]
    assert listed.calls.last.request.url.query == b"page[size]=100"


async def test_users(api: respx.MockRouter, session: Session) -> None:
    users = session.apps[APP].users
    created = api.post(f"/v2/apps/{APP}/users").respond(201, json={"user": USER})
    path = f"/v2/apps/{APP}/users/steveb%40example.com"
    api.get(path).respond(200, json={"user": USER})
    updated = api.patch(path).respond(200, json={"user": {**USER, "profile": {"surname": "B"}}})
    deleted = api.delete(path).respond(200, json={})
    listed = api.get(f"/v2/apps/{APP}/users").respond(200, json={"users": [USER]})

    user = await users.create(external_id="steveb@example.com", profile={"givenName": "Steve"})
    assert body_of(created) == {
        "externalId": "steveb@example.com",
        "profile": {"givenName": "Steve"},
    }
    assert isinstance(user, models.User)
    assert user.external_id == "steveb@example.com"
    assert (await users.get("steveb@example.com")).id == "u1"
    user = await users.update("steveb@example.com", profile={"surname": "B"})
    assert body_of(updated) == {"profile": {"surname": "B"}}
    assert user.profile is not None
    await users.delete("steveb@example.com")
    assert deleted.call_count == 1
    assert [u.id async for u in users.list(email="steveb@example.com")] == ["u1"]
    assert listed.calls.last.request.url.query == b"filter[identities.email]=steveb%40example.com"


async def test_conversations_and_messages(api: respx.MockRouter, session: Session) -> None:
    convs = session.apps[APP].conversations
    conversation = {"id": CONV, "type": "personal"}
    created = api.post(f"/v2/apps/{APP}/conversations").respond(
        201, json={"conversation": conversation}
    )
    api.get(f"/v2/apps/{APP}/conversations/{CONV}").respond(
        200, json={"conversation": conversation}
    )
    listed = api.get(f"/v2/apps/{APP}/conversations").respond(
        200, json={"conversations": [conversation], "meta": LAST_PAGE}
    )
    message = {
        "id": "m1",
        "author": {"type": "business"},
        "content": {"type": "text", "text": "Hi"},
    }
    posted = api.post(f"/v2/apps/{APP}/conversations/{CONV}/messages").respond(
        201, json={"messages": [message]}
    )
    api.get(f"/v2/apps/{APP}/conversations/{CONV}/messages").respond(
        200, json={"messages": [message], "meta": LAST_PAGE}
    )

    conv = await convs.create(type="personal", participants=[{"userExternalId": "steveb"}])
    assert body_of(created) == {"type": "personal", "participants": [{"userExternalId": "steveb"}]}
    assert conv.id == CONV
    assert (await convs.get(CONV)).type == "personal"
    assert [c.id async for c in convs.list(user_external_id="steveb")] == [CONV]
    assert b"filter[userExternalId]=steveb" in listed.calls.last.request.url.query
    msgs = session.apps[APP].conversations[CONV].messages
    sent = await msgs.post(author={"type": "business"}, content={"type": "text", "text": "Hi"})
    assert body_of(posted) == {
        "author": {"type": "business"},
        "content": {"type": "text", "text": "Hi"},
    }
    assert isinstance(sent[0].content, models.TextMessage)
    listed_messages = [m async for m in msgs.list()]
    assert [m.id for m in listed_messages] == ["m1"]


async def test_integrations_and_webhooks(api: respx.MockRouter, session: Session) -> None:
    listed = api.get(f"/v2/apps/{APP}/integrations").respond(
        200, json={"integrations": [{"id": INTEGRATION, "type": "whatsapp"}], "meta": LAST_PAGE}
    )
    base = f"/v2/apps/{APP}/integrations/{INTEGRATION}/webhooks"
    hook = {"id": "w1", "target": "https://example.com/hooks", "secret": "whsec", "triggers": []}
    created = api.post(base).respond(201, json={"webhook": hook})
    api.get(base).respond(200, json={"webhooks": [hook]})
    deleted = api.delete(f"{base}/w1").respond(200, json={})

    integrations = session.apps[APP].integrations
    found = [i.id async for i in integrations.list(types=["whatsapp", "twilio"])]
    assert found == [INTEGRATION]
    assert b"filter[types]=whatsapp%2Ctwilio" in listed.calls.last.request.url.query
    hooks = integrations[INTEGRATION].webhooks
    made = await hooks.create(
        target="https://example.com/hooks",
        triggers=["client:add", "client:update", "client:remove"],
    )
    assert made.secret == "whsec"
    assert body_of(created) == {
        "target": "https://example.com/hooks",
        "triggers": ["client:add", "client:update", "client:remove"],
    }
    assert [h.id async for h in hooks.list()] == ["w1"]
    assert made.id is not None
    await hooks.delete(made.id)
    assert deleted.call_count == 1


async def test_bodies_are_checked_before_sending(session: Session) -> None:
    users = session.apps[APP].users
    with respx.mock(assert_all_mocked=True) as router:
        with pytest.raises(
            sa.InvalidArgumentError,
            match=re.escape("body.externalID: unknown field (did you mean 'externalId'?)"),
        ):
            await users.create({"externalID": "x"})  # type: ignore[arg-type]
        with pytest.raises(sa.InvalidArgumentError, match="externalId"):
            await users.create(external_id=5)  # type: ignore[arg-type]
        with pytest.raises(sa.InvalidArgumentError, match="not both"):
            await users.create({"externalId": "x"}, profile={})
        hooks = session.apps[APP].integrations[INTEGRATION].webhooks
        with pytest.raises(sa.InvalidArgumentError, match="needs the field 'target'"):
            await hooks.create(triggers=["client:add"])  # type: ignore[call-overload]
        with pytest.raises(sa.InvalidArgumentError, match="dots only"):
            await users.get("..")
        with pytest.raises(sa.InvalidArgumentError, match=r"needs one of identities\.email"):
            await users.list().__anext__()
        with pytest.raises(sa.InvalidArgumentError, match="needs one of userId"):
            await session.apps[APP].conversations.list().__anext__()
        assert not router.calls


def test_every_v2_operation_is_offered() -> None:
    """Every /v2 operation has a method (Clients' three by hand), the token info too."""
    config = json.loads((ROOT / "codegen" / "resources.json").read_text())
    offered = {
        op_id
        for name, spec in config.items()
        if not name.startswith("_")
        for op_id in spec["methods"].values()
    }
    offered |= {"CreateClient", "ListClients", "RemoveClient"}
    contract = {op.id for op in OPERATIONS.values() if op.path.startswith("/v2/")}
    assert len(contract) == 65
    assert contract - offered == set()


async def test_navigation_reaches_every_collection(api: respx.MockRouter, session: Session) -> None:
    app = session.apps[APP]
    user = app.users["u1"]
    conv = app.conversations[CONV]
    integration = app.integrations[INTEGRATION]
    calls: list[tuple[str, str, dict[str, object], AsyncIterator[object]]] = [
        ("GET", f"/v2/apps/{APP}/keys", {"keys": []}, app.keys.list()),
        ("GET", f"/v2/apps/{APP}/switchboards", {"switchboards": []}, app.switchboards.list()),
        (
            "GET",
            f"/v2/apps/{APP}/switchboards/sb1/switchboardIntegrations",
            {"switchboardIntegrations": []},
            app.switchboards["sb1"].integrations.list(),
        ),
        ("GET", f"/v2/apps/{APP}/users/u1/devices", {"devices": []}, user.devices.list()),
        (
            "GET",
            f"/v2/apps/{APP}/conversations/{CONV}/participants",
            {"participants": [], "meta": LAST_PAGE},
            conv.participants.list(),
        ),
        (
            "GET",
            f"/v2/apps/{APP}/integrations/{INTEGRATION}/keys",
            {"keys": []},
            integration.keys.list(),
        ),
    ]
    for method, path, reply, iterator in calls:
        api.route(method=method, path=path).respond(200, json=reply)
        assert [item async for item in iterator] == []
    activity = api.post(f"/v2/apps/{APP}/conversations/{CONV}/activity").respond(200, json={})
    await conv.post_activity(author={"type": "business"}, type="typing:start")
    assert body_of(activity) == {"author": {"type": "business"}, "type": "typing:start"}
    erased = api.delete(f"/v2/apps/{APP}/users/u1/personalinformation").respond(
        200, json={"user": {"id": "u1"}}
    )
    await user.delete_personal_information()
    assert erased.call_count == 1
    synced = api.post(f"/v2/apps/{APP}/users/zd-42/sync").respond(200, json={"user": {"id": "u1"}})
    await app.users.sync("zd-42")
    assert synced.call_count == 1


async def test_upload_attachment(api: respx.MockRouter, session: Session) -> None:
    route = api.post(f"/v2/apps/{APP}/attachments").respond(
        201,
        json={"attachment": {"mediaUrl": "https://cdn.example/a.png", "mediaType": "image/png"}},
    )
    attachment = await session.apps[APP].attachments.upload(
        io.BytesIO(b"\x89PNG..."), filename="a.png", content_type="image/png", for_="message"
    )
    assert attachment.media_url == "https://cdn.example/a.png"
    sent = route.calls.last.request
    assert sent.url.query == b"access=public&for=message"
    kind = sent.headers["content-type"]
    assert kind.startswith("multipart/form-data; boundary=sunshine-")
    boundary = kind.partition("boundary=")[2].encode()
    assert sent.content.startswith(b"--" + boundary + b"\r\n")
    assert b'name="source"; filename="a.png"' in sent.content
    assert b"Content-Type: image/png\r\n\r\n\x89PNG...\r\n--" + boundary + b"--" in sent.content
    with pytest.raises(sa.InvalidArgumentError, match="binary mode"):
        await session.apps[APP].attachments.upload(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(sa.InvalidArgumentError, match="newlines"):
        await session.apps[APP].attachments.upload(b"x", filename='a"\r\nX-Evil: 1')
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda app: app.users.create(external_id=""), "body.externalId: must not be empty"),
        (lambda app: app.users.create(external_id="x" * 1025), "at most 1024 characters"),
        (
            lambda app: app.conversations.create(type="group"),
            "body.type: must be one of 'personal', 'sdkGroup', got 'group'",
        ),
        (
            lambda app: app.conversations.create(type="personal", participants=[{}] * 11),
            "at most 10 items",
        ),
        (
            lambda app: app.conversations[CONV].messages.post(
                author={"type": "business", "subtypes": ["robot"]},
                content={"type": "text", "text": "Hi"},
            ),
            "body.author.subtypes[0]: must be one of 'AI'",
        ),
        (
            lambda app: app.conversations[CONV].messages.post(
                author={"type": "business", "avatarUrl": "not/absolute"},
                content={"type": "text", "text": "Hi"},
            ),
            "body.author.avatarUrl: must be an absolute URL",
        ),
    ],
)
async def test_spec_bounds_on_generated_bodies(session: Session, call: Any, words: str) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        with pytest.raises(sa.InvalidArgumentError, match=re.escape(words)):
            await call(session.apps[APP])
        assert not router.calls
