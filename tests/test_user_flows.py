"""The defects a new user met (issue 14), each called as a user calls it.

Each test goes through the public surface, on the fake where it keeps state and with
respx where the answer must be one the fake would never give (a page without ``meta``,
a value of the wrong type), and checks what the docstring of the method promises.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

import httpx
import pytest
import respx

import sunshine_async as sa
from sunshine_async import InvalidArgumentError, Session
from sunshine_async._converter import problems_in
from sunshine_async._generated import models
from sunshine_async._generated.wire import WebhookCreateBodyJSON
from sunshine_async.testing import FakeSunshine

from .conftest import BASE_URL, KEY_ID, SECRET

pytestmark = pytest.mark.anyio

HOOK: WebhookCreateBodyJSON = {
    "target": "https://example.com/hooks",
    "triggers": ["client:add", "client:update"],
}


@pytest.fixture
def fake() -> FakeSunshine:
    return FakeSunshine()


# --- integrations -------------------------------------------------------------------


async def test_a_custom_integration_is_created_read_updated_and_listed(fake: FakeSunshine) -> None:
    """The way a service subscribes to link events: a custom integration with a webhook."""
    app = fake.add_app()
    async with fake.session() as session:
        integrations = session.apps[app].integrations
        hook = models.Webhook(target=HOOK["target"], triggers=HOOK["triggers"])
        made = await integrations.create(type="custom", display_name="links", webhooks=[hook])
        assert isinstance(made, models.Custom)
        assert made.id is not None
        assert made.display_name == "links"
        assert made.webhooks is not None
        assert made.webhooks[0].target == HOOK["target"]

        got = await integrations.get(made.id)
        assert isinstance(got, models.Custom)
        assert got.id == made.id

        renamed = await integrations.update(made.id, display_name="renamed")
        assert isinstance(renamed, models.Integration)
        assert renamed.display_name == "renamed"

        listed = [integration async for integration in integrations.list(types=["custom"])]
        assert [(type(i), i.id) for i in listed] == [(models.Custom, made.id)]


async def test_every_type_takes_its_own_fields(fake: FakeSunshine) -> None:
    """Type-specific fields, as keywords or as one mapping, each reach the wire."""
    app = fake.add_app()
    async with fake.session() as session:
        integrations = session.apps[app].integrations
        twilio = await integrations.create(
            {
                "type": "twilio",
                "accountSid": "ACa1b4c65ee0722712fab89867cb14eac7",
                "authToken": "160c024303f53049e1e060fd67ca6aefc",
                "phoneNumberSid": "PN0674df0ecee0c9819bca0ff0bc0a159e",
            }
        )
        mailgun = await integrations.create(
            type="mailgun",
            api_key="key-123",
            domain="mg.example.com",
            incoming_address="in@mg.example.com",
        )
    assert isinstance(twilio, models.Twilio)
    assert twilio.account_sid == "ACa1b4c65ee0722712fab89867cb14eac7"
    assert twilio.phone_number_sid == "PN0674df0ecee0c9819bca0ff0bc0a159e"
    assert isinstance(mailgun, models.Mailgun)
    assert mailgun.domain == "mg.example.com"
    assert mailgun.incoming_address == "in@mg.example.com"


async def test_the_keywords_of_a_type_are_sent_as_its_json(api: respx.MockRouter) -> None:
    route = api.post("/v2/apps/a1/integrations").respond(
        201, json={"integration": {"id": "i1", "type": "mailgun"}}
    )
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        await session.apps["a1"].integrations.create(
            type="mailgun",
            api_key="key-123",
            domain="mg.example.com",
            incoming_address="in@mg.example.com",
        )
    assert json.loads(route.calls.last.request.content) == {
        "type": "mailgun",
        "apiKey": "key-123",
        "domain": "mg.example.com",
        "incomingAddress": "in@mg.example.com",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "custom"}, "CreateIntegration body: body: needs the field 'webhooks'"),
        ({"type": "twilio", "webhooks": [HOOK]}, "body.webhooks: unknown field"),
        ({"type": "hologram"}, "body.type: unknown type 'hologram' (known: 'android'"),
        ({"display_name": "x"}, "body: needs the field 'type'"),
        (
            {"type": "custom", "webhooks": [{"target": 5, "triggers": []}]},
            "body.webhooks[0].target: must be a string, got integer",
        ),
    ],
)
async def test_a_wrong_integration_is_refused_before_sending(
    fake: FakeSunshine, fields: dict[str, object], message: str
) -> None:
    app = fake.add_app()
    async with fake.session() as session:
        with pytest.raises(InvalidArgumentError, match=re.escape(message)):
            await session.apps[app].integrations.create(**fields)  # type: ignore[call-overload]
    assert fake.requests == []


async def test_an_integration_of_a_new_type_is_read_as_the_base(api: respx.MockRouter) -> None:
    """A type this version does not know: the base class, its own fields in extra."""
    api.get("/v2/apps/a1/integrations/i1").respond(
        json={"integration": {"id": "i1", "type": "hologram", "beam": 3}}
    )
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        found = await session.apps["a1"].integrations.get("i1")
    assert type(found) is models.Integration
    assert (found.id, found.type, found.extra) == ("i1", "hologram", {"beam": 3})


# --- other operations ---------------------------------------------------------------


async def test_personal_data_deletion_returns_the_user(fake: FakeSunshine) -> None:
    app = fake.add_app()
    user = fake.add_user(app, external_id="steveb@example.com")
    async with fake.session() as session:
        deleted = await session.apps[app].users["steveb@example.com"].delete_personal_information()
    assert isinstance(deleted, models.User)
    assert deleted.id == user


async def test_token_info_names_the_app(fake: FakeSunshine) -> None:
    fake.add_app()
    async with fake.session() as session:
        app = await session.token_info()
    assert isinstance(app, models.App)
    assert app.id is not None


# --- pagination -------------------------------------------------------------------


async def test_a_page_without_meta_ends_the_walk(api: respx.MockRouter) -> None:
    """The spec's own ListApps example has no meta: its items, then nothing more."""
    route = api.get("/v2/apps").respond(json={"apps": [{"id": "a1"}, {"id": "a2"}]})
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        apps = session.apps.list()
        assert [app.id async for app in apps] == ["a1", "a2"]
        assert apps.pages.cursor is None
    assert route.call_count == 1


async def test_a_list_the_api_does_not_page_has_no_cursor(api: respx.MockRouter) -> None:
    api.get("/v2/apps/a1/users/u1/devices").respond(json={"devices": [{"id": "d1"}]})
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        devices = session.apps["a1"].users["u1"].devices.list()
        assert devices.pages.cursor is None
        assert [device.id async for device in devices] == ["d1"]
        assert devices.pages.cursor is None


async def test_an_odd_item_never_costs_its_page(api: respx.MockRouter) -> None:
    """A value of the wrong type is that value's problem; the walk goes on."""
    api.get("/v2/apps/a1/users/u1/clients").respond(
        json={
            "clients": [{"id": "c1", "lastSeen": 5}, "junk", {"id": "c3"}],
            "meta": {"hasMore": False},
        }
    )
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        pages = session.apps["a1"].users["u1"].clients.pages()
        (page,) = [page async for page in pages]
    assert [client.id for client in page.clients] == ["c1", "c3"]
    assert page.clients[0].extra == {"lastSeen": 5}
    assert problems_in(page) == [
        "expected a JSON object, got str @ $.clients[1]",
        "expected str, got int 5 @ $.clients[0].lastSeen",
    ]


# --- brand-separated users ----------------------------------------------------------


async def test_a_brand_reaches_devices_and_personal_data(api: respx.MockRouter) -> None:
    """Every call below a branded user names its brand, never the unbranded user."""
    base = "/v2/apps/a1/users/steveb%40example.com"
    devices = api.get(f"{base}/devices").respond(json={"devices": []})
    device = api.get(f"{base}/devices/d1").respond(json={"device": {"id": "d1"}})
    wipe = api.delete(f"{base}/personalinformation").respond(json={"user": {"id": "u1"}})
    async with Session(key_id=KEY_ID, secret=SECRET) as session:
        user = session.apps["a1"].user("steveb@example.com", brand_id="b1")
        assert [d async for d in user.devices.list()] == []
        await user.devices.get("d1")
        await user.delete_personal_information()
        with pytest.raises(InvalidArgumentError, match="differs from"):
            await user.delete_personal_information(brand_id="b2")
    for route in (devices, device, wipe):
        assert route.call_count == 1
        assert route.calls.last.request.url.params["brandId"] == "b1"


# --- secrets ------------------------------------------------------------------------


async def test_secrets_never_show_in_a_repr_or_a_log_line(
    fake: FakeSunshine, caplog: pytest.LogCaptureFixture
) -> None:
    app = fake.add_app()
    integration = fake.add_integration(app, "custom")
    async with fake.session() as session:
        hook = await session.apps[app].integrations[integration].webhooks.create(HOOK)
        key = await session.apps[app].keys.create(display_name="ci")
    assert hook.secret
    assert key.secret
    twilio = models.Twilio(account_sid="AC1", auth_token="tok-very-secret")
    with caplog.at_level(logging.INFO):
        logging.getLogger("user.code").info("%s %s %s", hook, key, twilio)
    for shown in (repr(hook), repr(key), str(twilio), caplog.text):
        assert hook.secret not in shown
        assert key.secret not in shown
        assert "tok-very-secret" not in shown
    assert "secret=<redacted>" in repr(hook)
    assert "auth_token=<redacted>" in repr(twilio)
    assert "secret=None" in repr(models.Webhook(target="https://example.com/h", triggers=[]))


# --- the README's create with JSON keywords -----------------------------------------


async def test_clients_create_takes_json_keywords(fake: FakeSunshine) -> None:
    app = fake.add_app()
    user = fake.add_user(app)
    integration = fake.add_integration(app, "whatsapp")
    conversation = fake.add_conversation(app, user)
    async with fake.session() as session:
        clients = session.apps[app].users[user].clients
        client = await clients.create(
            match_criteria={
                "type": "whatsapp",
                "integrationId": integration,
                "phoneNumber": "+15145555555",
            },
            confirmation={"type": "prompt"},
            target=sa.Target(conversation_id=conversation),
        )
        assert client.status == "pending"
        assert client.integration_id == integration
        requests = len(fake.requests)
        with pytest.raises(InvalidArgumentError, match=r"body\.matchCriteria\.phoneNumber"):
            await clients.create(  # type: ignore[call-overload]
                match_criteria={"type": "whatsapp", "integrationId": integration, "phoneNumber": 5},
                confirmation={"type": "prompt"},
                target={"conversationId": conversation},
            )
        assert len(fake.requests) == requests
    (stored,) = fake.clients(app, user)
    assert stored.external_id == "+15145555555"


async def test_a_mocked_response_reaches_the_caller() -> None:
    """httpx.MockTransport, the way most people mock httpx, answers a resource call."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"integration": {"id": "i1", "type": "custom"}})

    async with Session(
        key_id=KEY_ID, secret=SECRET, base_url=BASE_URL, transport=httpx.MockTransport(handler)
    ) as session:
        found = await session.apps["a1"].integrations.get("i1")
    assert isinstance(found, models.Custom)


# --- a model the SDK returned, sent back ------------------------------------------------


async def test_models_the_api_returned_can_be_sent_back(fake: FakeSunshine) -> None:
    """A profile, a message's author and content, a webhook: each goes back where the API
    takes that shape, without the fields the server set (a webhook's id and version)."""
    app = fake.add_app()
    integration = fake.add_integration(app, "custom")
    async with fake.session() as session:
        users = session.apps[app].users
        user = await users.create(external_id="steve", profile={"givenName": "Steve"})
        assert user.profile is not None
        again = await users.update(user.id, profile=user.profile)
        assert again.profile == user.profile
        conversation = await session.apps[app].conversations.create(
            type="personal", participants=[{"userId": user.id}]
        )
        messages = session.apps[app].conversations[conversation.id].messages
        (first,) = await messages.post(
            author={"type": "business"}, content={"type": "text", "text": "Hi"}
        )
        assert first.author is not None
        # a content of a type this version knows is a model (one it does not: its JSON)
        assert isinstance(first.content, models.TextMessage)
        (echo,) = await messages.post(author=first.author, content=first.content)
        assert echo.content == first.content
        hooks = session.apps[app].integrations[integration].webhooks
        hook = await hooks.create(target="https://example.com/h", triggers=["client:add"])
        assert hook.id
        made = await session.apps[app].integrations.create(type="custom", webhooks=[hook])
        assert isinstance(made, models.Custom)
    (sent_hook,) = fake.requests[-1].json["webhooks"]
    assert sent_hook["target"] == "https://example.com/h"
    assert "id" not in sent_hook
    assert "version" not in sent_hook


async def test_read_only_fields_written_by_hand_are_refused(fake: FakeSunshine) -> None:
    """The same field in a dict the caller wrote is a mistake, said before sending."""
    app = fake.add_app()
    async with fake.session() as session:
        integrations = session.apps[app].integrations
        hook = {"id": "w1", "target": "https://example.com/h", "triggers": ["client:add"]}
        with pytest.raises(InvalidArgumentError, match=r"body\.webhooks\[0\]\.id: is read-only"):
            await integrations.create(type="custom", webhooks=[hook])  # type: ignore[call-overload]
    assert fake.requests == []


async def test_the_shapes_of_an_untagged_union_are_models_too(fake: FakeSunshine) -> None:
    """A participant by user id, or by external id: each a model, sent as its JSON; read
    back (nothing says which shape a value has), it stays that JSON."""
    app = fake.add_app()
    user = fake.add_user(app, external_id="ada")
    async with fake.session() as session:
        conversations = session.apps[app].conversations
        made = await conversations.create(
            type="personal",
            participants=[models.ParticipantWithUserExternalId(user_external_id="ada")],
        )
        assert made.id
    assert fake.requests[-1].json["participants"] == [{"userExternalId": "ada"}]
    body = models.ConversationCreateBody.from_dict(
        {"type": "personal", "participants": [{"userId": user}]}
    )
    assert body.participants == ({"userId": user},)
    assert body.to_dict() == {"type": "personal", "participants": [{"userId": user}]}


async def test_a_whole_body_model_and_a_model_read_with_nulls_go_back(fake: FakeSunshine) -> None:
    """An integration the API returned, sent whole to another app; an author read with
    nulls and a field this version does not know, sent back in a message."""
    app, other = fake.add_app(), fake.add_app()
    async with fake.session() as session:
        web = await session.apps[app].integrations.create(type="web", display_name="W")
        copied = await session.apps[other].integrations.create(web)
        assert copied.id != web.id
        sent = fake.requests[-1].json
        assert "id" not in sent
        assert sent["displayName"] == "W"
        conversation = fake.add_conversation(app, fake.add_user(app))
        author = models.Author.from_dict(
            {"type": "business", "displayName": None, "avatarUrl": None, "newField": 1}
        )
        messages = session.apps[app].conversations[conversation].messages
        await messages.post(author=author, content=models.TextMessage(text="Hi"))
    assert fake.requests[-1].json["author"] == {"type": "business"}


async def test_a_datetime_is_sent_as_iso_text(fake: FakeSunshine) -> None:
    app = fake.add_app()
    async with fake.session() as session:
        when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        await session.apps[app].users.create(external_id="x1", signed_up_at=when)
    assert fake.requests[-1].json["signedUpAt"].startswith("2024-01-02T03:04:05")


async def test_clients_create_takes_body_by_keyword(fake: FakeSunshine) -> None:
    app = fake.add_app()
    user = fake.add_user(app)
    conversation = fake.add_conversation(app, user)
    integration = fake.add_integration(app, "whatsapp")
    async with fake.session() as session:
        client = (
            await session.apps[app]
            .users[user]
            .clients.create(
                body={
                    "matchCriteria": {
                        "type": "whatsapp",
                        "integrationId": integration,
                        "phoneNumber": "+15145555555",
                    },
                    "confirmation": {"type": "immediate"},
                    "target": {"conversationId": conversation},
                }
            )
        )
    assert client.id
